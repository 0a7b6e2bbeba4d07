"""Calls to the sandbox endpoints through Django's test client, with real signatures."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart

from pushes.sandbox import services
from pushes.sandbox.models import Device, SandboxApp
from pushes.tpns import signing

ACCESS_ID = "1500001048"
SECRET_KEY = "1452fcebae9f3115ba794fb0fff2fd73"


def body_of(payload: dict[str, Any] | bytes) -> bytes:
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_post(
    client: Client,
    path: str,
    payload: dict[str, Any] | bytes,
    *,
    access_id: str = ACCESS_ID,
    secret_key: str = SECRET_KEY,
    now: float | None = None,
) -> Any:
    body = body_of(payload)
    headers = signing.signature_headers(
        access_id=access_id, secret_key=secret_key, body=body, now=now
    )
    del headers["Content-Type"]
    return client.post(
        f"/sandbox/{path}", data=body, content_type="application/json", headers=headers
    )


def basic_post(
    client: Client,
    path: str,
    payload: dict[str, Any] | bytes,
    *,
    access_id: str = ACCESS_ID,
    secret_key: str = SECRET_KEY,
) -> Any:
    return client.post(
        f"/sandbox/{path}",
        data=body_of(payload),
        content_type="application/json",
        headers={"Authorization": signing.basic_authorization(access_id, secret_key)},
    )


def upload(
    client: Client,
    content: bytes,
    filename: str = "accounts.txt",
    *,
    access_id: str = ACCESS_ID,
    secret_key: str = SECRET_KEY,
    signed: bool = False,
) -> Any:
    boundary = "sandboxboundary"
    body = encode_multipart(boundary, {"file": SimpleUploadedFile(filename, content)})
    content_type = f"multipart/form-data; boundary={boundary}"
    if signed:
        headers = signing.signature_headers(access_id=access_id, secret_key=secret_key, body=body)
        del headers["Content-Type"]
    else:
        headers = {"Authorization": signing.basic_authorization(access_id, secret_key)}
    return client.post(
        "/sandbox/v3/push/package/upload", data=body, content_type=content_type, headers=headers
    )


def device_for(app: SandboxApp, *accounts: str, account_type: int = 0, label: str = "") -> Device:
    device = services.register_device(app=app, label=label or "-".join(accounts))
    for account in accounts:
        services.bind(app=app, account=account, account_type=account_type, device=device)
    return device


def account_push(accounts: list[Any], **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "audience_type": "account_list" if len(accounts) != 1 else "account",
        "account_list": accounts,
        "message_type": "notify",
        "message": {"title": "Hello", "content": "World"},
    }
    payload.update(fields)
    return payload


def package_push(upload_id: int, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "audience_type": "package_account_push",
        "upload_id": upload_id,
        "message_type": "notify",
        "message": {"title": "Package", "content": "For everyone in the file"},
    }
    payload.update(fields)
    return payload
