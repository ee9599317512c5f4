"""Forms of the public portal: they parse input into typed values; the rules live in
``matters.services`` (errors put back on the fields with ``add_service_errors``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import TablerBoundField, TablerForm
from cunjing.core.validators import form_phone
from cunjing.matters.models import MatterCategory, MatterKind
from cunjing.matters.services import ATTACHMENT_MAX_BYTES, sniff_content_type
from cunjing.org.models import Area, Bureau
from cunjing.portal.selectors import beat_areas, kind_help

_AREA_ERRORS = {
    "required": _("Choose a village or community."),
    "invalid_choice": _("Choose a village or community."),
}


# Django's own messages speak of "values" and "characters" ("确保该变量包含不超过 50 字符"):
# the portal says it in a resident's words.
RESIDENT_MESSAGES = {
    "required": _("Please fill this in."),
    "max_length": _("Please keep it to %(limit_value)d characters (you typed %(show_value)d)."),
}


class ResidentForm(TablerForm):
    """A portal form: every text field's errors in a resident's words (a field's own
    ``required`` message, such as "Choose a village or community.", is kept)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_required = forms.Field.default_error_messages["required"]
        for field in self.fields.values():
            if field.error_messages.get("required") == default_required:
                field.error_messages["required"] = RESIDENT_MESSAGES["required"]
            field.error_messages["max_length"] = RESIDENT_MESSAGES["max_length"]


class SubmitForm(ResidentForm):
    """A matter submitted by a resident: where, what kind, what happened, optionally who (for a
    call back) and one photo or PDF."""

    area = forms.CharField(max_length=20, widget=forms.HiddenInput, error_messages=_AREA_ERRORS)
    kind = forms.ChoiceField(label=_("What is it about?"), choices=MatterKind.choices)
    category = forms.ChoiceField(label=_("Category (optional)"), required=False)
    description = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Where, when, who — as precisely as you can. At most 2000 characters."),
    )
    reporter_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=20,
        required=False,
        help_text=_(
            "Only the police handling your matter see it. Leave both empty to stay anonymous."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    attachment = forms.FileField(
        label=_("A photo or PDF (optional)"),
        required=False,
        help_text=_("JPEG, PNG or PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args, bureau: Bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.bureau = bureau
        self.fields["kind"].help_text = kind_help()
        categories = list(
            MatterCategory.objects.filter(bureau=bureau, active=True).order_by("kind", "name")
        )
        self._categories = {str(c.pk): c for c in categories}
        groups = [
            (label, [(str(c.pk), c.name) for c in categories if c.kind == kind])
            for kind, label in MatterKind.choices
        ]
        self.fields["category"].choices = [("", "—"), *[g for g in groups if g[1]]]

    def clean_area(self) -> Area:
        value = self.cleaned_data["area"].strip()
        area = None
        if value.isascii() and value.isdigit() and int(value) < 2**63:
            area = beat_areas(self.bureau).filter(pk=int(value)).first()
        if area is None:
            raise forms.ValidationError(_AREA_ERRORS["invalid_choice"])
        return area

    def clean_reporter_phone(self) -> str:
        return form_phone(self.cleaned_data.get("reporter_phone", ""))

    def clean_category(self) -> MatterCategory | None:
        value = self.cleaned_data.get("category")
        return self._categories.get(value) if value else None

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload is None:
            return None
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if sniff_content_type(head) is None:
            raise forms.ValidationError(_("Only JPEG, PNG and PDF files can be attached."))
        return upload

    def clean(self):
        data = super().clean()
        category, kind = data.get("category"), data.get("kind")
        if category is not None and kind and category.kind != kind:
            self.add_error("category", _("Choose an active category of this kind."))
        return data


class TrackForm(ResidentForm):
    code = forms.CharField(
        label=_("Tracking code"),
        widget=forms.TextInput(
            attrs={
                "maxlength": "32",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD2345EFGH",
            }
        ),
    )


class _RadioBoundField(TablerBoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if isinstance(widget or self.field.widget, forms.RadioSelect):
            attrs["class"] = attrs["class"].replace("form-control", "form-check-input")
        return attrs


class _CodeForm(ResidentForm):
    bound_field_class = _RadioBoundField

    code = forms.CharField(widget=forms.HiddenInput)


class ConfirmForm(_CodeForm):
    note = forms.CharField(
        label=_("A word to the police (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(_CodeForm):
    reason = forms.CharField(
        label=_("Why is it not solved?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RateForm(_CodeForm):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


ACTION_FORMS = {"confirm": ConfirmForm, "reopen": ReopenForm, "rate": RateForm}
