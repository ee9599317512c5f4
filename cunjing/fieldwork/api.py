"""The field-work API: the beat officer's records, one create and one list operation per kind.

``POST /api/fieldwork/<kind>`` stores one record exactly once per ``Idempotency-Key`` header (or
body ``client_uuid``; one of them is required): a retry gets the first answer back (same status
and body) and stores nothing; the same key with a different body answers 422. The area is
fetched through the caller's scope, so an area outside it answers 404 like one that does not
exist. Beat officers and office / station leaders write every kind; aides only prevention
activities; everybody else gets 403.

``GET /api/fieldwork/<kind>`` lists what the caller may see, newest first, filtered by area,
unit (its subtree) and dates, keyset-paginated (``before`` = the previous page's ``next``).
ID numbers and phones are masked in every answer.
"""

# No ``from __future__ import annotations``: the operations below are made by a factory, and
# ninja reads their parameter annotations at definition time.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from cunjing.core import idempotency
from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, Id, require
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.pagination import keyset_page
from cunjing.core.roles import Capability, sees_id_numbers
from cunjing.fieldwork import selectors, services
from cunjing.fieldwork.filters import RecordFilters, ReportFilters
from cunjing.fieldwork.models import (
    RECORD_MODELS,
    Assistance,
    CorrectionRequest,
    FloatingResident,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    Service,
    Volunteer,
    WorkLog,
)
from cunjing.fieldwork.schemas import (
    AssistanceIn,
    AssistanceOut,
    CorrectionFilter,
    CorrectionRequestIn,
    CorrectionRequestOut,
    DecisionIn,
    FloatingResidentIn,
    FloatingResidentOut,
    OutreachIn,
    OutreachOut,
    PreventionIn,
    PreventionOut,
    RecordFilter,
    ReportFilter,
    ReportIn,
    ReportOut,
    ServiceIn,
    ServiceOut,
    SupervisionCreated,
    SupervisionIn,
    VisitIn,
    VisitOut,
    VoidIn,
    VolunteerIn,
    VolunteerOut,
    WorkLogIn,
    WorkLogOut,
    page_of,
    patch_of,
)
from cunjing.org.models import Area

router = Router(tags=["fieldwork"])

_BASE_FIELDS = {
    "id",
    "area",
    "unit",
    "officer_id",
    "recorded_by_id",
    "occurred_on",
    "client_uuid",
    "created_at",
    "updated_at",
    "voided_at",
    "void_reason",
}


def _present(record, out: type[Schema], viewer) -> dict:
    data: dict[str, Any] = {
        "id": record.pk,
        "area": {"id": record.area_id, "name": record.area.name},
        "unit": {"id": record.unit_id, "name": record.unit.name},
        "officer_id": record.officer_id,
        "recorded_by_id": record.recorded_by_id,
        "occurred_on": record.occurred_on,
        "client_uuid": str(record.client_uuid),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "voided_at": record.voided_at,
        "void_reason": record.void_reason,
    }
    for name in out.model_fields:
        if name not in _BASE_FIELDS:
            field = record._meta.get_field(name)
            if field.many_to_many:
                data[name] = sorted(v.pk for v in getattr(record, name).all())
            else:
                data[name] = getattr(record, field.attname)
    if "id_number" in data:
        # Aides see no ID numbers at all; everybody else the masked form.
        masked = mask_id_number(data["id_number"])
        data["id_number"] = masked if sees_id_numbers(viewer) else "*" * len(masked)
    if "phone" in data:
        data["phone"] = mask_phone(data["phone"])
    return out.model_validate(data).model_dump(mode="json")


def _present_log(log: WorkLog, viewer) -> dict:
    return WorkLogOut.model_validate(
        {
            "id": log.pk,
            "officer": {"id": log.officer_id, "name": log.officer.name},
            "unit": {"id": log.unit_id, "name": log.unit.name},
            "day": log.day,
            "text": log.text,
            "version": services.worklog_version(log),
            "client_uuid": str(log.client_uuid),
            "created_at": log.created_at,
            "updated_at": log.updated_at,
        }
    ).model_dump(mode="json")


