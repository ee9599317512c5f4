"""Forms of the matters pages: they parse input into typed values; the rules live in
``matters.services`` (errors put back on the fields with ``add_service_errors``)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cunjing.core.forms import DATE_WIDGET, NameChoiceField, TablerForm
from cunjing.matters.filters import MatterFilters
from cunjing.matters.models import Level, MatterCategory, MatterKind, ReplyChannel, Source
from cunjing.org.models import BEAT_AREA_KINDS, Area

_TEXTAREA = forms.Textarea(attrs={"rows": 3})
_DESK_SOURCES = [(s.value, s.label) for s in (Source.HOTLINE, Source.WECHAT, Source.SMS)]


QueueForm = MatterFilters.form("QueueForm")


class MatterForm(TablerForm):
    """A matter entered by staff: their own, or a hotline call, WeChat or SMS message."""

    area = NameChoiceField(label=_("village or community"), queryset=Area.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=MatterKind.choices)
    category = forms.ModelChoiceField(
        label=_("category"), required=False, queryset=MatterCategory.objects.none()
    )
    source = forms.ChoiceField(label=_("source"), choices=_DESK_SOURCES)
    description = forms.CharField(label=_("description"), max_length=2000, widget=_TEXTAREA)
    reporter_name = forms.CharField(label=_("reporter's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("reporter's phone"), max_length=20, required=False)
    latitude = forms.FloatField(label=_("latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("longitude"), required=False, min_value=-180, max_value=180
    )
    attachment = forms.FileField(
        label=_("attachment"),
        required=False,
        help_text=_("JPEG, PNG or PDF, at most 5 MB."),
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user, sources, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS).order_by("path")
        )
        self.fields["category"].queryset = MatterCategory.objects.filter(
            bureau_id=user.bureau_id, active=True
        ).order_by("kind", "name")
        self.fields["source"].choices = [(s, Source(s).label) for s in sources]


class NoteForm(TablerForm):
    note = forms.CharField(label=_("note"), max_length=2000, required=False)


class ReplyForm(TablerForm):
    channel = forms.ChoiceField(label=_("channel"), choices=ReplyChannel.choices)
    text = forms.CharField(label=_("text"), max_length=2000, widget=_TEXTAREA)


class ResolveForm(TablerForm):
    resolution = forms.CharField(label=_("resolution"), max_length=2000, widget=_TEXTAREA)


class EscalateForm(TablerForm):
    reason = forms.CharField(label=_("reason"), max_length=2000)


class ReferForm(TablerForm):
    body = forms.CharField(label=_("non-police body"), max_length=100)
    note = forms.CharField(label=_("note"), max_length=2000, required=False)


class MergeForm(TablerForm):
    """Merge into a report of the same problem: the choices are the matters that qualify
    (``matters.selectors.merge_candidates``: same kind, same village or community)."""

    target = forms.TypedChoiceField(label=_("report of the same problem"), coerce=int)
    note = forms.CharField(label=_("note"), max_length=2000, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (
                m.pk,
                f"#{m.pk} · {m.created_at:%Y-%m-%d} · {m.get_state_display()} · "
                f"{m.description[:30]}",
            )
            for m in candidates
        ]


class CaseForm(TablerForm):
    case_number = forms.CharField(label=_("case number"), max_length=50)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "accept": NoteForm,
    "reply": ReplyForm,
    "resolve": ResolveForm,
    "escalate": EscalateForm,
    "refer": ReferForm,
    "merge": MergeForm,
    "case": CaseForm,
}


class SlaForm(TablerForm):
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    kind = forms.ChoiceField(label=_("kind"), choices=MatterKind.choices)
    reply_hours = forms.IntegerField(label=_("hours to first reply"), min_value=1, max_value=8760)
    resolve_hours = forms.IntegerField(label=_("hours to resolution"), min_value=1, max_value=8760)


class CountsForm(TablerForm):
    date_from = forms.DateField(label=_("from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("to"), required=False, widget=DATE_WIDGET)
