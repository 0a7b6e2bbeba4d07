"""HTTP client for the TPNS REST API v3 (tpns-api.md). The only module that imports `requests`.

Every call has an explicit (connect, read) timeout and ends in a parsed result or one
of the `TpnsError` classes, chosen by whether the request can have taken effect.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import secrets
import ssl
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import requests
import requests.adapters
import requests.auth
import urllib3.exceptions
from django.conf import settings

from pushes.tpns import codes, errors, signing
from pushes.tpns.errors import (
    InvalidPushRequest,
    PermanentTpnsError,
    TpnsError,
    TransientTpnsError,
    UnknownOutcomeTpnsError,
)
from pushes.tpns.hosts import Credentials
from pushes.tpns.schema import PushRequest, canonical_json

log = logging.getLogger(__name__)

PUSH_PATH = "v3/push/app"
UPLOAD_PATH = "v3/push/package/upload"
PUSH_RECORD_PATH = "v3/statistics/get_push_record"
CANCEL_TIMING_TASK_PATH = "v3/push/cancel_timing_task"
ACCOUNT_BATCH_OPERATE_PATH = "v3/device/account/batchoperate"
ACCOUNT_QUERY_PATH = "v3/device/account/query"
TASK_STAT_PATH = "v3/statistics/get_push_task_stat_channel"
GROUP_STAT_PATH = "v3/statistics/get_push_group_stat_channel"
ADD_PLAN_PATH = "v3/push/plan/add_plan_push"
PUSHES_BY_TOKEN_PATH = "v3/toolbox/getPushListByToken"
MAX_PLAN_NAME_CHARS = 60
MAX_PLAN_DESCRIBE_CHARS = 300

# The gateway checks a package of up to 100 MB before it answers.
UPLOAD_CHUNK_SIZE = 64 * 1024
MAX_PUSH_RECORD_LIMIT = 200
MAX_TOKENS_PER_BATCH = 20

# v3/device/account/batchoperate operator_type values (tpns-api.md §7.1).
OP_APPEND = 1  # disused by TPNS since 2020-10-26 and treated as OP_BIND
OP_BIND = 2
OP_UNBIND = 3
OP_UNBIND_TOKENS_FROM_ALL = 4
OP_UNBIND_ACCOUNTS_FROM_ALL = 5


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class PushResult:
    push_id: str | list[str]  # a list for loop pushes
    ret_code: int
    err_msg: str
    seq: int
    environment: str
    raw: dict[str, Any]
    http_status: int


@dataclass(frozen=True)
class UploadResult:
    upload_id: int
    ret_code: int
    err_msg: str
    raw: dict[str, Any]
    http_status: int


@dataclass(frozen=True)
class PushRecord:
    """One entry of `pushRecordData` (tpns-api.md §8.1), camelCase keys mapped to fields."""

    push_id: str
    date: str  # "YYYY-MM-DD HH:MM:SS" as TPNS sends it
    status: str  # PUSH_INIT, PUSH_WAIT, PUSH_STARTED, PUSH_FINISHED, PUSH_CANCELED, …
    push_type: str
    message_type: str
    title: str
    content: str
    environment: str
    target_list: list[str]
    upload_id: int
    collapse_id: int
    expire_time: int
    group_id: str
    source: str
    multi_pkg: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PushRecord:
        targets = data.get("targetList")
        return cls(
            push_id=_text(data.get("pushId")),
            date=_text(data.get("date")),
            status=_text(data.get("status")),
            push_type=_text(data.get("pushType")),
            message_type=_text(data.get("messageType")),
            title=_text(data.get("title")),
            content=_text(data.get("content")),
            environment=_text(data.get("environment")),
            target_list=[_text(t) for t in targets] if isinstance(targets, list) else [],
            upload_id=_number(data.get("uploadId")),
            collapse_id=_number(data.get("collapseID")),
            expire_time=_number(data.get("expireTime")),
            group_id=_text(data.get("groupId")),
            source=_text(data.get("source")),
            multi_pkg=data.get("multiPkg") is True,
            raw=dict(data),
        )


@dataclass(frozen=True)
class PushRecordPage:
    count: int  # total matching records, not only this page
    records: list[PushRecord]
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class ChannelStat:
    """One `pushStatDataAll` item (tpns-api.md §8.2): a channel's delivery funnel, in devices."""

    channel: str  # xg, hw, xm, mz, oppo, vivo, apns, fcm, rog, honor, … or "all"
    planned: int  # pushActiveUv
    sent: int  # pushOnlineUv
    arrived: int  # arrivalUv
    verify_svc: int  # verifySvcUv (being retired by TPNS in favour of arrivalUv)
    callback_verify_svc: int  # callbackVerifySvcUv
    displayed: int  # verifyUv
    clicked: int  # clickUv
    cleared: int  # cleanupUv

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChannelStat:
        state = data.get("pushState")
        state = state if isinstance(state, dict) else {}
        return cls(
            channel=_text(data.get("channel")),
            planned=_number(state.get("pushActiveUv")),
            sent=_number(state.get("pushOnlineUv")),
            arrived=_number(state.get("arrivalUv")),
            verify_svc=_number(state.get("verifySvcUv")),
            callback_verify_svc=_number(state.get("callbackVerifySvcUv")),
            displayed=_number(state.get("verifyUv")),
            clicked=_number(state.get("clickUv")),
            cleared=_number(state.get("cleanupUv")),
        )


