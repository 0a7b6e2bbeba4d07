"""Forms of the Create Push flow and the pushes list, in TPNS console wording."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pushes.models import AccountPackage, App, Plan, Push, account_type_choices
from pushes.selectors import (
    CONTENT_LIMITS,
    MAX_EXPIRE_TIME,
    MAX_MESSAGE_BYTES,
    MAX_TITLE_CHARS,
    TITLE_LIMITS,
    package_for_app,
    plan_choices,
)
from pushes.services import IOS_OPEN_ACTION, PushFields

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MAX_EXPIRE_HOURS = MAX_EXPIRE_TIME // 3600
MAX_CUSTOM_PAIRS = 20

# validate_for_submit names `expire_time`; the form asks for hours.
SERVICE_TO_FORM_FIELD = {"expire_time": "expire_hours"}


class PushForm(forms.Form):
    """Everything an author sets on a push. Checks what can be checked on its own here;
    the rules that need the whole push come from `validate_for_submit` at Preview."""

    source = forms.ChoiceField(
        label=_("Accounts from"),
        choices=[
            (Push.Source.PACKAGE, _("Account package")),
            (Push.Source.MANUAL, _("Enter accounts manually")),
        ],
        widget=forms.RadioSelect,
        initial=Push.Source.MANUAL,
    )
    package = forms.CharField(required=False, widget=forms.HiddenInput)
    accounts_text = forms.CharField(
        label=_("Accounts"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off", "wrap": "off"}
        ),
        help_text=_("One account per line, 2–100 characters each; duplicates are removed."),
    )
    account_type = forms.TypedChoiceField(
        label=_("Account Type"),
        coerce=int,
        choices=account_type_choices,
        help_text=_(
            "Must match the account type used when the accounts were bound to devices; "
            "with another type the push reaches nobody."
        ),
    )
    account_push_type = forms.TypedChoiceField(
        label=_("Push to"),
        coerce=int,
        choices=Push.PushTo.choices,
        widget=forms.RadioSelect,
        initial=Push.PushTo.LATEST_DEVICE,
    )
    message_type = forms.ChoiceField(
        label=_("Push type"),
        choices=[
            (Push.MessageType.NOTIFY, _("Notification bar message")),
            (Push.MessageType.MESSAGE, _("In-app message")),
        ],
        widget=forms.RadioSelect,
        initial=Push.MessageType.NOTIFY,
    )
    # No maxlength on the input: a browser would cut a pasted title silently. The form
    # counts as the person types and says how long it is (clean_title).
    title = forms.CharField(label=_("Title"), required=False)
    content = forms.CharField(
        label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    expire_hours = forms.IntegerField(
        label=_("Offline storage (hours)"),
        required=False,
        min_value=0,
        max_value=MAX_EXPIRE_HOURS,
        help_text=format_lazy(
            _(
                "0–{max} h kept for devices that are offline; 0 sends to online devices only. "
                "Empty: the TPNS default, 24 h."
            ),
            max=MAX_EXPIRE_HOURS,
        ),
    )
    send_time = forms.DateTimeField(
        label=_("Scheduled send time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # Built from the repeated custom_key / custom_value inputs, see clean_custom_content.
    custom_content = forms.CharField(label=_("Custom key/value content"), required=False)
    open_action = forms.ChoiceField(
        label=_("Open location"),
        choices=Push.OpenAction.choices,
        widget=forms.RadioSelect,
        initial=Push.OpenAction.APP,
    )
    open_target = forms.CharField(
        label=_("URL or intent"),
        max_length=500,
        required=False,
        help_text=_("The URL (https://…) or the intent (e.g. xgscheme://com.example/notify?x=1)."),
    )

    plan = forms.ModelChoiceField(
        label=_("Push plan"),
        queryset=Plan.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("No plan"),
        help_text=_("Optional: group this push with others to read their results together."),
    )

    def __init__(self, *args: Any, app: App, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app
        plan_field = self.fields["plan"]
        assert isinstance(plan_field, forms.ModelChoiceField)
        plan_field.queryset = plan_choices(app)
        # What push_form.js counts against, as the person types.
        self.fields["title"].widget.attrs.update(
            {
                "data-limits": json.dumps(TITLE_LIMITS),
                "data-max-chars": str(MAX_TITLE_CHARS),
                "autocomplete": "off",
            }
        )
        self.fields["content"].widget.attrs.update(
            {"data-limits": json.dumps(CONTENT_LIMITS), "data-max-bytes": str(MAX_MESSAGE_BYTES)}
        )
        for name, field in self.fields.items():
            if field.help_text and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"
        for name in ("title", "content"):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_count id_{name}_limits"

    # Reading input -----------------------------------------------------------------

    def _list(self, name: str) -> list[str]:
        """Every value posted under `name` (the key/value rows and `package` repeat)."""
        data = self.data
        return data.getlist(name) if isinstance(data, QueryDict) else list(data.get(name, []))

    def clean_package(self) -> AccountPackage | None:
        # The upload and the chooser may both send a `package`: the last one set wins.
        values = [v.strip() for v in self._list("package") if v.strip()]
        if not values:
            return None
        try:
            code = UUID(values[-1])
        except ValueError:
            raise ValidationError(_("Choose a package from the list or upload one.")) from None
        package = package_for_app(app=self.app, code=str(code))
        if package is None:
            raise ValidationError(_("That package is not one of this app's packages."))
        return package

    def clean_custom_content(self) -> dict[str, str]:
        keys = self._list("custom_key")
        values = self._list("custom_value")
        result: dict[str, str] = {}
        problems: list[str] = []
        for number, (key, value) in enumerate(zip(keys, values, strict=False), start=1):
            key = key.strip()
            if not key and not value.strip():
                continue
            if not key:
                problems.append(
                    _("Pair %(number)d: enter a key for the value “%(value)s”.")
                    % {"number": number, "value": value[:40]}
                )
            elif len(key) > 100:
                problems.append(
                    _("Pair %(number)d: keys have at most 100 characters.") % {"number": number}
                )
            elif key in result:
                problems.append(
                    _("Pair %(number)d: the key “%(key)s” is already used above.")
                    % {"number": number, "key": key}
                )
            else:
                result[key] = value
        if len(result) > MAX_CUSTOM_PAIRS:
            problems.append(_("At most %(max)d key/value pairs.") % {"max": MAX_CUSTOM_PAIRS})
        if problems:
            raise ValidationError(problems)
        return result

    def clean_title(self) -> str:
        title = str(self.cleaned_data.get("title") or "")
        count = len(title)
        if count > MAX_TITLE_CHARS:
            raise ValidationError(
                ngettext(
                    "The title has %(count)s character; at most %(max)s.",
                    "The title has %(count)s characters; at most %(max)s.",
                    count,
                )
                % {"count": f"{count:,}", "max": f"{MAX_TITLE_CHARS:,}"}
            )
        return title

    def clean_send_time(self) -> Any:
        value = self.cleaned_data.get("send_time")
        return value.replace(second=0, microsecond=0) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action, target = data.get("open_action"), (data.get("open_target") or "").strip()
        if action != Push.OpenAction.APP and self.app.platform == "ios":
            # What is previewed is what is sent: never drop the open location silently.
            self.add_error("open_action", IOS_OPEN_ACTION)
        if action == Push.OpenAction.APP:
            data["open_target"] = ""
        elif action == Push.OpenAction.URL:
            try:
                URLValidator(schemes=["http", "https"])(target)
            except ValidationError:
                self.add_error(
                    "open_target", _("Enter the full web address to open, starting with https://.")
                )
            data["open_target"] = target
        elif action == Push.OpenAction.INTENT:
            if not target or any(c.isspace() for c in target):
                self.add_error(
                    "open_target",
                    _("Enter the intent URI without spaces, e.g. xgscheme://com.example/notify."),
                )
            data["open_target"] = target
        return data

    def to_fields(self) -> PushFields:
        data = self.cleaned_data
        hours = data.get("expire_hours")
        return PushFields(
            source=data["source"],
            accounts_text=data.get("accounts_text") or "",
            package=data.get("package"),
            account_type=data["account_type"],
            account_push_type=data["account_push_type"],
            message_type=data["message_type"],
            title=data.get("title") or "",
            content=data.get("content") or "",
            expire_time=None if hours is None else hours * 3600,
            send_time=data.get("send_time"),
            custom_content=data.get("custom_content") or {},
            open_action=data["open_action"],
            open_target=data.get("open_target") or "",
            plan=data.get("plan"),
        )

    # Showing input -----------------------------------------------------------------

    @staticmethod
    def initial_for_app(app: App) -> dict[str, Any]:
        return {"account_type": app.default_account_type}

    @staticmethod
    def data_from_push(push: Push) -> QueryDict:
        """The push as if its form had just been posted, to show a draft's errors."""
        data = QueryDict(mutable=True)
        for name, value in PushForm.initial_from_push(push).items():
            if name == "custom_content":
                for key, text in value.items():
                    data.appendlist("custom_key", key)
                    data.appendlist("custom_value", text)
            elif name == "send_time":
                data[name] = localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""
            else:
                data[name] = "" if value is None else str(value)
        return data

    @staticmethod
    def initial_from_push(push: Push) -> dict[str, Any]:
        return {
            "source": push.source,
            "package": str(push.package.code) if push.package else "",
            "accounts_text": push.accounts_text,
            "account_type": push.account_type,
            "account_push_type": push.account_push_type,
            "message_type": push.message_type,
            "title": push.title,
            "content": push.content,
            "expire_hours": None if push.expire_time is None else push.expire_time // 3600,
            "send_time": push.send_time,
            "custom_content": dict(push.custom_content or {}),
            "open_action": push.open_action,
            "open_target": push.open_target,
            "plan": str(push.plan.code) if push.plan_id is not None and push.plan else "",
        }

    @property
    def custom_pairs(self) -> list[tuple[str, str]]:
        """The key/value pairs to show: as typed after a post, else as saved."""
        if self.is_bound:
            pairs = list(
                zip(
                    self._list("custom_key"),
                    self._list("custom_value"),
                    strict=False,
                )
            )
            pairs = [(k, v) for k, v in pairs if k.strip() or v.strip()]
        else:
            pairs = list((self.initial.get("custom_content") or {}).items())
        return pairs

    @property
    def selected_package(self) -> AccountPackage | None:
        if self.is_bound:
            if hasattr(self, "cleaned_data") and "package" in self.cleaned_data:
                return self.cleaned_data["package"]
            values = [v for v in self._list("package") if v.strip()]
            if not values:
                return None
            try:
                return package_for_app(app=self.app, code=str(UUID(values[-1].strip())))
            except ValueError:
                return None
        code = self.initial.get("package")
        return package_for_app(app=self.app, code=code) if code else None

    @property
    def source_value(self) -> str:
        return str(self["source"].value() or Push.Source.MANUAL)

    @property
    def open_action_value(self) -> str:
        return str(self["open_action"].value() or Push.OpenAction.APP)

    @staticmethod
    def labelled_errors(errors: Mapping[str, Iterable[str]]) -> list[str]:
        """Service errors as one list, each named by the form field it belongs to."""
        lines = []
        for name, messages in errors.items():
            field = PushForm.base_fields.get(SERVICE_TO_FORM_FIELD.get(name, name))
            for message in messages:
                lines.append(f"{field.label}: {message}" if field is not None else message)
        return lines

    def add_service_errors(self, errors: Mapping[str, Iterable[str]]) -> None:
        """Errors from the push services, each next to the field it is about."""
        for name, messages in errors.items():
            name = SERVICE_TO_FORM_FIELD.get(name, name)
            self.add_error(name if name in self.fields else None, list(messages))

    def mark_invalid(self) -> None:
        """Point assistive technology at each field's errors."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                described = attrs.get("aria-describedby", "")
                attrs["aria-describedby"] = f"{described} id_{name}_errors".strip()

    @property
    def advanced_open(self) -> bool:
        """Unfold the advanced settings when one is set or has an error."""
        names = ("expire_hours", "send_time", "custom_content", "open_action", "open_target")
        if any(name in self.errors for name in names):
            return True
        if any(k.strip() for k, _ in self.custom_pairs):
            return True
        values = [self[name].value() for name in ("expire_hours", "send_time", "open_target")]
        return any(v not in (None, "") for v in values) or self.open_action_value != "app"


class _UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_username())


class PushFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Push ID, code or title")}
        ),
    )
    app = forms.ModelChoiceField(
        queryset=App.objects.none(),
        label=_("App"),
        required=False,
        to_field_name="code",
        empty_label=_("All apps"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Push.Status.choices], required=False
    )
    author = _UserChoiceField(
        queryset=None,
        label=_("Author"),
        required=False,
        to_field_name="username",
        empty_label=_("Anyone"),
    )
    created_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, apps: Any, authors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app_field = self.fields["app"]
        author_field = self.fields["author"]
        assert isinstance(app_field, forms.ModelChoiceField)
        assert isinstance(author_field, forms.ModelChoiceField)
        app_field.queryset = apps
        author_field.queryset = authors

    def filters(self) -> dict[str, Any]:
        """The valid filters; a bad one is reported on the form and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        author = data.get("author")
        return {
            "app": data.get("app"),
            "status": data.get("status") or "",
            "author_id": author.pk if author else None,
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
            "q": (data.get("q") or "").strip(),
        }
