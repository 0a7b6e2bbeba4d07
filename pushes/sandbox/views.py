"""The TPNS v3 endpoints of the sandbox (tpns-api.md §14).

Every endpoint: POST only (405 otherwise), CSRF-exempt, both auth schemes checked as far as
the headers allow before any of the body is read, and business errors as HTTP 200 with a
ret_code in the endpoint's own naming — push and batchoperate answer in
snake_case, upload, query and statistics in camelCase, cancel_timing_task (undocumented) in
both. Nothing escapes as a 500: an unexpected failure answers 1008004 and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from pushes.sandbox import auth, faults, selectors, services, statistics, uploads
from pushes.sandbox.errors import SandboxAuthError, SandboxError
from pushes.sandbox.models import FaultPlan, SandboxApp, SandboxPush
from pushes.sandbox.validation import (
    RATE_LIMITED_TYPES,
    WIRE_TIMEZONE,
    as_int,
    parse_object,
    request_environment,
    request_seq,
    validate_push,
)
from pushes.tpns import codes

logger = logging.getLogger(__name__)

Endpoint = FaultPlan.Endpoint
# Past any real history, and within what the database can take as an OFFSET.
MAX_RECORDS_OFFSET = 1_000_000_000
MAX_RECORDS_PER_PAGE = 200
DEFAULT_RECORDS_PER_PAGE = 50


@dataclass
class Call:
    """What one call's error answer needs to know about its request."""

    endpoint: str
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    environment: str = ""


def error_body(call: Call, code: int) -> dict[str, Any]:
    message = codes.message_for(code)
    if call.endpoint == Endpoint.PUSH:
        # Every key, always: old clients read err_msg unconditionally (§3.6, §12.1).
        return {
            "seq": call.seq,
            "push_id": "",
            "ret_code": code,
            "err_msg": message,
            "environment": call.environment,
            "result": "{}",
        }
    if call.endpoint == Endpoint.BATCHOPERATE:
        return {"ret_code": code, "err_msg": message, "result": []}
    if call.endpoint == Endpoint.CANCEL:
        return {"retCode": code, "errMsg": message, "ret_code": code, "err_msg": message}
    return {"retCode": code, "errMsg": message}


Handler = Callable[[HttpRequest, SandboxApp, Call], dict[str, Any]]