@dataclass(frozen=True)
class PushStat:
    """The per-channel statistics of one push (or of a plan's pushes)."""

    channels: list[ChannelStat]
    raw: dict[str, Any] = field(repr=False)

    @property
    def total(self) -> ChannelStat | None:
        """The "all" row TPNS sends as the sum over channels."""
        return next((c for c in self.channels if c.channel == "all"), None)


@dataclass(frozen=True)
class PlanResult:
    plan_id: str
    name: str
    describe: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class TokenPush:
    """One of a token's pushes today (`pushTaskList` of getPushListByToken)."""

    push_id: str
    push_time: int  # a Unix timestamp
    target_type: str  # e.g. TAG_PUSH, ACCOUNT_LIST_PUSH


@dataclass(frozen=True)
class AccountRef:
    account: str
    account_type: int | None = None


@dataclass(frozen=True)
class TokenAccounts:
    token: str
    accounts: Sequence[AccountRef | str]


@dataclass(frozen=True)
class BatchOperateResult:
    ret_code: int  # 0, or 1008026 when only part of the batch was carried out
    err_msg: str
    result: list[str]  # one status per token/account, "0" for success
    raw: dict[str, Any]

    @property
    def partial(self) -> bool:
        return self.ret_code != 0


@dataclass(frozen=True)
class AccountQueryResult:
    account_tokens: dict[str, list[str]]
    token_accounts: dict[str, list[str]]
    result: list[str]
    raw: dict[str, Any]
    # token_accounts with each entry's account_type, where the gateway sends one (TPNS's
    # sample shows only "account"; then account_type is None).
    token_account_refs: dict[str, list[AccountRef]] = field(default_factory=dict)


# ---------------------------------------------------------------- calls


def push(creds: Credentials, request: PushRequest) -> PushResult:
    """Send one push (v3/push/app). Validates first; an invalid request is never sent."""
    problems = request.validate()
    if problems:
        raise InvalidPushRequest.from_errors(problems, endpoint=PUSH_PATH)
    data, status = _call_json(creds, PUSH_PATH, request.body())
    return PushResult(
        push_id=_push_id(data.get("push_id")),
        ret_code=errors.ret_code_of(data) or 0,
        err_msg=errors.err_msg_of(data),
        seq=_number(data.get("seq")),
        environment=_text(data.get("environment")),
        raw=data,
        http_status=status,
    )


