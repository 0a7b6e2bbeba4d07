"""Two languages: complete catalogs, every page in Simplified Chinese, the switcher that
remembers, <html lang>, and counts with thousands separators.

The catalogs are checked without GNU gettext: messages are extracted with Babel (templates
through Django's own `templatize`, as makemessages does) and compared with the .po files.
"""

from __future__ import annotations

import ast
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.translation.template import templatize

from console.preferences.forms import time_zone_names
from pushes.models import (
    AccountPackage,
    App,
    AuditEvent,
    Notification,
    Push,
    TestAccountsChange,
    UserPreference,
)
from pushes.sandbox import services as sandbox
from pushes.sandbox.models import Device, SandboxPush
from pushes.services import (
    app_test_accounts_propose,
    push_approve,
    push_submit,
)
from tests.factories import PackageFactory, UserFactory, make_push
from tests.sandbox.helpers import account_push, signed_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
ZH = {"Accept-Language": "zh-hans"}

# Words a zh-hans page may show in Latin letters: names, protocols and formats that the
# TPNS console itself leaves in English, and the switcher's own "English".
ALLOWED_WORDS = {
    "Pushdeck", "TPNS", "AccessID", "SecretKey", "iOS", "Android", "CSV", "JSON", "ID",
    "HTTP", "SHA", "URL", "URI", "Intent", "Token", "KB", "MB", "GB", "B", "OPPO", "vivo",
    "APNs", "FCM", "ROG", "English", "UTC",
    # Account types named after their services, kept as the TPNS console keeps them.
    "QQ", "MD", "OAID", "OpenID", "UnionID", "Facebook", "Twitter", "Google",
}  # fmt: skip

PY_KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "N_": None,  # gettext_noop's short name (console/management/commands/makemessages.py)
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
JS_KEYWORDS: dict[str, Any] = {
    "gettext": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}


# The catalogs ----------------------------------------------------------------------------


def _catalog(domain: str) -> Any:
    with (LOCALE / f"{domain}.po").open("rb") as source:
        return read_po(source, locale="zh_Hans")


def _key(context: str | None, message: str | tuple[str, ...]) -> tuple[str | None, str]:
    return context, message[0] if isinstance(message, tuple) else message


def _extracted(method: str, text: str, keywords: dict[str, Any]) -> set[tuple[str | None, str]]:
    source = io.BytesIO(text.encode())
    found = extract(method, source, keywords=keywords, options={"encoding": "utf-8"})
    return {_key(context, message) for _, message, _, context in found}


def source_messages() -> set[tuple[str | None, str]]:
    """The msgids of the Python code and templates, as makemessages extracts them."""
    found: set[tuple[str | None, str]] = set()
    for package in ("console", "pushes"):
        for path in (ROOT / package).rglob("*.py"):
            found |= _extracted("python", path.read_text(), PY_KEYWORDS)
    for path in (ROOT / "templates").rglob("*.html"):
        code = templatize(path.read_text(), origin=str(path))
        # Blanked-out markup keeps its indentation, which is no Python; the calls are
        # one line each, so dedenting every line loses nothing.
        code = "\n".join(line.lstrip() for line in code.splitlines())
        found |= _extracted("python", code, PY_KEYWORDS)
    return found


def script_messages() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in (ROOT / "static" / "js").glob("*.js"):
        found |= _extracted("javascript", path.read_text(), JS_KEYWORDS)
    return found


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_has_a_chinese_translation(domain: str) -> None:
    untranslated = []
    for message in _catalog(domain):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            untranslated.append(message.id)

    assert untranslated == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_translations_keep_every_placeholder(domain: str) -> None:
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>")
    wrong = []
    for message in _catalog(domain):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(pattern.findall(ids[-1])))
        for string in strings:
            if sorted(set(pattern.findall(string))) != wanted:
                wrong.append((ids[0], string))

    assert wrong == []


def test_the_catalog_holds_every_message_of_the_code_and_templates() -> None:
    catalog = {_key(m.context, m.id) for m in _catalog("django") if m.id}

    assert sorted(source_messages() - catalog, key=str) == []


def test_the_script_catalog_holds_every_message_of_the_page_scripts() -> None:
    catalog = {_key(m.context, m.id) for m in _catalog("djangojs") if m.id}

    assert sorted(script_messages() - catalog, key=str) == []


