"""One exception hierarchy for every way a TPNS call can fail.

The split matters more than the message: delivery retries `TransientTpnsError`
(the request surely did not take effect), fails the push on `PermanentTpnsError`,
and marks it in doubt on `UnknownOutcomeTpnsError` (it may have been sent), so a
push is never sent twice by accident.

Nothing here may carry a secret: exception text ends up in logs, in the database
(DeliveryAttempt.err_msg) and on screen.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pushes.tpns import codes

if TYPE_CHECKING:
    from pushes.tpns.schema import FieldError


class HttpResponse(Protocol):
    """The part of `requests.Response` read here; keeps this module free of `requests`."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


# Why a call failed, for code that needs more than the class (and for describe()).
CONNECT_FAILED = "connect_failed"
CONNECT_TIMEOUT = "connect_timeout"
HTTP_STATUS = "http_status"
RET_CODE = "ret_code"
READ_TIMEOUT = "read_timeout"
CONNECTION_DROPPED = "connection_dropped"
MALFORMED_RESPONSE = "malformed_response"
INVALID_REQUEST = "invalid_request"
LOCAL_ERROR = "local_error"


class TpnsError(Exception):
    """A TPNS call failed. `str()` is a technical one-liner; `describe()` is for people."""

    def __init__(
        self,
        message: str = "",
        *,
        ret_code: int | None = None,
        err_msg: str = "",
        http_status: int | None = None,
        endpoint: str = "",
        kind: str = "",
        retry_after: float | None = None,
    ) -> None:
        # Only the message goes to Exception.args, so pickling (Celery) and
        # `cls(message)` both rebuild the exception; attributes travel in __dict__.
        super().__init__(message)
        self.message = message
        self.ret_code = ret_code
        self.err_msg = err_msg
        self.http_status = http_status
        self.endpoint = endpoint
        self.kind = kind
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, ret_code={self.ret_code!r}, "
            f"http_status={self.http_status!r}, kind={self.kind!r})"
        )


class TransientTpnsError(TpnsError):
    """The request surely did not take effect and trying again later may work."""


class PermanentTpnsError(TpnsError):
    """The gateway refused the request; sending it again unchanged will fail again."""


class PackageBytesChanged(PermanentTpnsError):
    """The package bytes read from storage are not the approved ones; the upload was cut
    off before it completed, so the gateway has nothing of it."""


class UnknownOutcomeTpnsError(TpnsError):
    """The request may or may not have taken effect; never resend it automatically."""


class InvalidPushRequest(PermanentTpnsError):
    """The push failed local validation and was not sent. Build it with `from_errors`."""

    def __init__(
        self,
        message: str = "",
        *,
        errors: Sequence[FieldError] = (),
        ret_code: int | None = None,
        endpoint: str = "",
    ) -> None:
        # Same positional signature as TpnsError: Celery rebuilds exceptions as cls(message).
        super().__init__(message, ret_code=ret_code, endpoint=endpoint, kind=INVALID_REQUEST)
        self.errors = list(errors)

    @classmethod
    def from_errors(
        cls, errors: Sequence[FieldError], *, endpoint: str = "v3/push/app"
    ) -> InvalidPushRequest:
        text = "; ".join(str(error) for error in errors)
        return cls(
            f"{endpoint}: invalid request: {text}",
            errors=errors,
            ret_code=errors[0].code if errors else None,
            endpoint=endpoint,
        )


# Besides these, any non-zero ret_code is permanent (codes.TRANSIENT_CODES are transient).
TRANSIENT_HTTP_STATUSES = frozenset({408, 429})
# A gateway timeout means a proxy forwarded the request and gave up waiting for
# the answer: the same situation as our own read timeout.
UNKNOWN_OUTCOME_HTTP_STATUSES = frozenset({504})


def ret_code_of(body: Mapping[str, Any]) -> int | None:
    """The ret_code of a snake_case (push) or camelCase (upload, query) body."""
    for key in ("ret_code", "retCode"):
        if key in body:
            return _as_int(body[key])
    return None


def err_msg_of(body: Mapping[str, Any]) -> str:
    # `ErrMsg` appears in the add_plan_push sample (tpns-api.md §1.3).
    for key in ("err_msg", "errMsg", "ErrMsg"):
        value = body.get(key)
        if isinstance(value, str):
            return value
    return ""