def upload_package(
    creds: Credentials,
    fileobj: IO[bytes],
    filename: str,
    *,
    content_type: str | None = None,
    sha256: str | None = None,
) -> UploadResult:
    """Upload an account package (v3/push/package/upload), streamed from a seekable file.

    The whole file is sent from its start, whatever the current position. With `sha256`,
    the bytes are hashed as they are streamed and the upload is cut off before its last
    bytes (so the gateway never completes it) when they are not the expected ones:
    `PackageBytesChanged`.
    """
    body = _MultipartFile(
        fileobj, field="file", filename=filename, content_type=content_type, sha256=sha256
    )
    auth = _BasicAuth(creds)
    response = _send(
        creds,
        UPLOAD_PATH,
        data=body,
        headers={"Content-Type": body.content_type},
        auth=auth,
        timeout=_timeouts(upload=True),
        secrets_=(creds.secret_key, auth.token),
    )
    data = _parse(response, UPLOAD_PATH)
    upload_id = _number(data.get("uploadId"))
    if upload_id <= 0:
        raise UnknownOutcomeTpnsError(
            f"{UPLOAD_PATH}: success without a usable uploadId: {data.get('uploadId')!r}",
            ret_code=errors.ret_code_of(data),
            http_status=response.status_code,
            endpoint=UPLOAD_PATH,
            kind=errors.MALFORMED_RESPONSE,
        )
    return UploadResult(
        upload_id=upload_id,
        ret_code=errors.ret_code_of(data) or 0,
        err_msg=errors.err_msg_of(data),
        raw=data,
        http_status=response.status_code,
    )


def get_push_record(
    creds: Credentials,
    *,
    push_id: str | int | None = None,
    start_date: date | str | None = None,
    end_date: date | str | None = None,
    offset: int = 0,
    limit: int = 50,
    message_type: str | None = None,
    push_type: str | None = None,
) -> PushRecordPage:
    """One push by id, or a page of the pushes between two dates (last month only)."""
    payload: dict[str, Any]
    if push_id is not None:
        payload = {"pushId": str(push_id)}
    elif start_date is not None and end_date is not None:
        if not 1 <= limit <= MAX_PUSH_RECORD_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_PUSH_RECORD_LIMIT}")
        if offset < 0:
            raise ValueError("offset must not be negative")
        payload = {
            "startDate": _iso_date(start_date),
            "endDate": _iso_date(end_date),
            "offset": offset,
            "limit": limit,
        }
        if message_type is not None:
            payload["msgType"] = message_type
        if push_type is not None:
            payload["pushType"] = push_type
    else:
        raise ValueError("give push_id, or both start_date and end_date")
    data, _ = _call_json(creds, PUSH_RECORD_PATH, canonical_json(payload))
    rows = data.get("pushRecordData")
    records = (
        [PushRecord.from_json(r) for r in rows if isinstance(r, dict)]
        if isinstance(rows, list)
        else []
    )
    return PushRecordPage(
        count=_number(data.get("count"), default=len(records)), records=records, raw=data
    )


def get_push_task_stat_channel(creds: Credentials, push_id: str | int) -> PushStat:
    """Per-channel statistics of one push (last 30 days; 200 calls/hour per app).

    An unknown or expired pushId raises PermanentTpnsError (1008015); being over the hourly
    limit raises TransientTpnsError (1008028), to be tried later.
    """
    data, _ = _call_json(creds, TASK_STAT_PATH, canonical_json({"pushId": str(push_id)}))
    return _push_stat(data)


def get_push_group_stat_channel(
    creds: Credentials, *, plan_id: str, start_date: date | str, end_date: date | str
) -> PushStat:
    """Per-channel statistics summed over the pushes of a plan (the last 7 days only)."""
    payload = {
        "planId": plan_id,
        "startDate": _compact_date(start_date),
        "endDate": _compact_date(end_date),
    }
    data, _ = _call_json(creds, GROUP_STAT_PATH, canonical_json(payload))
    return _push_stat(data)


