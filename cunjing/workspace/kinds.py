"""The record kinds of the quick-add forms, one per ``POST /api/fieldwork/<kind>``.

A form's fields come from the API's input schema (which fields, which are required) and the
model (labels, choices, bounds), so the form on the phone and the API cannot disagree about
what a record is. Who may record which kind is ``fieldwork.services.can_record``; the work log
is the beat officer's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import capfirst

from cunjing.core.roles import Role
from cunjing.fieldwork import api as fieldwork_api
from cunjing.fieldwork import services
from cunjing.fieldwork.models import WorkLog, validate_record_day
from cunjing.fieldwork.schemas import WorkLogIn

# The field that names a record in the queue panel and the lists of the Today page.
SUMMARY_FIELDS = {
    "visits": "household",
    "floating-residents": "name",
    "services": "beneficiary",
    "assistance": "household",
    "outreach": "topic",
    "volunteers": "name",
    "prevention": "description",
    "worklogs": "text",
}
# Fields whose type is not told by the model field alone.
INPUT_TYPES = {"phone": "tel"}
# Not typed on the phone: the key is made by the page, volunteers are picked on the desktop, and
# the work log is only ever appended to from the phone (an edit of the whole text is explicit,
# on the desktop page).
NOT_FORM_FIELDS = {"client_uuid", "volunteers", "mode", "base"}


@dataclass(frozen=True)
class FormField:
    """One input of a quick-add form."""

    name: str
    label: str
    widget: str  # area, dwelling, text, textarea, select, checkbox, date, number
    required: bool
    value_type: str  # how the page's script puts it in the JSON body: text, int, bool, date
    input_type: str = "text"
    choices: list = field(default_factory=list)
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    summary: bool = False
    not_future: bool = False  # a date that cannot be after today (the record's, an arrival)


@dataclass(frozen=True)
class Kind:
    path: str
    model: type[models.Model]
    schema_in: type

    @property
    def label(self) -> str:
        return capfirst(self.model._meta.verbose_name)

    @property
    def summary_field(self) -> str:
        return SUMMARY_FIELDS[self.path]

    @property
    def is_worklog(self) -> bool:
        return self.model is WorkLog

    def may_record(self, user) -> bool:
        if self.is_worklog:
            return getattr(user, "role", "") == Role.BEAT_OFFICER and bool(user.officer_id)
        return services.can_record(user, self.model)

    def form_fields(self) -> list[FormField]:
        return [
            _form_field(self, name, info)
            for name, info in self.schema_in.model_fields.items()
            if name not in NOT_FORM_FIELDS
        ]


def _bounds(model_field) -> tuple[int | None, int | None]:
    low = high = None
    for validator in model_field.validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value
    return low, high


def _form_field(kind: Kind, name: str, info) -> FormField:
    model_field = kind.model._meta.get_field(name)
    common = {
        "name": name,
        "label": capfirst(model_field.verbose_name),
        "required": info.is_required(),
        "summary": name == kind.summary_field,
    }
    if name == "area":
        return FormField(widget="area", value_type="int", **common)
    if name == "dwelling":
        return FormField(widget="dwelling", value_type="int", **common)
    if isinstance(model_field, models.BooleanField):
        return FormField(widget="checkbox", value_type="bool", **common)
    if isinstance(model_field, models.DateField):
        not_future = validate_record_day in model_field.validators
        return FormField(
            widget="date", value_type="date", input_type="date", not_future=not_future, **common
        )
    if isinstance(model_field, models.IntegerField):
        low, high = _bounds(model_field)
        return FormField(
            widget="number",
            value_type="int",
            input_type="number",
            min_value=low,
            max_value=high,
            **common,
        )
    if model_field.choices:
        return FormField(
            widget="select", value_type="text", choices=list(model_field.choices), **common
        )
    widget = "textarea" if isinstance(model_field, models.TextField) else "text"
    return FormField(
        widget=widget,
        value_type="text",
        input_type=INPUT_TYPES.get(name, "text"),
        max_length=model_field.max_length,
        **common,
    )


KINDS: dict[str, Kind] = {
    k.path: Kind(k.path, k.model, k.schema_in) for k in fieldwork_api.KINDS
} | {"worklogs": Kind("worklogs", WorkLog, WorkLogIn)}


def kinds_for(user) -> list[Kind]:
    """The kinds ``user`` may record, in the order of the API."""
    return [kind for kind in KINDS.values() if kind.may_record(user)]