def raise_or_parse(
    response: HttpResponse, *, endpoint: str = "", accept: Collection[int] = ()
) -> dict[str, Any]:
    """The JSON body of a successful answer, or the right TpnsError.

    `accept` lists non-zero ret_codes the caller handles itself (e.g. the partial
    failure of a batch operation).
    """
    status = response.status_code
    body = _json_object(response.content)
    ret_code = ret_code_of(body) if body is not None else None
    err_msg = err_msg_of(body) if body is not None else ""
    where = f"{endpoint}: " if endpoint else ""

    def error(cls: type[TpnsError], summary: str, kind: str) -> TpnsError:
        return cls(
            summary,
            ret_code=ret_code,
            err_msg=err_msg,
            http_status=status,
            endpoint=endpoint,
            kind=kind,
            retry_after=_retry_after(response) if cls is TransientTpnsError else None,
        )

    if not 200 <= status < 300:
        summary = f"{where}HTTP {status}" + (
            f", ret_code {ret_code} ({err_msg})" if ret_code else ""
        )
        if status in UNKNOWN_OUTCOME_HTTP_STATUSES:
            raise error(UnknownOutcomeTpnsError, summary, HTTP_STATUS)
        if status >= 500 or status in TRANSIENT_HTTP_STATUSES:
            raise error(TransientTpnsError, summary, HTTP_STATUS)
        raise error(PermanentTpnsError, summary, HTTP_STATUS)

    if body is None or ret_code is None:
        # A 200 we cannot read might be a proxy's page or a truncated success:
        # the gateway may have acted on the request.
        summary = f"{where}HTTP {status} with an unreadable body: {_preview(response.content)}"
        raise error(UnknownOutcomeTpnsError, summary, MALFORMED_RESPONSE)
    if ret_code == codes.OK or ret_code in accept:
        return body
    summary = f"{where}ret_code {ret_code} ({err_msg or codes.message_for(ret_code)})"
    if ret_code in codes.TRANSIENT_CODES:
        raise error(TransientTpnsError, summary, RET_CODE)
    raise error(PermanentTpnsError, summary, RET_CODE)


def describe(err: TpnsError) -> str:
    """One or two sentences a marketer can act on."""
    what = "push" if err.endpoint == "v3/push/app" else "request"
    if isinstance(err, InvalidPushRequest):
        problems = "; ".join(str(error) for error in err.errors) or err.message
        return f"The {what} was not sent because it is invalid: {problems}."
    if isinstance(err, UnknownOutcomeTpnsError):
        return _describe_unknown(err, what)
    if err.ret_code:
        return _describe_ret_code(err)
    if err.http_status is not None:
        return _describe_http_status(err.http_status)
    if err.kind == CONNECT_TIMEOUT:
        return f"Connecting to TPNS timed out; nothing was sent. {_LATER}"
    if err.kind == CONNECT_FAILED:
        return f"Pushdeck could not connect to TPNS; nothing was sent. {_LATER}"
    return f"The call to TPNS failed: {err.message}"


def _describe_unknown(err: TpnsError, what: str) -> str:
    cause = {
        READ_TIMEOUT: "TPNS did not answer in time after the request was sent",
        CONNECTION_DROPPED: "The connection to TPNS broke after the request was sent",
        MALFORMED_RESPONSE: "TPNS sent back an answer that could not be read",
        HTTP_STATUS: (
            f"A proxy in front of TPNS gave up waiting for its answer (HTTP {err.http_status})"
        ),
    }.get(err.kind, "The call to TPNS was interrupted")
    advice = (
        "Check the push records in TPNS before sending it again."
        if what == "push"
        else "It is safe to try again."
    )
    return f"{cause}, so it is not known whether the {what} went through. {advice}"


def _describe_http_status(status: int) -> str:
    if status == 429:
        return f"TPNS is rate limiting this app (HTTP 429). {_LATER}"
    if status == 403:
        return (
            "TPNS refused the request (HTTP 403). This usually means the AccessID/SecretKey "
            "or the service region is wrong; an admin should check the app's keys and gateway."
        )
    if status == 408:
        return f"TPNS did not receive the whole request in time (HTTP 408). {_LATER}"
    if status >= 500:
        return f"TPNS had a server error (HTTP {status}); nothing was sent. {_LATER}"
    return f"TPNS refused the request (HTTP {status}). An admin should check the app's gateway settings."


_LATER = "Trying again a little later usually works."
_CHECK_KEYS = "An admin should check the keys."