def test_the_catalogs_are_compiled_without_gettext(tmp_path: Path) -> None:
    from console.catalogs import compile_stale

    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for domain in ("django", "djangojs"):
        (folder / f"{domain}.po").write_bytes((LOCALE / f"{domain}.po").read_bytes())

    compiled = compile_stale(tmp_path)

    assert sorted(path.name for path in compiled) == ["django.mo", "djangojs.mo"]
    assert compile_stale(tmp_path) == []  # up to date: nothing to do


# Pages in Simplified Chinese -------------------------------------------------------------

# Text the domain (pushes/) shows that it has not marked for translation yet: its own
# engineers wrap it. What it has marked must be translated like everything else.
TRANSLATION_CALLS = {key for key in PY_KEYWORDS if key != "_"} | {"_"}


def _unmarked_domain_text() -> set[str]:
    literals: set[str] = set()
    for path in (ROOT / "pushes").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        marked = {
            id(arg)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _called(node) in TRANSLATION_CALLS
            for arg in node.args
        }
        # Pieces of f-strings (" of ", " by ") would hide common words: only longer ones.
        pieces = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                letters = sum(c.isalpha() for c in node.value)
                if id(node) not in marked and letters >= (4 if id(node) in pieces else 2):
                    literals.add(node.value.strip())
    return {text for text in literals if text}


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


class _VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes and the attributes read out or shown,
    without scripts, styles, code, payloads and typed values."""

    HIDDEN = {"script", "style", "code", "pre", "textarea", "noscript"}
    SPOKEN = ("aria-label", "title", "placeholder", "alt", "data-label")

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        values = dict(attrs)
        self.chunks += [values[name] or "" for name in self.SPOKEN if name in values]
        if tag == "input" and values.get("type") in {"submit", "button"}:
            self.chunks.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def english_words(html: str, data: set[str]) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    words: set[str] = set()
    removable = sorted(data, key=len, reverse=True)
    for chunk in parser.chunks:
        for text in removable:
            if text in chunk:
                chunk = re.sub(rf"(?<![A-Za-z]){re.escape(text)}(?![A-Za-z])", " ", chunk)
        for token in re.findall(r"[^\s，。：；、（）“”·…/|]+", chunk):
            if re.search(r"[\d_@.:=/#]", token):
                continue  # identifiers, numbers, files and addresses
            words |= {w for w in re.findall(r"[A-Za-z]{2,}", token) if w not in ALLOWED_WORDS}
    return words


@dataclass
class World:
    """One of everything a console page shows, made through the domain's services."""

    app: App
    draft: Push
    pending: Push
    approved: Push
    package: AccountPackage
    people: dict[str, User]
    data: set[str] = field(default_factory=set)


