"""Forms of the field-work pages: they parse input into typed values, nothing more.

The rules (scope, who may record which kind, ID numbers and phones, dates) live in
``fieldwork.services``; a service's ``ValidationError`` is put back on the form field by field
with :func:`cunjing.core.forms.add_service_errors`. Each record form carries the submission's
``client_uuid`` (made when the form is shown), so a form posted twice stores one record.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import DATE_WIDGET, NameChoiceField, TablerForm, TablerModelForm
from cunjing.fieldwork.filters import RecordFilters, ReportFilters, beat_areas
from cunjing.fieldwork.models import (
    Assistance,
    CorrectionState,
    FloatingResident,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    ReportKind,
    Service,
    Verdict,
    Volunteer,
)
from cunjing.org.models import Area
from cunjing.registry import selectors as registry_selectors


class RecordForm(TablerModelForm):
    """The fields every record kind shares: area (the user's visible villages and
    communities), date and the submission's UUID."""

    area = NameChoiceField(label=_("village or community"), queryset=Area.objects.none())
    occurred_on = forms.DateField(label=_("date"), widget=DATE_WIDGET)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_on", timezone.localdate())
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        areas = beat_areas(user)
        self.fields["area"].queryset = areas
        if "area" not in kwargs["initial"]:
            only = list(areas[:2])
            if len(only) == 1:
                self.initial["area"] = only[0].pk

    def values(self) -> dict:
        """The cleaned values the service takes (``area`` and ``client_uuid`` included)."""
        return {name: self.cleaned_data[name] for name in self.fields}


def _record_form(model, fields: list[str], widgets: dict | None = None) -> type[RecordForm]:
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": ["area", "occurred_on", *fields], "widgets": widgets or {}},
    )
    return type(f"{model.__name__}Form", (RecordForm,), {"Meta": meta})


_TEXTAREA = forms.Textarea(attrs={"rows": 3})

_VisitForm = _record_form(
    HouseholdVisit,
    ["household", "dwelling", "purpose", "notes", "contact_card_given", "follow_up_needed"],
    {"notes": _TEXTAREA},
)

# Above this many dwellings in the user's areas (a leader's), the visit form offers none to
# pick; visits are still linked through the API or by the beat officer.
DWELLING_CHOICES_MAX = 300


class VisitForm(_VisitForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        dwellings = registry_selectors.dwelling_list(user)
        field = self.fields["dwelling"]
        if dwellings[: DWELLING_CHOICES_MAX + 1].count() > DWELLING_CHOICES_MAX:
            del self.fields["dwelling"]
            return
        field.queryset = dwellings
        field.label_from_instance = lambda d: f"{d.address.full_text}（{d.get_kind_display()}）"


FloatingResidentForm = _record_form(
    FloatingResident,
    [
        "name",
        "id_number",
        "phone",
        "origin",
        "arrived_on",
        "residence",
        "employer",
        "expected_stay_days",
        "departed_on",
    ],
    {
        "arrived_on": DATE_WIDGET,
        "departed_on": DATE_WIDGET,
        "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
        "phone": forms.TextInput(attrs={"inputmode": "tel"}),
    },
)
ServiceForm = _record_form(
    Service,
    ["kind", "beneficiary", "description", "outcome"],
    {"description": _TEXTAREA, "outcome": _TEXTAREA},
)
AssistanceForm = _record_form(
    Assistance,
    ["household", "people", "hardship_kind", "help_given", "next_revisit_on"],
    {"help_given": _TEXTAREA, "next_revisit_on": DATE_WIDGET},
)
OutreachForm = _record_form(OutreachEvent, ["venue_kind", "venue", "topic", "audience_size"])
VolunteerForm = _record_form(
    Volunteer,
    ["name", "phone", "skills"],
    {"phone": forms.TextInput(attrs={"inputmode": "tel"})},
)
_PreventionForm = _record_form(
    PreventionActivity,
    ["kind", "description", "participants", "volunteers"],
    {"description": _TEXTAREA, "volunteers": forms.CheckboxSelectMultiple},
)
VOLUNTEER_CHOICES_MAX = 300


class PreventionForm(_PreventionForm):
    """Names the volunteers who took part, from those of the user's areas (left out when there
    are too many to list: a leader's)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        volunteers = Volunteer.objects.visible_to(user).order_by("name", "id")
        if volunteers[: VOLUNTEER_CHOICES_MAX + 1].count() > VOLUNTEER_CHOICES_MAX:
            del self.fields["volunteers"]
            return
        field = self.fields["volunteers"]
        field.queryset = volunteers
        field.required = False


# The lists' GET forms: the filters declared once in ``fieldwork.filters`` (the work-log list
# has no area).
RecordFilterForm = RecordFilters.form("RecordFilterForm")
WorkLogFilterForm = RecordFilters.form("WorkLogFilterForm", exclude=("area",))
ReportFilterForm = ReportFilters.form("ReportFilterForm")


class WorkLogForm(TablerForm):
    """A new entry of the day's log (time-stamped, after what is written)."""

    text = forms.CharField(
        label=_("new entry"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)


class WorkLogEditForm(TablerForm):
    """The whole text of the day's log, edited explicitly; ``base`` is the version it started
    from."""

    text = forms.CharField(
        label=_("work log"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10})
    )
    base = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)