# Keyed by ret_code; "{label}" is replaced by "err_msg, code" as TPNS spells it.
_SENTENCES: dict[int, str] = {
    codes.PARSE_ERROR: "TPNS could not read the request ({label}). Please report this to an admin.",
    codes.MISSING_PARAMETER: "TPNS says a required field is missing ({label}).",
    codes.AUTH_FAILURE: f"TPNS rejected the app's AccessID/SecretKey ({{label}}). {_CHECK_KEYS}",
    codes.INVOKE_SERVICE_ERROR: f"TPNS had an internal error ({{label}}). {_LATER}",
    codes.INVALID_TOKEN: "TPNS says a device token is invalid ({label}).",
    codes.INVALID_PARAMETER: "TPNS rejected a field of the request as invalid ({label}).",
    codes.UPLOAD_FILE_ERROR: (
        "TPNS could not accept the account package file ({label}). It must be a .txt, .csv "
        "or .zip file with one account per line."
    ),
    codes.UPLOAD_EMPTY_FILE: "TPNS says the account package file is empty ({label}).",
    codes.PUSH_ID_NOT_EXIST: "TPNS does not know this push ID ({label}).",
    codes.DATE_PARAM_FORMAT_ERROR: "TPNS could not read a date in the request ({label}).",
    codes.CONTENT_MAY_BE_EVIL: (
        "TPNS's content check rejected the title or content ({label}). Reword the message."
    ),
    codes.IOS_CERT_EXPIRED: (
        "The app's iOS push certificate is invalid or has expired ({label}). An admin should "
        "upload a new certificate in the TPNS console."
    ),
    codes.BATCH_PARTLY_ERROR: "TPNS carried out only part of the batch operation ({label}).",
    codes.BATCH_TOTAL_ERROR: "TPNS could not carry out any of the batch operation ({label}).",
    codes.REQUEST_TOO_FAST: (
        f"TPNS is rate limiting this app ({{label}}): too many requests in a short time. {_LATER}"
    ),
    codes.TOKEN_NOT_VALID: "TPNS says a device token is not valid ({label}).",
    codes.APP_NOT_PAID: (
        "TPNS says this app has not been paid for ({label}). An admin should check the "
        "TPNS billing."
    ),
    codes.APP_EXPIRED: (
        "TPNS says this app has expired and its resources were released ({label}). "
        "An admin should check the app in the TPNS console."
    ),
    codes.WRONG_ACCESS_ID_OR_DOMAIN: (
        "TPNS does not know this AccessID at the selected service region ({label}). "
        "An admin should check the app's gateway (Guangzhou, Shanghai, Hong Kong or "
        "Singapore must be the region the app was created in) and its AccessID."
    ),
    codes.NO_TOKEN_NO_ACCOUNT: "TPNS has no such token or account ({label}).",
    codes.INTERNAL_ERROR: (
        "None of the target accounts is bound to a device ({label}). Check the Account Type "
        "and that the accounts are registered in the app."
    ),
    codes.ILLEGAL_PUSH_TIME: (
        "TPNS rejected the send time ({label}): it is more than 10 minutes in the past."
    ),
    codes.PUSH_REPEAT: "TPNS blocked this push as a repeat of a recent one ({label}).",
    codes.RESOURCE_NOT_DEPLOYED: (
        "The app's TPNS resources are not deployed ({label}). An admin should check the app "
        "in the TPNS console."
    ),
    codes.ACCESS_KEY_MISMATCH: f"TPNS says the AccessID and key do not match ({{label}}). {_CHECK_KEYS}",
}


def _describe_ret_code(err: TpnsError) -> str:
    assert err.ret_code is not None
    known = codes.MESSAGES.get(err.ret_code)
    label = f"{known or err.err_msg or 'error'}, {err.ret_code}"
    template = _SENTENCES.get(err.ret_code)
    if template is None:
        said = f": “{err.err_msg}”" if err.err_msg else ""
        return f"TPNS refused the request with error {err.ret_code}{said}."
    sentence = template.format(label=label)
    # The gateway's own words add detail when they differ from the stock message.
    if err.err_msg and err.err_msg != known:
        sentence += f" TPNS said: “{err.err_msg}”."
    return sentence


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _retry_after(response: HttpResponse) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date, or absent: let the caller's backoff decide


def _preview(content: bytes, limit: int = 80) -> str:
    text = content[:limit].decode("utf-8", "replace")
    return repr(text + ("…" if len(content) > limit else ""))
