"""Matters pages for staff: the lists (my queue, overdue, awaiting reply, by kind), a matter
with its timeline, replies, attachments, possible duplicates and the action forms, the entry of
a matter (own, hotline, WeChat, SMS), the counts per unit, and the deadlines (SLA) page.

Access: signed in and the capability (else 403); matters through ``selectors.visible`` (else
404, the same answer as a missing id); writes through ``matters.services``; bad input answers 422
with the errors on the form's fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cunjing.core import reveal
from cunjing.core.forms import add_service_errors
from cunjing.core.masking import mask_phone
from cunjing.core.roles import Capability, has_capability
from cunjing.matters import selectors, services
from cunjing.matters.filters import MatterFilters
from cunjing.matters.forms import ACTION_FORMS, CountsForm, MatterForm, QueueForm, SlaForm
from cunjing.matters.models import (
    LEVEL_ORDER,
    Level,
    Matter,
    MatterAttachment,
    MatterKind,
    State,
)

UNPROCESSABLE = 422
PER_PAGE = 50


def _require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("You do not have permission to do this."))


def _get(user, pk: int) -> Matter:
    try:
        return selectors.matter_get(user, pk)
    except Matter.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, Capability.VIEW_MATTERS)
    form = QueueForm(request.GET, user=user)
    status, rows, next_cursor = 200, [], None
    if not form.is_valid():
        status = UNPROCESSABLE
    else:
        try:
            found = selectors.matter_page(
                MatterFilters.queryset(user, form),
                limit=PER_PAGE,
                before=form.cursor(),
                sort=form.cleaned_data.get("sort") or selectors.Sort.NEWEST,
            )
        except ValidationError as exc:  # a page link that is not ours
            add_service_errors(form, exc)
            status = UNPROCESSABLE
        else:
            rows, next_cursor = found.items, found.next
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "rows": rows,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "can_add": has_capability(user, Capability.REPORT_MATTERS),
    }
    return render(request, "matters/queue.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Enter a matter; the hidden ``client_uuid`` makes a form posted twice store one."""
    user = request.user
    _require(user, Capability.REPORT_MATTERS)
    sources = services.sources_for(user)
    if request.method != "POST":
        form = MatterForm(user=user, sources=sources)
        return render(request, "matters/new.html", {"form": form})
    form = MatterForm(request.POST, request.FILES, user=user, sources=sources)
    if form.is_valid():
        try:
            matter = services.matter_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            if isinstance(exc, services.AlreadySubmitted) and exc.matter_id is not None:
                # Posted again: the answer the first post got.
                return redirect("matters:detail", pk=exc.matter_id)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("matters:detail", pk=matter.pk)
    return render(request, "matters/new.html", {"form": form}, status=UNPROCESSABLE)


def _action_form(name: str, user, matter: Matter, data=None):
    """The form of one handler action; merging offers only the matters that qualify."""
    if name == "merge":
        candidates = selectors.merge_candidates(user, matter)
        return ACTION_FORMS[name](data, candidates=candidates)
    return ACTION_FORMS[name](data)


def likely_order(matter: Matter) -> list[str]:
    """The handler's actions in the order they are likely wanted now: a new matter is taken up;
    one a reporter waits on is answered, then resolved; a resolved one is answered further.
    Passing on (escalate, refer, merge) and a case come after."""
    if matter.state == State.NEW:
        first = ["accept", "reply"]
    elif matter.state == State.ACCEPTED and matter.has_reporter and matter.first_reply_at is None:
        first = ["reply", "resolve"]
    elif matter.state == State.ACCEPTED:
        first = ["resolve", "reply"]
    else:
        first = ["reply"]
    rest = [a for a in ("escalate", "refer", "merge", "case", "resolve", "reply") if a not in first]
    return first + rest


def _detail_context(user, matter: Matter, forms: dict | None = None) -> dict:
    actions = services.handler_actions(user, matter)
    forms = forms or {}
    return {
        "matter": matter,
        "reporter_phone": mask_phone(matter.reporter_phone) if matter.reporter_phone else "",
        "can_reveal": bool(matter.reporter_phone) and reveal.may_reveal(user),
        "events": selectors.timeline(matter),
        "replies": selectors.replies(matter),
        "attachments": selectors.attachments(matter),
        "duplicates": selectors.possible_duplicates(user, matter),
        # Only what the state allows, the likely action first (open), the others folded.
        "action_forms": [
            (name, form)
            for name in likely_order(matter)
            if name in actions
            for form in [forms.get(name) or _action_form(name, user, matter)]
            # nothing to merge into: no merge form
            if name != "merge" or form.fields["target"].choices
        ],
    }


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require(user, Capability.VIEW_MATTERS)
    matter = _get(user, pk)
    return render(request, "matters/detail.html", _detail_context(user, matter))