def add_plan_push(creds: Credentials, *, name: str, describe: str) -> PlanResult:
    """Create a push plan (200 calls a day per app); its planId goes in pushes' `plan_id`."""
    if not name or len(name) > MAX_PLAN_NAME_CHARS:
        raise ValueError(f"a plan name has 1 to {MAX_PLAN_NAME_CHARS} characters")
    if not describe or len(describe) > MAX_PLAN_DESCRIBE_CHARS:
        raise ValueError(f"a plan description has 1 to {MAX_PLAN_DESCRIBE_CHARS} characters")
    body = canonical_json({"planName": name, "planDescribe": describe})
    data, _ = _call_json(creds, ADD_PLAN_PATH, body)
    result = data.get("result")
    result = result if isinstance(result, dict) else {}
    plan_id = _text(result.get("planId"))
    if not plan_id:
        raise PermanentTpnsError(
            "the gateway created no plan (no result.planId)", endpoint=ADD_PLAN_PATH
        )
    return PlanResult(
        plan_id=plan_id,
        name=_text(result.get("planName")),
        describe=_text(result.get("planDescribe")),
        raw=data,
    )


def get_push_list_by_token(
    creds: Credentials, token: str, *, timeout: tuple[float, float] | None = None
) -> list[TokenPush]:
    """The pushes a device token was sent today (a statistics call: 200 an hour per app)."""
    if not token:
        raise ValueError("give a token")
    data, _ = _call_json(
        creds, PUSHES_BY_TOKEN_PATH, canonical_json({"token": token}), timeout=timeout
    )
    return [
        TokenPush(
            push_id=_text(row.get("pushId")),
            push_time=_number(row.get("pushTime")),
            target_type=_text(row.get("pushTargetType")),
        )
        for row in _objects(data.get("pushTaskList"))
    ]


def _push_stat(data: dict[str, Any]) -> PushStat:
    return PushStat(
        channels=[ChannelStat.from_json(row) for row in _objects(data.get("pushStatDataAll"))],
        raw=data,
    )


def cancel_timing_task(creds: Credentials, push_id: str | int) -> dict[str, Any]:
    """Cancel a scheduled package push that has not been dispatched yet."""
    data, _ = _call_json(creds, CANCEL_TIMING_TASK_PATH, canonical_json({"pushId": str(push_id)}))
    return data


def account_batch_operate(
    creds: Credentials,
    operator_type: int,
    items: Sequence[TokenAccounts] | Sequence[str] | Sequence[AccountRef | str],
    account_type: int | None = None,
) -> BatchOperateResult:
    """Bind or unbind accounts and tokens (asynchronous on the TPNS side).

    items: TokenAccounts for OP_APPEND/OP_BIND/OP_UNBIND, tokens (str) for
    OP_UNBIND_TOKENS_FROM_ALL, accounts (AccountRef or str) for OP_UNBIND_ACCOUNTS_FROM_ALL.
    """
    payload: dict[str, Any] = {"operator_type": operator_type}
    if operator_type in (OP_APPEND, OP_BIND, OP_UNBIND):
        if not all(isinstance(item, TokenAccounts) for item in items):
            raise TypeError(f"operator_type {operator_type} takes TokenAccounts items")
        if len(items) > MAX_TOKENS_PER_BATCH:
            raise ValueError(f"at most {MAX_TOKENS_PER_BATCH} tokens per call")
        payload["token_accounts"] = [
            {"token": item.token, "account_list": [_account_entry(a) for a in item.accounts]}
            for item in items
            if isinstance(item, TokenAccounts)
        ]
    elif operator_type == OP_UNBIND_TOKENS_FROM_ALL:
        if not all(isinstance(item, str) for item in items):
            raise TypeError("operator_type 4 takes tokens (str)")
        payload["token_list"] = list(items)
    elif operator_type == OP_UNBIND_ACCOUNTS_FROM_ALL:
        if not all(isinstance(item, AccountRef | str) for item in items):
            raise TypeError("operator_type 5 takes accounts (AccountRef or str)")
        payload["account_list"] = [
            _account_entry(item) for item in items if isinstance(item, AccountRef | str)
        ]
    else:
        raise ValueError(f"operator_type must be 1 to 5, not {operator_type!r}")
    if account_type is not None:
        payload["account_type"] = account_type
    data, _ = _call_json(
        creds,
        ACCOUNT_BATCH_OPERATE_PATH,
        canonical_json(payload),
        accept={codes.BATCH_PARTLY_ERROR},
    )
    return BatchOperateResult(
        ret_code=errors.ret_code_of(data) or 0,
        err_msg=errors.err_msg_of(data),
        result=_strings(data.get("result")),
        raw=data,
    )


