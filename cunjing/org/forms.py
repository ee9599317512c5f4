"""Forms of the organisation pages: they parse input into typed values, nothing more.

The rules (ranges, uniqueness, who may do what) live in ``org.services``; a service's
``ValidationError`` is put back on the form field by field with :func:`add_service_errors`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.core.errors import field_errors
from cunjing.org.models import BEAT_AREA_KINDS, AreaKind, Officer


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's errors to the form: known fields on the field, the rest on top."""
    for name, messages in field_errors(exc).items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)


class TablerBoundField(BoundField):
    """Renders widgets with Tabler's classes, and ``is-invalid`` when the field has errors."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        return attrs


class TablerForm(forms.Form):
    bound_field_class = TablerBoundField


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
    start_date = forms.DateField(
        label=_("start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
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
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class AreaFilterForm(TablerForm):
    """The shared area filter (``selectors.filter_areas``) as a GET form."""

    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=50,
        help_text=_("Name, pinyin, pinyin initials (wfg) or division code."),
    )
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("All kinds")), *AreaKind.choices],
    )
    parent = forms.IntegerField(
        label=_("parent area"), required=False, min_value=1, max_value=2**63 - 1
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q") or None,
            "kind": data.get("kind") or None,
            "parent": data.get("parent"),
        }


class CoverageFilterForm(TablerForm):
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("Villages and communities"))]
        + [(k.value, k.label) for k in AreaKind if k in BEAT_AREA_KINDS],
    )
