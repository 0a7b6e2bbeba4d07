"""Typed push-to-accounts requests for `v3/push/app`, checked with the gateway's own limits.

The console validates with these rules so people see a precise error before anything
is sent, and the sandbox reuses `parse_push_request` so both sides agree. Limits come
from tpns-api.md §3 and §10; the ones marked *inferred* there are project defaults.
"""

from __future__ import annotations

import json
import re
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from pushes.tpns import codes

AUDIENCE_TYPES: tuple[str, ...] = ("account", "account_list", "package_account_push")
MESSAGE_TYPES: tuple[str, ...] = ("notify", "message")
ENVIRONMENTS: tuple[str, ...] = ("product", "dev")
ACCOUNT_PUSH_TYPES: tuple[int, ...] = (0, 1)  # 0: latest bound device, 1: all devices
CHANNELS: tuple[str, ...] = ("xg", "hw", "xm", "mz", "vivo", "oppo", "apns", "honor", "fcm")

MAX_ACCOUNTS_PER_LIST = 1000
MIN_ACCOUNT_LENGTH = 2
MAX_ACCOUNT_LENGTH = 100
MAX_MESSAGE_BYTES = 4096
MAX_EXPIRE_TIME = 259200
MIN_PUSH_SPEED = 1000
MAX_PUSH_SPEED = 50000
MAX_SCHEDULE_AHEAD = timedelta(days=90)
# A send_time up to this far in the past is sent at once; further back is 10010012.
SEND_TIME_PAST_TOLERANCE = timedelta(minutes=10)
SEND_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# *Inferred*: TPNS reads send_time as China Standard Time, the zone of its console.
TPNS_TIMEZONE = timezone(timedelta(hours=8), "UTC+08:00")

# Per vendor channel (tpns-api.md §3.5). Exceeding one is not an error: that vendor's
# push fails and TPNS falls back to its own channel, so the console shows warnings.
TITLE_LIMITS: dict[str, int] = {
    "TPNS": 20,
    "Mi": 50,
    "Huawei": 40,
    "Meizu": 32,
    "OPPO": 32,
    "vivo": 40,
    "APNs": 40,
}
CONTENT_LIMITS: dict[str, int] = {"Mi": 128, "Huawei": 80, "Meizu": 100, "OPPO": 200, "vivo": 128}

