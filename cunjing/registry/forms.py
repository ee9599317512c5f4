"""Forms of the registry pages: they parse input into typed values, nothing more.

The rules (ID numbers, phones, uniqueness, who may write where) live in ``registry.services``;
a service's ``ValidationError`` is put back on the form with ``org.forms.add_service_errors``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import DATE_WIDGET, TablerForm
from cunjing.core.reveal import REVEAL_REASON_MAX, REVEAL_REASON_MIN
from cunjing.registry.filters import SearchFilters
from cunjing.registry.models import DwellingKind, EstablishmentKind, HouseholdRole

SEARCH_KINDS = ("residents", "establishments", "addresses")


def _text(label, max_length: int, *, required: bool = True, help_text: str = "", **attrs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
    )


class SearchForm(SearchFilters.form()):
    """The search box (``q``, declared in ``registry.filters``) and the tab shown."""

    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", "")] + [(k, k) for k in SEARCH_KINDS],
    )


class AddressForm(TablerForm):
    """The parts of a standard address; ``area`` only when creating."""

    area = forms.ModelChoiceField(label=_("village or community"), queryset=None)
    road = _text(_("road or street"), 100, help_text=_("e.g. 建设路"))
    number = _text(_("house number"), 20, help_text=_("e.g. 12号"))
    building = _text(_("building"), 20, required=False)
    unit_number = _text(_("entrance"), 20, required=False)
    room = _text(_("room"), 20, required=False)
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

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].queryset = areas


class DwellingForm(TablerForm):
    kind = forms.ChoiceField(label=_("use"), choices=DwellingKind.choices)
    notes = forms.CharField(
        label=_("notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResidentForm(TablerForm):
    """A resident. On edit, the ID number and phone fields start empty: an empty field keeps
    the stored value (which the page shows only masked)."""

    name = _text(_("full name"), 50)
    household_role = forms.ChoiceField(label=_("household role"), choices=HouseholdRole.choices)
    id_number = _text(
        _("ID number"),
        18,
        required=False,
        help_text=_("18 characters; may be left empty for a child."),
        inputmode="text",
    )
    phone = _text(_("phone"), 20, required=False, inputmode="tel")
    moved_out_on = forms.DateField(
        label=_("moved out on"),
        required=False,
        widget=DATE_WIDGET,
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            keep = _("Leave empty to keep the current value.")
            self.fields["id_number"].help_text = keep
            self.fields["phone"].help_text = keep


class EstablishmentForm(TablerForm):
    name = _text(_("name"), 100)
    kind = forms.ChoiceField(label=_("kind"), choices=EstablishmentKind.choices)
    uscc = _text(
        _("unified social credit code"),
        18,
        required=False,
        help_text=_("18 characters, on the business licence."),
    )
    contact_name = _text(_("contact person"), 50, required=False)
    contact_phone = _text(_("contact phone"), 20, required=False, inputmode="tel")
    is_key_unit = forms.BooleanField(label=_("key unit"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["contact_phone"].help_text = _("Leave empty to keep the current value.")


class RevealForm(TablerForm):
    field = forms.ChoiceField(choices=[("id_number", "id_number"), ("phone", "phone")])
    reason = forms.CharField(
        label=_("reason"),
        min_length=REVEAL_REASON_MIN,
        max_length=REVEAL_REASON_MAX,
        help_text=_("Why you need the full value; it is kept in the audit trail."),
    )
