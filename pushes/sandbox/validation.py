"""Checks for `v3/push/app` requests, in the order of tpns-api.md §14.3.

The sandbox owns this order (rather than the console's request schema) because clients rely
on the first failing check deciding the ret_code. Steps 12 (rate limit) and 13 (no bound
device) need state and live in services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from pushes.sandbox.errors import SandboxError
from pushes.tpns import codes
from pushes.tpns.schema import (
    MAX_ACCOUNTS_PER_LIST,
    MAX_EXPIRE_TIME,
    MAX_MESSAGE_BYTES,
    TPNS_TIMEZONE,
)

if TYPE_CHECKING:
    from pushes.sandbox.models import SandboxApp, Upload

AUDIENCE_TYPES = frozenset(
    {
        "all",
        "tag",
        "token",
        "token_list",
        "account",
        "account_list",
        "package_account_push",
        "package_token_push",
    }
)
ACCOUNT_LIST_TYPES = frozenset({"account", "account_list"})
TOKEN_LIST_TYPES = frozenset({"token", "token_list"})
PACKAGE_TYPES = frozenset({"package_account_push", "package_token_push"})
ACCOUNT_TARGETED_TYPES = ACCOUNT_LIST_TYPES | {"package_account_push"}
# send_time, loop_param and push_speed apply to these only (§3.4); other pushes go out now.
SCHEDULABLE_TYPES = frozenset({"all", "tag", "package_account_push"})
# More than one of these per second per app → 1008028 (§10).
RATE_LIMITED_TYPES = frozenset({"all", "tag", "package_account_push"})

MESSAGE_TYPES = frozenset({"notify", "message"})
ENVIRONMENTS = frozenset({"product", "dev"})
MAX_ACCOUNT_CHARS = 100
MAX_TOKEN_CHARS = 36
PUSH_SPEED_RANGE = (1000, 50000)
SEND_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Times on the wire (send_time, loop_param, get_push_record dates) are read and written in
# TPNS's zone, China Standard Time (*inferred*, shared with pushes.tpns.schema).
WIRE_TIMEZONE = TPNS_TIMEZONE
SEND_TIME_PAST_TOLERANCE = timedelta(minutes=10)
SEND_TIME_MAX_AHEAD = timedelta(days=90)
MAX_LOOP_OCCURRENCES = 1000


@dataclass(frozen=True)
class PushRequest:
    """A `v3/push/app` request that passed every stateless check."""

    audience_type: str
    message: dict[str, Any]
    message_type: str
    environment: str
    seq: int
    account_type: int = 0
    account_push_type: int = 0
    targets: list[str] = field(default_factory=list)  # accounts or tokens, deduplicated
    upload: Upload | None = None
    send_time: datetime | None = None  # None: now
    loop_times: list[datetime] | None = None
    ignore_invalid_token: bool = False
    raw: dict[str, Any] = field(default_factory=dict)  # the request as received, for records

    @property
    def is_loop(self) -> bool:
        return self.loop_times is not None


def as_int(value: object) -> int | None:
    """An integer from an int or a decimal string; TPNS samples send both (§3.3)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def parse_object(body: bytes) -> dict[str, Any]:
    """Step 1: the body must be a JSON object, else 1008001."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SandboxError(codes.PARSE_ERROR) from exc
    if not isinstance(data, dict):
        raise SandboxError(codes.PARSE_ERROR)
    return data


def request_seq(data: dict[str, Any]) -> int:
    seq = as_int(data.get("seq"))
    return seq if seq is not None and -(2**63) <= seq < 2**63 else 0


def request_environment(data: dict[str, Any]) -> str:
    environment = data.get("environment")
    return environment if isinstance(environment, str) else ""


def message_size(message: dict[str, Any]) -> int:
    return len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def validate_push(data: dict[str, Any], *, app: SandboxApp, now: datetime) -> PushRequest:
    """The checks of §14.3, in the documented order; the first that fails answers."""
    audience_type, message = _audience_and_message(data)
    message_type = data.get("message_type") or "notify"  # `xinge` sends none (§12.1)
    environment = data.get("environment") or "product"
    if not _one_of(message_type, MESSAGE_TYPES) or not _one_of(environment, ENVIRONMENTS):
        raise SandboxError(codes.INVALID_PARAMETER)
    if (
        audience_type == "tag"
        and _missing(data.get("tag_rules"))
        and _missing(data.get("tag_list"))
    ):
        raise SandboxError(codes.MISSING_PARAMETER)
    targets = _targets(data, audience_type)
    # 6. upload_id for package pushes
    upload = _upload(data, app=app) if audience_type in PACKAGE_TYPES else None
    account_type, account_push_type = _numbers(data)
    send_time, loop_times = _schedule(data, audience_type, now=now)
    # 11. message at most 4 KB
    if message_size(message) > MAX_MESSAGE_BYTES:
        raise SandboxError(codes.INVALID_PARAMETER)
    return PushRequest(
        audience_type=audience_type,
        message=message,
        message_type=message_type,
        environment=environment,
        seq=request_seq(data),
        account_type=account_type,
        account_push_type=account_push_type,
        targets=dedupe(targets),
        upload=upload,
        send_time=send_time,
        loop_times=loop_times,
        ignore_invalid_token=as_int(data.get("ignore_invalid_token")) == 1,
        raw=data,
    )


def _audience_and_message(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    audience_type = data.get("audience_type")
    message = data.get("message")
    # 2. audience_type / message missing
    if _missing(audience_type) or _missing(message):
        raise SandboxError(codes.MISSING_PARAMETER)
    # 3. audience_type unknown (and the other enumerations, which clients may omit)
    if not _one_of(audience_type, AUDIENCE_TYPES) or not isinstance(message, dict):
        raise SandboxError(codes.INVALID_PARAMETER)
    assert isinstance(audience_type, str)
    return audience_type, message


def _targets(data: dict[str, Any], audience_type: str) -> list[str]:
    """4–5. account_list / token_list present, non-empty, at most 1000 entries."""
    targets: list[str] = []
    if audience_type in ACCOUNT_LIST_TYPES:
        targets = _target_list(data.get("account_list"), max_chars=MAX_ACCOUNT_CHARS)
    elif audience_type in TOKEN_LIST_TYPES:
        targets = _target_list(data.get("token_list"), max_chars=MAX_TOKEN_CHARS)
    if audience_type in {"account", "token"}:
        targets = targets[:1]  # only the first is used (§3.2)
    return targets


def _numbers(data: dict[str, Any]) -> tuple[int, int]:
    """7–9. account_push_type ∈ {0, 1}, account_type an integer, expire_time ≤ 259200,
    push_speed within 1000..50000."""
    account_push_type = _int_field(data, "account_push_type", default=0)
    account_type = _int_field(data, "account_type", default=0)
    if account_push_type not in (0, 1) or account_type < 0:
        raise SandboxError(codes.INVALID_PARAMETER)
    expire_time = _int_field(data, "expire_time", default=0)
    if not 0 <= expire_time <= MAX_EXPIRE_TIME:
        raise SandboxError(codes.INVALID_PARAMETER)
    if not _missing(data.get("push_speed")):
        push_speed = _int_field(data, "push_speed", default=0)
        if not PUSH_SPEED_RANGE[0] <= push_speed <= PUSH_SPEED_RANGE[1]:
            raise SandboxError(codes.INVALID_PARAMETER)
    return account_type, account_push_type


def _schedule(
    data: dict[str, Any], audience_type: str, *, now: datetime
) -> tuple[datetime | None, list[datetime] | None]:
    """10. send_time not more than 10 min in the past (nor beyond 90 days ahead); loops."""
    send_time = _send_time(data.get("send_time"), now=now)
    loop_times = None
    if audience_type in SCHEDULABLE_TYPES and not _missing(data.get("loop_param")):
        loop_times = _loop_times(data["loop_param"], now=now)
    if audience_type not in SCHEDULABLE_TYPES:
        send_time = None
    return send_time, loop_times


def _missing(value: object) -> bool:
    return value is None or value == "" or value == []


def _one_of(value: object, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _int_field(data: dict[str, Any], name: str, *, default: int) -> int:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    value = as_int(raw)
    if value is None:
        raise SandboxError(codes.INVALID_PARAMETER)
    return value


def _target_list(raw: object, *, max_chars: int) -> list[str]:
    if _missing(raw):
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(raw, list) or len(raw) > MAX_ACCOUNTS_PER_LIST:
        raise SandboxError(codes.INVALID_PARAMETER)
    if not all(isinstance(item, str) and 0 < len(item) <= max_chars for item in raw):
        raise SandboxError(codes.INVALID_PARAMETER)
    return list(raw)


def _upload(data: dict[str, Any], *, app: SandboxApp) -> Upload:
    from pushes.sandbox.models import Upload

    raw = data.get("upload_id")
    if _missing(raw):
        raise SandboxError(codes.MISSING_PARAMETER)
    upload_id = as_int(raw)
    if upload_id is None or upload_id <= 0:
        raise SandboxError(codes.INVALID_PARAMETER)
    upload = Upload.objects.filter(app=app, upload_id=upload_id).first()
    if upload is None:
        raise SandboxError(codes.INVALID_PARAMETER)
    return upload


def parse_send_time(raw: str) -> datetime:
    """`yyyy-MM-DD HH:MM:SS` in TPNS time (UTC+08:00)."""
    naive = datetime.strptime(raw.strip(), SEND_TIME_FORMAT)
    return naive.replace(tzinfo=WIRE_TIMEZONE)


def _send_time(raw: object, *, now: datetime) -> datetime | None:
    if _missing(raw):
        return None
    if not isinstance(raw, str):
        raise SandboxError(codes.ILLEGAL_PUSH_TIME)
    try:
        when = parse_send_time(raw)
    except ValueError as exc:
        raise SandboxError(codes.ILLEGAL_PUSH_TIME) from exc
    if when < now - SEND_TIME_PAST_TOLERANCE or when > now + SEND_TIME_MAX_AHEAD:
        raise SandboxError(codes.ILLEGAL_PUSH_TIME)
    # Within the tolerance a past time means "push now" (§3.4).
    return when if when > now else None


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _loop_day(day: date, loop_type: int | None, indexes: set[int | None]) -> bool:
    """Daily; weekly on the given weekdays (0 = Sunday); monthly on the given dates."""
    if loop_type == 1:
        return True
    if loop_type == 2:
        return (day.isoweekday() % 7) in indexes
    return loop_type == 3 and day.day in indexes


def _loop_times(raw: object, *, now: datetime) -> list[datetime]:
    """Occurrences of a loop push (§3.4). Weekly indexes: 0 = Sunday … 6 = Saturday (inferred)."""
    if not isinstance(raw, dict):
        raise SandboxError(codes.INVALID_PARAMETER)
    try:
        start = date.fromisoformat(str(raw["startDate"]))
        end = date.fromisoformat(str(raw["endDate"]))
        loop_type = as_int(raw.get("loopType"))
        indexes = {as_int(i) for i in raw.get("loopDayIndexs") or []}
        day_times = [time.fromisoformat(str(t)) for t in raw["dayTimes"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SandboxError(codes.INVALID_PARAMETER) from exc
    if loop_type not in (1, 2, 3) or not day_times or end < start:
        raise SandboxError(codes.INVALID_PARAMETER)
    if (end - start).days > SEND_TIME_MAX_AHEAD.days:
        raise SandboxError(codes.ILLEGAL_PUSH_TIME)
    times = [
        when
        for day in _days(start, end)
        if _loop_day(day, loop_type, indexes)
        for when in (datetime.combine(day, at, tzinfo=WIRE_TIMEZONE) for at in sorted(day_times))
        if now < when <= now + SEND_TIME_MAX_AHEAD
    ]
    if not times:
        raise SandboxError(codes.ILLEGAL_PUSH_TIME)
    if len(times) > MAX_LOOP_OCCURRENCES:
        raise SandboxError(codes.INVALID_PARAMETER)
    return times