# Keys Message sets itself; `extra` may not override them.
_MESSAGE_KEYS = frozenset({"title", "content", "android", "ios"})
# Listing every bad entry of a 1000-account list helps nobody.
_MAX_ACCOUNT_ERRORS = 20
_SEND_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def canonical_json(value: Any) -> bytes:
    """The one serialization sent and signed: compact, UTF-8, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class FieldError:
    """A problem with one field, named by its path ("account_list[3]", "message.title").

    `code` is the ret_code the gateway answers for it, so the sandbox can reply in kind.
    """

    field: str
    message: str
    code: int = codes.INVALID_PARAMETER

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(frozen=True)
class Message:
    """The `message` object (tpns-api.md §3.5).

    `custom_content` may be a dict; it is sent as the JSON *string* TPNS expects, in
    each platform section present (android when there is none). Other documented
    keys (thread_id, xg_media_resources, accept_time, show_type, …) go in `extra`.
    """

    title: str = ""
    content: str = ""
    _: KW_ONLY
    android: dict[str, Any] | None = None
    ios: dict[str, Any] | None = None
    custom_content: dict[str, Any] | str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": self.title, "content": self.content}
        payload.update((k, v) for k, v in self.extra.items() if k not in _MESSAGE_KEYS)
        android = dict(self.android) if isinstance(self.android, dict) else self.android
        ios = dict(self.ios) if isinstance(self.ios, dict) else self.ios
        if self.custom_content is not None:
            text = (
                self.custom_content
                if isinstance(self.custom_content, str)
                else canonical_json(self.custom_content).decode("utf-8")
            )
            if android is None and ios is None:
                android = {}
            for section in (android, ios):
                if isinstance(section, dict):
                    section["custom_content"] = text
        if android is not None:
            payload["android"] = android
        if ios is not None:
            payload["ios"] = ios
        return payload

    def size(self) -> int:
        """Bytes of the serialized message, the figure the 4 KB limit applies to."""
        return len(canonical_json(self.to_payload()))


@dataclass(frozen=True)
class PushRequest:
    """One call to `v3/push/app` for an account audience.

    Values are kept as given, even wrong ones, so `validate()` can name the field.
    """

    audience_type: str
    message_type: str
    message: Message
    _: KW_ONLY
    account_list: list[str] | None = None
    account_type: int = 0
    account_push_type: int = 0
    upload_id: int | None = None
    expire_time: int | None = None
    send_time: datetime | str | None = None
    environment: str | None = None
    seq: int | None = None
    push_speed: int | None = None
    multi_pkg: bool | None = None
    plan_id: str | None = None
    group_id: str | None = None  # deprecated by TPNS for plans, but echoed as `groupId`
    collapse_id: int | None = None
    loop_param: dict[str, Any] | None = None
    channel_rules: list[dict[str, Any]] | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON object sent: only the fields that are set."""
        payload: dict[str, Any] = {"audience_type": self.audience_type}
        if self.account_list is not None:
            payload["account_list"] = list(self.account_list)
        if self.upload_id is not None:
            payload["upload_id"] = self.upload_id
        payload["account_type"] = self.account_type
        payload["account_push_type"] = self.account_push_type
        payload["message_type"] = self.message_type
        payload["message"] = self.message.to_payload()
        optional: dict[str, Any] = {
            "environment": self.environment,
            "expire_time": self.expire_time,
            "send_time": format_send_time(self.send_time) if self.send_time is not None else None,
            "push_speed": self.push_speed,
            "multi_pkg": self.multi_pkg,
            "plan_id": self.plan_id,
            "group_id": self.group_id,
            "collapse_id": self.collapse_id,
            "loop_param": self.loop_param,
            "channel_rules": self.channel_rules,
            "seq": self.seq,
        }
        payload.update((k, v) for k, v in optional.items() if v is not None)
        return payload

    def body(self) -> bytes:
        """The exact bytes to sign and send."""
        return canonical_json(self.to_payload())

    def validate(self, *, now: datetime | None = None) -> list[FieldError]:
        """Every problem found, in the order the gateway checks (tpns-api.md §14.3)."""
        errors: list[FieldError] = []
        errors += _check_audience(self)
        errors += _check_int(
            "account_push_type", self.account_push_type, choices=ACCOUNT_PUSH_TYPES
        )
        errors += _check_int("account_type", self.account_type, minimum=0)
        if self.message_type not in MESSAGE_TYPES:
            errors.append(FieldError("message_type", f"must be one of {_quoted(MESSAGE_TYPES)}"))
        if self.expire_time is not None:
            errors += _check_int(
                "expire_time", self.expire_time, minimum=0, maximum=MAX_EXPIRE_TIME
            )
        errors += _check_package_only(self)
        if self.send_time is not None:
            errors += _check_send_time(self.send_time, now=now)
        errors += _check_message(self.message, notify=self.message_type == "notify")
        errors += _check_environment(self)
        errors += _check_misc(self)
        if not errors:
            try:
                self.body()
            except (TypeError, ValueError) as exc:
                errors.append(FieldError("", f"cannot be serialized as JSON: {exc}"))
        return errors


def format_send_time(value: datetime | str) -> str:
    """send_time as TPNS reads it; aware datetimes are converted to TPNS time."""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(TPNS_TIMEZONE)
    return value.strftime(SEND_TIME_FORMAT)


def channel_warnings(message: Message) -> list[FieldError]:
    """Vendor channels whose title or content limit the message exceeds (not errors)."""
    warnings = []
    for name, text, limits in (
        ("title", message.title, TITLE_LIMITS),
        ("content", message.content, CONTENT_LIMITS),
    ):
        if not isinstance(text, str):
            continue
        over = [f"{channel} ({limit})" for channel, limit in limits.items() if len(text) > limit]
        if over:
            warnings.append(
                FieldError(
                    f"message.{name}",
                    f"is {len(text)} characters, longer than {', '.join(over)} allow; "
                    "those channels cut it short or fall back to the TPNS channel",
                )
            )
    return warnings


