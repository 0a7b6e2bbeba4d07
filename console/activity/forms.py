"""The audit log's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pushes.models import App


class AuditFilterForm(forms.Form):
    app = forms.ModelChoiceField(
        queryset=App.objects.none(),
        label=_("App"),
        required=False,
        to_field_name="code",
        empty_label=_("All apps"),
    )
    actor = forms.ChoiceField(label=_("Who"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        apps: Any,
        actors: list[tuple[str, str]],
        actions: list[tuple[str, list[tuple[str, str]]]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        app_field = self.fields["app"]
        actor_field = self.fields["actor"]
        action_field = self.fields["action"]
        assert isinstance(app_field, forms.ModelChoiceField)
        assert isinstance(actor_field, forms.ChoiceField)
        assert isinstance(action_field, forms.ChoiceField)
        app_field.queryset = apps
        actor_field.choices = [("", _("Anyone")), *actors]
        action_field.choices = [("", _("Any action")), *actions]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters; a bad one is reported on the form and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "app": data.get("app"),
            "actor": data.get("actor") or "",
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