def _keyed(request: HttpRequest, payload: Schema, endpoint: str, user, write: Callable):
    """Run ``write(key)`` once per idempotency key; answer the stored response."""
    key, field = idempotency.body_or_key(request, payload, required=True)
    status, body, _replayed = idempotency.run_once(
        user=user,
        key=key,
        field=field,
        endpoint=endpoint,
        payload=payload.model_dump(mode="json", exclude={"client_uuid"}),
        create=lambda: write(key),
    )
    return Status(status, body)


@dataclass(frozen=True)
class Kind:
    path: str
    model: type
    schema_in: type[Schema]
    out: type[Schema]
    create: Callable
    summary: str


KINDS = [
    Kind("visits", HouseholdVisit, VisitIn, VisitOut, services.visit_create, "household visit"),
    Kind(
        "floating-residents",
        FloatingResident,
        FloatingResidentIn,
        FloatingResidentOut,
        services.floating_resident_create,
        "floating resident",
    ),
    Kind("services", Service, ServiceIn, ServiceOut, services.service_create, "service"),
    Kind(
        "assistance",
        Assistance,
        AssistanceIn,
        AssistanceOut,
        services.assistance_create,
        "hardship household helped",
    ),
    Kind(
        "outreach",
        OutreachEvent,
        OutreachIn,
        OutreachOut,
        services.outreach_create,
        "legal-education event",
    ),
    Kind(
        "volunteers", Volunteer, VolunteerIn, VolunteerOut, services.volunteer_create, "volunteer"
    ),
    Kind(
        "prevention",
        PreventionActivity,
        PreventionIn,
        PreventionOut,
        services.prevention_create,
        "prevention activity",
    ),
]


def _operation_id(path: str) -> str:
    return path.replace("-", "_")


def _register(kind: Kind) -> None:
    schema_in, out, endpoint = kind.schema_in, kind.out, f"fieldwork.{kind.path}"

    @router.post(
        f"/{kind.path}",
        response={201: out, **ERRORS_WRITE},
        summary=f"Record a {kind.summary}",
        operation_id=f"fieldwork_{_operation_id(kind.path)}_create",
    )
    def create(request: HttpRequest, payload: schema_in):
        user = require(request, Capability.VIEW_FIELDWORK)

        def write(key):
            area = Area.objects.visible_to(user).get(pk=payload.area)
            fields = payload.model_dump(exclude={"area", "client_uuid"})
            record = kind.create(actor=user, area=area, client_uuid=key, **fields)
            return 201, _present(record, out, user)

        return _keyed(request, payload, endpoint, user, write)

    @router.get(
        f"/{kind.path}",
        response={200: page_of(out), **ERRORS_READ},
        summary=f"List the {kind.summary} records you may see",
        operation_id=f"fieldwork_{_operation_id(kind.path)}_list",
    )
    def list_(request: HttpRequest, filters: Query[RecordFilter]):
        user = require(request, Capability.VIEW_FIELDWORK)
        qs = RecordFilters.queryset(user, filters, model=kind.model)
        if kind.model is PreventionActivity:
            qs = qs.prefetch_related("volunteers")
        page = keyset_page(
            qs, order=selectors.order_of(kind.model), limit=filters.limit, before=filters.before
        )
        return {"items": [_present(r, out, user) for r in page.items], "next": page.next}

    patch = patch_of(schema_in, services.CORRECTABLE_FIELDS[kind.model])

    @router.patch(
        f"/{kind.path}/{{record_id}}",
        response={200: out, **ERRORS_WRITE},
        summary=f"Correct a {kind.summary} record within the correction window",
        operation_id=f"fieldwork_{_operation_id(kind.path)}_correct",
    )
    def correct(request: HttpRequest, record_id: Id, payload: patch):
        """The recorder, or an office or station leader above the record: the fields sent
        change, with the reason; audited, the counters follow. After the bureau's window:
        422 with the code ``window_closed`` — send a correction request instead."""
        user = require(request, Capability.VIEW_FIELDWORK)
        record = selectors.record_get(user, kind.model, record_id)
        changes = payload.model_dump(exclude_unset=True, exclude={"reason"})
        record = services.record_correct(
            actor=user, record=record, changes=changes, reason=payload.reason
        )
        return _present(selectors.record_get(user, kind.model, record.pk), out, user)

    @router.post(
        f"/{kind.path}/{{record_id}}/void",
        response={200: out, **ERRORS_WRITE},
        summary=f"Void a {kind.summary} record within the correction window",
        operation_id=f"fieldwork_{_operation_id(kind.path)}_void",
    )
    def void(request: HttpRequest, record_id: Id, payload: VoidIn):
        """A voided record is never deleted: it stays, marked, with the reason, and counts for
        nothing. After the bureau's window: 422 (``window_closed``)."""
        user = require(request, Capability.VIEW_FIELDWORK)
        record = selectors.record_get(user, kind.model, record_id)
        record = services.record_void(actor=user, record=record, reason=payload.reason)
        return _present(selectors.record_get(user, kind.model, record.pk), out, user)