def parse_push_request(
    data: object, *, now: datetime | None = None
) -> tuple[PushRequest | None, list[FieldError]]:
    """Read an incoming `v3/push/app` JSON object leniently, as the sandbox must.

    Older clients omit message_type (taken as "notify") and environment (taken as
    "product" when there is an iOS section), send legacy keys such as `platform`
    (ignored) and numbers as strings ("991"). The request is returned whenever it
    could be built; it is only good to send when the error list is empty.
    """
    if not isinstance(data, dict):
        return None, [FieldError("", "the body must be a JSON object", codes.PARSE_ERROR)]
    errors = []
    if data.get("audience_type") is None:
        errors.append(FieldError("audience_type", "is required", codes.MISSING_PARAMETER))
    message_data = data.get("message")
    if message_data is None:
        errors.append(FieldError("message", "is required", codes.MISSING_PARAMETER))
    elif not isinstance(message_data, dict):
        errors.append(FieldError("message", "must be a JSON object"))
    if errors:
        return None, errors
    assert isinstance(message_data, dict)

    message = Message(
        title=message_data.get("title", ""),
        content=message_data.get("content", ""),
        android=message_data.get("android"),
        ios=message_data.get("ios"),
        extra={k: v for k, v in message_data.items() if k not in _MESSAGE_KEYS},
    )
    environment = data.get("environment")
    if environment is None and message.ios is not None:
        environment = "product"
    account_type = _lenient_int(data.get("account_type"))
    account_push_type = _lenient_int(data.get("account_push_type"))
    request = PushRequest(
        audience_type=data["audience_type"],
        message_type=data.get("message_type") or "notify",
        message=message,
        account_list=data.get("account_list"),
        account_type=0 if account_type is None else account_type,
        account_push_type=0 if account_push_type is None else account_push_type,
        upload_id=_lenient_int(data.get("upload_id")),
        expire_time=_lenient_int(data.get("expire_time")),
        send_time=data.get("send_time") or None,
        environment=environment,
        seq=_lenient_int(data.get("seq")),
        push_speed=_lenient_int(data.get("push_speed")),
        multi_pkg=data.get("multi_pkg"),
        plan_id=data.get("plan_id"),
        group_id=data.get("group_id"),
        collapse_id=_lenient_int(data.get("collapse_id")),
        loop_param=data.get("loop_param"),
        channel_rules=data.get("channel_rules"),
    )
    return request, request.validate(now=now)


def _check_audience(request: PushRequest) -> list[FieldError]:
    audience = request.audience_type
    if audience not in AUDIENCE_TYPES:
        return [FieldError("audience_type", f"must be one of {_quoted(AUDIENCE_TYPES)}")]
    errors: list[FieldError] = []
    if audience == "package_account_push":
        if request.account_list is not None:
            errors.append(
                FieldError(
                    "account_list", "is not allowed with package_account_push (use upload_id)"
                )
            )
        if request.upload_id is None:
            errors.append(
                FieldError(
                    "upload_id", "is required with package_account_push", codes.MISSING_PARAMETER
                )
            )
        else:
            errors += _check_int("upload_id", request.upload_id, minimum=1)
        return errors
    errors += _check_account_list(request.account_list, single=audience == "account")
    if request.upload_id is not None:
        errors.append(
            FieldError("upload_id", f"is only allowed with package_account_push, not {audience}")
        )
    return errors


def _check_account_list(accounts: object, *, single: bool) -> list[FieldError]:
    if accounts is None or accounts == []:
        return [
            FieldError("account_list", "at least one account is required", codes.MISSING_PARAMETER)
        ]
    if not isinstance(accounts, list):
        return [FieldError("account_list", "must be a list of accounts")]
    if single and len(accounts) != 1:
        return [
            FieldError("account_list", "must hold exactly one account for audience_type account")
        ]
    if len(accounts) > MAX_ACCOUNTS_PER_LIST:
        return [
            FieldError(
                "account_list",
                f"{len(accounts)} accounts is more than the {MAX_ACCOUNTS_PER_LIST} TPNS allows "
                "per push; use an account package",
            )
        ]
    errors = []
    for index, account in enumerate(accounts):
        problem = _account_problem(account)
        if problem:
            errors.append(FieldError(f"account_list[{index}]", problem))
    if len(errors) > _MAX_ACCOUNT_ERRORS:
        more = len(errors) - _MAX_ACCOUNT_ERRORS
        errors = [
            *errors[:_MAX_ACCOUNT_ERRORS],
            FieldError("account_list", f"and {more} more invalid accounts"),
        ]
    return errors