def account_query(
    creds: Credentials,
    *,
    accounts: Sequence[str] | None = None,
    tokens: Sequence[str] | None = None,
    account_type: int | None = None,
    timeout: tuple[float, float] | None = None,
) -> AccountQueryResult:
    """Tokens bound to accounts (operator_type 1) or accounts bound to tokens (2).

    `timeout` (connect, read) replaces the configured one, for callers that must answer
    quickly whatever the gateway does."""
    if (accounts is None) == (tokens is None):
        raise ValueError("give either accounts or tokens")
    payload: dict[str, Any]
    if accounts is not None:
        payload = {
            "operator_type": 1,
            "account_list": [_account_entry(AccountRef(a, account_type)) for a in accounts],
        }
    else:
        payload = {"operator_type": 2, "token_list": list(tokens or ())}
    data, _ = _call_json(creds, ACCOUNT_QUERY_PATH, canonical_json(payload), timeout=timeout)
    account_tokens = {
        _text(row.get("account")): _strings(row.get("token_list"))
        for row in _objects(data.get("account_tokens"))
    }
    token_accounts = {
        _text(row.get("token")): [
            _text(entry.get("account")) for entry in _objects(row.get("account_list"))
        ]
        for row in _objects(data.get("token_accounts"))
    }
    token_account_refs = {
        _text(row.get("token")): [
            AccountRef(_text(entry.get("account")), _optional_number(entry.get("account_type")))
            for entry in _objects(row.get("account_list"))
        ]
        for row in _objects(data.get("token_accounts"))
    }
    return AccountQueryResult(
        account_tokens=account_tokens,
        token_accounts=token_accounts,
        result=_strings(data.get("result")),
        raw=data,
        token_account_refs=token_account_refs,
    )


# ---------------------------------------------------------------- transport

_session: requests.Session | None = None
_session_lock = threading.Lock()


def _get_session() -> requests.Session:
    """One Session (one connection pool) per process."""
    global _session
    with _session_lock:
        if _session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "pushdeck-tpns-client/1"
            # No automatic retries at this level: a retried push could be sent
            # twice. Whether to try again is decided from the error class.
            adapter = requests.adapters.HTTPAdapter(max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            _session = session
        return _session


def _forget_session_after_fork() -> None:
    # A forked worker must not share the parent's sockets (two processes reading
    # one TLS stream corrupt it), and the lock may have been held at fork time.
    global _session, _session_lock
    _session = None
    _session_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_session_after_fork)


class _BasicAuth(requests.auth.AuthBase):
    """HTTP Basic with the UTF-8 encoding of signing.basic_authorization."""

    def __init__(self, creds: Credentials) -> None:
        self._value = signing.basic_authorization(creds.access_id, creds.secret_key)
        self.token = self._value.partition(" ")[2]

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._value
        return request

    def __repr__(self) -> str:
        return "<_BasicAuth>"


