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
from cunjing.org import selectors
from cunjing.org.filters import AideFilters, AreaFilters, OfficerFilters
from cunjing.org.models import (
    BEAT_AREA_KINDS,
    AideKind,
    AideSubtype,
    Area,
    AreaKind,
    Officer,
    Unit,
)


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


# --- People (the system admin) --------------------------------------------------------------

OfficerFilterForm = OfficerFilters.form("OfficerFilterForm")
AideFilterForm = AideFilters.form("AideFilterForm")


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown with their kind and an indent by depth, in tree order."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}（{obj.get_kind_display()}）"


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name}（{obj.division_code}）"


class OfficerForm(TablerForm):
    """A new officer, or the editable facts of one (``services.OFFICER_EDITABLE``)."""

    name = forms.CharField(label=_("full name"), max_length=50)
    badge_number = forms.CharField(
        label=_("badge number"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    title = forms.CharField(label=_("title"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("work phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    unit = UnitChoiceField(label=_("unit"), queryset=Unit.objects.none())

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["unit"]  # a change of unit is a transfer
        else:
            self.fields["unit"].queryset = selectors.transfer_targets(user)


class TransferForm(TablerForm):
    unit = UnitChoiceField(label=_("new unit"), queryset=Unit.objects.none())
    on = forms.DateField(
        label=_("date"),
        widget=DATE_WIDGET,
        help_text=_("The officer's beats end on this day."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user, officer, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.transfer_targets(user).exclude(pk=officer.unit_id)


class LeaveForm(TablerForm):
    """Retire an officer, or end an aide's service."""

    on = forms.DateField(label=_("date"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_("reason"),
        max_length=200,
        required=False,
        help_text=_("e.g. retired, transferred out of the county, contract ended."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class AideForm(TablerForm):
    """A new aide, or the editable facts of one (``services.AIDE_EDITABLE``)."""

    name = forms.CharField(label=_("full name"), max_length=50)
    kind = forms.ChoiceField(label=_("kind"), choices=AideKind.choices)
    subtype = forms.ChoiceField(
        label=_("subtype"),
        required=False,
        choices=[("", "—"), *AideSubtype.choices],
        help_text=_("Security members only."),
    )
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    area = AreaChoiceField(label=_("village or community"), queryset=Area.objects.none())
    started_on = forms.DateField(label=_("started on"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS).order_by("path")
        )


class UnitForm(TablerForm):
    """The editable facts of a unit (``services.UNIT_EDITABLE``); a new name is kept in the
    unit's history."""

    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.CharField(label=_("code"), max_length=32, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class UnitMoveForm(TablerForm):
    parent = UnitChoiceField(label=_("new parent unit"), queryset=Unit.objects.none())
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = selectors.move_targets(user, unit)


class UnitCloseForm(TablerForm):
    successor = UnitChoiceField(
        label=_("hand its areas to"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("A unit of the same kind takes over the villages and communities it serves."),
    )
    on = forms.DateField(label=_("date"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args, user, unit, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = selectors.successor_choices(user, unit)