def _account_problem(account: object) -> str:
    if not isinstance(account, str):
        return "must be a string"
    if not MIN_ACCOUNT_LENGTH <= len(account) <= MAX_ACCOUNT_LENGTH:
        return (
            f"must be {MIN_ACCOUNT_LENGTH} to {MAX_ACCOUNT_LENGTH} characters long "
            f"(it has {len(account)})"
        )
    return ""


def _check_package_only(request: PushRequest) -> list[FieldError]:
    """Scheduling and speed fields TPNS honours only for package pushes (§3.4, §9)."""
    errors = []
    for name in ("send_time", "push_speed", "collapse_id", "loop_param"):
        if getattr(request, name) is not None and request.audience_type != "package_account_push":
            errors.append(
                FieldError(name, "is only allowed with package_account_push (an account package)")
            )
    if request.push_speed is not None:
        errors += _check_int(
            "push_speed", request.push_speed, minimum=MIN_PUSH_SPEED, maximum=MAX_PUSH_SPEED
        )
    if request.collapse_id is not None:
        errors += _check_int("collapse_id", request.collapse_id, minimum=0)
    if request.loop_param is not None and not isinstance(request.loop_param, dict):
        errors.append(FieldError("loop_param", "must be a JSON object"))
    return errors


def _check_send_time(value: object, *, now: datetime | None) -> list[FieldError]:
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=TPNS_TIMEZONE)
    elif isinstance(value, str) and _SEND_TIME_RE.fullmatch(value):
        try:
            when = datetime.strptime(value, SEND_TIME_FORMAT).replace(tzinfo=TPNS_TIMEZONE)
        except ValueError:
            return [FieldError("send_time", f"{value!r} is not a real date and time")]
    else:
        return [FieldError("send_time", "must look like 2025-01-31 18:30:00 (yyyy-MM-dd HH:MM:SS)")]
    current = now or datetime.now(TPNS_TIMEZONE)
    if current.tzinfo is None:
        current = current.replace(tzinfo=TPNS_TIMEZONE)
    if when < current - SEND_TIME_PAST_TOLERANCE:
        return [
            FieldError("send_time", "is more than 10 minutes in the past", codes.ILLEGAL_PUSH_TIME)
        ]
    if when > current + MAX_SCHEDULE_AHEAD:
        return [FieldError("send_time", "must be at most 90 days ahead")]
    return []


def _check_message(message: Message, *, notify: bool) -> list[FieldError]:
    errors = _check_text(message, notify=notify)
    errors += [
        FieldError(f"message.{key}", "must be set on Message itself, not in extra")
        for key in sorted(_MESSAGE_KEYS & set(message.extra))
    ]
    errors += _check_sections(message)
    if message.custom_content is not None and not isinstance(message.custom_content, dict):
        errors += _check_custom_content("message.custom_content", message.custom_content)
    if isinstance(message.ios, dict):
        errors += _check_aps(message.ios.get("aps"), notify=notify)
    if errors:
        return errors
    return _check_size(message)


def _check_text(message: Message, *, notify: bool) -> list[FieldError]:
    errors = []
    for name in ("title", "content"):
        value = getattr(message, name)
        if not isinstance(value, str):
            errors.append(FieldError(f"message.{name}", "must be a string"))
        elif notify and not value.strip():
            errors.append(
                FieldError(
                    f"message.{name}", "is required for a notification", codes.MISSING_PARAMETER
                )
            )
    return errors


