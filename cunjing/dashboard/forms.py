"""The audit page's filter: typed values for ``core.selectors.audit_events``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import DATE_WIDGET, TablerForm
from cunjing.core.models import AuditEvent
from cunjing.core.pagination import CURSOR_MAX_LENGTH, Keyset, invalid_cursor_message
from cunjing.core.selectors import AUDIT_ORDER

_KEYSET = Keyset(AuditEvent, AUDIT_ORDER)


class AuditFilterForm(TablerForm):
    action = forms.CharField(
        label=_("action"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "area.update"}),
    )
    actor = forms.CharField(label=_("username"), required=False, max_length=150)
    object_type = forms.CharField(
        label=_("object type"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "org.area"}),
    )
    object_id = forms.CharField(label=_("object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("until"), required=False, widget=DATE_WIDGET)
    before = forms.CharField(required=False, max_length=CURSOR_MAX_LENGTH, widget=forms.HiddenInput)

    def clean_before(self):
        text = self.cleaned_data["before"]
        if not text:
            return None
        try:
            _KEYSET.parse(text)
        except forms.ValidationError:
            raise forms.ValidationError(invalid_cursor_message()) from None
        return text

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict:
        """The selector's filters (the cursor is the paginator's)."""
        return {
            name: self.cleaned_data.get(name) or None for name in self.fields if name != "before"
        }
