"""The disputes API (化解矛盾纠纷): screening rounds, the dispute ledger, mediation sessions,
follow-up visits, transitions, the hazards found and the tier rates.

Creates of screening rounds and disputes (the phones' offline quick-adds) store one record per
``Idempotency-Key`` header (or body ``client_uuid``; one of them is required): a retry gets the
first answer back and stores nothing; the same key with a different body answers 422. Sessions,
follow-up visits and kinds take the header too (optional). A record outside the caller's scope
answers 404 like a missing one; a visible one the caller may not change, 403; an action the
state does not allow, 422 on ``state``. Reads need the right to read field work (the three admin
roles see no dispute and no party); the rates, like the results table, the right to see the
organisation. ID numbers and phones of parties are masked in every answer (an aide's carry no
ID number at all); ``POST /api/reveal`` with ``object: dispute_party`` reveals one, audited.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from cunjing.core import idempotency
from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, Id, require
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.pagination import keyset_page
from cunjing.core.roles import Capability, has_capability, sees_id_numbers
from cunjing.disputes import selectors, services
from cunjing.disputes.filters import DisputeFilters, HazardFilters, ScreeningFilters
from cunjing.disputes.models import Dispute, DisputeKind, Hazard, ScreeningRound
from cunjing.disputes.schemas import (
    DisputeDetailOut,
    DisputeFilter,
    DisputeIn,
    DisputePage,
    FollowUpIn,
    FollowUpOut,
    HazardCloseIn,
    HazardFilter,
    HazardOut,
    HazardPage,
    KindIn,
    KindOut,
    KindPatchIn,
    RatesFilter,
    RatesOut,
    ScreeningFilter,
    ScreeningIn,
    ScreeningOut,
    ScreeningPage,
    SessionIn,
    SessionOut,
    TransitionIn,
)
from cunjing.org.models import Area

router = Router(tags=["disputes"])

VIEW = Capability.VIEW_FIELDWORK
MAX_RANGE_DAYS = 366 * 20


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


# --- Presenting ----------------------------------------------------------------------------------


def present_kind(kind: DisputeKind) -> dict:
    return {"id": kind.pk, "code": kind.code, "name": kind.name, "active": kind.active}


def present(dispute: Dispute) -> dict:
    return {
        "id": dispute.pk,
        "kind": _ref(dispute.kind),
        "area": _ref(dispute.area),
        "unit": _ref(dispute.unit),
        "place": dispute.place,
        "source": dispute.source,
        "facts": dispute.facts,
        "risk_level": dispute.risk_level,
        "risk_signs": dispute.signs,
        "state": dispute.state,
        "outcome": dispute.outcome or None,
        "tier": dispute.tier or None,
        "referred_to": dispute.referred_to or None,
        "referred_to_name": dispute.referred_to_name,
        "above_county": dispute.above_county,
        "agreement": dispute.agreement,
        "reported_at": dispute.reported_at,
        "settled_on": dispute.settled_on,
        "closed_at": dispute.closed_at,
        "reopen_count": dispute.reopen_count,
        "level": dispute.level,
        "handling_unit": _ref(dispute.handling_unit),
        "resolve_due_at": dispute.resolve_due_at,
        "overdue": dispute.overdue,
        "matter": dispute.matter_id,
        "created_at": dispute.created_at,
    }


def present_party(party, viewer) -> dict:
    data = {
        "id": party.pk,
        "role": party.role,
        "name": party.name,
        "phone": mask_phone(party.phone),
        "resident": party.resident_id,
    }
    if sees_id_numbers(viewer):  # aides: not even masked
        data["id_number"] = mask_id_number(party.id_number)
    return data


def present_session(session) -> dict:
    return {
        "id": session.pk,
        "held_on": session.held_on,
        "place": session.place,
        "participants": session.participants,
        "outcome": session.outcome,
        "created_at": session.created_at,
    }


def present_follow_up(follow_up) -> dict:
    return {
        "id": follow_up.pk,
        "due_on": follow_up.due_on,
        "done_on": follow_up.done_on,
        "cancelled_on": follow_up.cancelled_on,
        "note": follow_up.note,
        "created_at": follow_up.created_at,
    }


def present_detail(user, dispute: Dispute) -> dict:
    return DisputeDetailOut.model_validate(
        {
            **present(dispute),
            "parties": [present_party(p, user) for p in selectors.parties(dispute)],
            "sessions": [present_session(s) for s in selectors.sessions(dispute)],
            "follow_ups": [present_follow_up(f) for f in selectors.follow_ups(dispute)],
            "events": [
                {
                    "action": e.action,
                    "actor": e.actor_name,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "note": e.note,
                    "created_at": e.created_at,
                }
                for e in selectors.timeline(dispute)
            ],
            "actions": services.handler_actions(user, dispute),
        }
    ).model_dump(mode="json", exclude_unset=True)


def _detail(user, pk: int) -> dict:
    return present_detail(user, selectors.dispute_get(user, pk))


def present_hazard(hazard: Hazard, area=None) -> dict:
    return {
        "id": hazard.pk,
        "round": hazard.round_id,
        "area": _ref(area if area is not None else hazard.round.area),
        "description": hazard.description,
        "outcome": hazard.outcome,
        "dispute": hazard.dispute_id,
        "matter": hazard.matter_id,
        "flags": hazard.flags,
        "closed_at": hazard.closed_at,
        "close_note": hazard.close_note,
        "created_at": hazard.created_at,
    }


def present_screening(round_: ScreeningRound, hazards=None) -> dict:
    hazards = list(round_.hazards.all()) if hazards is None else hazards
    return ScreeningOut.model_validate(
        {
            "id": round_.pk,
            "area": _ref(round_.area),
            "unit": _ref(round_.unit),
            "officer": _ref(round_.officer),
            "screened_on": round_.screened_on,
            "households_visited": round_.households_visited,
            "places_visited": round_.places_visited,
            "note": round_.note,
            "hazards": [present_hazard(h, round_.area) for h in hazards],
            "client_uuid": str(round_.client_uuid),
            "created_at": round_.created_at,
        }
    ).model_dump(mode="json")


# --- Idempotency ---------------------------------------------------------------------------------


def _keyed(request, payload, endpoint: str, user, write, *, required: bool):
    """``write(key)`` once per idempotency key (``required``: the key must be sent); without a
    key (when optional), ``write(None)`` as it is."""
    key, field = idempotency.body_or_key(request, payload, required=required)
    if key is None:
        status, body = write(None)
        return Status(status, body)
    status, body, _replayed = idempotency.run_once(
        user=user,
        key=key,
        field=field,
        endpoint=endpoint,
        payload=payload.model_dump(mode="json", exclude={"client_uuid"}),
        create=lambda: write(key),
    )
    return Status(status, body)


# --- Kinds (static paths first: none of them is read as a dispute id) -----------------------------


@router.get(
    "/kinds",
    response={200: list[KindOut], **ERRORS_READ},
    summary="The bureau's kinds of dispute",
    operation_id="disputes_kinds_list",
)
def kind_list(request: HttpRequest):
    user = request.auth
    if not has_capability(user, Capability.MANAGE_RULES):
        require(request, VIEW)
    return [present_kind(k) for k in selectors.kinds(user)]


@router.post(
    "/kinds",
    response={201: KindOut, **ERRORS_WRITE},
    summary="Add a kind of dispute",
    operation_id="disputes_kinds_create",
)
def kind_create(request: HttpRequest, payload: KindIn):
    """The commander or the system admin (the bureau's rules)."""
    user = require(request, Capability.MANAGE_RULES)

    def write(key):
        return 201, present_kind(services.dispute_kind_create(actor=user, name=payload.name))

    return _keyed(request, payload, "disputes.kinds", user, write, required=False)


@router.patch(
    "/kinds/{kind_id}",
    response={200: KindOut, **ERRORS_WRITE},
    summary="Rename or retire a kind of dispute",
    operation_id="disputes_kinds_update",
)
def kind_update(request: HttpRequest, kind_id: Id, payload: KindPatchIn):
    user = require(request, Capability.MANAGE_RULES)
    kind = selectors.kind_get(user, kind_id)
    kind = services.dispute_kind_update(
        actor=user, kind=kind, **payload.model_dump(exclude_unset=True)
    )
    return present_kind(kind)


# --- Screening -----------------------------------------------------------------------------------


@router.post(
    "/screenings",
    response={201: ScreeningOut, **ERRORS_WRITE},
    summary="Record a screening round with the hazards found",
    operation_id="disputes_screenings_create",
)
def screening_create(request: HttpRequest, payload: ScreeningIn):
    """Beat officers (their weekly round), aides and office or station leaders, in an area they
    can see (404 otherwise). One round per area and day for each recorder."""
    user = require(request, VIEW)
    if not services.can_screen(user):
        raise PermissionDenied(_("You do not have permission to do this."))

    def write(key):
        area = Area.objects.visible_to(user).get(pk=payload.area)
        round_ = services.screening_create(
            actor=user,
            area=area,
            client_uuid=key,
            hazards=[h.model_dump() for h in payload.hazards],
            **payload.model_dump(exclude={"area", "client_uuid", "hazards"}),
        )
        round_ = selectors.screening_get(user, round_.pk)
        return 201, present_screening(round_, selectors.hazards_of(round_))

    return _keyed(request, payload, "disputes.screenings", user, write, required=True)


@router.get(
    "/screenings",
    response={200: ScreeningPage, **ERRORS_READ},
    summary="List the screening rounds you may see",
    operation_id="disputes_screenings_list",
)
def screening_list(request: HttpRequest, filters: Query[ScreeningFilter]):
    user = require(request, VIEW)
    qs = ScreeningFilters.queryset(user, filters).prefetch_related("hazards")
    page = keyset_page(
        qs, order=selectors.SCREENING_ORDER, limit=filters.limit, before=filters.before
    )
    return {"items": [present_screening(r) for r in page.items], "next": page.next}


@router.get(
    "/screenings/{screening_id}",
    response={200: ScreeningOut, **ERRORS_READ},
    summary="One screening round with its hazards",
    operation_id="disputes_screenings_get",
)
def screening_detail(request: HttpRequest, screening_id: Id):
    user = require(request, VIEW)
    round_ = selectors.screening_get(user, screening_id)
    return present_screening(round_, selectors.hazards_of(round_))


@router.get(
    "/hazards",
    response={200: HazardPage, **ERRORS_READ},
    summary="List the hazards found on screening rounds (open flagged ones: the risk list)",
    operation_id="disputes_hazards_list",
)
def hazard_list(request: HttpRequest, filters: Query[HazardFilter]):
    user = require(request, VIEW)
    qs = HazardFilters.queryset(user, filters)
    page = keyset_page(qs, order=selectors.HAZARD_ORDER, limit=filters.limit, before=filters.before)
    return {"items": [present_hazard(h) for h in page.items], "next": page.next}


@router.post(
    "/hazards/{hazard_id}/close",
    response={200: HazardOut, **ERRORS_WRITE},
    summary="Close a hazard once it is dealt with",
    operation_id="disputes_hazards_close",
)
def hazard_close(request: HttpRequest, hazard_id: Id, payload: HazardCloseIn):
    user = require(request, VIEW)
    hazard = selectors.hazard_get(user, hazard_id)
    services.hazard_close(actor=user, hazard=hazard, note=payload.note)
    return present_hazard(selectors.hazard_get(user, hazard_id))


# --- The tier rates ------------------------------------------------------------------------------


@router.get(
    "/rates",
    response={200: RatesOut, **ERRORS_READ},
    summary="The tier rates (小事不出村、大事不出镇、矛盾不上交) of a unit and a period",
    operation_id="disputes_rates",
    by_alias=True,
)
def rates(request: HttpRequest, filters: Query[RatesFilter]):
    """From the roll-up counters, like the results table: counts only, no party."""
    user = require(request, Capability.VIEW_ORG)
    if filters.date_to < filters.date_from:
        raise ValidationError({"to": [_("The end date cannot be before the start date.")]})
    if (filters.date_to - filters.date_from).days > MAX_RANGE_DAYS:
        raise ValidationError({"to": [_("The date range cannot exceed 20 years.")]})
    found = selectors.tier_rates(
        user, filters.unit or user.unit_id, filters.date_from, filters.date_to
    )
    return {
        "unit": _ref(found.unit),
        "date_from": found.date_from,
        "date_to": found.date_to,
        "settled": found.settled,
        "village": found.village,
        "township": found.township,
        "escalated": found.escalated,
        "passed_up": found.passed_up,
        "village_rate": found.village_rate,
        "township_rate": found.township_rate,
        "county_rate": found.county_rate,
    }


# --- Disputes ------------------------------------------------------------------------------------


@router.post(
    "",
    response={201: DisputeDetailOut, **ERRORS_WRITE},
    summary="Record a dispute",
    operation_id="disputes_create",
    exclude_unset=True,  # an aide's parties carry no ``id_number`` key at all
)
def create(request: HttpRequest, payload: DisputeIn):
    """Beat officers, aides, office and station leaders and the commander, in an area they can
    see (404 otherwise). Any risk sign makes the dispute high-risk."""
    user = require(request, VIEW)
    if not services.can_record(user):
        raise PermissionDenied(_("You do not have permission to do this."))

    def write(key):
        area = Area.objects.visible_to(user).get(pk=payload.area)
        dispute = services.dispute_create(
            actor=user,
            area=area,
            client_uuid=key,
            parties=[p.model_dump() for p in payload.parties],
            **payload.model_dump(exclude={"area", "client_uuid", "parties"}),
        )
        return 201, _detail(user, dispute.pk)

    return _keyed(request, payload, "disputes.create", user, write, required=True)


@router.get(
    "",
    response={200: DisputePage, **ERRORS_READ},
    summary="The dispute ledger: list the disputes you may see",
    operation_id="disputes_list",
)
def list_(request: HttpRequest, filters: Query[DisputeFilter]):
    user = require(request, VIEW)
    qs = DisputeFilters.queryset(user, filters).select_related("handling_unit")
    page = keyset_page(
        qs, order=selectors.DISPUTE_ORDER, limit=filters.limit, before=filters.before
    )
    return {"items": [present(d) for d in page.items], "next": page.next}


@router.get(
    "/{dispute_id}",
    response={200: DisputeDetailOut, **ERRORS_READ},
    summary="A dispute with its parties, sessions, follow-up visits and timeline",
    operation_id="disputes_get",
    exclude_unset=True,
)
def detail(request: HttpRequest, dispute_id: Id):
    user = require(request, VIEW)
    return _detail(user, dispute_id)


@router.post(
    "/{dispute_id}/transitions",
    response={200: DisputeDetailOut, **ERRORS_WRITE},
    summary="Mediate, agree, refer, fail, close or reopen a dispute",
    operation_id="disputes_transition",
    exclude_unset=True,
)
def transition(request: HttpRequest, dispute_id: Id, payload: TransitionIn):
    """Officers and leaders who see the dispute (aides and inspectors: 403). What each action
    takes: see the body's description."""
    user = require(request, VIEW)
    dispute = selectors.dispute_get(user, dispute_id)
    sent = payload.model_fields_set - {"action"}
    takes = {
        "mediate": {"note"},
        "agree": {"agreement", "tier", "settled_on"},
        "refer": {"referred_to", "referred_to_name", "above_county", "settled_on", "note"},
        "fail": {"reason"},
        "close": {"note"},
        "reopen": {"reason"},
    }[payload.action]
    extra = sorted(sent - takes)
    if extra:
        message = _("This field is not used by this action.")
        raise ValidationError({name: [message] for name in extra})
    p = payload
    match p.action:
        case "mediate":
            services.dispute_mediate(actor=user, dispute=dispute, note=p.note)
        case "agree":
            services.dispute_agree(
                actor=user,
                dispute=dispute,
                agreement=p.agreement,
                tier=p.tier,
                settled_on=p.settled_on,
            )
        case "refer":
            if p.referred_to is None:
                raise ValidationError({"referred_to": [_("This field is required.")]})
            services.dispute_refer(
                actor=user,
                dispute=dispute,
                body=p.referred_to,
                name=p.referred_to_name,
                above_county=p.above_county,
                settled_on=p.settled_on,
                note=p.note,
            )
        case "fail":
            services.dispute_fail(actor=user, dispute=dispute, reason=p.reason)
        case "close":
            services.dispute_close(actor=user, dispute=dispute, note=p.note)
        case "reopen":
            services.dispute_reopen(actor=user, dispute=dispute, reason=p.reason)
    return _detail(user, dispute_id)


@router.get(
    "/{dispute_id}/sessions",
    response={200: list[SessionOut], **ERRORS_READ},
    summary="The mediation sessions of a dispute",
    operation_id="disputes_sessions_list",
)
def session_list(request: HttpRequest, dispute_id: Id):
    user = require(request, VIEW)
    return [present_session(s) for s in selectors.sessions(selectors.dispute_get(user, dispute_id))]


@router.post(
    "/{dispute_id}/sessions",
    response={201: SessionOut, **ERRORS_WRITE},
    summary="Record a mediation session",
    operation_id="disputes_sessions_create",
)
def session_create(request: HttpRequest, dispute_id: Id, payload: SessionIn):
    """Officers and leaders, while the dispute is reported (it starts being mediated) or
    mediating."""
    user = require(request, VIEW)
    dispute = selectors.dispute_get(user, dispute_id)

    def write(key):
        session = services.session_add(actor=user, dispute=dispute, **payload.model_dump())
        return 201, SessionOut.model_validate(present_session(session)).model_dump(mode="json")

    return _keyed(request, payload, f"disputes.sessions.{dispute.pk}", user, write, required=False)


@router.get(
    "/{dispute_id}/follow-ups",
    response={200: list[FollowUpOut], **ERRORS_READ},
    summary="The follow-up visits of a dispute",
    operation_id="disputes_follow_ups_list",
)
def follow_up_list(request: HttpRequest, dispute_id: Id):
    user = require(request, VIEW)
    dispute = selectors.dispute_get(user, dispute_id)
    return [present_follow_up(f) for f in selectors.follow_ups(dispute)]


@router.post(
    "/{dispute_id}/follow-ups",
    response={201: FollowUpOut, **ERRORS_WRITE},
    summary="Record a follow-up visit, or schedule one more",
    operation_id="disputes_follow_ups_create",
)
def follow_up_create(request: HttpRequest, dispute_id: Id, payload: FollowUpIn):
    """``done_on`` and ``note``: a visit made (it fulfils the earliest visit still due, and puts
    the dispute in follow-up); ``due_on`` alone: one more visit scheduled. One of the two."""
    user = require(request, VIEW)
    dispute = selectors.dispute_get(user, dispute_id)
    if (payload.done_on is None) == (payload.due_on is None):
        message = _("Give the day the visit was made, or the day it is due, not both.")
        raise ValidationError({"done_on": [message]})

    def write(key):
        if payload.done_on is not None:
            found = services.follow_up_record(
                actor=user, dispute=dispute, done_on=payload.done_on, note=payload.note
            )
        else:
            if payload.note:
                raise ValidationError({"note": [_("This field is not used by this action.")]})
            found = services.follow_up_schedule(actor=user, dispute=dispute, due_on=payload.due_on)
        return 201, FollowUpOut.model_validate(present_follow_up(found)).model_dump(mode="json")

    endpoint = f"disputes.follow_ups.{dispute.pk}"
    return _keyed(request, payload, endpoint, user, write, required=False)