def _check_sections(message: Message) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, section in (("android", message.android), ("ios", message.ios)):
        if section is None:
            continue
        if not isinstance(section, dict):
            errors.append(FieldError(f"message.{name}", "must be a JSON object"))
        elif "custom_content" in section and message.custom_content is not None:
            errors.append(
                FieldError(
                    f"message.{name}.custom_content",
                    "is also given as message.custom_content; set it in one place",
                )
            )
        elif "custom_content" in section:
            errors += _check_custom_content(
                f"message.{name}.custom_content", section["custom_content"]
            )
    return errors


def _check_aps(aps: object, *, notify: bool) -> list[FieldError]:
    if aps is None:
        return [FieldError("message.ios.aps", "is required", codes.MISSING_PARAMETER)]
    if not isinstance(aps, dict):
        return [FieldError("message.ios.aps", "must be a JSON object")]
    if notify and aps.get("content-available") == 1:
        return [
            FieldError(
                "message.ios.aps.content-available",
                "1 makes a silent push; use message_type message, not notify",
            )
        ]
    return []


def _check_size(message: Message) -> list[FieldError]:
    try:
        size = message.size()
    except (TypeError, ValueError) as exc:
        return [FieldError("message", f"cannot be serialized as JSON: {exc}")]
    if size > MAX_MESSAGE_BYTES:
        return [
            FieldError(
                "message",
                f"is {size} bytes as JSON; TPNS allows at most {MAX_MESSAGE_BYTES} (4 KB)",
            )
        ]
    return []


def _check_custom_content(name: str, value: object) -> list[FieldError]:
    hint = 'must be a JSON object written as a string, e.g. "{\\"key\\":\\"value\\"}"'
    if not isinstance(value, str):
        return [FieldError(name, hint)]
    try:
        parsed = json.loads(value)
    except ValueError:
        return [FieldError(name, f"is not valid JSON; it {hint}")]
    if not isinstance(parsed, dict):
        return [FieldError(name, hint)]
    return []


def _check_environment(request: PushRequest) -> list[FieldError]:
    if request.environment is None:
        if isinstance(request.message.ios, dict):
            return [
                FieldError(
                    "environment",
                    "is required for iOS: product or dev, as the devices registered",
                    codes.MISSING_PARAMETER,
                )
            ]
        return []
    if request.environment not in ENVIRONMENTS:
        return [FieldError("environment", f"must be one of {_quoted(ENVIRONMENTS)}")]
    return []


def _check_misc(request: PushRequest) -> list[FieldError]:
    errors = []
    if request.seq is not None:
        errors += _check_int("seq", request.seq, minimum=0)
    if request.multi_pkg is not None and not isinstance(request.multi_pkg, bool):
        errors.append(FieldError("multi_pkg", "must be true or false"))
    if request.plan_id is not None and not isinstance(request.plan_id, str):
        errors.append(FieldError("plan_id", "must be a string"))
    if request.group_id is not None and not isinstance(request.group_id, str):
        errors.append(FieldError("group_id", "must be a string"))
    if request.channel_rules is not None:
        if not isinstance(request.channel_rules, list):
            errors.append(FieldError("channel_rules", "must be a list"))
        else:
            for index, rule in enumerate(request.channel_rules):
                if not isinstance(rule, dict) or rule.get("channel") not in CHANNELS:
                    errors.append(
                        FieldError(
                            f"channel_rules[{index}]",
                            f"must be {{channel, disable}} with channel one of {_quoted(CHANNELS)}",
                        )
                    )
    return errors


def _check_int(
    name: str,
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[int, ...] = (),
) -> list[FieldError]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [FieldError(name, "must be a whole number")]
    if choices and value not in choices:
        return [FieldError(name, f"must be one of {', '.join(map(str, choices))}")]
    if minimum is not None and value < minimum:
        if maximum is None:
            return [FieldError(name, f"must be at least {minimum}")]
        return [FieldError(name, f"must be between {minimum} and {maximum}")]
    if maximum is not None and value > maximum:
        return [FieldError(name, f"must be between {minimum or 0} and {maximum}")]
    return []


def _lenient_int(value: Any) -> Any:
    """Digit strings as ints (some samples send "991"); anything else unchanged."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f'"{v}"' for v in values)
