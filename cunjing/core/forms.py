"""The form kit every app's pages share: Tabler-styled fields, the date widget, and putting a
service's ``ValidationError`` back on the form's fields.

Forms parse input into typed values, nothing more; the rules live in the services, whose errors
:func:`add_service_errors` attaches field by field.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.boundfield import BoundField

from cunjing.core.errors import field_errors

# Dates as 2014-09-01, whatever the browser's locale (the browser's picker still applies).
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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


class TablerModelForm(forms.ModelForm):
    bound_field_class = TablerBoundField


class NameChoiceField(forms.ModelChoiceField):
    """A choice of rows shown by their ``name`` alone (areas, units, categories)."""

    def label_from_instance(self, obj) -> str:
        return obj.name