for _kind in KINDS:
    _register(_kind)


# --- Correction requests (更正申请) ------------------------------------------------------------


def _present_request(request: CorrectionRequest) -> dict:
    return CorrectionRequestOut.model_validate(
        {
            "id": request.pk,
            "record_kind": request.record_kind,
            "record": request.record_id,
            "area": {"id": request.area_id, "name": request.area.name},
            "action": request.action,
            "changes": services.masked_changes(request.changes),
            "reason": request.reason,
            "state": request.state,
            "requested_by_id": request.requested_by_id,
            "requested_at": request.requested_at,
            "decided_by_id": request.decided_by_id,
            "decided_at": request.decided_at,
            "decision_note": request.decision_note,
        }
    ).model_dump(mode="json")


@router.post(
    "/corrections",
    response={201: CorrectionRequestOut, **ERRORS_WRITE},
    summary="Ask a leader to correct or void a record after the correction window",
    operation_id="fieldwork_corrections_create",
)
def correction_create(request: HttpRequest, payload: CorrectionRequestIn):
    """The recorder, or a leader above the record; one request per record waits at a time.
    Within the window: 422 (``window_open``) — correct the record directly."""
    user = require(request, Capability.VIEW_FIELDWORK)
    record = selectors.record_get(user, RECORD_MODELS[payload.record_kind], payload.record)
    created = services.correction_request(
        actor=user,
        record=record,
        action=payload.action,
        changes=payload.changes,
        reason=payload.reason,
    )
    return Status(201, _present_request(selectors.correction_get(user, created.pk)))


@router.get(
    "/corrections",
    response={200: page_of(CorrectionRequestOut), **ERRORS_READ},
    summary="List the correction requests you may see",
    operation_id="fieldwork_corrections_list",
)
def correction_list(request: HttpRequest, filters: Query[CorrectionFilter]):
    user = require(request, Capability.VIEW_FIELDWORK)
    qs = selectors.correction_list(user, state=filters.state, mine=filters.mine).order_by("-id")
    page = keyset_page(qs, order=("-id",), limit=filters.limit, before=filters.before)
    return {"items": [_present_request(r) for r in page.items], "next": page.next}


@router.post(
    "/corrections/{correction_id}/decision",
    response={200: CorrectionRequestOut, **ERRORS_WRITE},
    summary="Approve or reject a correction request",
    operation_id="fieldwork_corrections_decide",
)
def correction_decision(request: HttpRequest, correction_id: Id, payload: DecisionIn):
    """An office or station leader above the record, not the requester. Approved, the
    correction or the voiding is applied at once; rejected, ``note`` says why (required)."""
    user = require(request, Capability.VIEW_FIELDWORK)
    found = selectors.correction_get(user, correction_id)
    services.correction_decide(
        actor=user, request=found, approve=payload.approve, note=payload.note
    )
    return _present_request(selectors.correction_get(user, correction_id))