ACTION_SERVICES = {
    "accept": lambda actor, matter, d: services.matter_accept(
        actor=actor, matter=matter, note=d["note"]
    ),
    "reply": lambda actor, matter, d: services.matter_reply(
        actor=actor, matter=matter, channel=d["channel"], text=d["text"]
    ),
    "resolve": lambda actor, matter, d: services.matter_resolve(
        actor=actor, matter=matter, resolution=d["resolution"]
    ),
    "escalate": lambda actor, matter, d: services.matter_escalate(
        actor=actor, matter=matter, reason=d["reason"]
    ),
    "refer": lambda actor, matter, d: services.matter_refer(
        actor=actor, matter=matter, body=d["body"], note=d["note"]
    ),
    "merge": lambda actor, matter, d: services.matter_merge(
        actor=actor, matter=matter, target_id=d["target"], note=d["note"]
    ),
    "case": lambda actor, matter, d: services.matter_mark_case(
        actor=actor, matter=matter, case_number=d["case_number"]
    ),
}


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One handler action on a matter: redirect back on success, the detail page with the
    form's errors (422) otherwise."""
    user = request.user
    if action not in ACTION_FORMS:
        raise Http404
    _require(user, Capability.HANDLE_MATTERS)
    matter = _get(user, pk)
    form = _action_form(action, user, matter, request.POST)
    if form.is_valid():
        try:
            ACTION_SERVICES[action](user, matter, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            for message in [m for ms in exc.message_dict.values() for m in ms]:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("matters:detail", pk=pk)
    matter = _get(user, pk)
    context = _detail_context(user, matter, {action: form})
    return render(request, "matters/detail.html", context, status=UNPROCESSABLE)


@login_required
@require_POST
def reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's phone in clear, to call them back: asks for a reason and writes the
    ``personal_data.reveal`` audit event (``core.reveal.reveal``). The page comes back
    with the number, or with the reason's error (422)."""
    user = request.user
    _require(user, Capability.VIEW_MATTERS)
    matter = _get(user, pk)
    try:
        phone = reveal.reveal(
            actor=user,
            kind="matter",
            pk=matter.pk,
            field="phone",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        context = _detail_context(user, matter)
        context["reveal_errors"] = [m for ms in exc.message_dict.values() for m in ms]
        return render(request, "matters/detail.html", context, status=UNPROCESSABLE)
    context = _detail_context(user, matter)
    context["revealed_phone"] = phone
    return render(request, "matters/detail.html", context)


@login_required
@require_safe
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    user = request.user
    _require(user, Capability.VIEW_MATTERS)
    visible = selectors.visible(user).values("pk")
    found = MatterAttachment.objects.filter(pk=pk, matter_id__in=visible).first()
    if found is None:
        raise Http404
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sla(request: HttpRequest) -> HttpResponse:
    """The bureau's deadlines per level and kind: the commander and the system admin."""
    user = request.user
    _require(user, Capability.MANAGE_SLA)
    status = 200
    form = SlaForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.sla_policy_set(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("matters:sla")
        status = UNPROCESSABLE
    rows = selectors.sla_table(user.bureau_id)
    table = [
        (
            Level(level).label,
            [(r["reply_hours"], r["resolve_hours"]) for r in rows if r["level"] == level],
        )
        for level in LEVEL_ORDER
    ]
    context = {"form": form, "table": table, "kinds": MatterKind.labels}
    return render(request, "matters/sla.html", context, status=status)


@login_required
@require_safe
def counts(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, Capability.VIEW_MATTERS)
    form = CountsForm(request.GET or None)
    status, data = 200, None
    if form.is_bound and not form.is_valid():
        status = UNPROCESSABLE
    else:
        filters = form.cleaned_data if form.is_bound else {}
        try:
            data = selectors.matter_counts(
                user, date_from=filters.get("date_from"), date_to=filters.get("date_to")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = UNPROCESSABLE
    levels = [(level, Level(level).label) for level in LEVEL_ORDER]
    context = {"form": form, "data": data, "levels": levels}
    return render(request, "matters/counts.html", context, status=status)