class DayForm(TablerForm):
    day = forms.DateField(label=_("day"), required=False, widget=DATE_WIDGET)


class ReportForm(TablerForm):
    kind = forms.ChoiceField(label=_("kind"), choices=ReportKind.choices)
    period_start = forms.DateField(
        label=_("period"),
        widget=DATE_WIDGET,
        help_text=_("The Monday of the week, or the first day of the month."),
    )
    situation = forms.CharField(
        label=_("situation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    problems = forms.CharField(
        label=_("problems"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    measures = forms.CharField(
        label=_("measures and plans"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)


def period_start_for(kind: str, day: dt.date) -> dt.date:
    """The period of ``kind`` holding ``day``: its Monday, or the first of its month."""
    if kind == ReportKind.ANALYSIS:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


class SupervisionForm(TablerForm):
    verdict = forms.ChoiceField(label=_("verdict"), choices=Verdict.choices)
    comment = forms.CharField(
        label=_("comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- Follow-ups ---------------------------------------------------------------------------------


class FollowUpDoneForm(TablerForm):
    """Done: the return visit, recorded as a household visit."""

    occurred_on = forms.DateField(label=_("date of the return visit"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("what the return visit found"), max_length=2000, widget=_TEXTAREA
    )
    contact_card_given = forms.BooleanField(label=_("contact card given"), required=False)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_on", timezone.localdate())
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)


class FollowUpDropForm(TablerForm):
    """No longer needed, and why."""

    reason = forms.CharField(
        label=_("why it is no longer needed"), max_length=500, widget=_TEXTAREA
    )


class FollowUpListForm(TablerForm):
    view = forms.ChoiceField(
        label=_("list"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("closed", _("Closed")),
        ],
    )


# --- Corrections ----------------------------------------------------------------------------------

# Shown masked, never prefilled in clear: left empty, they stay as they are.
_NOT_PREFILLED = ("id_number", "phone")


def correction_form(form_class: type[RecordForm], fields, *, user, record, data=None):
    """``record``'s own form for a correction: only the ``fields`` that can be corrected,
    prefilled with what the record holds (an ID number or a phone is not: it is shown masked,
    and left empty it stays), and the reason. ``form.changes()`` is what differs."""
    current = {name: getattr(record, record._meta.get_field(name).attname) for name in fields}
    initial = {n: v for n, v in current.items() if n not in _NOT_PREFILLED}
    form = form_class(data, user=user, initial=initial)
    for name in list(form.fields):
        if name not in fields:
            del form.fields[name]
    for name in _NOT_PREFILLED:
        if name in form.fields:
            form.fields[name].required = False
            form.fields[name].help_text = _("Leave it empty to keep it as it is.")
    form.fields["reason"] = forms.CharField(
        label=_("reason for the correction"), max_length=500, widget=_TEXTAREA
    )

    def changes() -> dict:
        out = {}
        for name in fields:
            if name not in form.cleaned_data:
                continue
            value = form.cleaned_data[name]
            if name in _NOT_PREFILLED and value in ("", None):
                continue
            if getattr(value, "pk", value) != current[name]:
                out[name] = value
        return out

    form.changes = changes
    return form


class VoidForm(TablerForm):
    reason = forms.CharField(label=_("reason for voiding"), max_length=500, widget=_TEXTAREA)


class DecisionForm(TablerForm):
    """The decision comes from the button pressed (同意 / 不同意); the note with it."""

    decision = forms.ChoiceField(
        label=_("decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(
        label=_("note"),
        max_length=500,
        required=False,
        widget=_TEXTAREA,
        help_text=_("Required when rejecting: the requester reads why."),
    )


class CorrectionListForm(TablerForm):
    state = forms.ChoiceField(
        label=_("state"),
        required=False,
        choices=[("", _("All")), *CorrectionState.choices],
    )
    mine = forms.BooleanField(label=_("only my requests"), required=False)