@router.post(
    "/worklogs",
    response={200: WorkLogOut, 201: WorkLogOut, **ERRORS_WRITE},
    summary="Write your work log of a day",
    operation_id="fieldwork_worklogs_upsert",
)
def worklog_upsert(request: HttpRequest, payload: WorkLogIn):
    """Beat officers only: the first write of a day creates the log (201); later writes add a
    time-stamped entry (200), or with ``mode=replace`` set the whole text (200; with ``base``,
    refused when the log changed meanwhile)."""
    user = require(request, Capability.VIEW_FIELDWORK)

    def write(key):
        log, created = services.worklog_upsert(
            actor=user,
            day=payload.day,
            text=payload.text,
            client_uuid=key,
            mode=payload.mode,
            base=payload.base,
        )
        log = WorkLog.objects.select_related("officer", "unit").get(pk=log.pk)
        return (201 if created else 200), _present_log(log, user)

    return _keyed(request, payload, "fieldwork.worklogs", user, write)


@router.get(
    "/worklogs",
    response={200: page_of(WorkLogOut), **ERRORS_READ},
    summary="List the work logs you may see",
    operation_id="fieldwork_worklogs_list",
)
def worklog_list(request: HttpRequest, filters: Query[RecordFilter]):
    user = require(request, Capability.VIEW_FIELDWORK)
    qs = RecordFilters.queryset(user, filters, model=WorkLog)
    page = keyset_page(
        qs, order=selectors.WORKLOG_ORDER, limit=filters.limit, before=filters.before
    )
    return {"items": [_present_log(r, user) for r in page.items], "next": page.next}


def _present_report(report, viewer) -> dict:
    return ReportOut.model_validate(
        {
            "id": report.pk,
            "officer": {"id": report.officer_id, "name": report.officer.name},
            "unit": {"id": report.unit_id, "name": report.unit.name},
            "kind": report.kind,
            "period_start": report.period_start,
            "period_end": report.period_end,
            "situation": report.situation,
            "problems": report.problems,
            "measures": report.measures,
            "client_uuid": str(report.client_uuid),
            "created_at": report.created_at,
            "updated_at": report.updated_at,
        }
    ).model_dump(mode="json")


@router.post(
    "/reports",
    response={200: ReportOut, 201: ReportOut, **ERRORS_WRITE},
    summary="Write your weekly analysis or monthly summary",
    operation_id="fieldwork_reports_upsert",
)
def report_upsert(request: HttpRequest, payload: ReportIn):
    """Beat officers only (四有: 分析、总结): the first write of a period creates the report
    (201), later writes replace it (200) until a leader has supervised it."""
    user = require(request, Capability.VIEW_FIELDWORK)

    def write(key):
        report, created = services.report_upsert(
            actor=user,
            client_uuid=key,
            **payload.model_dump(exclude={"client_uuid"}),
        )
        report = selectors.report_get(user, report.pk)
        return (201 if created else 200), _present_report(report, user)

    return _keyed(request, payload, "fieldwork.reports", user, write)


@router.get(
    "/reports",
    response={200: page_of(ReportOut), **ERRORS_READ},
    summary="List the weekly analyses and monthly summaries you may see",
    operation_id="fieldwork_reports_list",
)
def report_list(request: HttpRequest, filters: Query[ReportFilter]):
    user = require(request, Capability.VIEW_FIELDWORK)
    qs = ReportFilters.queryset(user, filters)
    page = keyset_page(qs, order=selectors.REPORT_ORDER, limit=filters.limit, before=filters.before)
    return {"items": [_present_report(r, user) for r in page.items], "next": page.next}


@router.post(
    "/supervisions",
    response={201: SupervisionCreated, **ERRORS_WRITE},
    summary="Supervise a work log or a report",
    operation_id="fieldwork_supervisions_create",
)
def supervision_create(request: HttpRequest, payload: SupervisionIn):
    """Office and station leaders, the commander and inspectors (督导): a verdict and a comment
    on a beat officer's work log or report within their jurisdiction."""
    user = require(request, Capability.VIEW_FIELDWORK)
    supervision = services.supervise(
        actor=user,
        worklog_id=payload.worklog,
        report_id=payload.report,
        verdict=payload.verdict,
        comment=payload.comment,
    )
    return Status(
        201,
        SupervisionCreated.model_validate(
            {
                "id": supervision.pk,
                "verdict": supervision.verdict,
                "comment": supervision.comment,
                "supervised_by": user.full_name or user.username,
                "created_at": supervision.created_at,
                "worklog": supervision.worklog_id,
                "report": supervision.report_id,
            }
        ).model_dump(mode="json"),
    )
