"""The residents' portal (public, no sign-in, phone first): find the village's officer, submit a
matter, track it by its code, confirm, reopen or rate the handling.

Every page serves the one bureau of :func:`portal.bureau.portal_bureau`. Every POST is
rate-limited (:mod:`portal.limits`, 429 beyond); a tracking code travels only in POST bodies,
never in a URL, so it stays out of the phone's history, server logs and Referer headers — the
status page is the answer to the POST that names the code. Unknown and malformed codes get the
same "not found" answer. Writes go through ``matters.services`` only; bad input is re-rendered
with field errors (422), nothing lost. Output is auto-escaped templates only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Textarea
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cunjing.core.forms import add_service_errors
from cunjing.core.masking import national_phone
from cunjing.matters import services
from cunjing.matters.models import Action, Matter, Source
from cunjing.org.models import Area
from cunjing.portal import limits, selectors
from cunjing.portal.bureau import portal_bureau
from cunjing.portal.forms import ACTION_FORMS, SubmitForm, TrackForm

UNPROCESSABLE = 422
ACTIONS = {"confirm": Action.CONFIRM, "reopen": Action.REOPEN, "rate": Action.RATE}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Find my officer: search villages and communities by name, pinyin or initials."""
    bureau = portal_bureau()
    q = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    if q.strip() and (blocked := limits.limited(request, limits.SEARCH)):
        return blocked
    results = selectors.area_search(bureau, q)
    return render(
        request,
        "portal/home.html",
        {"bureau": bureau, "q": q.strip(), "results": results, "limit": selectors.SEARCH_LIMIT},
    )


def _area(bureau, pk: int) -> Area:
    try:
        return selectors.area_get(bureau, pk)
    except Area.DoesNotExist:
        raise Http404 from None


@require_safe
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact card (警民联系卡) of a village or community."""
    bureau = portal_bureau()
    area = _area(bureau, pk)
    public = selectors.public_card(area)
    officers = [(o, national_phone(o.phone)) for o in public.officers]
    unit = public.card.unit
    context = {
        "bureau": bureau,
        "area": area,
        "officers": officers,
        "unit": unit,
        "unit_phone": national_phone(unit.phone) if unit and unit.phone else "",
        "aides": public.aides,
    }
    return render(request, "portal/card.html", context)


def _posted_area(bureau, raw: str) -> Area | None:
    """The village or community of an ``area`` parameter, None when it names none."""
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and int(raw) < 2**63:
        return selectors.beat_areas(bureau).filter(pk=int(raw)).first()
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Submit a matter; the answer shows its tracking code (stored nowhere else on the phone)."""
    bureau = portal_bureau()
    if request.method != "POST":
        area = _posted_area(bureau, request.GET.get("area", ""))
        form = SubmitForm(bureau=bureau, initial={"area": area.pk if area else ""})
        return render(request, "portal/submit.html", {"form": form, "area": area})
    form = SubmitForm(request.POST, request.FILES, bureau=bureau)
    if retry_after := limits.exceeded(request, limits.SUBMIT):
        # the form again with what the resident typed (a file must be chosen again)
        context = {"form": form, "area": _posted_area(bureau, request.POST.get("area", ""))}
        return limits.too_many(request, retry_after, "portal/submit.html", context)
    if form.is_valid():
        try:
            matter = services.matter_submit(source=Source.PORTAL, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "portal/submitted.html", {"matter": matter}, status=201)
    area = form.cleaned_data.get("area") if hasattr(form, "cleaned_data") else None
    return render(request, "portal/submit.html", {"form": form, "area": area}, status=UNPROCESSABLE)


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    """The one answer for an unknown or malformed code (no way to tell them apart)."""
    form = TrackForm({"code": code[: selectors.CODE_MAX_LENGTH].replace("\x00", "")})
    form.is_valid()
    form.add_error("code", _("No matter was found for this code. Check it and try again."))
    return render(request, "portal/track.html", {"form": form}, status=404)


