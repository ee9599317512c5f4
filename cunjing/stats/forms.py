"""The results table's form: a unit the user may see and a date range."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import DATE_WIDGET, TablerForm
from cunjing.org.models import Unit


class TotalsForm(TablerForm):
    """The results table's unit and date range."""

    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none(), required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("to"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).order_by("path")
        self.fields["unit"].label_from_instance = lambda u: ("　" * (u.depth - 1)) + u.name

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data