class _NoAuth(requests.auth.AuthBase):
    """Signed calls carry no Authorization; this stops requests taking one from ~/.netrc."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def _timeouts(*, upload: bool = False) -> tuple[float, float]:
    connect = float(settings.TPNS_CONNECT_TIMEOUT)
    read = float(settings.TPNS_READ_TIMEOUT)
    if upload:
        read = max(read, float(settings.TPNS_UPLOAD_READ_TIMEOUT))
    return connect, read


def _call_json(
    creds: Credentials,
    path: str,
    body: bytes,
    *,
    accept: Collection[int] = (),
    timeout: tuple[float, float] | None = None,
) -> tuple[dict[str, Any], int]:
    """POST signed JSON; the parsed success body and the HTTP status."""
    headers = signing.signature_headers(
        access_id=creds.access_id, secret_key=creds.secret_key, body=body
    )
    response = _send(
        creds,
        path,
        data=body,
        headers=headers,
        auth=_NoAuth(),
        timeout=timeout or _timeouts(),
        secrets_=(creds.secret_key, headers["Sign"]),
    )
    return _parse(response, path, accept=accept), response.status_code


def _parse(
    response: requests.Response, path: str, *, accept: Collection[int] = ()
) -> dict[str, Any]:
    try:
        return errors.raise_or_parse(response, endpoint=path, accept=accept)
    except TpnsError as err:
        log.warning("TPNS %s failed: %s", path, err)
        raise


def _send(
    creds: Credentials,
    path: str,
    *,
    data: bytes | _MultipartFile,
    headers: dict[str, str],
    auth: requests.auth.AuthBase,
    timeout: tuple[float, float],
    secrets_: tuple[str, ...],
) -> requests.Response:
    url = creds.url(path)
    started = time.monotonic()
    try:
        response = _get_session().post(
            url,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            # A redirect would re-send (or drop) the body somewhere unplanned.
            allow_redirects=False,
        )
    except _WrongBytes as exc:
        raise errors.PackageBytesChanged(
            f"{path}: {exc}", endpoint=path, kind=errors.LOCAL_ERROR
        ) from exc
    except _FileChanged as exc:
        raise TransientTpnsError(f"{path}: {exc}", endpoint=path, kind=errors.LOCAL_ERROR) from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        error_class, kind = _classify(exc)
        if kind == errors.READ_TIMEOUT:
            reason = f"no answer within {timeout[1]:g} s"
        elif kind == errors.CONNECT_TIMEOUT:
            reason = f"no connection within {timeout[0]:g} s"
        else:
            reason = _redact(_root_reason(exc), secrets_)
        err = error_class(f"{path}: {kind.replace('_', ' ')}: {reason}", endpoint=path, kind=kind)
        log.warning(
            "TPNS %s %s (app %s, %s) after %.2fs: %s",
            path,
            type(err).__name__,
            creds.access_id,
            creds.gateway,
            time.monotonic() - started,
            err,
        )
        raise err from exc
    log.info(
        "TPNS %s (app %s, %s): HTTP %s in %.2fs",
        path,
        creds.access_id,
        creds.gateway,
        response.status_code,
        time.monotonic() - started,
    )
    return response


# Errors raised before a single byte of the request can have left this machine.
_BEFORE_SENDING = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS (NameResolutionError)
    urllib3.exceptions.ConnectTimeoutError,
    ssl.SSLCertVerificationError,  # the TLS handshake precedes the request
)
_LOCAL_MISTAKES = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.URLRequired,
)


def _classify(exc: BaseException) -> tuple[type[TpnsError], str]:
    """Which error class a transport failure means, and why.

    ReadTimeout, RemoteDisconnected, ECONNRESET while reading, ChunkedEncodingError:
    the request was (or may have been) sent, so the outcome is unknown. Anything
    not recognised as happening before sending is treated the same way, the safe
    side for a push. A pooled keep-alive connection the server closed at the same
    moment also lands here; urllib3 drops connections it sees closed before reuse,
    so that race is narrow.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return TransientTpnsError, errors.CONNECT_TIMEOUT
    if isinstance(exc, requests.ReadTimeout | urllib3.exceptions.ReadTimeoutError):
        return UnknownOutcomeTpnsError, errors.READ_TIMEOUT
    if isinstance(exc, _LOCAL_MISTAKES):
        return PermanentTpnsError, errors.LOCAL_ERROR
    if isinstance(exc, requests.exceptions.ProxyError):
        # urllib3 raises ProxyError only while connecting to the proxy.
        return TransientTpnsError, errors.CONNECT_FAILED
    if isinstance(exc, requests.ConnectionError) and any(
        isinstance(cause, _BEFORE_SENDING) for cause in _causes(exc)
    ):
        return TransientTpnsError, errors.CONNECT_FAILED
    return UnknownOutcomeTpnsError, errors.CONNECTION_DROPPED


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps: requests → MaxRetryError.reason → socket error."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        if current.__cause__ is not None:
            stack.append(current.__cause__)


