"""Account package pages: list, detail, live status, retention form, partials."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from pushes import selectors
from pushes.models import AccountPackage, AuditEvent, Push
from pushes.services import packages as services

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make(app: App, by: User, name: str, data: bytes, *, validate: bool = True) -> AccountPackage:
    package = services.package_upload(app=app, by=by, uploaded_file=SimpleUploadedFile(name, data))
    if validate:
        services.package_validate(package_id=package.id)
        package.refresh_from_db()
    return package


def list_url(app: App) -> str:
    return reverse("console:package-list", kwargs={"code": app.code})


def url(name: str, package: AccountPackage) -> str:
    return reverse(f"console:{name}", kwargs={"code": package.app.code, "package": package.code})


def test_the_list_shows_each_package_with_its_counts_and_pushes(
    client: Client, app: App, marketer: User
) -> None:
    good = make(app, marketer, "spring.txt", b"alice\nbob\nbob\n")
    bad = make(app, marketer, "broken.csv", b"alice\nx\n")
    Push.objects.create(
        app=app, created_by=marketer, source="package", package=good, title="Spring sale"
    )
    client.force_login(marketer)
    page = client.get(list_url(app)).content.decode()
    assert "spring.txt" in page and "broken.csv" in page
    assert '<span class="badge ok">Valid</span>' in page
    assert '<span class="badge bad">Rejected</span>' in page
    assert good.sha256[:12] in page
    push = Push.objects.get(title="Spring sale")
    assert f'<a href="/pushes/{push.code}/">Spring sale</a>' in page and "Draft" in page
    assert url("package-report", bad) in page
    assert url("package-report", good) not in page
    assert "mia" in page
    assert "File retention" not in page  # admins only


def test_the_list_has_an_empty_state_and_admins_see_retention(
    client: Client, app: App, app_admin: User
) -> None:
    client.force_login(app_admin)
    page = client.get(list_url(app)).content.decode()
    assert "No account packages yet" in page
    assert "File retention" in page
    assert 'name="days"' in page


def test_a_reviewer_sees_the_list_without_the_upload(
    client: Client, app: App, reviewer: User
) -> None:
    client.force_login(reviewer)
    page = client.get(list_url(app)).content.decode()
    assert "Account packages" in page
    assert "data-package-upload" not in page


def test_the_detail_page_shows_problems_with_line_numbers(
    client: Client, app: App, reviewer: User, marketer: User
) -> None:
    package = make(app, marketer, "broken.txt", b"alice\nx\nbob\n" + b"y" * 101 + b"\n")
    client.force_login(reviewer)
    page = client.get(url("package-detail", package)).content.decode()
    assert "Rejected" in page
    assert '<td data-label="Line" class="num">2</td>' in page
    assert '<td data-label="Line" class="num">4</td>' in page
    assert "Account has 101 characters" in page
    assert url("package-report", package) in page
    assert "data-package-poll" not in page  # finished: nothing to poll


def test_status_while_validating_polls_and_reports_progress(
    client: Client, app: App, marketer: User
) -> None:
    package = make(app, marketer, "a.txt", b"alice\nbob\n", validate=False)
    AccountPackage.objects.filter(id=package.id).update(
        status=AccountPackage.Status.VALIDATING, bytes_done=5, bytes_total=10
    )
    client.force_login(marketer)
    status = client.get(url("package-status", package), HTTP_ACCEPT="application/json")
    assert status["Cache-Control"].startswith("max-age=0")
    body = status.json()
    assert body["status"] == "validating" and body["finished"] is False
    assert body["percent"] == 50 and body["report_url"] is None
    partial = client.get(url("package-status", package)).content.decode()
    assert f'data-package-poll="{url("package-status", package)}"' in partial
    assert "Validating 50%" in partial
    page = client.get(url("package-detail", package)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # without JS, the page reloads


def test_status_json_when_rejected_has_the_first_problems(
    client: Client, app: App, marketer: User
) -> None:
    package = make(app, marketer, "a.txt", b"x\n" * 12 + b"alice\n")
    client.force_login(marketer)
    body = client.get(url("package-status", package), HTTP_ACCEPT="application/json").json()
    assert body["finished"] is True and body["valid"] is False
    assert (body["rows"], body["accounts"], body["invalid_rows"]) == (13, 1, 12)
    assert [error["line"] for error in body["errors"]] == list(range(1, 11))
    assert body["more_errors"] == 2
    assert body["report_url"] == url("package-report", package)
    assert body["detail_url"] == url("package-detail", package)


def test_admins_set_retention(client: Client, app: App, app_admin: User) -> None:
    client.force_login(app_admin)
    response = client.post(
        reverse("console:package-retention", kwargs={"code": app.code}), {"days": "30"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.package_retention_days == 30
    event = AuditEvent.objects.get(action="app.package_retention_set")
    assert event.data == {"from": None, "to": 30}
    client.post(reverse("console:package-retention", kwargs={"code": app.code}), {"days": ""})
    app.refresh_from_db()
    assert app.package_retention_days is None


def test_retention_out_of_range_is_explained(client: Client, app: App, app_admin: User) -> None:
    client.force_login(app_admin)
    response = client.post(
        reverse("console:package-retention", kwargs={"code": app.code}), {"days": "0"}
    )
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    app.refresh_from_db()
    assert app.package_retention_days is None


def test_deleted_files_are_shown_as_such(client: Client, app: App, marketer: User) -> None:
    package = make(app, marketer, "a.txt", b"alice\nx\n")
    services.package_delete_files(package=package, by=None, reason="retention")
    client.force_login(marketer)
    page = client.get(url("package-detail", package)).content.decode()
    assert "File deleted" in page and "the counts and SHA-256 stay" in page
    assert client.get(url("package-report", package)).status_code == 404


def test_valid_packages_to_choose_from(app: App, marketer: User) -> None:
    older = make(app, marketer, "older.txt", b"alice\n")
    newer = make(app, marketer, "newer.txt", b"bob\n")
    make(app, marketer, "bad.txt", b"x\n")
    make(app, marketer, "waiting.txt", b"carol\n", validate=False)
    gone = make(app, marketer, "gone.txt", b"dave\n")
    services.package_delete_files(package=gone, by=None, reason="retention")
    AccountPackage.objects.filter(id=older.id).update(created_at=timezone.now() - timedelta(1))
    assert list(selectors.package_list_valid(app=app)) == [newer, older]


def test_the_partials_render_standalone(app: App, marketer: User) -> None:
    package = make(app, marketer, "spring.txt", b"alice\nbob\n")
    request = RequestFactory().get("/")
    request.user = marketer
    upload = render_to_string(
        "console/partials/package_upload.html",
        {"app": app, "selected_package": package},
        request=request,
    )
    assert (
        f'data-upload-url="{reverse("console:package-upload", kwargs={"code": app.code})}"'
        in upload
    )
    assert f'name="package" value="{package.code}"' in upload
    assert 'type="file"' in upload and "package_upload.js" in upload
    assert 'data-csrf="' in upload and 'data-csrf=""' not in upload
    choose = render_to_string(
        "console/pushes/partials/package_choose.html",
        {
            "app": app,
            "packages": selectors.package_list_valid(app=app),
            "selected_package": package,
        },
    )
    assert f'<option value="{package.code}" selected>spring.txt · 2 accounts' in choose
    assert 'name="package"' in choose
