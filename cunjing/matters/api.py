"""The matters API: create (idempotent), lists and queues, detail with the timeline, one POST
per handler action, attachments, the deadlines (SLA) and the counts.

``POST /api/matters`` stores one matter per ``Idempotency-Key`` header (or body
``client_uuid``; one of them is required) and answers it with ``possible_duplicates``. A matter
outside the caller's scope answers 404 like a missing one; a visible matter the caller may not
act on, 403; an action the state does not allow, 422 on ``state``.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from cunjing.core import idempotency
from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, Id, require
from cunjing.core.masking import mask_phone
from cunjing.core.roles import Capability, has_capability
from cunjing.matters import selectors, services
from cunjing.matters.filters import MatterFilters
from cunjing.matters.models import (
    Matter,
    MatterCategory,
)
from cunjing.matters.schemas import (
    AttachmentOut,
    CaseIn,
    CategoryOut,
    CountsFilter,
    CountsOut,
    EscalateIn,
    MatterDetailOut,
    MatterFilter,
    MatterIn,
    MatterOut,
    MatterPage,
    MergeIn,
    NoteIn,
    ReferIn,
    ReplyIn,
    ResolveIn,
    SlaIn,
    SlaOut,
)
from cunjing.org.models import Area

router = Router(tags=["matters"])


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def present(matter: Matter) -> dict:
    return {
        "id": matter.pk,
        "tracking_code": matter.tracking_code,
        "kind": matter.kind,
        "category": _ref(matter.category),
        "source": matter.source,
        "area": _ref(matter.area),
        "state": matter.state,
        "level": matter.level,
        "handling_unit": _ref(matter.handling_unit),
        "description": matter.description,
        "reporter_name": matter.reporter_name,
        "reporter_phone": mask_phone(matter.reporter_phone) if matter.reporter_phone else "",
        "latitude": matter.latitude,
        "longitude": matter.longitude,
        "created_at": matter.created_at,
        "first_reply_at": matter.first_reply_at,
        "resolved_at": matter.resolved_at,
        "closed_at": matter.closed_at,
        "reply_due_at": matter.reply_due_at,
        "resolve_due_at": matter.resolve_due_at,
        "overdue": matter.overdue,
        "referred_to": matter.referred_to,
        "merged_into": matter.merged_into_id,
        "case_number": matter.case_number,
        "rating": matter.rating,
    }


def present_detail(user, matter: Matter) -> dict:
    return MatterDetailOut.model_validate(
        {
            **present(matter),
            "resolution": matter.resolution,
            "rating_comment": matter.rating_comment,
            "events": [
                {
                    "action": e.action,
                    "actor": e.actor_name,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "from_level": e.from_level,
                    "to_level": e.to_level,
                    "note": e.note,
                    "created_at": e.created_at,
                }
                for e in selectors.timeline(matter)
            ],
            "replies": [
                {
                    "id": r.pk,
                    "channel": r.channel,
                    "text": r.text,
                    "unit": _ref(r.unit),
                    "created_at": r.created_at,
                }
                for r in selectors.replies(matter)
            ],
            "attachments": [
                {
                    "id": a.pk,
                    "content_type": a.content_type,
                    "size": a.size,
                    "original_name": a.original_name,
                    "created_at": a.created_at,
                }
                for a in selectors.attachments(matter)
            ],
            "possible_duplicates": [
                {
                    "id": m.pk,
                    "tracking_code": m.tracking_code,
                    "description": m.description[:200],
                    "state": m.state,
                    "similarity": round(score, 3),
                }
                for m, score in selectors.possible_duplicates(user, matter)
            ],
            "actions": services.handler_actions(user, matter),
        }
    ).model_dump(mode="json")


def _detail(user, pk: int) -> dict:
    return present_detail(user, selectors.matter_get(user, pk))


# Static paths first: ``/sla`` must not be read as a matter id.


@router.get(
    "/sla",
    response={200: list[SlaOut], **ERRORS_READ},
    summary="The deadlines of every level and kind",
    operation_id="matters_sla_list",
)
def sla_list(request: HttpRequest):
    user = request.auth
    if not (
        has_capability(user, Capability.MANAGE_SLA) or has_capability(user, Capability.VIEW_MATTERS)
    ):
        require(request, Capability.MANAGE_SLA)
    return selectors.sla_table(user.bureau_id)


@router.put(
    "/sla",
    response={200: SlaOut, **ERRORS_WRITE},
    summary="Set the deadlines of one level and kind",
    operation_id="matters_sla_update",
)
def sla_update(request: HttpRequest, payload: SlaIn):
    """The commander or the system admin; applies to matters entering that level from now."""
    user = require(request, Capability.MANAGE_SLA)
    policy = services.sla_policy_set(actor=user, **payload.model_dump())
    return {
        "level": policy.level,
        "kind": policy.kind,
        "reply_hours": policy.reply_hours,
        "resolve_hours": policy.resolve_hours,
        "custom": True,
    }


@router.get(
    "/categories",
    response={200: list[CategoryOut], **ERRORS_READ},
    summary="The active categories of matters",
    operation_id="matters_categories_list",
)
def category_list(request: HttpRequest):
    user = require(request, Capability.VIEW_MATTERS)
    qs = MatterCategory.objects.filter(bureau_id=user.bureau_id, active=True)
    return [{"id": c.pk, "kind": c.kind, "name": c.name} for c in qs.order_by("kind", "name")]


@router.get(
    "/counts",
    response={200: CountsOut, **ERRORS_READ},
    summary="Figures of the matters collected by a unit and each unit below it",
    operation_id="matters_counts",
)
def counts(request: HttpRequest, filters: Query[CountsFilter]):
    user = require(request, Capability.VIEW_MATTERS)
    data = selectors.matter_counts(user, **filters.model_dump(exclude_none=True))
    return {
        "unit": _ref(data["unit"]),
        "total": data["total"],
        "by_unit": [{"unit": _ref(u), **figures} for u, figures in data["by_unit"]],
    }


@router.post(
    "",
    response={201: MatterDetailOut, **ERRORS_WRITE},
    summary="Record a matter",
    operation_id="matters_create",
)
def create(request: HttpRequest, payload: MatterIn):
    """Beat officers and aides (their own), leaders and the commander (hotline, WeChat, SMS).
    The answer lists ``possible_duplicates``: similar matters of the same area and kind from
    the last 7 days."""
    user = require(request, Capability.REPORT_MATTERS)
    key, field = idempotency.body_or_key(request, payload, required=True)

    def write():
        area = Area.objects.visible_to(user).get(pk=payload.area)
        category = None
        if payload.category is not None:
            category = MatterCategory.objects.filter(
                bureau_id=user.bureau_id, pk=payload.category
            ).first()
            if category is None:
                raise ValidationError({"category": [_("Select a valid choice.")]})
        matter = services.matter_create(
            actor=user,
            area=area,
            category=category,
            client_uuid=key,
            **payload.model_dump(exclude={"area", "category", "client_uuid"}),
        )
        # The matter as just written (an aide may report a lead, which aides cannot list).
        return 201, present_detail(user, matter)

    status, body, _replayed = idempotency.run_once(
        user=user,
        key=key,
        field=field,
        endpoint="matters.create",
        payload=payload.model_dump(mode="json", exclude={"client_uuid"}),
        create=write,
    )
    return Status(status, body)


@router.get(
    "",
    response={200: MatterPage, **ERRORS_READ},
    summary="List matters: your queue, overdue, awaiting a reply, by kind",
    operation_id="matters_list",
)
def list_(request: HttpRequest, filters: Query[MatterFilter]):
    user = require(request, Capability.VIEW_MATTERS)
    found = selectors.matter_page(
        MatterFilters.queryset(user, filters).select_related("category"),
        limit=filters.limit,
        before=filters.before,
        sort=filters.sort,
    )
    items = [MatterOut.model_validate(present(m)) for m in found.items]
    return {"items": items, "next": found.next}


@router.get(
    "/{matter_id}",
    response={200: MatterDetailOut, **ERRORS_READ},
    summary="A matter with its timeline, replies and attachments",
    operation_id="matters_detail",
)
def detail(request: HttpRequest, matter_id: Id):
    user = require(request, Capability.VIEW_MATTERS)
    return _detail(user, matter_id)


def _act(request: HttpRequest, matter_id: int, service, **kwargs) -> dict:
    user = require(request, Capability.HANDLE_MATTERS)
    matter = selectors.matter_get(user, matter_id)
    service(actor=user, matter=matter, **kwargs)
    return _detail(user, matter_id)


_ACTION = {200: MatterDetailOut, **ERRORS_WRITE}


@router.post(
    "/{matter_id}/accept",
    response=_ACTION,
    summary="Accept a matter at its level",
    operation_id="matters_accept",
)
def accept(request: HttpRequest, matter_id: Id, payload: NoteIn):
    return _act(request, matter_id, services.matter_accept, note=payload.note)


@router.post(
    "/{matter_id}/reply",
    response=_ACTION,
    summary="Record a reply to the reporter",
    operation_id="matters_reply",
)
def reply(request: HttpRequest, matter_id: Id, payload: ReplyIn):
    return _act(request, matter_id, services.matter_reply, **payload.model_dump())


@router.post(
    "/{matter_id}/resolve",
    response=_ACTION,
    summary="Resolve an accepted matter",
    operation_id="matters_resolve",
)
def resolve(request: HttpRequest, matter_id: Id, payload: ResolveIn):
    return _act(request, matter_id, services.matter_resolve, **payload.model_dump())


@router.post(
    "/{matter_id}/escalate",
    response=_ACTION,
    summary="Escalate a matter one level up",
    operation_id="matters_escalate",
)
def escalate(request: HttpRequest, matter_id: Id, payload: EscalateIn):
    return _act(request, matter_id, services.matter_escalate, **payload.model_dump())


@router.post(
    "/{matter_id}/refer",
    response=_ACTION,
    summary="Refer a matter to a non-police body",
    operation_id="matters_refer",
)
def refer(request: HttpRequest, matter_id: Id, payload: ReferIn):
    return _act(request, matter_id, services.matter_refer, **payload.model_dump())


@router.post(
    "/{matter_id}/merge",
    response=_ACTION,
    summary="Merge a matter into a duplicate",
    operation_id="matters_merge",
)
def merge(request: HttpRequest, matter_id: Id, payload: MergeIn):
    return _act(
        request, matter_id, services.matter_merge, target_id=payload.target, note=payload.note
    )


@router.post(
    "/{matter_id}/case",
    response=_ACTION,
    summary="Mark a crime lead as having led to a case",
    operation_id="matters_case",
)
def case(request: HttpRequest, matter_id: Id, payload: CaseIn):
    return _act(request, matter_id, services.matter_mark_case, **payload.model_dump())


@router.post(
    "/{matter_id}/attachments",
    response={201: AttachmentOut, **ERRORS_WRITE},
    summary="Attach a photo or PDF (≤ 5 MB; JPEG, PNG, PDF)",
    operation_id="matters_attach",
)
def attach(request: HttpRequest, matter_id: Id, file: File[UploadedFile]):
    user = request.auth
    if not has_capability(user, Capability.HANDLE_MATTERS):
        require(request, Capability.REPORT_MATTERS)
    matter = selectors.matter_get(user, matter_id)
    attachment = services.attachment_add(actor=user, matter=matter, upload=file)
    return Status(
        201,
        AttachmentOut.model_validate(
            {
                "id": attachment.pk,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "original_name": attachment.original_name,
                "created_at": attachment.created_at,
            }
        ).model_dump(mode="json"),
    )