def sandbox_endpoint(endpoint: str, *, multipart: bool = False) -> Callable[[Handler], Any]:
    def decorator(handler: Handler) -> Callable[[HttpRequest], HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            call = Call(endpoint=endpoint)
            try:
                return _serve(request, handler, call, multipart=multipart)
            except Exception:
                logger.exception("sandbox %s failed", endpoint)
                return JsonResponse(error_body(call, codes.INVOKE_SERVICE_ERROR))
            finally:
                if multipart:
                    # Stored or refused, the spooled upload is not needed any more.
                    uploads.discard(request)

        return view

    return decorator


def _serve(request: HttpRequest, handler: Handler, call: Call, *, multipart: bool) -> HttpResponse:
    try:
        app, body = _receive(request, multipart=multipart)
    except SandboxAuthError as exc:
        status = settings.SANDBOX_AUTH_FAILURE_STATUS
        return JsonResponse(error_body(call, exc.code), status=status)
    except SandboxError as exc:
        return JsonResponse(error_body(call, exc.code))
    plan = (
        services.consume_fault(app=app, endpoint=call.endpoint)
        if services.faults_enabled()
        else None
    )

    def error(code: int) -> dict[str, Any]:
        return error_body(call, code)

    if plan is not None and not plan.after_apply:
        return faults.respond(plan, request, error=error)
    try:
        if body is not None:
            call.data = parse_object(body)
        answer = handler(request, app, call)
    except SandboxError as exc:
        answer = error_body(call, exc.code)
    if plan is not None:
        return faults.respond(plan, request, error=error, answer=answer)
    return JsonResponse(answer)


def _receive(request: HttpRequest, *, multipart: bool) -> tuple[SandboxApp, bytes | None]:
    """The authenticated app and the JSON body (None for an upload, parsed into FILES)."""
    caller = auth.identify(request)  # nothing of the body has been read yet
    if multipart:
        uploads.receive(request, caller)
        return caller.app, None
    try:
        body = request.body  # at most DATA_UPLOAD_MAX_MEMORY_SIZE, judged from Content-Length
    except RequestDataTooBig as exc:
        raise SandboxError(codes.PARSE_ERROR) from exc
    auth.verify_body(caller, body)
    return caller.app, body


# --- v3/push/app ---------------------------------------------------------------------------


@sandbox_endpoint(Endpoint.PUSH)
def push_app(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    call.seq = request_seq(call.data)
    call.environment = request_environment(call.data)
    now = timezone.now()
    push_request = validate_push(call.data, app=app, now=now)
    if push_request.audience_type in RATE_LIMITED_TYPES:
        services.push_check_rate(app=app)
    outcome = services.push_create(app=app, request=push_request, now=now)
    push_ids = [push.push_id for push in outcome.pushes]
    answer: dict[str, Any] = {
        "seq": call.seq,
        "push_id": push_ids if push_request.is_loop else push_ids[0],
        "ret_code": codes.OK,
        "err_msg": codes.message_for(codes.OK),
        "environment": call.environment,
        "result": "{}",
    }
    if push_request.ignore_invalid_token and outcome.invalid_tokens:
        answer["invalid_targe_list"] = outcome.invalid_tokens  # sic (§3.6)
    return answer


# --- v3/push/package/upload ----------------------------------------------------------------


@sandbox_endpoint(Endpoint.UPLOAD, multipart=True)
def package_upload(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    uploaded = request.FILES.get("file")  # parsed by uploads.receive, within the size limit
    if uploaded is None:
        raise SandboxError(codes.MISSING_PARAMETER)
    upload = services.package_upload(app=app, fileobj=uploaded, filename=uploaded.name or "")
    return {
        "retCode": codes.OK,
        "errMsg": codes.message_for(codes.OK),
        "uploadId": upload.upload_id,
    }


# --- v3/device/account/* -------------------------------------------------------------------


@sandbox_endpoint(Endpoint.BATCHOPERATE)
def account_batchoperate(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    results = services.account_batch_operate(app=app, data=call.data)
    failed = sum(result != str(codes.OK) for result in results)
    code = codes.OK
    if failed:
        code = codes.BATCH_TOTAL_ERROR if failed == len(results) else codes.BATCH_PARTLY_ERROR
    return {"ret_code": code, "err_msg": codes.message_for(code), "result": results}


@sandbox_endpoint(Endpoint.QUERY)
def account_query(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    data = call.data
    operator = data.get("operator_type")
    if operator is None or operator == "":
        raise SandboxError(codes.MISSING_PARAMETER)
    operator = as_int(operator)
    default_type = (
        as_int(data.get("account_type")) if data.get("account_type") is not None else None
    )
    if operator == 1:
        wanted = [_query_account(e, default_type) for e in _entry_list(data.get("account_list"))]
        found = selectors.accounts_tokens(app=app, accounts=wanted)
        results = [str(codes.OK if tokens else codes.NO_TOKEN_NO_ACCOUNT) for tokens in found]
        pairs = [
            {"account": account, "token_list": tokens}
            for (account, _type), tokens in zip(wanted, found, strict=True)
        ]
        return _query_answer(results, account_tokens=pairs)
    if operator == 2:
        tokens = _entry_list(data.get("token_list"))
        results = []
        token_pairs: list[dict[str, Any]] = []
        for token in tokens:
            if not isinstance(token, str):
                raise SandboxError(codes.INVALID_PARAMETER)
            accounts = selectors.token_accounts(app=app, token=token)
            results.append(str(codes.OK if accounts else codes.NO_TOKEN_NO_ACCOUNT))
            token_pairs.append({"token": token, "account_list": accounts or []})
        return _query_answer(results, token_accounts=token_pairs)
    raise SandboxError(codes.INVALID_PARAMETER)


def _entry_list(raw: object) -> list[Any]:
    if raw is None or raw == [] or raw == "":
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(raw, list) or len(raw) > 1000:
        raise SandboxError(codes.INVALID_PARAMETER)
    return raw


def _query_account(entry: object, default_type: int | None) -> tuple[str, int | None]:
    account_type = default_type
    if isinstance(entry, dict):
        if entry.get("account_type") not in (None, ""):
            account_type = as_int(entry["account_type"])
            if account_type is None:
                raise SandboxError(codes.INVALID_PARAMETER)
        entry = entry.get("account")
    if not isinstance(entry, str) or not entry:
        raise SandboxError(codes.INVALID_PARAMETER)
    return entry, account_type


def _query_answer(results: list[str], **payload: Any) -> dict[str, Any]:
    # camelCase status keys, snake_case payload keys, as documented (§7.2).
    return {
        "retCode": codes.OK,
        "errMsg": codes.message_for(codes.OK),
        "result": results,
        **payload,
    }


# --- v3/statistics/get_push_record ---------------------------------------------------------


PUSH_TYPE_FILTERS = {
    "account": frozenset({"account", "account_list"}),
    "account_list": frozenset({"account", "account_list"}),
    "token": frozenset({"token", "token_list"}),
    "token_list": frozenset({"token", "token_list"}),
}
STATUS_NAMES: dict[str, str] = {
    SandboxPush.Status.SENT: "PUSH_FINISHED",
    SandboxPush.Status.SCHEDULED: "PUSH_WAIT",
    SandboxPush.Status.CANCELLED: "PUSH_CANCELED",
}
RECORD_PUSH_TYPES = {"account": "account_list", "token": "token_list"}


@sandbox_endpoint(Endpoint.PUSH_RECORD)
def get_push_record(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    data = call.data
    push_id = _push_id(data)
    if push_id is not None:
        push = selectors.find_push(app=app, push_id=push_id)
        if push is None:
            raise SandboxError(codes.PUSH_ID_NOT_EXIST)
        return _records_answer(1, [push])
    start, end = (
        _date_bound(data.get("startDate"), end=False),
        _date_bound(data.get("endDate"), end=True),
    )
    offset = as_int(data.get("offset", 0) or 0)
    limit = as_int(data.get("limit", DEFAULT_RECORDS_PER_PAGE) or DEFAULT_RECORDS_PER_PAGE)
    if (
        offset is None
        or not 0 <= offset <= MAX_RECORDS_OFFSET
        or limit is None
        or not 0 < limit <= MAX_RECORDS_PER_PAGE
    ):
        raise SandboxError(codes.INVALID_PARAMETER)
    push_type, msg_type = data.get("pushType") or None, data.get("msgType") or None
    if (push_type is not None and not isinstance(push_type, str)) or (
        msg_type is not None and msg_type not in ("notify", "message")
    ):
        raise SandboxError(codes.INVALID_PARAMETER)
    audience_types = None
    if push_type is not None:
        audience_types = PUSH_TYPE_FILTERS.get(push_type, frozenset({push_type}))
    records = selectors.push_records(
        app=app, start=start, end=end, audience_types=audience_types, message_type=msg_type
    )
    return _records_answer(records.count(), list(records[offset : offset + limit]))


def _push_id(data: dict[str, Any]) -> str | None:
    for key in ("pushId", "pushid", "push_id"):
        value = data.get(key)
        if value not in (None, ""):
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise SandboxError(codes.INVALID_PARAMETER)
            return str(value)
    return None


def _date_bound(raw: object, *, end: bool) -> datetime:
    """`YYYY-MM-DD` (whole day) or `YYYY-MM-DD HH:MM:SS`, in TPNS time (UTC+08:00)."""
    if raw is None or raw == "":
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(raw, str):
        raise SandboxError(codes.DATE_PARAM_FORMAT_ERROR)
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            naive = datetime.combine(day, time.max if end else time.min)
        else:
            naive = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise SandboxError(codes.DATE_PARAM_FORMAT_ERROR) from exc
    return naive.replace(tzinfo=WIRE_TIMEZONE)


def _records_answer(count: int, pushes: list[SandboxPush]) -> dict[str, Any]:
    return {
        "retCode": codes.OK,
        "errMsg": codes.message_for(codes.OK),
        "count": count,
        "pushRecordData": [_record(push) for push in pushes],
    }


def _record(push: SandboxPush) -> dict[str, Any]:
    """One `pushRecordData` item, with the documented keys (§8.1)."""
    body: dict[str, Any] = push.request if isinstance(push.request, dict) else {}
    message: dict[str, Any] = body["message"] if isinstance(body.get("message"), dict) else {}
    push_type = RECORD_PUSH_TYPES.get(push.audience_type, push.audience_type)
    # targetList is filled for list pushes only (§8.1); the body key has the same name.
    targets = body.get(push_type) if push_type in ("account_list", "token_list") else None
    upload_id = push.upload.upload_id if push.upload else as_int(body.get("upload_id")) or 0
    return {
        "date": timezone.localtime(push.created_at, WIRE_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S"),
        "pushId": push.push_id,
        "title": push.title,
        "content": push.content,
        "status": STATUS_NAMES.get(push.status, "PUSH_INIT"),
        "pushType": push_type,
        "targetList": targets if isinstance(targets, list) else [],
        "tagSet": None,
        "uploadId": upload_id,
        "groupId": str(body.get("group_id") or ""),
        "collapseID": 0,
        "expireTime": as_int(body.get("expire_time")) or 86400,
        "messageType": push.message_type,
        "xgMediaResources": str(message.get("xg_media_resources") or ""),
        "environment": push.environment,
        "pushConfig": {"android": message.get("android"), "ios": message.get("ios")},
        "multiPkg": bool(body.get("multi_pkg")),
        "source": "api",
    }


# --- v3/statistics/get_push_task_stat_channel, get_push_group_stat_channel ----------------


@sandbox_endpoint(Endpoint.TASK_STAT)
def get_push_task_stat_channel(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    push_id = _push_id(call.data)
    if push_id is None:
        raise SandboxError(codes.MISSING_PARAMETER)
    now = timezone.now()
    statistics.take_call(app=app, now=now)
    push = statistics.find_recent_push(app=app, push_id=push_id, now=now)
    return _stat_answer(statistics.task_stat(push=push, now=now))


@sandbox_endpoint(Endpoint.GROUP_STAT)
def get_push_group_stat_channel(
    request: HttpRequest, app: SandboxApp, call: Call
) -> dict[str, Any]:
    data = call.data
    plan_id = data.get("planId") or data.get("groupId") or data.get("groupid")
    if plan_id in (None, ""):
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(plan_id, str):
        raise SandboxError(codes.INVALID_PARAMETER)
    start = _compact_date_bound(data.get("startDate"), end=False)
    end = _compact_date_bound(data.get("endDate"), end=True)
    now = timezone.now()
    statistics.take_call(app=app, now=now)
    rows = statistics.plan_stat(app=app, plan_id=plan_id, start=start, end=end, now=now)
    return _stat_answer(rows)


def _compact_date_bound(raw: object, *, end: bool) -> datetime:
    """`YYYYMMDD`, the whole day in TPNS time (UTC+08:00)."""
    if raw in (None, ""):
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(raw, str) or len(raw.strip()) != 8 or not raw.strip().isdigit():
        raise SandboxError(codes.DATE_PARAM_FORMAT_ERROR)
    try:
        day = datetime.strptime(raw.strip(), "%Y%m%d").date()
    except ValueError as exc:
        raise SandboxError(codes.DATE_PARAM_FORMAT_ERROR) from exc
    return datetime.combine(day, time.max if end else time.min).replace(tzinfo=WIRE_TIMEZONE)


def _stat_answer(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"retCode": codes.OK, "errMsg": codes.message_for(codes.OK), "pushStatDataAll": rows}


# --- v3/toolbox/getPushListByToken ---------------------------------------------------------

# TPNS's sample shows TAG_PUSH; the other names follow its pattern (not documented).
TARGET_TYPES = {
    "all": "ALL_PUSH",
    "tag": "TAG_PUSH",
    "token": "TOKEN_PUSH",
    "token_list": "TOKEN_LIST_PUSH",
    "account": "ACCOUNT_PUSH",
    "account_list": "ACCOUNT_LIST_PUSH",
    "package_account_push": "PACKAGE_ACCOUNT_PUSH",
    "package_token_push": "PACKAGE_TOKEN_PUSH",
}


@sandbox_endpoint("getPushListByToken")
def get_push_list_by_token(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    token = call.data.get("token")
    if token in (None, ""):
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(token, str):
        raise SandboxError(codes.INVALID_PARAMETER)
    now = timezone.now()
    statistics.take_call(app=app, now=now)
    today = timezone.localtime(now, WIRE_TIMEZONE).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    pushes = selectors.token_pushes(app=app, token=token, since=today)
    return {
        "retCode": codes.OK,
        "errMsg": codes.message_for(codes.OK),
        "pushTaskList": [
            {
                "pushId": int(push.push_id),
                "pushTime": int(delivered_at.timestamp()),
                "pushTargetType": TARGET_TYPES.get(push.audience_type, "UNKNOWN_PUSH"),
            }
            for push, delivered_at in pushes
        ],
    }


# --- v3/push/plan/add_plan_push -----------------------------------------------------------


@sandbox_endpoint(Endpoint.ADD_PLAN)
def add_plan_push(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    name, describe = call.data.get("planName"), call.data.get("planDescribe")
    if name in (None, "") or describe in (None, ""):
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(name, str) or not isinstance(describe, str):
        raise SandboxError(codes.INVALID_PARAMETER)
    plan = services.plan_create(app=app, name=name, describe=describe)
    stamp = int(plan.created_at.timestamp())
    return {
        "retCode": codes.OK,
        "ErrMsg": "",  # the historical key, documented as retired
        "errMsg": "save success",
        "result": {
            "planId": plan.plan_id,
            "planName": plan.name,
            "planDescribe": plan.describe,
            "planPushSource": "api",
            "createdAt": stamp,
            "updateAt": stamp,
        },
    }


# --- v3/push/cancel_timing_task ------------------------------------------------------------


@sandbox_endpoint(Endpoint.CANCEL)
def cancel_timing_task(request: HttpRequest, app: SandboxApp, call: Call) -> dict[str, Any]:
    push_id = _push_id(call.data)
    if push_id is None:
        raise SandboxError(codes.MISSING_PARAMETER)
    services.push_cancel(app=app, push_id=push_id)
    message = codes.message_for(codes.OK)
    return {"retCode": codes.OK, "errMsg": message, "ret_code": codes.OK, "err_msg": message}