def _status(request: HttpRequest, matter: Matter, *, forms=None, done: str = "", status=200):
    """The status page of ``matter`` with the reporter's forms that are allowed now."""
    code = matter.tracking_code
    forms = forms or {}
    allowed = {
        name: forms.get(name) or ACTION_FORMS[name](initial={"code": code}, auto_id=f"{name}-%s")
        for name, action in ACTIONS.items()
        if services.allowed(matter, action)
    }
    # Errors of a form whose action is no longer allowed (rated twice, reopened too late) are
    # shown on top, since that form is not shown again.
    refused = [
        message
        for name, form in forms.items()
        if name not in allowed
        for messages in form.errors.values()
        for message in messages
    ]
    public = selectors.public_matter(matter)
    context = {
        "public": public,
        "refused": refused,
        "matter": matter,
        "state_label": selectors.state_label(public),
        "kind_label": matter.get_kind_display(),
        "forms": allowed,
        "done": done,
    }
    return render(request, "portal/status.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Type the tracking code → the matter's status page (the answer to this POST)."""
    bureau = portal_bureau()
    if request.method != "POST":
        return render(request, "portal/track.html", {"form": TrackForm()})
    form = TrackForm(request.POST)
    if retry_after := limits.exceeded(request, limits.LOOKUP):
        return limits.too_many(request, retry_after, "portal/track.html", {"form": form})
    if not form.is_valid():
        return render(request, "portal/track.html", {"form": form}, status=UNPROCESSABLE)
    code = form.cleaned_data["code"]
    try:
        matter = selectors.matter_by_code(bureau, code)
    except Matter.DoesNotExist:
        return _not_found(request, code)
    return _status(request, matter)


DONE = {
    "confirm": gettext_lazy("Thank you: you confirmed the handling and the matter is closed."),
    "reopen": gettext_lazy("The matter is reopened and goes back to the police."),
    "rate": gettext_lazy("Thank you for your rating."),
}


def _resend(request: HttpRequest, action: str) -> dict:
    """What the resident typed into an action's form, to send again from the 429 page: the
    free text in boxes they can still edit, the rest (the code, a rating) hidden."""
    form = ACTION_FORMS[action]()
    fields = []
    for name, field in form.fields.items():
        value = request.POST.get(name, "")[: getattr(field, "max_length", None) or 32]
        fields.append((name, field.label, value, isinstance(field.widget, Textarea)))
    return {"resend": fields, "resend_to": request.path}


@require_POST
def act(request: HttpRequest, action: str) -> HttpResponse:
    """The reporter confirms, reopens (with a reason) or rates (1–5, once) by tracking code."""
    if action not in ACTIONS:
        raise Http404
    bureau = portal_bureau()
    if retry_after := limits.exceeded(request, limits.ACTION, limits.LOOKUP):
        return limits.too_many(request, retry_after, context=_resend(request, action))
    code = request.POST.get("code", "")
    try:
        matter = selectors.matter_by_code(bureau, code)
    except Matter.DoesNotExist:
        return _not_found(request, code)
    form = ACTION_FORMS[action](request.POST, auto_id=f"{action}-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("code")
        write = {
            "confirm": services.matter_confirm,
            "reopen": services.matter_reopen,
            "rate": services.matter_rate,
        }[action]
        try:
            matter = write(bureau_id=bureau.pk, tracking_code=matter.tracking_code, **data)
        except ValidationError as exc:
            errors = exc.message_dict
            if "rating" in errors:
                errors["score"] = errors.pop("rating")
            add_service_errors(form, ValidationError(errors))
        except Matter.DoesNotExist:  # pragma: no cover - the code was just found
            return _not_found(request, code)
        else:
            matter = selectors.matter_by_code(bureau, matter.tracking_code)
            return _status(request, matter, done=str(DONE[action]))
    return _status(request, matter, forms={action: form}, status=UNPROCESSABLE)