def _stored_text() -> set[str]:
    """Every text value the fixtures stored: names, titles, accounts, generated records."""
    texts: set[str] = set()
    kinds: list[type[models.Model]] = [
        App, Push, AccountPackage, AuditEvent, Notification, TestAccountsChange, Device,
        SandboxPush,
    ]  # fmt: skip
    for model in kinds:
        names = [
            f.name for f in model._meta.fields if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model._base_manager.values_list(*names):
            texts |= {str(value).strip() for value in row if value}
    for model in (Push, AccountPackage, AuditEvent):
        texts |= {str(row) for row in model._base_manager.all()}
    for push in Push.objects.all():
        texts |= set(push.accounts)
    return {text for text in texts if text}


@pytest.fixture
def world(
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
    staff: User,
    settings: Settings,
    tmp_path: Path,
    private_cache: None,
) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    package = cast(AccountPackage, PackageFactory(app=app, uploaded_by=marketer))
    draft = make_push(app=app, author=marketer, title="Spring sale")
    pending = push_submit(push=make_push(app=app, author=marketer, title="Summer"), by=marketer)
    approved = push_submit(push=make_push(app=app, author=marketer, title="Autumn"), by=marketer)
    approved = push_approve(push=approved, by=reviewer)
    app_test_accounts_propose(app=app, by=app_admin, text="qa-phone\n")
    sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
    device = sandbox.register_device(app=sandbox_app, label="Alice's phone")
    sandbox.bind(app=sandbox_app, account="alice", device=device)
    signed_post(
        Client(),
        "v3/push/app",
        account_push(["alice"], message={"title": "Flash sale", "content": "Today only"}),
        access_id=app.access_id,
        secret_key=app.secret_key,
    )
    people = {"marketer": marketer, "reviewer": reviewer, "admin": app_admin, "staff": staff}
    world = World(app, draft, pending, approved, package, people)
    world.data = _stored_text() | {u.get_username() for u in people.values()}
    world.data |= {text.upper() for text in world.data}  # the iOS mockup's app name
    world.data |= _unmarked_domain_text()
    world.data |= set(time_zone_names())  # the preferences page lists every zone
    return world


def _pages(world: World) -> list[tuple[str, str]]:
    app, package = {"code": world.app.code}, {"code": world.app.code, "package": world.package.code}
    return [
        ("marketer", reverse("console:app-list")),
        ("admin", reverse("console:app-detail", kwargs=app)),
        ("staff", reverse("console:app-create")),
        ("admin", reverse("console:app-edit", kwargs=app)),
        ("admin", reverse("console:app-test-accounts", kwargs=app)),
        ("marketer", reverse("console:push-list")),
        ("marketer", reverse("console:push-create", kwargs=app)),
        ("marketer", reverse("console:push-edit", kwargs={"code": world.draft.code})),
        ("marketer", reverse("console:push-preview", kwargs={"code": world.draft.code})),
        ("marketer", reverse("console:push-detail", kwargs={"code": world.approved.code})),
        ("marketer", reverse("console:push-detail", kwargs={"code": world.pending.code})),
        ("reviewer", reverse("console:review-queue")),
        ("reviewer", reverse("console:review-detail", kwargs={"code": world.pending.code})),
        ("marketer", reverse("console:package-list", kwargs=app)),
        ("marketer", reverse("console:package-detail", kwargs=package)),
        ("admin", reverse("console:audit-list")),
        ("marketer", reverse("console:notification-list")),
        ("reviewer", reverse("console:notification-list")),
        ("marketer", reverse("console:sandbox-inbox")),
        ("marketer", reverse("preferences")),
    ]


def test_every_console_page_reads_in_chinese(world: World) -> None:
    found = {}
    for persona, url in _pages(world):
        client = Client()
        client.force_login(world.people[persona])
        response = client.get(url, headers=ZH)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html, url
        words = english_words(html, world.data)
        if words:
            found[url] = sorted(words)

    assert found == {}


def test_the_login_page_reads_in_chinese(client: Client, db: None) -> None:
    response = client.get(reverse("login"), headers=ZH)

    assert english_words(response.content.decode(), set()) == set()
    assert "登录 Pushdeck" in response.content.decode()


def test_english_is_the_default_without_accept_language(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    html = client.get(reverse("console:app-list")).content.decode()

    assert '<html lang="en">' in html
    assert "Create Push" in html and "创建推送" not in html


def test_the_table_of_apps_uses_the_tpns_consoles_words(client: Client, app_admin: User) -> None:
    client.force_login(app_admin)

    html = client.get(reverse("console:app-list"), headers=ZH).content.decode()

    for words in ("应用", "操作", "创建推送", "推送记录", "审核队列", "审计日志", "退出登录"):
        assert words in html


# The switcher --------------------------------------------------------------------------


def test_the_switcher_is_a_labelled_form_that_works_without_scripts(
    client: Client, marketer: User
) -> None:
    client.force_login(marketer)

    html = client.get(reverse("console:app-list")).content.decode()

    assert f'<form method="post" action="{reverse("set-language")}" class="lang-switch">' in html
    assert '<label for="lang-switch-select">Language</label>' in html
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in html
    assert '<button type="submit" class="btn small">Switch</button>' in html


def test_the_choice_is_stored_and_wins_over_accept_language(client: Client, marketer: User) -> None:
    client.force_login(marketer)
    page = reverse("console:push-list")

    response = client.post(
        reverse("set-language"),
        {"language": "zh-hans"},
        headers={"Referer": f"http://testserver{page}"},
    )

    assert response.status_code == 302 and response["Location"] == f"http://testserver{page}"
    assert UserPreference.objects.get(user=marketer).language == "zh-hans"
    fresh = Client()  # another browser: no cookie, an English Accept-Language
    fresh.force_login(marketer)
    html = fresh.get(page, headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="zh-hans">' in html and "推送记录" in html


def test_switching_back_to_english_is_stored_too(client: Client, marketer: User) -> None:
    UserPreference.objects.create(user=marketer, language="zh-hans")
    client.force_login(marketer)

    client.post(reverse("set-language"), {"language": "en"})

    assert UserPreference.objects.get(user=marketer).language == "en"
    html = client.get(reverse("console:app-list"), headers=ZH).content.decode()
    assert '<html lang="en">' in html


def test_people_not_signed_in_get_the_choice_in_a_cookie(client: Client, db: None) -> None:
    response = client.post(reverse("set-language"), {"language": "zh-hans"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("login")).content.decode()
    assert not UserPreference.objects.exists()


def test_the_switch_goes_back_only_to_pushdeck_pages(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(
        reverse("set-language"), {"language": "en"}, headers={"Referer": "https://evil.example/"}
    )

    assert response["Location"] == reverse("console:app-list")


def test_an_unknown_language_changes_nothing(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(reverse("set-language"), {"language": "fr"})

    assert response.status_code == 302
    assert not UserPreference.objects.exists()


def test_the_switch_is_a_post(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    assert client.get(reverse("set-language")).status_code == 405


def test_a_stored_time_zone_shows_times_in_it(client: Client, app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer)
    Push.objects.filter(pk=push.pk).update(created_at="2026-03-01T23:30:00Z")
    UserPreference.objects.create(user=marketer, time_zone="Asia/Shanghai")
    client.force_login(marketer)

    html = client.get(reverse("console:push-list")).content.decode()

    assert "2026-03-02 07:30" in html


def test_a_time_zone_stays_with_its_owner(client: Client, app: App, marketer: User) -> None:
    """Time zones are activated per thread: the next request may be someone else's."""
    make_push(app=app, author=marketer)
    Push.objects.update(created_at="2026-03-01T23:30:00Z")
    UserPreference.objects.create(user=marketer, time_zone="Asia/Shanghai")
    other = Client()
    other.force_login(cast("User", UserFactory(username="ulla", is_staff=True)))
    client.force_login(marketer)

    client.get(reverse("console:push-list"))
    html = other.get(reverse("console:push-list")).content.decode()

    assert "2026-03-01 23:30" in html


def test_the_preferences_page_stores_language_and_time_zone(client: Client, marketer: User) -> None:
    client.force_login(marketer)
    page = client.get(reverse("preferences"), headers=ZH).content.decode()
    assert "时区" in page and '<option value="Asia/Shanghai">Asia/Shanghai</option>' in page

    response = client.post(
        reverse("preferences"), {"language": "zh-hans", "time_zone": "Asia/Shanghai"}
    )

    assert response.status_code == 302
    stored = UserPreference.objects.get(user=marketer)
    assert (stored.language, stored.time_zone) == ("zh-hans", "Asia/Shanghai")
    assert "偏好设置已保存。" in client.get(reverse("preferences")).content.decode()


def test_clearing_the_language_gives_the_browser_its_say_again(
    client: Client, marketer: User
) -> None:
    UserPreference.objects.create(user=marketer, language="zh-hans")
    client.force_login(marketer)

    response = client.post(reverse("preferences"), {"language": "", "time_zone": ""})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert UserPreference.objects.get(user=marketer).language == ""
    html = client.get(reverse("console:app-list"), headers={"Accept-Language": "en"})
    assert '<html lang="en">' in html.content.decode()


def test_an_unknown_time_zone_is_refused(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(reverse("preferences"), {"language": "", "time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert not UserPreference.objects.exists()


def test_the_preferences_page_needs_a_login(client: Client, db: None) -> None:
    response = client.get(reverse("preferences"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# The page scripts' catalog ---------------------------------------------------------------


def test_the_script_catalog_is_a_same_origin_script_in_the_page_language(
    client: Client, marketer: User
) -> None:
    client.force_login(marketer)
    html = client.get(reverse("console:app-list"), headers=ZH).content.decode()
    src = f"{reverse('javascript-catalog')}?l=zh-hans"
    assert f'<script src="{src}" defer></script>' in html
    assert html.index(src) < html.index("</head>")

    response = client.get(src, headers=ZH)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert json.dumps("查看详情") in response.content.decode()  # as JSON escapes


# Numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_counts_have_thousands_separators_in_both_languages(
    client: Client,
    app: App,
    marketer: User,
    language: str,
    settings: Settings,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    PackageFactory(app=app, accounts=20001, rows=20003, duplicates=2, invalid_rows=0)
    App.objects.filter(pk=app.pk).update(two_approvals_above=10000)
    client.force_login(marketer)

    packages = client.get(
        reverse("console:package-list", kwargs={"code": app.code}),
        headers={"Accept-Language": language},
    ).content.decode()
    detail = client.get(
        reverse("console:app-detail", kwargs={"code": app.code}),
        headers={"Accept-Language": language},
    ).content.decode()

    assert "20,001" in packages and "20,003" in packages and "20001" not in packages
    assert "10,000" in detail and "10000" not in detail.replace(app.access_id, "")


def test_identifiers_are_never_grouped(client: Client, app: App, marketer: User) -> None:
    client.force_login(marketer)
    html = client.get(reverse("console:push-create", kwargs={"code": app.code})).content.decode()

    assert 'data-max-bytes="104857600"' in html
