"""The data behind `bench.bench_pages`: a console after years of use, made in PostgreSQL.

20 apps and 20 people (each an admin, a marketer and a reviewer of three apps), 100
packages per app, and `pushes` pushes spread over the apps and the last years, with what
each push carries in production: typed lists of 1 to 1,000 accounts (and the request frozen
with them), a revision, an approval, a delivery attempt, results and two audit events.

The rows are made by INSERT … SELECT from generate_series inside the database (a million
pushes in a few minutes), and kept: a second run with the same figures reuses them. A column
a later migration adds is filled with its type's empty value when it has no default.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psycopg import Connection

# Bump when the shape of the generated data changes: the next run makes it again.
VERSION = "5"
APPS = 20
PEOPLE = 20
PACKAGES_PER_APP = 100
# The word a search looks for, as people look for one campaign: in one title in 5,000.
SEARCH_WORD = "flashsale"

# Typed list sizes, as shares of the pushes: most pushes go to a few accounts.
LIST_SIZES = [(1, 40), (3, 20), (10, 15), (50, 10), (200, 10), (1000, 5)]
# Statuses, as shares of 100 pushes.
STATUSES = [
    ("sent", 84),
    ("failed", 4),
    ("draft", 3),
    ("pending_review", 2),
    ("cancelled", 2),
    ("rejected", 2),
    ("approved", 1),
    ("in_doubt", 1),
    ("sending", 1),
]
MINUTES_BETWEEN_PUSHES = 2
# One push in ten of each app goes to an account package.
PACKAGE_PUSH = f"(g / {APPS}) % 10 = 0"


def fingerprint(pushes: int) -> str:
    return hashlib.sha256(f"{VERSION}:{pushes}:{APPS}:{PEOPLE}".encode()).hexdigest()[:16]


def stored_fingerprint(conn: Connection[Any]) -> str:
    conn.execute("CREATE TABLE IF NOT EXISTS bench_pages_meta (fingerprint text)")
    row = conn.execute("SELECT fingerprint FROM bench_pages_meta").fetchone()
    return str(row[0]) if row else ""


def make(conn: Connection[Any], pushes: int) -> None:
    """Replace every console row with the generated data (in one transaction)."""
    with conn.transaction():
        conn.execute(
            "TRUNCATE pushes_auditevent, pushes_approval, pushes_pushrevision, "
            "pushes_deliveryattempt, pushes_pushresults, pushes_push, pushes_accountpackage, "
            "pushes_membership, pushes_app, auth_user, django_session RESTART IDENTITY CASCADE"
        )
        _people_and_apps(conn)
        _packages(conn)
        _pushes(conn, pushes)
        _around_pushes(conn)
        conn.execute("DELETE FROM bench_pages_meta")
        conn.execute("INSERT INTO bench_pages_meta VALUES (%s)", [fingerprint(pushes)])
    conn.execute("VACUUM ANALYZE")


def _people_and_apps(conn: Connection[Any]) -> None:
    from pushes import crypto

    secret = crypto.encrypt("bench-secret-key-0000")
    # The password is unusable: the bench signs people in with sessions of its own.
    conn.execute(
        "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined)"
        " SELECT g, '!', false, 'person' || lpad(g::text, 2, '0'), '', '',"
        " 'person' || g || '@example.com', false, true, now() - interval '4 years'"
        " FROM generate_series(1, %s) g",
        [PEOPLE],
    )
    _restart_ids(conn, "auth_user", PEOPLE)
    _insert(
        conn,
        "pushes_app",
        {
            "id": "g",
            "created_at": "now() - interval '4 years'",
            "updated_at": "now() - interval '4 years'",
            "code": "md5('app' || g)::uuid",
            "name": "'App ' || lpad(g::text, 2, '0')",
            "platform": "case when g % 3 = 0 then 'ios' else 'android' end",
            "access_id": "(1500000000 + g)::text",
            "secret_key_encrypted": "%(secret)s",
            "secret_key_last4": "'0000'",
            "gateway": "'sandbox'",
            "test_accounts": "'[]'::jsonb",
        },
        f"generate_series(1, {APPS}) g",
        {"secret": secret},
    )
    _restart_ids(conn, "pushes_app", APPS)
    # Person p: admin of app p, marketer of app p+1, reviewer of app p+2 (wrapping).
    for offset, role in enumerate(("admin", "marketer", "reviewer")):
        conn.execute(
            "INSERT INTO pushes_membership (created_at, updated_at, role, app_id, user_id)"
            " SELECT now(), now(), %s, (p - 1 + %s) %% %s + 1, p"
            " FROM generate_series(1, %s) p",
            [role, offset, APPS, PEOPLE],
        )


def _packages(conn: Connection[Any]) -> None:
    _insert(
        conn,
        "pushes_accountpackage",
        {
            "created_at": "now() - (g * interval '10 hours')",
            "updated_at": "now() - (g * interval '10 hours')",
            "code": "md5('package' || g)::uuid",
            "file": "'packages/bench/' || g || '.txt'",
            "original_name": "'accounts-' || g || '.txt'",
            "size": "1000000 + g",
            "sha256": "encode(sha256(('package' || g)::bytea), 'hex')",
            "format": "'txt'",
            "status": "'valid'",
            "rows": "50000 + g",
            "accounts": "50000 + g",
            "errors": "'[]'::jsonb",
            "validated_at": "now() - (g * interval '10 hours')",
            "app_id": f"(g % {APPS}) + 1",
            "uploaded_by_id": f"((g + 1) % {PEOPLE}) + 1",
        },
        f"generate_series(1, {APPS * PACKAGES_PER_APP}) g",
    )


def _case(column: str, shares: list[tuple[Any, int]], value: str = "{}") -> str:
    """A CASE choosing among `shares` (weights summing to 100) by `column % 100`."""
    parts, upto = [], 0
    for choice, weight in shares:
        upto += weight
        parts.append(f"when {column} % 100 < {upto} then {value.format(choice)}")
    return "case " + " ".join(parts) + " end"


def _pushes(conn: Connection[Any], count: int) -> None:
    # One typed list per size; each push takes the list of its size.
    conn.execute(
        "CREATE TEMP TABLE bench_lists ON COMMIT DROP AS SELECT n,"
        " (SELECT jsonb_agg('user' || lpad(x::text, 7, '0')) FROM generate_series(1, n) x) AS list,"
        " (SELECT string_agg('user' || lpad(x::text, 7, '0'), E'\\n') FROM generate_series(1, n) x)"
        " AS text FROM unnest(%s::int[]) n",
        [[size for size, _ in LIST_SIZES]],
    )
    size = _case("(g * 7)", LIST_SIZES)
    status = _case("g", STATUSES, "'{}'")
    # The author: the app's admin or marketer; the reviewer: its reviewer (never the author).
    app = f"(g % {APPS}) + 1"
    _insert(
        conn,
        "pushes_push",
        {
            "id": "g",
            "created_at": f"now() - (({count} - g) * interval '{MINUTES_BETWEEN_PUSHES} min')",
            "updated_at": f"now() - (({count} - g) * interval '{MINUTES_BETWEEN_PUSHES} min')",
            "code": "md5('push' || g)::uuid",
            "status": "s.status",
            "source": f"case when {PACKAGE_PUSH} then 'package' else 'manual' end",
            "accounts": f"case when {PACKAGE_PUSH} then '[]'::jsonb else l.list end",
            "accounts_text": f"case when {PACKAGE_PUSH} then '' else l.text end",
            # One of the app's own packages (package p belongs to app p % APPS + 1).
            "package_id": f"case when {PACKAGE_PUSH} then"
            f" ((g / 200) % ({PACKAGES_PER_APP} - 1) + 1) * {APPS} + (g % {APPS}) end",
            "message_type": "'notify'",
            "title": "case when g % 5000 = 0 then 'Weekend " + SEARCH_WORD + " ' || g"
            " when g % 50 = 0 then 'Weekend offer ' || g"
            " else 'Spring campaign, week ' || (g % 52) || ' (' || g || ')' end",
            "content": "'Hello! Our new collection is here: come and see what we made for you. '"
            " || repeat('Details inside. ', 5)",
            "custom_content": "'{}'::jsonb",
            "open_action": "'app'",
            "target": f"case when {PACKAGE_PUSH} then 'package_account_push'"
            " when l.n = 1 then 'account' else 'account_list' end",
            "total_count": f"case when {PACKAGE_PUSH} then 50000 else l.n end",
            "payload": "jsonb_build_object('audience_type', 'account', 'message_type', 'notify',"
            " 'message', jsonb_build_object('title', 'Spring campaign', 'content',"
            " 'Hello! Our new collection is here.'), 'account_list',"
            f" case when {PACKAGE_PUSH} then '[]'::jsonb else l.list end)",
            "content_hash": "encode(sha256(('push' || g)::bytea), 'hex')",
            "submitted_at": f"case when s.status <> 'draft' then now() - (({count} - g) *"
            f" interval '{MINUTES_BETWEEN_PUSHES} min') end",
            "reviewed_by_id": f"case when s.status in ('sent', 'failed', 'rejected', 'approved',"
            f" 'in_doubt', 'sending', 'cancelled') then ((g % {APPS}) - 2 + {APPS}) % {APPS} + 1"
            " end",
            "push_id": "case when s.status = 'sent' then (1000000000 + g)::text else '' end",
            "sent_at": f"case when s.status = 'sent' then now() - (({count} - g) *"
            f" interval '{MINUTES_BETWEEN_PUSHES} min') end",
            "app_id": app,
            # Admin of app a is person a; its marketer is person a-1 (wrapping).
            "created_by_id": f"case when g % 2 = 0 then {app} else ((g % {APPS}) - 1 + {APPS})"
            f" % {APPS} + 1 end",
        },
        f"generate_series(1, {count}) g"
        f" JOIN bench_lists l ON l.n = ({size})"
        f" CROSS JOIN LATERAL (SELECT {status} AS status) s",
    )
    _restart_ids(conn, "pushes_push", count)


def _around_pushes(conn: Connection[Any]) -> None:
    submitted = "p.status <> 'draft'"
    _insert(
        conn,
        "pushes_pushrevision",
        {
            "number": "1",
            "snapshot": "p.payload",
            "content_hash": "p.content_hash",
            "created_at": "p.submitted_at",
            "push_id": "p.id",
            "submitted_by_id": "p.created_by_id",
        },
        f"pushes_push p WHERE {submitted}",
    )
    _insert(
        conn,
        "pushes_approval",
        {
            "content_hash": "p.content_hash",
            "comment": "''",
            "created_at": "p.submitted_at + interval '5 min'",
            "author_id": "p.created_by_id",
            "reviewer_id": "p.reviewed_by_id",
            "push_id": "p.id",
            "revision_id": "r.id",
        },
        "pushes_push p JOIN pushes_pushrevision r ON r.push_id = p.id"
        " WHERE p.status IN ('sent', 'failed', 'approved', 'in_doubt', 'sending')",
    )
    _insert(
        conn,
        "pushes_deliveryattempt",
        {
            "kind": "'push'",
            "started_at": "coalesce(p.sent_at, p.submitted_at)",
            "finished_at": "coalesce(p.sent_at, p.submitted_at)",
            "http_status": "200",
            "ret_code": "case when p.status = 'sent' then 0 else 1008001 end",
            "outcome": "case when p.status = 'sent' then 'ok' else 'permanent' end",
            "push_id": "p.id",
        },
        "pushes_push p WHERE p.status IN ('sent', 'failed')",
    )
    _insert(
        conn,
        "pushes_pushresults",
        {
            "push_id": "p.id",
            "planned": "p.total_count",
            "sent": "p.total_count",
            "arrived": "(p.total_count * 9) / 10",
            "clicked": "p.total_count / 10",
            "cleared": "p.total_count / 20",
            "as_of": "p.sent_at + interval '3 days'",
            "refreshes": "9",
            "final": "true",
        },
        "pushes_push p WHERE p.status = 'sent'",
    )
    _audit(conn)


def _audit(conn: Connection[Any]) -> None:
    """Two events per push (created, then submitted), in time order."""
    _insert(
        conn,
        "pushes_auditevent",
        {
            "created_at": "e.at",
            "actor_name": "u.username",
            "action": "e.action",
            "object_type": "'pushes.push'",
            "object_id": "p.id::text",
            "object_repr": "left(p.title, 200)",
            "data": "jsonb_build_object('status', p.status)",
            "prev_hash": "encode(sha256(('prev' || p.id || e.action)::bytea), 'hex')",
            "hash": "encode(sha256(('hash' || p.id || e.action)::bytea), 'hex')",
            "actor_id": "p.created_by_id",
            "app_id": "p.app_id",
        },
        "pushes_push p JOIN auth_user u ON u.id = p.created_by_id"
        " CROSS JOIN LATERAL (VALUES (p.created_at, 'push.created'),"
        " (coalesce(p.sent_at, p.created_at + interval '1 min'),"
        " 'push.submitted')) e(at, action)"
        " ORDER BY e.at",
    )


def _restart_ids(conn: Connection[Any], table: str, last: int) -> None:
    conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])


def _insert(
    conn: Connection[Any],
    table: str,
    values: dict[str, str],
    source: str,
    params: dict[str, Any] | None = None,
) -> None:
    """INSERT … SELECT of `values` (column → SQL) from `source`; every other NOT NULL column
    without a default gets its type's empty value, so a later migration's columns are filled."""
    columns = dict(values)
    for name, kind in _required_columns(conn, table):
        columns.setdefault(name, _empty(kind))
    names = ", ".join(columns)
    sql = f"INSERT INTO {table} ({names}) SELECT {', '.join(columns.values())} FROM {source}"  # noqa: S608 (the bench's own SQL)
    conn.execute(sql.replace("%", "%%").replace("%%(secret)s", "%(secret)s"), params or {})


def _required_columns(conn: Connection[Any], table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL"
        " AND is_identity = 'NO'",
        [table],
    ).fetchall()
    return [(str(name), str(kind)) for name, kind in rows]


def _empty(kind: str) -> str:
    if kind == "boolean":
        return "false"
    if kind in {"jsonb", "json"}:
        return "'{}'::jsonb"
    if kind in {"integer", "bigint", "smallint", "numeric", "double precision"}:
        return "0"
    if kind.startswith("timestamp"):
        return "now()"
    if kind == "uuid":
        return "gen_random_uuid()"
    return "''"
