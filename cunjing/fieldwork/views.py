"""Field-work pages: the records of each kind (list, detail, new), the beat officer's work log of
a day with the day's records listed automatically, weekly analyses and monthly summaries, and
the leaders' supervision of both (四有: 日志、分析、督导、总结).

Access: signed in and ``VIEW_FIELDWORK`` (else 403; the admin roles have it not); objects through
``visible_to(user)`` (else 404, the same answer as a missing id); writes through
``fieldwork.services``; bad input answers 422 with the errors on the form's fields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cunjing.core.forms import add_service_errors
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.pagination import keyset_page, numbered_page
from cunjing.core.personal import is_masked
from cunjing.core.roles import Capability, Role, has_capability, sees_id_numbers
from cunjing.core.validators import ascii_int
from cunjing.fieldwork import selectors, services
from cunjing.fieldwork.filters import RecordFilters, ReportFilters
from cunjing.fieldwork.forms import (
    AssistanceForm,
    CorrectionListForm,
    DayForm,
    DecisionForm,
    FloatingResidentForm,
    FollowUpDoneForm,
    FollowUpDropForm,
    FollowUpListForm,
    OutreachForm,
    PreventionForm,
    RecordFilterForm,
    RecordForm,
    ReportFilterForm,
    ReportForm,
    ServiceForm,
    SupervisionForm,
    VisitForm,
    VoidForm,
    VolunteerForm,
    WorkLogEditForm,
    WorkLogFilterForm,
    WorkLogForm,
    correction_form,
    period_start_for,
)
from cunjing.fieldwork.models import (
    Assistance,
    CorrectionAction,
    CorrectionRequest,
    CorrectionState,
    FloatingResident,
    FollowUp,
    HouseholdVisit,
    OfficerReport,
    OutreachEvent,
    PreventionActivity,
    ReportKind,
    Service,
    Volunteer,
    WorkLog,
)

UNPROCESSABLE = 422
PER_PAGE = 50


@dataclass(frozen=True)
class PageKind:
    slug: str
    model: type
    form: type[RecordForm]
    create: object
    columns: tuple[str, ...]  # shown in the list after date and area

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name)


KINDS = {
    k.slug: k
    for k in [
        PageKind(
            "visits",
            HouseholdVisit,
            VisitForm,
            services.visit_create,
            ("household", "purpose", "contact_card_given", "follow_up_needed"),
        ),
        PageKind(
            "floating-residents",
            FloatingResident,
            FloatingResidentForm,
            services.floating_resident_create,
            ("name", "id_number", "origin", "arrived_on"),
        ),
        PageKind(
            "services",
            Service,
            ServiceForm,
            services.service_create,
            ("kind", "beneficiary"),
        ),
        PageKind(
            "assistance",
            Assistance,
            AssistanceForm,
            services.assistance_create,
            ("household", "people", "hardship_kind", "next_revisit_on"),
        ),
        PageKind(
            "outreach",
            OutreachEvent,
            OutreachForm,
            services.outreach_create,
            ("venue_kind", "venue", "topic", "audience_size"),
        ),
        PageKind(
            "volunteers",
            Volunteer,
            VolunteerForm,
            services.volunteer_create,
            ("name", "phone", "skills"),
        ),
        PageKind(
            "prevention",
            PreventionActivity,
            PreventionForm,
            services.prevention_create,
            ("kind", "participants"),
        ),
    ]
}
KIND_OF_MODEL = {k.model: k for k in KINDS.values()}


def _kind(slug: str) -> PageKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None


def _require_view(user) -> None:
    if not has_capability(user, Capability.VIEW_FIELDWORK):
        raise PermissionDenied(_("You do not have permission to do this."))


def display_value(record, name: str, viewer) -> str:
    """A field of ``record`` as shown to ``viewer``: choices by label, booleans as 是/否, ID
    numbers and phones masked (an aide sees no ID number at all)."""
    value = getattr(record, name)
    if name == "id_number":
        return mask_id_number(value) if sees_id_numbers(viewer) else ""
    if name == "phone":
        return mask_phone(value) if value else ""
    if name == "dwelling":
        return str(value.address) if value is not None else ""
    field = record._meta.get_field(name)
    if field.choices:
        return str(getattr(record, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rows(records, kind: PageKind, viewer) -> list[dict]:
    return [
        {
            "record": r,
            "cells": [display_value(r, name, viewer) for name in kind.columns],
        }
        for r in records
    ]


def _headers(kind: PageKind) -> list[str]:
    return [str(kind.model._meta.get_field(n).verbose_name) for n in kind.columns]


# --- Records ---------------------------------------------------------------------------------


@login_required
@require_safe
def records_home(request: HttpRequest) -> HttpResponse:
    _require_view(request.user)
    return redirect("fieldwork:record_list", kind="visits")


@login_required
@require_safe
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    """The records of one kind the user may see, newest first, filtered, keyset-paged."""
    user = request.user
    _require_view(user)
    page_kind = _kind(kind)
    form = RecordFilterForm(request.GET or None, user=user)
    status, rows, next_cursor = 200, [], None
    if form.is_bound and not form.is_valid():
        status = UNPROCESSABLE
    else:
        filters = form.filters() if form.is_bound else {}
        before = form.cursor() if form.is_bound else None
        try:
            qs = RecordFilters.select(user, model=page_kind.model, **filters)
            page = keyset_page(
                qs, order=selectors.order_of(page_kind.model), limit=PER_PAGE, before=before
            )
            rows, next_cursor = page.items, page.next
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = UNPROCESSABLE
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "kind": page_kind,
        "kinds": KINDS.values(),
        "form": form,
        "headers": _headers(page_kind),
        "rows": _rows(rows, page_kind, user),
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "can_add": services.can_record(user, page_kind.model),
    }
    return render(request, "fieldwork/record_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_new(request: HttpRequest, kind: str) -> HttpResponse:
    """Record one ``kind`` in one of the user's areas. The form's ``client_uuid`` makes a form
    posted twice (a double tap, a resubmitted page) store one record."""
    user = request.user
    _require_view(user)
    page_kind = _kind(kind)
    if not services.can_record(user, page_kind.model):
        raise PermissionDenied(_("You do not have permission to do this."))
    if request.method != "POST":
        initial = {}
        if (area := ascii_int(request.GET.get("area"))) is not None:
            initial["area"] = area
        form = page_kind.form(user=user, initial=initial)
        return render(request, "fieldwork/record_new.html", {"kind": page_kind, "form": form})
    form = page_kind.form(request.POST, user=user)
    if form.is_valid():
        values = form.values()
        existing = (
            page_kind.model.objects.visible_to(user)
            .filter(recorded_by=user, client_uuid=values["client_uuid"])
            .first()
        )
        if existing is not None:
            return redirect("fieldwork:record_detail", kind=kind, pk=existing.pk)
        try:
            record = page_kind.create(actor=user, **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("fieldwork:record_detail", kind=kind, pk=record.pk)
    return render(
        request,
        "fieldwork/record_new.html",
        {"kind": page_kind, "form": form},
        status=UNPROCESSABLE,
    )


def _record(user, page_kind: PageKind, pk: int):
    try:
        return selectors.record_get(user, page_kind.model, pk)
    except page_kind.model.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def record_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One record: its fields (ID numbers and phones masked), whether it was voided and why,
    its corrections, a correction request waiting, and — for who may — correct or void it."""
    user = request.user
    _require_view(user)
    page_kind = _kind(kind)
    record = _record(user, page_kind, pk)
    # What was entered: derived columns (the blind indexes of ID numbers and phones) are not.
    names = [f.name for f in page_kind.form._meta.model._meta.concrete_fields if f.editable]
    skip = {
        "id",
        "bureau",
        "area",
        "unit",
        "officer",
        "recorded_by",
        "client_uuid",
        "created_at",
        "updated_at",
        "voided_at",
        "voided_by",
        "void_reason",
    }
    if not sees_id_numbers(user):
        skip.add("id_number")  # aides see residents without their ID numbers
    fields = [
        (str(record._meta.get_field(n).verbose_name), display_value(record, n, user))
        for n in names
        if n not in skip
    ]
    if page_kind.model is PreventionActivity:
        names = [v.name for v in record.volunteers.visible_to(user).order_by("name")]
        fields.append((str(_("volunteers")), "、".join(names)))
    may_correct = record.voided_at is None and services.may_correct(user, record)
    context = {
        "kind": page_kind,
        "record": record,
        "fields": fields,
        "may_correct": may_correct,
        "window_open": may_correct and services.correction_window_open(record),
        "pending": selectors.pending_correction(user, record),
        "history": _history(user, record),
    }
    return render(request, "fieldwork/record_detail.html", context)


