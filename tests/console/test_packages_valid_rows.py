"""A rejected package's valid rows, kept as a new package; its header row and duplicates."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from pushes import selectors
from pushes.errors import WrongState
from pushes.models import AccountPackage, AuditEvent
from pushes.selectors.packages import package_outcome
from pushes.services import packages as services
from pushes.services import queue

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

# A header, a bad row, a duplicate: 3 accounts to keep, 3 rows to drop.
MIXED = b"account\nalice\nx\nbob\nalice\ncarol\n"


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make(app: App, by: User, name: str, data: bytes) -> AccountPackage:
    package = services.package_upload(app=app, by=by, uploaded_file=SimpleUploadedFile(name, data))
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    return package


def url(name: str, package: AccountPackage) -> str:
    return reverse(f"console:{name}", kwargs={"code": package.app.code, "package": package.code})


def report_rows(package: AccountPackage) -> list[list[str]]:
    with package.error_report.open("rb") as report:
        return list(csv.reader(io.StringIO(report.read().decode("utf-8-sig"))))


def keep(package: AccountPackage, by: User) -> AccountPackage:
    """Make the package of the valid rows, and let the worker write and validate it."""
    derived, created = services.package_use_valid_rows(package=package, by=by)
    assert created
    services.package_validate(package_id=derived.id)
    derived.refresh_from_db()
    return derived


# ---------------------------------------------------------------- the service


def test_the_valid_rows_become_a_new_package_that_validates(
    app: App,
    marketer: User,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = make(app, marketer, "spring.csv", MIXED)
    assert original.status == AccountPackage.Status.INVALID
    assert (original.rows, original.accounts, original.invalid_rows) == (6, 3, 2)
    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(queue, "_send", lambda name, args, countdown: sent.append((name, args)))

    with django_capture_on_commit_callbacks(execute=True):
        derived, created = services.package_use_valid_rows(package=original, by=marketer)

    assert created
    assert sent == [(queue.VALIDATE_PACKAGE, (derived.id,))]  # the normal worker validation
    assert derived.status == AccountPackage.Status.PENDING
    assert not derived.file  # the worker writes it
    assert derived.original_name == "spring-valid-rows.txt"
    assert (derived.derived_from, derived.uploaded_by, derived.format) == (
        original,
        marketer,
        "txt",
    )
    assert derived.derived_from_sha256 == original.sha256
    assert derived.rows_dropped == 3

    services.package_validate(package_id=derived.id)
    derived.refresh_from_db()
    assert derived.status == AccountPackage.Status.VALID
    assert (derived.rows, derived.accounts, derived.duplicates, derived.invalid_rows) == (
        3,
        3,
        0,
        0,
    )
    stored = (media / str(derived.file.name)).read_bytes()
    assert stored == b"alice\nbob\ncarol\n"
    assert derived.sha256 == hashlib.sha256(stored).hexdigest() != original.sha256
    assert derived.size == len(stored)
    assert derived.rows_dropped == 3
    # The original and its error report stay as they were.
    original.refresh_from_db()
    assert original.status == AccountPackage.Status.INVALID and original.has_report
    assert [row[0] for row in report_rows(original)[1:]] == ["1", "3", "5"]


def test_creating_it_is_audited(app: App, marketer: User) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    derived, _ = services.package_use_valid_rows(package=original, by=marketer)
    event = AuditEvent.objects.get(action="package.derived")
    assert event.actor == marketer
    assert event.object_id == str(derived.id)
    assert event.data["from"] == "spring.txt"
    assert event.data["from_sha256"] == original.sha256
    assert (event.data["accounts"], event.data["dropped"], event.data["header_line"]) == (3, 3, 1)


def test_asking_twice_gives_the_same_package(app: App, marketer: User, app_admin: User) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    first, created = services.package_use_valid_rows(package=original, by=marketer)
    again, created_again = services.package_use_valid_rows(package=original, by=app_admin)
    assert created and not created_again
    assert again == first
    assert AccountPackage.objects.filter(derived_from=original).count() == 1
    assert AuditEvent.objects.filter(action="package.derived").count() == 1


def test_the_database_refuses_a_second_package_from_the_same_rows(app: App, marketer: User) -> None:
    # Two requests racing past the service's look: the second one's row is refused, and the
    # service answers it with the first one's package.
    original = make(app, marketer, "spring.txt", MIXED)
    services.package_use_valid_rows(package=original, by=marketer)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountPackage.objects.create(app=app, original_name="again.txt", derived_from=original)


@pytest.mark.parametrize("who", ["stranger", "reviewer"])
def test_only_authors_of_the_app_may_keep_the_valid_rows(
    who: str, app: App, marketer: User, request: pytest.FixtureRequest
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.package_use_valid_rows(package=original, by=person)
    assert not AccountPackage.objects.filter(derived_from=original).exists()
    assert not AuditEvent.objects.filter(action="package.derived").exists()


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("ok.txt", b"alice\nbob\n", "Only a package rejected for some of its rows"),
        ("bad.csv", b"%PDF-1.7\n", "Only a package rejected for some of its rows"),
        ("none.txt", b"x\ny\n", "no valid rows"),
    ],
)
def test_a_package_without_rows_to_keep_is_refused(
    app: App, marketer: User, name: str, data: bytes, why: str
) -> None:
    package = make(app, marketer, name, data)
    with pytest.raises(WrongState, match=why):
        services.package_use_valid_rows(package=package, by=marketer)


def test_a_package_whose_file_was_deleted_is_refused(app: App, marketer: User) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    services.package_delete_files(package=original, by=None, reason="retention")
    with pytest.raises(WrongState, match="no longer stored"):
        services.package_use_valid_rows(package=original, by=marketer)


def test_the_original_file_gone_before_the_worker_rejects_the_new_package(
    app: App, marketer: User
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    derived, _ = services.package_use_valid_rows(package=original, by=marketer)
    services.package_delete_files(package=original, by=None, reason="retention")
    services.package_validate(package_id=derived.id)
    derived.refresh_from_db()
    assert derived.status == AccountPackage.Status.INVALID
    assert derived.problem == "the file of spring.txt is no longer stored; upload it again"


def test_retention_keeps_the_original_while_its_valid_rows_are_written(
    app: App, marketer: User
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    derived, _ = services.package_use_valid_rows(package=original, by=marketer)
    app.package_retention_days = 1
    app.save()
    AccountPackage.objects.update(created_at=original.created_at.replace(year=2000))
    assert services.package_apply_retention() == 0
    services.package_validate(package_id=derived.id)
    assert services.package_apply_retention() == 2


def test_a_package_made_from_valid_rows_is_not_checked_for_a_header_again(
    app: App, marketer: User
) -> None:
    # Its first row was the original's second: an account there, not a column name.
    original = make(app, marketer, "spring.txt", b"x\nuid\nbob\n")
    assert original.header_line == 0
    derived = keep(original, marketer)
    assert derived.status == AccountPackage.Status.VALID
    assert derived.accounts == 2


def test_a_chosen_package_list_offers_the_new_package(app: App, marketer: User) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    derived = keep(original, marketer)
    assert list(selectors.package_list_valid(app=app)) == [derived]


# ---------------------------------------------------------------- header and duplicates


def test_a_header_is_stored_and_is_one_of_the_problems(app: App, marketer: User) -> None:
    package = make(app, marketer, "list.csv", b'"User_ID"\nalice\nbob\n')
    assert package.status == AccountPackage.Status.INVALID
    assert (package.header_line, package.invalid_rows, package.accounts) == (1, 1, 2)
    assert package.errors == [
        {
            "line": 1,
            "reason": 'looks like a header ("User_ID"), not an account',
            "value": '"User_ID"',
        }
    ]
    outcome = package_outcome(package=package)
    assert outcome.header == {"line": 1, "word": "User_ID"}
    assert outcome.only_header and outcome.keeps_valid_rows


def test_duplicates_are_listed_in_the_report_up_to_the_cap(
    app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_REPORTED_DUPLICATES", 3)
    data = b"x\n" + b"alice\nbob\n" * 4
    package = make(app, marketer, "list.txt", data)
    assert (package.duplicates, package.duplicates_listed) == (6, 3)
    assert package.duplicate_rows == [
        {"line": 4, "first_line": 2, "value": "alice"},
        {"line": 5, "first_line": 3, "value": "bob"},
        {"line": 6, "first_line": 2, "value": "alice"},
    ]
    rows = report_rows(package)
    assert rows[1] == ["1", "account has 1 character; accounts have 2–100 characters", "x", ""]
    assert rows[2:] == [
        ["4", "duplicate of line 2", "alice", "2"],
        ["5", "duplicate of line 3", "bob", "3"],
        ["6", "duplicate of line 2", "alice", "2"],
        ["", "first 3 of 6 duplicates listed", "", ""],
    ]


def test_a_valid_package_with_duplicates_still_has_no_report(app: App, marketer: User) -> None:
    package = make(app, marketer, "list.txt", b"alice\nbob\nalice\n")
    assert package.status == AccountPackage.Status.VALID
    assert package.duplicates == 1 and package.duplicates_listed == 0
    assert not package.error_report and package.duplicate_rows == []


# ---------------------------------------------------------------- the pages


def test_the_rejected_package_offers_its_valid_rows_to_authors(
    client: Client, app: App, marketer: User
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    client.force_login(marketer)
    page = client.get(url("package-detail", original)).content.decode()
    assert "Use the 3 valid rows" in page
    assert f'action="{url("package-use-valid-rows", original)}"' in page
    assert "Line 1 looks like a header (“account”), not an account." in page
    assert "3 rows are left out" in page
    # The live status partial carries it too, for a page that watched the validation.
    partial = client.get(url("package-status", original)).content.decode()
    assert "Use the 3 valid rows" in partial


def test_a_reviewer_sees_no_button(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    client.force_login(reviewer)
    page = client.get(url("package-detail", original)).content.decode()
    assert "Use the 3 valid rows" not in page
    assert client.post(url("package-use-valid-rows", original)).status_code == 403


def test_a_member_of_another_app_gets_404(
    client: Client, app: App, marketer: User, stranger: User
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    client.force_login(stranger)
    assert client.post(url("package-use-valid-rows", original)).status_code == 404
    assert not AccountPackage.objects.filter(derived_from=original).exists()


def test_only_a_header_offers_to_skip_it(client: Client, app: App, marketer: User) -> None:
    original = make(app, marketer, "ids.csv", b"openid\nalice\nbob\n")
    client.force_login(marketer)
    page = client.get(url("package-detail", original)).content.decode()
    assert "Skip the header" in page
    assert "Use the 2 valid rows" not in page
    response = client.post(url("package-use-valid-rows", original))
    derived = AccountPackage.objects.get(derived_from=original)
    assert response.status_code == 302 and response["Location"] == url("package-detail", derived)


def test_posting_makes_the_package_and_posting_again_links_to_it(
    client: Client, app: App, marketer: User
) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    client.force_login(marketer)
    response = client.post(url("package-use-valid-rows", original), follow=True)
    derived = AccountPackage.objects.get(derived_from=original)
    assert response.redirect_chain == [(url("package-detail", derived), 302)]
    page = response.content.decode()
    assert "“spring-valid-rows.txt” is being made from the valid rows of “spring.txt”" in page
    assert "Writing the valid rows" not in page  # waiting for a worker, not writing yet

    again = client.post(url("package-use-valid-rows", original), follow=True)
    assert again.redirect_chain == [(url("package-detail", derived), 302)]
    assert "was already made from the valid rows of “spring.txt”" in again.content.decode()
    assert AccountPackage.objects.filter(derived_from=original).count() == 1


def test_both_pages_say_where_the_rows_went(client: Client, app: App, marketer: User) -> None:
    original = make(app, marketer, "spring.txt", MIXED)
    derived = keep(original, marketer)
    client.force_login(marketer)

    page = client.get(url("package-detail", derived)).content.decode()
    assert (
        f'Made from the valid rows of <a href="{url("package-detail", original)}">spring.txt</a> '
        f"(SHA-256 <code>{original.sha256[:16]}…</code>): 3 rows dropped."
    ) in page
    assert original.sha256 in page and derived.sha256 in page
    assert "Ready to push to <strong>3</strong> accounts." in page

    page = client.get(url("package-detail", original)).content.decode()
    assert f'<a href="{url("package-detail", derived)}">spring-valid-rows.txt</a>' in page
    assert derived.sha256 in page and original.sha256 in page
    assert "Use the 3 valid rows" not in page


def test_the_page_says_how_many_duplicates_the_report_lists(
    client: Client, app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_REPORTED_DUPLICATES", 3)
    package = make(app, marketer, "list.txt", b"x\n" + b"alice\nbob\n" * 4)
    client.force_login(marketer)
    page = client.get(url("package-detail", package)).content.decode()
    assert "The error report lists the first 3 of 6 duplicates." in page
    assert "First 3 duplicates" in page


def test_a_big_duplicate_count_has_thousands_separators(
    client: Client, app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_REPORTED_DUPLICATES", 1000)
    package = make(app, marketer, "list.txt", b"x\n" + b"alice\n" * 1502)
    client.force_login(marketer)
    page = client.get(url("package-detail", package)).content.decode()
    assert "The error report lists the first 1,000 of 1,501 duplicates." in page
    assert [row[0] for row in report_rows(package)[-1:]] == [""]