def _root_reason(exc: BaseException) -> str:
    innermost = list(_causes(exc))[-1]
    return str(innermost) or type(innermost).__name__


def _redact(text: str, secret_values: tuple[str, ...]) -> str:
    for value in secret_values:
        # Short values would garble ordinary words and are no real secret anyway.
        if len(value) >= 8:
            text = text.replace(value, "***")
    return text


class _FileChanged(ValueError):
    """The upload file got shorter while being sent. Not an OSError: urllib3 would wrap it."""


class _WrongBytes(_FileChanged):
    """The streamed bytes are not the expected ones (their SHA-256 differs)."""


class _MultipartFile:
    """A multipart/form-data body with one file part, read from the file as it is sent.

    `requests` reads `files=` entirely into memory; packages can be 100 MB. Having a
    length makes requests send Content-Length instead of chunked encoding.
    """

    def __init__(
        self,
        fileobj: IO[bytes],
        *,
        field: str,
        filename: str,
        content_type: str | None,
        sha256: str | None = None,
    ) -> None:
        if not filename:
            raise ValueError("an upload needs a file name")
        self._file = fileobj
        self._sha256 = sha256
        self._size = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(0)
        self.boundary = f"pushdeck-{secrets.token_hex(16)}"
        kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self._head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{_quote(filename)}"\r\n'
            f"Content-Type: {kind}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        self._file.seek(0)
        digest = hashlib.sha256()
        yield self._head
        remaining = self._size
        while remaining:
            chunk = self._file.read(min(UPLOAD_CHUNK_SIZE, remaining))
            if not chunk:
                raise _FileChanged("the file got shorter while it was being uploaded")
            remaining -= len(chunk)
            digest.update(chunk)
            if not remaining and self._sha256 and digest.hexdigest() != self._sha256:
                # Before the last chunk and the closing boundary: the upload never completes.
                raise _WrongBytes(
                    f"the file's SHA-256 is {digest.hexdigest()}, not the expected {self._sha256}"
                )
            yield chunk
        yield self._tail


def _quote(filename: str) -> str:
    # The HTML form encoding of a filename parameter: browsers and urllib3 do the same.
    return filename.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


# ---------------------------------------------------------------- small helpers


def _push_id(value: object) -> str | list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value]
    return _text(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _number(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def _optional_number(value: object) -> int | None:
    number = _number(value, default=-1)
    return None if number < 0 else number


def _strings(value: object) -> list[str]:
    return [_text(v) for v in value] if isinstance(value, list) else []


def _objects(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _account_entry(account: AccountRef | str) -> dict[str, Any]:
    ref = AccountRef(account) if isinstance(account, str) else account
    entry: dict[str, Any] = {"account": ref.account}
    if ref.account_type is not None:
        entry["account_type"] = ref.account_type
    return entry


def _iso_date(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _compact_date(value: date | str) -> str:
    """YYYYMMDD, as the statistics calls other than get_push_record take dates."""
    return value.strftime("%Y%m%d") if isinstance(value, date) else value