def _history(user, record) -> list[dict]:
    """The record's corrections and voiding, each with its fields by label, as the trail holds
    them: names, ID numbers, phones and texts masked (``core.personal``); the record itself shows
    its current values."""
    out = []
    for event in selectors.record_corrections(user, record):
        after = dict(event.after or {})
        reason = after.pop("reason", "")
        after.pop("correction_request", None)
        changes = []
        for name, value in after.items():
            try:
                label = str(record._meta.get_field(name).verbose_name)
            except Exception:
                label = name
            old = (event.before or {}).get(name)
            changes.append((label, _shown(old), _shown(value)))
        out.append(
            {
                "event": event,
                "voided": event.action.endswith(".void"),
                "reason": reason,
                "changes": changes,
            }
        )
    return out


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if is_masked(value):  # personal data: the trail keeps it masked (core.personal)
        return value["masked"]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_correct(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Correct a record: directly within the bureau's window, else as a request to a leader
    (the same form; the page says which)."""
    return _correction_page(request, kind, pk, CorrectionAction.CORRECT)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_void(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Void a record with the reason: directly within the window, else as a request."""
    return _correction_page(request, kind, pk, CorrectionAction.VOID)


def _correction_page(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    user = request.user
    _require_view(user)
    page_kind = _kind(kind)
    record = _record(user, page_kind, pk)
    if record.voided_at is not None:
        raise Http404
    if not services.may_correct(user, record):
        raise PermissionDenied(_("You do not have permission to do this."))
    window_open = services.correction_window_open(record)
    data = request.POST if request.method == "POST" else None
    if action == CorrectionAction.CORRECT:
        fields = services.CORRECTABLE_FIELDS[page_kind.model]
        form = correction_form(page_kind.form, fields, user=user, record=record, data=data)
    else:
        form = VoidForm(data)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _apply_correction(request, form, record, action, window_open):
            return redirect("fieldwork:record_detail", kind=kind, pk=pk)
        status = UNPROCESSABLE
    context = {"kind": page_kind, "record": record, "form": form, "window_open": window_open}
    template = (
        "fieldwork/record_correct.html"
        if action == CorrectionAction.CORRECT
        else "fieldwork/record_void.html"
    )
    return render(request, template, context, status=status)


def _apply_correction(request, form, record, action: str, window_open: bool) -> bool:
    """The correction or the voiding, or the request of it after the window; ``False`` with
    the service's errors on the form."""
    user, reason = request.user, form.cleaned_data["reason"]
    changes = form.changes() if action == CorrectionAction.CORRECT else None
    try:
        if not window_open:
            services.correction_request(
                actor=user, record=record, action=action, changes=changes, reason=reason
            )
            message = _("The correction request was sent to your leader.")
        elif action == CorrectionAction.CORRECT:
            services.record_correct(actor=user, record=record, changes=changes, reason=reason)
            message = _("The record was corrected.")
        else:
            services.record_void(actor=user, record=record, reason=reason)
            message = _("The record was voided.")
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    messages.success(request, message)
    return True


CORRECTIONS_PER_PAGE = 50


@login_required
@require_safe
def corrections(request: HttpRequest) -> HttpResponse:
    """The correction requests of the user's jurisdiction: waiting ones first."""
    user = request.user
    _require_view(user)
    form = CorrectionListForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "page": None, "rows": []}
        return render(request, "fieldwork/corrections.html", context, status=UNPROCESSABLE)
    qs = selectors.correction_list(
        user, state=form.cleaned_data.get("state") or None, mine=form.cleaned_data["mine"]
    )
    page = numbered_page(qs, per_page=CORRECTIONS_PER_PAGE, number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "to_decide": selectors.corrections_to_decide(user),
    }
    return render(request, "fieldwork/corrections.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One correction request: the record, what is asked and why, and — for a leader above it
    who did not ask — the decision."""
    user = request.user
    _require_view(user)
    try:
        correction = selectors.correction_get(user, pk)
    except CorrectionRequest.DoesNotExist:
        raise Http404 from None
    may_decide = (
        correction.state == CorrectionState.PENDING
        and user.role in services.LEADER_ROLES
        and correction.requested_by_id != user.pk
    )
    form = DecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not may_decide and correction.state == CorrectionState.PENDING:
            raise PermissionDenied(_("You do not have permission to do this."))
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                services.correction_decide(
                    actor=user, request=correction, approve=approve, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("fieldwork:corrections")
        status = UNPROCESSABLE
    page_kind = KINDS[correction.record_kind]
    try:
        record = selectors.record_get(user, page_kind.model, correction.record_id)
    except page_kind.model.DoesNotExist:
        record = None
    context = {
        "correction": correction,
        "kind": page_kind,
        "record": record,
        "changes": _requested(correction, record, user),
        "form": form,
        "may_decide": may_decide,
    }
    return render(request, "fieldwork/correction_detail.html", context, status=status)


def _requested(correction: CorrectionRequest, record, viewer) -> list[tuple[str, str, str]]:
    """What the request asks, field by field: label, the record's value now, the value asked
    (ID numbers and phones masked)."""
    if record is None:
        return []
    model = type(record)
    shown = services.masked_changes(correction.changes)
    out = []
    for name, value in shown.items():
        field = model._meta.get_field(name)
        now = display_value(record, name, viewer)
        if field.choices and value not in (None, ""):
            value = dict(field.flatchoices).get(value, value)
        elif field.is_relation and value:
            value = f"#{value}"
        out.append((str(field.verbose_name), now or "—", _shown(value)))
    return out


# --- Work log ----------------------------------------------------------------------------------


def _day(request: HttpRequest) -> tuple[DayForm, dt.date | None]:
    form = DayForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    day = (form.cleaned_data.get("day") if form.is_bound else None) or timezone.localdate()
    if not form.is_bound:
        form = DayForm(initial={"day": day})
    return form, day


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def worklog_mine(request: HttpRequest) -> HttpResponse:
    """The beat officer's work log of a day (default today): the text they write and, listed
    automatically, what they recorded that day; leaders go to the logs they supervise."""
    user = request.user
    _require_view(user)
    if user.role != Role.BEAT_OFFICER or not user.officer_id:
        return redirect("fieldwork:worklog_list")
    day_form, day = _day(request)
    if day is None:
        return render(
            request,
            "fieldwork/worklog_mine.html",
            {"day_form": day_form, "form": None},
            status=UNPROCESSABLE,
        )
    log = WorkLog.objects.filter(bureau_id=user.bureau_id, officer_id=user.officer_id, day=day)
    log = log.first()
    status = 200
    # A new entry by default; the whole text only when the officer asks to edit it.
    editing = request.GET.get("edit") == "1" and log is not None
    form_class = WorkLogEditForm if editing else WorkLogForm
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                services.worklog_upsert(
                    actor=user,
                    day=day,
                    text=form.cleaned_data["text"],
                    client_uuid=form.cleaned_data["client_uuid"],
                    mode="replace" if editing else "append",
                    base=form.cleaned_data.get("base") if editing else None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{reverse('fieldwork:worklog_mine')}?day={day.isoformat()}")
        status = UNPROCESSABLE
    elif editing:
        form = WorkLogEditForm(
            initial={
                "text": log.text,
                "base": services.worklog_version(log),
                "client_uuid": uuid.uuid4(),
            }
        )
    else:
        form = WorkLogForm(initial={"client_uuid": uuid.uuid4()})
    context = {
        "day_form": day_form,
        "day": day,
        "form": form,
        "editing": editing,
        "log": log,
        **_day_context(user, user.officer_id, day),
        "supervisions": selectors.supervisions_of(user, worklog=log) if log else [],
        "today": timezone.localdate(),
    }
    return render(request, "fieldwork/worklog_mine.html", context, status=status)


def _day_context(user, officer_id: int, day: dt.date) -> dict:
    groups = _day_groups(user, officer_id, day)
    return {"groups": groups, "day_total": sum(g["count"] for g in groups)}


def _day_groups(user, officer_id: int, day: dt.date) -> list[dict]:
    groups = []
    for model, records in selectors.day_records(user, officer_id=officer_id, day=day):
        kind = KIND_OF_MODEL[model]
        groups.append(
            {
                "kind": kind,
                "headers": _headers(kind),
                "rows": _rows(records, kind, user),
                "count": len(records),
            }
        )
    return groups


@login_required
@require_safe
def worklog_list(request: HttpRequest) -> HttpResponse:
    """The work logs the user may read: a beat officer their own, leaders their subtree's."""
    user = request.user
    _require_view(user)
    form = WorkLogFilterForm(request.GET or None, user=user)
    status, rows, next_cursor = 200, [], None
    if form.is_bound and not form.is_valid():
        status = UNPROCESSABLE
    else:
        filters = form.filters() if form.is_bound else {}
        try:
            page = keyset_page(
                RecordFilters.select(user, model=WorkLog, **filters),
                order=selectors.WORKLOG_ORDER,
                limit=PER_PAGE,
                before=form.cursor() if form.is_bound else None,
            )
            rows, next_cursor = page.items, page.next
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = UNPROCESSABLE
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "logs": rows, "next_cursor": next_cursor, "query": query.urlencode()}
    return render(request, "fieldwork/worklog_list.html", context, status=status)


@login_required
@require_safe
def worklog_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_view(user)
    form = SupervisionForm() if _may_supervise(user) else None
    return render(request, "fieldwork/worklog_detail.html", _worklog_context(user, pk, form))


def _worklog_context(user, pk: int, supervise_form) -> dict:
    try:
        log = selectors.worklog_get(user, pk)
    except WorkLog.DoesNotExist:
        raise Http404 from None
    return {
        "log": log,
        **_day_context(user, log.officer_id, log.day),
        "supervisions": selectors.supervisions_of(user, worklog=log),
        "supervise_form": supervise_form,
    }


def _report_context(user, pk: int, supervise_form) -> dict:
    try:
        report = selectors.report_get(user, pk)
    except OfficerReport.DoesNotExist:
        raise Http404 from None
    return {
        "report": report,
        "supervisions": selectors.supervisions_of(user, report=report),
        "supervise_form": supervise_form,
    }


def _may_supervise(user) -> bool:
    return user.role in services.SUPERVISOR_ROLES


# --- Analyses and summaries -----------------------------------------------------------------


@login_required
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_view(user)
    form = ReportFilterForm(request.GET or None, user=user)
    status, rows, next_cursor = 200, [], None
    if form.is_bound and not form.is_valid():
        status = UNPROCESSABLE
    else:
        filters = form.filters() if form.is_bound else {}
        try:
            page = keyset_page(
                ReportFilters.select(user, **filters),
                order=selectors.REPORT_ORDER,
                limit=PER_PAGE,
                before=form.cursor() if form.is_bound else None,
            )
            rows, next_cursor = page.items, page.next
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = UNPROCESSABLE
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "reports": rows,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "can_write": user.role == Role.BEAT_OFFICER and bool(user.officer_id),
    }
    return render(request, "fieldwork/report_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_edit(request: HttpRequest) -> HttpResponse:
    """Write this week's analysis or this month's summary (or an earlier period's)."""
    user = request.user
    _require_view(user)
    if user.role != Role.BEAT_OFFICER or not user.officer_id:
        raise PermissionDenied(_("Only beat officers keep work logs and reports."))
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report, _created = services.report_upsert(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("fieldwork:report_detail", pk=report.pk)
        return render(request, "fieldwork/report_edit.html", {"form": form}, status=UNPROCESSABLE)
    kind = request.GET.get("kind")
    kind = kind if kind in ReportKind.values else ReportKind.ANALYSIS
    start = period_start_for(kind, timezone.localdate())
    existing = OfficerReport.objects.filter(
        bureau_id=user.bureau_id, officer_id=user.officer_id, kind=kind, period_start=start
    ).first()
    initial = {"kind": kind, "period_start": start, "client_uuid": uuid.uuid4()}
    if existing is not None:
        initial.update(
            situation=existing.situation, problems=existing.problems, measures=existing.measures
        )
    return render(request, "fieldwork/report_edit.html", {"form": ReportForm(initial=initial)})


@login_required
@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_view(user)
    form = SupervisionForm() if _may_supervise(user) else None
    return render(request, "fieldwork/report_detail.html", _report_context(user, pk, form))


@login_required
@require_POST
def supervise(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """A leader's verdict and comment on a work log or a report (督导)."""
    user = request.user
    _require_view(user)
    if target not in ("worklog", "report"):
        raise Http404
    form = SupervisionForm(request.POST)
    ids = {"worklog_id": pk} if target == "worklog" else {"report_id": pk}
    if form.is_valid():
        try:
            services.supervise(actor=user, **ids, **form.cleaned_data)
        except (WorkLog.DoesNotExist, OfficerReport.DoesNotExist):
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"fieldwork:{target}_detail", pk=pk)
    # Re-show the page with the errors on the form.
    build = _worklog_context if target == "worklog" else _report_context
    template = f"fieldwork/{target}_detail.html"
    return render(request, template, build(user, pk, form), status=UNPROCESSABLE)


# --- Follow-ups (待跟进) -----------------------------------------------------------------------

FOLLOW_UPS_PER_PAGE = 50


@login_required
@require_safe
def follow_ups(request: HttpRequest) -> HttpResponse:
    """The follow-ups of the user's jurisdiction: open (the earliest due first), overdue or
    closed; for leaders also the overdue ones per officer."""
    user = request.user
    _require_view(user)
    form = FollowUpListForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "rows": [], "by_officer": []}
        return render(request, "fieldwork/follow_ups.html", context, status=UNPROCESSABLE)
    view = form.cleaned_data.get("view") or selectors.FollowUpView.OPEN
    page = numbered_page(
        selectors.follow_up_list(user, view=view),
        per_page=FOLLOW_UPS_PER_PAGE,
        number=request.GET.get("page"),
    )
    leader = user.role not in (Role.BEAT_OFFICER, Role.AIDE)
    context = {
        "form": form,
        "view": view,
        "page": page,
        "rows": page.object_list,
        "counts": selectors.follow_up_counts(user),
        "query": urlencode({"view": view}),
        "by_officer": selectors.overdue_follow_ups_by_officer(user) if leader else [],
        "today": timezone.localdate(),
    }
    return render(request, "fieldwork/follow_ups.html", context)


def follow_up_action(request: HttpRequest, follow_up, action: str):
    """Apply a POSTed ``done`` or ``drop`` to ``follow_up``: ``(forms, saved)``, the forms with
    their errors when not saved. Shared by this page and the phone's."""
    forms = {
        "done": FollowUpDoneForm(auto_id="done-%s"),
        "drop": FollowUpDropForm(auto_id="drop-%s"),
    }
    if action not in forms:
        raise Http404
    form_class = FollowUpDoneForm if action == "done" else FollowUpDropForm
    form = form_class(request.POST, auto_id=f"{action}-%s")
    forms[action] = form
    if not form.is_valid():
        return forms, False
    try:
        if action == "done":
            services.follow_up_done(actor=request.user, follow_up=follow_up, **form.cleaned_data)
        else:
            services.follow_up_drop(actor=request.user, follow_up=follow_up, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return forms, False
    return forms, True


def follow_up_forms() -> dict:
    return {
        "done": FollowUpDoneForm(auto_id="done-%s"),
        "drop": FollowUpDropForm(auto_id="drop-%s"),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One follow-up: what it came from, and — while open — done with the return visit, or no
    longer needed with the reason."""
    user = request.user
    _require_view(user)
    try:
        follow_up = selectors.follow_up_get(user, pk)
    except FollowUp.DoesNotExist:
        raise Http404 from None
    status, forms = 200, follow_up_forms()
    if request.method == "POST":
        forms, saved = follow_up_action(request, follow_up, request.POST.get("action", ""))
        if saved:
            messages.success(request, _("Saved."))
            return redirect("fieldwork:follow_ups")
        status = UNPROCESSABLE
    context = {
        "follow_up": follow_up,
        "forms": forms,
        "may_close": services.can_record(user, HouseholdVisit),
        "today": timezone.localdate(),
    }
    return render(request, "fieldwork/follow_up_detail.html", context, status=status)
