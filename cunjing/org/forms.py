"""Forms of the organisation pages: they parse input into typed values, nothing more.

The rules (ranges, uniqueness, who may do what) live in ``org.services``; a service's
``ValidationError`` is put back on the form field by field with
:func:`cunjing.core.forms.add_service_errors`.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import DATE_WIDGET, TablerForm
from cunjing.org.filters import AreaFilters
from cunjing.org.models import BEAT_AREA_KINDS, AreaKind, Officer


class AreaForm(TablerForm):
    """The editable facts of an area (``services.AREA_EDITABLE``)."""

    name = forms.CharField(label=_("name"), max_length=100)
    division_code = forms.CharField(
        label=_("division code"),
        max_length=12,
        help_text=_("12 digits, e.g. 410481100201."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    latitude = forms.FloatField(
        label=_("latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Officer) -> str:
        return f"{obj.name}（{obj.badge_number}）· {obj.unit.name}"


class BeatAssignForm(TablerForm):
    """Put an officer on an area's beat. The officers offered are the active ones the user sees."""

    officer = OfficerChoiceField(label=_("officer"), queryset=Officer.objects.none())
    start_date = forms.DateField(label=_("start date"), widget=DATE_WIDGET)
    is_lead = forms.BooleanField(
        label=_("lead officer"),
        required=False,
        help_text=_("The current lead, if any, stays on the beat but no longer leads."),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = (
            Officer.objects.visible_to(user)
            .filter(is_active=True)
            .select_related("unit")
            .order_by("unit__path", "name", "id")
        )


class BeatEndForm(TablerForm):
    end_date = forms.DateField(
        label=_("end date"),
        help_text=_("The first day the officer is no longer on this beat."),
        widget=DATE_WIDGET,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


# The area list's GET form: the filters declared once in ``org.filters``.
AreaFilterForm = AreaFilters.form("AreaFilterForm")


class CoverageFilterForm(TablerForm):
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("Villages and communities"))]
        + [(k.value, k.label) for k in AreaKind if k in BEAT_AREA_KINDS],
    )


class BureauRulesForm(TablerForm):
    correction_window_days = forms.IntegerField(
        label=_("correction window (days)"),
        min_value=0,
        max_value=90,
        help_text=_(
            "For how many days after it was saved a field record can be corrected or voided "
            "directly; after that a correction request goes to a leader. 0: always by request."
        ),
    )
