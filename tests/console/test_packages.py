"""Account packages: upload, validation from storage, error report, retention."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pushes.models import AccountPackage, AuditEvent, Push
from pushes.services import PackageTooLargeError, PackageUploadError, queue
from pushes.services import packages as services

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

VALID = b"alice\nbob\n\ncarol\nbob\n"


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def upload_url(app: App) -> str:
    return reverse("console:package-upload", kwargs={"code": app.code})


def post_file(client: Client, app: App, name: str, data: bytes, **extra: Any) -> Any:
    return client.post(
        upload_url(app),
        {"file": SimpleUploadedFile(name, data)},
        HTTP_ACCEPT="application/json",
        **extra,
    )


def upload(app: App, by: User, name: str, data: bytes) -> AccountPackage:
    return services.package_upload(
        app=app, by=by, uploaded_file=SimpleUploadedFile(name, data, "text/plain")
    )


def test_upload_stores_under_a_generated_name_and_queues_validation_on_commit(
    client: Client,
    app: App,
    marketer: User,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(queue, "_send", lambda name, args, countdown: sent.append((name, args)))
    client.force_login(marketer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_file(client, app, "Spring list.txt", VALID)

    assert response.status_code == 201, response.content
    body = response.json()
    package = AccountPackage.objects.get(code=body["code"])
    assert body["status_url"] == reverse(
        "console:package-status", kwargs={"code": app.code, "package": package.code}
    )
    assert body["detail_url"].endswith(f"/packages/{package.code}/")
    assert package.status == AccountPackage.Status.PENDING
    assert package.original_name == "Spring list.txt"
    assert package.uploaded_by == marketer
    assert package.size == len(VALID)
    assert package.file.name is not None
    assert package.file.name.startswith(f"packages/{app.code}/")
    assert "Spring" not in package.file.name and package.file.name.endswith(".txt")
    assert (media / package.file.name).read_bytes() == VALID
    assert package.sha256 == ""  # hashing is the worker's job, not the request's
    assert len(callbacks) == 1
    assert sent == [(queue.VALIDATE_PACKAGE, (package.id,))]
    assert AuditEvent.objects.filter(action="package.uploaded", object_id=str(package.id)).count()

    services.package_validate(package_id=package.id)

    package.refresh_from_db()
    assert package.status == AccountPackage.Status.VALID
    assert (package.rows, package.accounts, package.duplicates, package.invalid_rows) == (
        4,
        3,
        1,
        0,
    )
    assert len(package.sha256) == 64
    assert package.errors == [] and not package.error_report
    assert package.validated_at is not None
    assert AuditEvent.objects.filter(action="package.validated", object_id=str(package.id)).count()


def test_a_plain_form_post_redirects_to_the_package(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    response = client.post(upload_url(app), {"file": SimpleUploadedFile("a.csv", VALID)})
    package = AccountPackage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "console:package-detail", kwargs={"code": app.code, "package": package.code}
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "a" * 97 + ".txt",
            VALID,
            f"“{'a' * 97}.txt” cannot be uploaded: the file name has 101 characters; "
            "it must have 1–100 characters.",
        ),
        (
            "accounts.xlsx",
            VALID,
            "“accounts.xlsx” cannot be uploaded: file type .xlsx is not accepted; "
            "upload a .txt, .csv or .zip file.",
        ),
        (
            "accounts",
            VALID,
            "“accounts” cannot be uploaded: the file name has no extension; "
            "upload a .txt, .csv or .zip file.",
        ),
        ("empty.csv", b"", "“empty.csv” cannot be uploaded: the file is empty."),
    ],
    ids=["101-chars", "extension", "no-extension", "empty"],
)
def test_a_bad_upload_is_refused_by_name_and_stores_nothing(
    client: Client, app: App, marketer: User, media: Path, name: str, data: bytes, message: str
) -> None:
    client.force_login(marketer)
    response = post_file(client, app, name, data)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not AccountPackage.objects.exists()
    assert stored_files(media) == []


def test_a_100_character_name_is_fine(app: App, marketer: User) -> None:
    package = upload(app, marketer, "a" * 96 + ".txt", VALID)
    assert package.original_name == "a" * 96 + ".txt"


def test_an_empty_name_is_refused(client: Client, app: App, marketer: User, media: Path) -> None:
    with pytest.raises(PackageUploadError) as refused:
        # A plain File: the service reads only its name, size and bytes.
        services.package_upload(
            app=app,
            by=marketer,
            uploaded_file=File(io.BytesIO(VALID), ""),
        )
    assert refused.value.messages == [
        "This file cannot be uploaded: the file name is empty; it must have 1–100 characters."
    ]
    # Over HTTP, a part without a file name is no file at all.
    client.force_login(marketer)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
        b"Content-Type: text/plain\r\n\r\nalice\r\n--B--\r\n"
    )
    response = client.post(
        upload_url(app),
        body,
        content_type="multipart/form-data; boundary=B",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a .txt, .csv or .zip file to upload."}
    assert not AccountPackage.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_100_mb_is_refused_without_reading_it(
    app: App, marketer: User, media: Path, tmp_path: Path
) -> None:
    sparse = tmp_path / "big.txt"
    with sparse.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024 + 1)  # a sparse file: no disk used
    with sparse.open("rb") as handle, pytest.raises(PackageTooLargeError) as refused:
        services.package_upload(
            app=app,
            by=marketer,
            uploaded_file=File(handle, name="big.txt"),
        )
    assert refused.value.messages == [
        "“big.txt” cannot be uploaded: it is 100 MB (104,857,601 bytes); "
        "account packages may be at most 100 MB (104,857,600 bytes)."
    ]
    assert not AccountPackage.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_file_part_is_stopped_while_streaming_with_413(
    client: Client, app: App, marketer: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(marketer)
    response = post_file(client, app, "big.txt", b"account\n" * 200)
    assert response.status_code == 413
    assert response.json() == {
        "error": "“big.txt” cannot be uploaded: it is larger than 1,000 bytes, "
        "the limit for account packages."
    }
    assert not AccountPackage.objects.exists()
    assert stored_files(media) == []


def test_a_body_declared_too_big_is_answered_413_before_it_is_read(
    client: Client, app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.packages import views as package_views

    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(package_views, "MULTIPART_SLACK", 100)
    client.force_login(marketer)
    response = post_file(client, app, "big.txt", b"account\n" * 500)
    assert response.status_code == 413
    assert response.json() == {
        "error": "The file cannot be uploaded: it is larger than 1,000 bytes, "
        "the limit for account packages."
    }
    assert not AccountPackage.objects.exists()


@pytest.mark.parametrize(("size", "accepted"), [(1000, True), (1001, False)])
def test_the_size_limit_is_exact_at_the_service(
    app: App, marketer: User, monkeypatch: pytest.MonkeyPatch, size: int, accepted: bool
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    data = (b"account\n" * 200)[: size - 1] + b"\n"
    upload = SimpleUploadedFile("edge.txt", data)
    if accepted:
        assert services.package_upload(app=app, by=marketer, uploaded_file=upload).size == size
    else:
        with pytest.raises(PackageTooLargeError):
            services.package_upload(app=app, by=marketer, uploaded_file=upload)
        assert not AccountPackage.objects.exists()


@pytest.mark.parametrize(("size", "status"), [(1000, 201), (1001, 413)])
def test_the_size_limit_is_exact_at_the_view(
    client: Client,
    app: App,
    marketer: User,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    status: int,
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(marketer)
    data = (b"account\n" * 200)[: size - 1] + b"\n"
    response = post_file(client, app, "edge.txt", data)
    assert response.status_code == status, response.content
    assert AccountPackage.objects.filter(size=size).exists() is (status == 201)


def test_an_oversized_plain_form_post_shows_the_message_on_the_page(
    client: Client, app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(marketer)
    response = client.post(upload_url(app), {"file": SimpleUploadedFile("big.txt", b"a\n" * 600)})
    assert response.status_code == 413
    assert "“big.txt” cannot be uploaded" in response.content.decode()


def test_no_file_is_a_clear_400(client: Client, app: App, marketer: User) -> None:
    client.force_login(marketer)
    response = client.post(upload_url(app), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a .txt, .csv or .zip file to upload."}


def test_the_upload_checks_the_csrf_token(app: App, marketer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    assert post_file(client, app, "a.txt", VALID).status_code == 403
    assert not AccountPackage.objects.exists()
    client.get(reverse("console:package-list", kwargs={"code": app.code}))
    token = client.cookies["csrftoken"].value
    response = post_file(client, app, "a.txt", VALID, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_a_failed_row_save_deletes_the_stored_file(
    app: App, marketer: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        upload(app, marketer, "a.txt", VALID)
    assert not AccountPackage.objects.exists()
    assert stored_files(media) == []


def test_a_reviewer_cannot_upload_even_through_the_service(app: App, reviewer: User) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        upload(app, reviewer, "a.txt", VALID)


def invalid_package(app: App, by: User) -> AccountPackage:
    lines = ["alice", "x", "@", "bob", "-1", "c" * 101, "bob", "=cmd()"]
    package = upload(app, by, "list.txt", ("\n".join(lines) + "\n").encode())
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    return package


def test_an_invalid_package_lists_rejected_rows_by_line_and_has_a_report(
    client: Client, app: App, marketer: User
) -> None:
    package = invalid_package(app, marketer)
    assert package.status == AccountPackage.Status.INVALID
    assert (package.rows, package.accounts, package.duplicates, package.invalid_rows) == (
        8,
        4,
        1,
        3,
    )
    assert [(e["line"], e["reason"]) for e in package.errors] == [
        (2, "account has 1 character; accounts have 2–100 characters"),
        (3, "account has 1 character; accounts have 2–100 characters"),
        (6, "account has 101 characters; accounts have 2–100 characters"),
    ]
    assert AuditEvent.objects.filter(action="package.rejected", object_id=str(package.id)).count()

    client.force_login(marketer)
    response = client.get(
        reverse("console:package-report", kwargs={"code": app.code, "package": package.code})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="list-errors.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")  # so spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["line", "reason", "value", "first_line"]
    assert [row[0] for row in rows[1:]] == ["2", "3", "6", "7"]
    assert rows[2][2] == "'@"  # a spreadsheet would run "@…" as a formula
    # Then the duplicates, with the line where the account first appears.
    assert rows[4] == ["7", "duplicate of line 4", "bob", "4"]


def test_the_report_is_access_checked(
    client: Client, app: App, marketer: User, reviewer: User, stranger: User
) -> None:
    package = invalid_package(app, marketer)
    url = reverse("console:package-report", kwargs={"code": app.code, "package": package.code})
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(reviewer)
    assert client.get(url).status_code == 200


def test_a_valid_package_has_no_report(client: Client, app: App, marketer: User) -> None:
    package = upload(app, marketer, "a.txt", VALID)
    services.package_validate(package_id=package.id)
    client.force_login(marketer)
    url = reverse("console:package-report", kwargs={"code": app.code, "package": package.code})
    assert client.get(url).status_code == 404


def test_a_whole_file_problem_is_line_0_and_gets_no_row_report(app: App, marketer: User) -> None:
    package = upload(app, marketer, "list.csv", b"PK\x03\x04 not really a zip")
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.INVALID
    assert package.problem == "the file is a zip archive, not a .csv file; name it .zip"
    assert package.errors[0]["line"] == 0
    assert not package.error_report  # no rows: the problem says it all


def test_a_zip_is_validated_from_storage(app: App, marketer: User) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("accounts.csv", "alice\nbob\n")
    package = upload(app, marketer, "accounts.zip", buffer.getvalue())
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.VALID
    assert (package.format, package.accounts) == ("zip", 2)


def test_every_rejected_row_goes_to_the_report_not_only_the_first_100(
    app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_REPORT_BATCH", 7)  # several batches
    package = upload(app, marketer, "many.txt", b"x\n" * 250 + b"alice\n")
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.invalid_rows == 250
    assert len(package.errors) == 100
    with package.error_report.open("rb") as report:
        rows = list(csv.reader(io.StringIO(report.read().decode("utf-8-sig"))))
    assert rows[0] == ["line", "reason", "value", "first_line"]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 251))


def test_a_rerun_is_a_no_op(app: App, marketer: User) -> None:
    package = invalid_package(app, marketer)
    events = AuditEvent.objects.count()
    report = package.error_report.name
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.INVALID
    assert package.error_report.name == report
    assert AuditEvent.objects.count() == events


def test_a_package_another_worker_is_validating_is_left_alone(app: App, marketer: User) -> None:
    package = upload(app, marketer, "a.txt", VALID)
    AccountPackage.objects.filter(id=package.id).update(
        status=AccountPackage.Status.VALIDATING, validation_started_at=timezone.now()
    )
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.VALIDATING


def test_a_claim_of_a_dead_worker_is_taken_over(app: App, marketer: User) -> None:
    package = upload(app, marketer, "a.txt", VALID)
    AccountPackage.objects.filter(id=package.id).update(
        status=AccountPackage.Status.VALIDATING,
        validation_started_at=timezone.now() - services.STALE_CLAIM_AFTER - timedelta(seconds=1),
    )
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.VALID


def test_an_exception_inside_validation_ends_invalid_with_a_problem(
    app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "validate_package", explode)
    package = upload(app, marketer, "a.txt", VALID)
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.INVALID
    assert package.problem == "validation failed unexpectedly (RuntimeError); upload again"
    assert package.errors == [{"line": 0, "reason": package.problem, "value": ""}]
    assert AuditEvent.objects.filter(action="package.rejected", object_id=str(package.id)).count()


def test_a_file_missing_from_storage_ends_invalid(app: App, marketer: User) -> None:
    package = upload(app, marketer, "a.txt", VALID)
    assert package.file.name is not None
    default_storage.delete(package.file.name)
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.INVALID
    assert package.problem.startswith("the stored file could not be read")


def test_a_failure_saving_the_result_ends_invalid_without_a_report(
    app: App, marketer: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("db down")

    package = upload(app, marketer, "list.txt", b"alice\nx\n")
    monkeypatch.setattr(services, "_apply_result", broken)
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.INVALID
    assert package.problem.startswith("the result could not be saved")
    assert not any(name.endswith("-errors.csv") for name in stored_files(media))


def test_progress_is_written_at_most_four_times_a_second(
    app: App, marketer: User, django_assert_max_num_queries: Any
) -> None:
    package = upload(app, marketer, "a.txt", VALID)
    AccountPackage.objects.filter(id=package.id).update(status=AccountPackage.Status.VALIDATING)
    progress = services._Progress(package.id)
    with django_assert_max_num_queries(1):
        for done in range(1, 200):
            progress(done, 1000)
    package.refresh_from_db()
    assert (package.bytes_done, package.bytes_total, package.progress_percent) == (1, 1000, 0)


def old(package: AccountPackage, days: int) -> AccountPackage:
    AccountPackage.objects.filter(id=package.id).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    package.refresh_from_db()
    return package


def test_retention_deletes_files_and_keeps_records(app: App, marketer: User, media: Path) -> None:
    app.package_retention_days = 30
    app.save()
    expired = old(invalid_package(app, marketer), 31)
    fresh = upload(app, marketer, "fresh.txt", VALID)
    services.package_validate(package_id=fresh.id)
    files = {expired.file.name, expired.error_report.name}
    assert files <= set(stored_files(media))

    assert services.package_apply_retention() == 1

    expired.refresh_from_db()
    assert expired.file_deleted_at is not None
    assert not expired.file and not expired.error_report
    assert not files & set(stored_files(media))
    assert (expired.original_name, expired.invalid_rows, len(expired.sha256)) == ("list.txt", 3, 64)
    event = AuditEvent.objects.get(action="package.files_deleted")
    assert event.object_id == str(expired.id) and event.data["reason"] == "retention"
    fresh.refresh_from_db()
    assert fresh.file.name is not None
    assert fresh.file_deleted_at is None and (media / fresh.file.name).exists()
    assert services.package_apply_retention() == 0  # nothing twice


def test_retention_spares_packages_a_push_still_has_to_upload(app: App, marketer: User) -> None:
    app.package_retention_days = 1
    app.save()
    package = upload(app, marketer, "a.txt", VALID)
    services.package_validate(package_id=package.id)
    old(package, 5)
    push = Push.objects.create(
        app=app,
        created_by=marketer,
        source=Push.Source.PACKAGE,
        package=package,
        status=Push.Status.APPROVED,
    )
    assert services.package_apply_retention() == 0
    Push.objects.filter(id=push.id).update(status=Push.Status.SENT)
    assert services.package_apply_retention() == 1


def test_apps_without_retention_keep_files(app: App, marketer: User) -> None:
    package = upload(app, marketer, "a.txt", VALID)
    services.package_validate(package_id=package.id)
    old(package, 4000)
    assert services.package_apply_retention() == 0


def test_lost_and_stale_validations_are_queued_again(
    app: App,
    marketer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lost = upload(app, marketer, "lost.txt", VALID)
    fresh = upload(app, marketer, "fresh.txt", VALID)
    dead = upload(app, marketer, "dead.txt", VALID)
    busy = upload(app, marketer, "busy.txt", VALID)
    long_ago = timezone.now() - timedelta(hours=1)
    AccountPackage.objects.filter(id__in=[lost.id, dead.id, busy.id]).update(created_at=long_ago)
    AccountPackage.objects.filter(id=dead.id).update(
        status=AccountPackage.Status.VALIDATING, validation_started_at=long_ago
    )
    AccountPackage.objects.filter(id=busy.id).update(
        status=AccountPackage.Status.VALIDATING, validation_started_at=timezone.now()
    )
    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(queue, "_send", lambda name, args, countdown: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.package_requeue_stale() == 2
    assert sorted(sent) == sorted(
        [(queue.VALIDATE_PACKAGE, (lost.id,)), (queue.VALIDATE_PACKAGE, (dead.id,))]
    )
    assert fresh.id not in {args[0] for _, args in sent}


def test_a_run_whose_claim_was_taken_over_does_not_write(
    app: App, marketer: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = upload(app, marketer, "list.txt", b"alice\nx\n")
    real_validate = services.validate_package

    def slow_worker(*args: Any, **kwargs: Any) -> Any:
        # While this run reads, its claim goes stale and another worker finishes first.
        AccountPackage.objects.filter(id=package.id).update(
            validation_started_at=timezone.now() - timedelta(days=1)
        )
        monkeypatch.setattr(services, "validate_package", real_validate)
        services.package_validate(package_id=package.id)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(services, "validate_package", slow_worker)
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.INVALID
    assert AuditEvent.objects.filter(action="package.rejected").count() == 1
    assert AuditEvent.objects.filter(action="package.validation_started").count() == 2
    reports = [name for name in stored_files(media) if name.endswith(".csv")]
    assert reports == [package.error_report.name]
