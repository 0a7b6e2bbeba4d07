"""Create Push in the console: the form, Preview, Back, Confirm, edits and live checks."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.urls import reverse
from django.utils import timezone

from pushes.errors import Invalid
from pushes.models import AccountPackage, App, AuditEvent, Membership, Push, PushRevision, Role
from pushes.services import IOS_OPEN_ACTION, push_submit
from tests.factories import MembershipFactory, PackageFactory, UserFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

    from pushes.models import App

pytestmark = pytest.mark.django_db

TOO_SHORT = "account has 1 character; accounts have 2–100 characters"


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": "manual",
        "accounts_text": "alice\nbob\n",
        "account_type": "0",
        "account_push_type": "0",
        "message_type": "notify",
        "title": "Spring sale",
        "content": "20% off today",
        "expire_hours": "",
        "send_time": "",
        "custom_key": [""],
        "custom_value": [""],
        "open_action": "app",
        "open_target": "",
        "action": "preview",
    }
    data.update(overrides)
    return data


def create(client: Client, app: App, **overrides: Any) -> Response:
    return client.post(
        reverse("console:push-create", kwargs={"code": app.code}), form_data(**overrides)
    )


def edit(client: Client, push: Push, **overrides: Any) -> Response:
    return client.post(
        reverse("console:push-edit", kwargs={"code": push.code}), form_data(**overrides)
    )


def url(name: str, push: Push) -> str:
    return reverse(f"console:{name}", kwargs={"code": push.code})


def preview_hash(client: Client, push: Push) -> str:
    body = client.get(url("push-preview", push)).content.decode()
    match = re.search(r'name="preview_hash" value="([0-9a-f]{64})"', body)
    assert match, "the preview has no Confirm form"
    return match.group(1)


def confirm(client: Client, push: Push) -> Response:
    return client.post(url("push-confirm", push), {"preview_hash": preview_hash(client, push)})


def payload_on(body: str) -> dict[str, Any]:
    match = re.search(r'<pre class="payload" id="payload"[^>]*>(.*?)</pre>', body, re.S)
    assert match
    import html

    return json.loads(html.unescape(match.group(1)))


# The form -----------------------------------------------------------------------------


def test_create_push_shows_the_tpns_form_with_the_apps_default_type(
    client: Client, app: App, marketer: User
) -> None:
    app.default_account_type = 1002
    app.save()
    client.force_login(marketer)
    body = client.get(reverse("console:push-create", kwargs={"code": app.code})).content.decode()
    assert "Push Target" in body
    assert re.search(r'value="account"[^>]*checked', body)
    for other in ("all", "tag", "token"):
        assert re.search(rf'value="{other}"[^>]*disabled', body)
    assert '<option value="1002" selected>Mobile phone number (1002)</option>' in body
    assert "must match the account type used when the accounts were bound" in body.lower()
    assert "Account Type" in body and "Preview" in body
    assert "Time zone: UTC" in body


def test_preview_saves_a_draft_and_shows_the_exact_payload(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = create(
        client,
        app,
        accounts_text="alice\nbob\nalice\n",
        custom_key=["coupon", ""],
        custom_value=["SPRING20", ""],
    )
    push = Push.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("push-preview", push)
    assert (push.status, push.created_by, push.accounts) == ("draft", marketer, ["alice", "bob"])
    body = client.get(response["Location"]).content.decode()
    assert payload_on(body) == {
        "audience_type": "account_list",
        "account_list": ["alice", "bob"],
        "account_type": 0,
        "account_push_type": 0,
        "message_type": "notify",
        "message": {
            "title": "Spring sale",
            "content": "20% off today",
            "android": {"custom_content": '{"coupon":"SPRING20"}'},
        },
    }
    assert 'data-testid="valid-accounts">2<' in body
    assert 'data-testid="duplicates">1<' in body
    assert 'data-testid="android-title">Spring sale<' in body
    assert "Confirm" in body


def test_field_errors_are_next_to_their_field_and_keep_what_was_typed(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = create(
        client,
        app,
        expire_hours="99",
        open_action="url",
        open_target="not a url",
        custom_key=["", "a", "a"],
        custom_value=["orphan", "1", "2"],
        title="Keep this title",
        accounts_text="kept\naccounts\n",
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["expire_hours"] == ["Ensure this value is less than or equal to 72."]
    assert form.errors["open_target"] == [
        "Enter the full web address to open, starting with https://."
    ]
    assert form.errors["custom_content"] == [
        "Pair 1: enter a key for the value “orphan”.",
        "Pair 3: the key “a” is already used above.",
    ]
    body = response.content.decode()
    assert 'value="Keep this title"' in body
    assert "kept\naccounts\n" in body
    assert 'value="orphan"' in body
    assert 'id="id_expire_hours_errors"' in body
    assert 'aria-invalid="true"' in body
    assert not Push.objects.exists()


def test_accounts_errors_name_the_line_and_the_draft_keeps_the_text(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = create(client, app, accounts_text="alice\nx\n", title="")
    push = Push.objects.get()
    assert response["Location"] == url("push-edit", push) + "?check=1"
    page = client.get(response["Location"])
    form = page.context["form"]
    assert form.errors["accounts_text"] == [
        "Line 2, “x”: account has 1 character; accounts have 2–100 characters"
    ]
    assert list(form.errors["title"]) and "required" in form.errors["title"][0]
    assert "alice\nx\n" in page.content.decode()
    assert push.accounts_text == "alice\nx\n"


def test_package_source_without_a_package_is_an_error_by_the_package_field(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = create(client, app, source="package")
    page = client.get(response["Location"])
    assert page.context["form"].errors["package"] == ["Choose or upload an account package."]


def test_a_package_of_another_app_is_refused(client: Client, app: App, marketer: User) -> None:
    other = cast(AccountPackage, PackageFactory())
    client.force_login(marketer)
    response = create(client, app, source="package", package=str(other.code))
    assert response.status_code == 400
    assert response.context["form"].errors["package"] == [
        "That package is not one of this app's packages."
    ]


def test_scheduled_time_in_the_past_is_an_error_by_its_field(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    past = (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = create(client, app, send_time=past)
    page = client.get(response["Location"])
    assert page.context["form"].errors["send_time"] == [
        "The scheduled time is in the past; clear it to send on approval."
    ]
    assert f'value="{past}"' in page.content.decode()


def test_save_draft_stays_on_the_form(client: Client, app: App, marketer: User) -> None:
    client.force_login(marketer)
    response = create(client, app, action="save", title="")
    push = Push.objects.get()
    assert response["Location"] == url("push-edit", push)
    assert push.status == Push.Status.DRAFT


# Preview → Back → Confirm ------------------------------------------------------------


def test_back_from_preview_keeps_everything_then_confirm_submits(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    soon = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    typed = "  alice\r\nbob\n\nalice\n"
    create(
        client,
        app,
        accounts_text=typed,
        account_type="1005",
        account_push_type="1",
        message_type="notify",
        expire_hours="12",
        send_time=soon,
        custom_key=["k1", "k2"],
        custom_value=["v1", "v2"],
        open_action="intent",
        open_target="xgscheme://com.example/notify?x=1",
    )
    push = Push.objects.get()
    back = client.get(url("push-edit", push))
    form = back.context["form"]
    assert form["accounts_text"].value() == typed
    assert form["account_type"].value() == 1005
    assert form["account_push_type"].value() == 1
    assert form["expire_hours"].value() == 12
    assert form.custom_pairs == [("k1", "v1"), ("k2", "v2")]
    assert form["open_target"].value() == "xgscheme://com.example/notify?x=1"
    body = back.content.decode()
    assert f'value="{soon}"' in body
    assert 'value="k2"' in body and "returns this push to draft" not in body

    # Posting the loaded form unchanged changes nothing that is sent.
    before = preview_hash(client, push)
    edit(
        client,
        push,
        accounts_text=typed,
        account_type="1005",
        account_push_type="1",
        expire_hours="12",
        send_time=soon,
        custom_key=["k1", "k2"],
        custom_value=["v1", "v2"],
        open_action="intent",
        open_target="xgscheme://com.example/notify?x=1",
    )
    assert preview_hash(client, push) == before

    response = confirm(client, push)
    push.refresh_from_db()
    assert response["Location"] == url("push-detail", push)
    assert push.status == Push.Status.PENDING_REVIEW
    assert push.content_hash == before
    assert push.payload["expire_time"] == 43200
    detail = client.get(response["Location"]).content.decode()
    assert "Pending review" in detail
    assert "Submitted for review" in detail


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Other title"},
        {"content": "Other content"},
        {"accounts_text": "alice\ncarol\n"},
        {"account_type": "1002"},
        {"account_push_type": "1"},
        {"message_type": "message"},
        {"expire_hours": "1"},
        {"custom_key": ["k"], "custom_value": ["v"]},
        {"open_action": "url", "open_target": "https://example.com/sale"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_the_content_hash_changes_with_anything_that_is_sent(
    client: Client, app: App, marketer: User, change: dict[str, Any]
) -> None:
    client.force_login(marketer)
    create(client, app)
    push = Push.objects.get()
    confirm(client, push)
    push.refresh_from_db()
    first = push.content_hash
    edit(client, push, **change)
    confirm(client, push)
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW
    assert push.content_hash != first


def test_reformatting_the_accounts_keeps_the_hash(client: Client, app: App, marketer: User) -> None:
    client.force_login(marketer)
    create(client, app, accounts_text="alice\nbob\n")
    push = Push.objects.get()
    before = preview_hash(client, push)
    edit(client, push, accounts_text=" alice \r\n\nbob\nbob")
    assert preview_hash(client, push) == before


def test_a_package_push_previews_its_package_and_upload_id_note(
    client: Client, app: App, marketer: User
) -> None:
    package = cast(AccountPackage, PackageFactory(app=app, accounts=3, duplicates=1, rows=4))
    client.force_login(marketer)
    response = create(client, app, source="package", package=["", str(package.code)])
    push = Push.objects.get()
    assert push.package == package
    body = client.get(response["Location"]).content.decode()
    assert payload_on(body) == {
        "audience_type": "package_account_push",
        "account_type": 0,
        "account_push_type": 0,
        "message_type": "notify",
        "message": {"title": "Spring sale", "content": "20% off today"},
    }
    assert 'id="upload-id-note"' in body
    assert package.sha256[:16] in body
    assert 'data-testid="valid-accounts">3<' in body
    assert 'data-testid="duplicates">1<' in body


def test_preview_warns_about_channel_limits_and_empty_content(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    # An empty content is an error for a notification: the form shows it by its field.
    response = create(client, app, title="A title that is longer than twenty", content="")
    assert response["Location"].endswith("?check=1")
    form = client.get(response["Location"]).context["form"]
    assert form.errors["content"] == ["The content is required for a notification."]
    # For an in-app message it is only a warning.
    push = Push.objects.get()
    edit(
        client, push, title="A title that is longer than twenty", message_type="message", content=""
    )
    body = client.get(url("push-preview", push)).content.decode()
    assert "Title is 34 characters, longer than TPNS (20), Meizu (32), OPPO (32) allow" in body
    assert "The content is empty." in body
    assert "In-app message" in body


def test_preview_warns_about_a_message_over_4_kb(client: Client, app: App, marketer: User) -> None:
    client.force_login(marketer)
    response = create(client, app, content="x" * 5000)
    form = client.get(response["Location"]).context["form"]
    assert form.errors["content"][0].startswith("The message is 50")
    assert "TPNS allows at most 4096 (4 KB)" in form.errors["content"][0]


def test_confirm_refuses_a_push_changed_since_its_preview(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    create(client, app)
    push = Push.objects.get()
    stale = preview_hash(client, push)
    edit(client, push, title="Changed in another tab")
    response = client.post(url("push-confirm", push), {"preview_hash": stale})
    push.refresh_from_db()
    assert response["Location"] == url("push-preview", push)
    assert push.status == Push.Status.DRAFT


def test_confirm_errors_go_back_to_the_form_by_field(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    create(client, app, action="save", title="")
    push = Push.objects.get()
    response = client.post(url("push-confirm", push), {"preview_hash": preview_hash_of_draft(push)})
    assert response["Location"] == url("push-edit", push) + "?check=1"
    form = client.get(response["Location"]).context["form"]
    assert "title" in form.errors


def preview_hash_of_draft(push: Push) -> str:
    from pushes import snapshot

    push.refresh_from_db()
    return snapshot.content_hash(snapshot.snapshot(push))


# Editing a submitted push ----------------------------------------------------------


@pytest.mark.parametrize("status", ["pending_review", "rejected"])
def test_editing_a_submitted_push_returns_it_to_draft(
    client: Client, app: App, marketer: User, status: str
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    Push.objects.filter(pk=push.pk).update(status=status)
    client.force_login(marketer)
    page = client.get(url("push-edit", push)).content.decode()
    assert "Saving returns this push to draft; it needs review again." in page
    response = edit(client, push, title="Fixed title")
    push.refresh_from_db()
    assert response["Location"] == url("push-preview", push)
    assert push.status == Push.Status.DRAFT
    assert AuditEvent.objects.filter(action="push.returned_to_draft", object_id=push.pk).exists()


def test_a_sent_push_cannot_be_edited(client: Client, app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer)
    Push.objects.filter(pk=push.pk).update(status=Push.Status.SENT)
    client.force_login(marketer)
    response = client.get(url("push-edit", push))
    assert response["Location"] == url("push-detail", push)
    response = edit(client, push, title="Too late")
    push.refresh_from_db()
    assert push.title == "Spring sale"


def test_resubmitting_after_an_edit_records_a_new_revision(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    create(client, app)
    push = Push.objects.get()
    confirm(client, push)
    edit(client, push, title="Second version")
    confirm(client, push)
    assert list(PushRevision.objects.filter(push=push).values_list("number", flat=True)) == [1, 2]


# Who may do what --------------------------------------------------------------------


def test_a_reviewer_only_member_cannot_create(client: Client, app: App, reviewer: User) -> None:
    client.force_login(reviewer)
    assert client.get(reverse("console:push-create", kwargs={"code": app.code})).status_code == 403
    assert create(client, app).status_code == 403
    assert not Push.objects.exists()


def test_a_marketer_of_another_app_gets_404_everywhere(
    client: Client, app: App, marketer: User, stranger: User
) -> None:
    push = make_push(app=app, author=marketer)
    client.force_login(stranger)
    assert client.get(reverse("console:push-create", kwargs={"code": app.code})).status_code == 404
    for name in ("push-edit", "push-preview", "push-detail", "push-status"):
        assert client.get(url(name, push)).status_code == 404, name
    for name in ("push-confirm", "push-test", "push-cancel"):
        assert client.post(url(name, push)).status_code == 404, name


def test_another_marketer_of_the_app_sees_but_cannot_change_a_push(
    client: Client, app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer)
    other = cast(
        Membership,
        MembershipFactory(app=app, user=UserFactory(username="max"), role=Role.MARKETER),
    ).user
    client.force_login(other)
    assert client.get(url("push-detail", push)).status_code == 200
    assert client.get(url("push-edit", push)).status_code == 403
    assert client.get(url("push-preview", push)).status_code == 403
    assert client.post(url("push-cancel", push)).status_code == 403


def test_an_admin_cannot_edit_someone_elses_push_but_can_cancel_it(
    client: Client, app: App, marketer: User, app_admin: User
) -> None:
    """Whoever changed a push could approve what they wrote: only its author edits it."""
    push = make_push(app=app, author=marketer)
    client.force_login(app_admin)
    assert client.get(url("push-edit", push)).status_code == 403
    assert client.post(url("push-confirm", push)).status_code == 403
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT
    client.post(url("push-cancel", push))
    push.refresh_from_db()
    assert push.status == Push.Status.CANCELLED


# Live check of typed accounts -------------------------------------------------------


def test_the_live_check_reports_lines_and_duplicates(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    check_url = reverse("console:push-check-accounts", kwargs={"code": app.code})
    bad = client.post(check_url, {"accounts_text": "alice\nx\n" + "y" * 101}).json()
    assert bad["ok"] is False
    assert [e["line"] for e in bad["errors"]] == [2, 3]
    assert bad["errors"][0]["reason"] == "account has 1 character; accounts have 2–100 characters"
    good = client.post(check_url, {"accounts_text": "alice\nbob\n alice\n"}).json()
    assert good == {
        "ok": True,
        "summary": "2 valid accounts, 1 duplicate removed.",
        "lines": 3,
        "accounts": 2,
        "duplicates": 1,
        "target": "account_list",
        "first": ["alice", "bob"],
        "errors": [],
        "more_errors": 0,
        "repeated": [{"line": 3, "account": "alice", "first_line": 1}],
    }
    many = "\n".join(f"user{i:04d}" for i in range(1001))
    assert client.post(check_url, {"accounts_text": many}).json()["target"] == (
        "package_account_push"
    )


def test_the_live_check_is_for_authors_only(client: Client, app: App, reviewer: User) -> None:
    client.force_login(reviewer)
    check_url = reverse("console:push-check-accounts", kwargs={"code": app.code})
    assert client.post(check_url, {"accounts_text": "alice"}).status_code == 403
    assert client.get(check_url).status_code == 405


def test_a_preview_with_problems_lists_them_by_field_and_offers_no_confirm(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    create(client, app, action="save", title="", accounts_text="alice\nx")
    push = Push.objects.get()
    body = client.get(url("push-preview", push)).content.decode()
    assert "Accounts: Line 2, “x”: account has 1 character" in body
    assert "Title: The title is required for a notification." in body
    assert 'name="preview_hash"' not in body


def test_create_push_from_a_package_page_starts_with_it_chosen(
    client: Client, app: App, marketer: User
) -> None:
    package = cast(AccountPackage, PackageFactory(app=app, original_name="vip.txt"))
    client.force_login(marketer)
    url = reverse("console:push-create", kwargs={"code": app.code})
    body = client.get(url, {"package": str(package.code)}).content.decode()
    assert f'<option value="{package.code}" selected>' in body
    assert 'id="package-section" data-source="package">' in body
    plain = client.get(url, {"package": "not-a-uuid"})
    assert plain.status_code == 200
    assert 'id="package-section" data-source="package" hidden>' in plain.content.decode()


@pytest.mark.parametrize(
    ("action", "target"), [("url", "https://example.com/sale"), ("intent", "xgscheme://a/b")]
)
def test_an_ios_app_refuses_an_open_location_it_would_not_send(
    client: Client, app: App, marketer: User, action: str, target: str
) -> None:
    App.objects.filter(id=app.id).update(platform="ios")
    app.refresh_from_db()
    client.force_login(marketer)
    response = create(client, app, open_action=action, open_target=target)
    assert response.status_code == 400
    assert response.context["form"].errors["open_action"] == [IOS_OPEN_ACTION]
    assert not Push.objects.exists()


def test_an_ios_push_with_an_open_location_cannot_be_submitted(app: App, marketer: User) -> None:
    from pushes.services import push_submit

    App.objects.filter(id=app.id).update(platform="ios")
    push = make_push(app=App.objects.get(id=app.id), author=marketer)
    Push.objects.filter(id=push.id).update(open_action="url", open_target="https://e.com/x")
    push.refresh_from_db()
    with pytest.raises(Invalid) as refused:
        push_submit(push=push, by=marketer)
    assert IOS_OPEN_ACTION in str(refused.value)


# Bad typed lines in a draft ----------------------------------------------------------


def error_summary(body: str) -> str:
    match = re.search(r'id="error-summary".*?</div>', body, re.S)
    assert match, "the form shows no error summary"
    return match.group(0)


def test_a_draft_with_bad_lines_counts_its_valid_accounts_and_names_each_bad_line(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = create(client, app, accounts_text="alice\nx\nbob\ny\nalice\n")
    push = Push.objects.get()
    assert (push.accounts, push.total_count) == (["alice", "bob"], 2)
    assert re.search(
        r'data-label="Accounts" class="num">2<', client.get("/pushes/").content.decode()
    )

    form_page = client.get(response["Location"]).content.decode()
    assert "2 lines to fix. 2 valid accounts kept in the draft." in form_page
    summary = error_summary(form_page)
    assert f"<li>Line 2, “x”: {TOO_SHORT}</li>" in summary
    assert f"<li>Line 4, “y”: {TOO_SHORT}</li>" in summary

    record = client.get(url("push-detail", push)).content.decode()
    assert 'data-testid="valid-accounts">2<' in record
    assert 'data-testid="invalid-rows">2 invalid<' in record
    bad_lines = record[record.index('data-testid="bad-lines"') :]
    assert f"<li>Line 2, “x”: {TOO_SHORT}</li><li>Line 4, “y”: {TOO_SHORT}</li></ul>" in bad_lines
    preview = client.get(url("push-preview", push)).content.decode()
    assert 'name="preview_hash"' not in preview
    assert payload_on(preview)["account_list"] == ["alice", "bob"]


def test_the_error_summary_lists_twenty_bad_lines_then_counts_the_rest(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = create(client, app, accounts_text="\n".join(["alice", *["x"] * 25]))
    body = client.get(response["Location"]).content.decode()
    summary = error_summary(body)
    assert summary.count(f"“x”: {TOO_SHORT}</li>") == 20
    assert "Line 21, “x”" in summary and "Line 22," not in summary
    assert "<li>… and 5 more lines to fix (the first 20 are listed).</li>" in summary
    assert body.count(f"“x”: {TOO_SHORT}</p>") == 20  # and by the field itself


# Title and message limits ------------------------------------------------------------


def test_a_title_over_200_characters_is_refused_with_its_length_not_cut(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    title = "春季大促销" * 42 + "开始啦！"  # 214 characters
    response = create(client, app, title=title)
    assert response.status_code == 400
    assert response.context["form"].errors["title"] == [
        "The title has 214 characters; at most 200."
    ]
    body = response.content.decode()
    assert f'value="{title}"' in body
    assert not Push.objects.exists()
    assert create(client, app, title=title[:200]).status_code == 302


def test_the_form_gives_the_live_counters_their_limits(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    body = client.get(reverse("console:push-create", kwargs={"code": app.code})).content.decode()
    title_input = re.search(r'<input type="text" name="title"[^>]*>', body)
    assert title_input
    assert "maxlength" not in title_input.group(0)
    assert 'data-max-chars="200"' in title_input.group(0)
    assert 'aria-describedby="id_title_count id_title_limits"' in title_input.group(0)
    assert 'data-max-bytes="4096"' in body
    assert f'data-platform="{app.platform}"' in body
    assert "0 characters (at most 200) · the message at most 4,096 bytes" in body
    # Counters change on every key: only the status region, updated once typing pauses, speaks.
    assert re.search(r'id="message-counts-status" role="status" aria-live="polite"', body)
    assert not re.search(r'id="id_(title|content)_count"[^>]*aria-live', body)


# An empty form makes nothing ---------------------------------------------------------


@pytest.mark.parametrize("action", ["save", "preview"])
@pytest.mark.parametrize("source", ["manual", "package"])
def test_an_empty_form_makes_no_draft_and_says_what_is_missing(
    client: Client, app: App, marketer: User, action: str, source: str
) -> None:
    client.force_login(marketer)
    response = create(
        client, app, action=action, source=source, accounts_text="", title="", content=""
    )
    assert response.status_code == 400
    assert not Push.objects.exists()
    [problem] = response.context["form"].non_field_errors()
    missing = "an account package" if source == "package" else "accounts to push to"
    assert problem.startswith(f"Nothing was saved: a draft needs {missing}, a title or content.")
    assert f"<li>{problem}</li>" in response.content.decode()


def test_a_draft_emptied_on_the_form_is_kept_as_it_was(
    client: Client, app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer)
    client.force_login(marketer)
    response = edit(client, push, action="save", accounts_text="", title="", content="")
    assert response.status_code == 400
    push.refresh_from_db()
    assert push.title == "Spring sale"
