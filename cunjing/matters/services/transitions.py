"""Writes of matters: creation, the handlers' actions at each level, the reporter's actions, the
deadlines and the periodic escalation.

Every change of a matter goes through :func:`_transition`, which looks the ``(state, action)``
pair up in :data:`TRANSITIONS` (anything else is refused with a field error on ``state``), runs
the action's guard (:data:`GUARDS`), then writes the matter, one :class:`MatterEvent` (the
timeline row) and one audit event in the caller's transaction. Levels move only by
:func:`_escalate`: exactly one step up, never past the bureau.

Who acts (403 otherwise; a matter outside the actor's scope is a 404 before that):

* beat officers while the matter is at the unit it entered (their workstation, or the office
  serving a community without one);
* office leaders, station leaders and the commander on matters handled by their unit or a unit
  below it (a higher leader may act on matters below them);
* the reporter (no account: identified by the tracking code) confirms, reopens and rates;
* the system closes resolved matters 7 days after resolution and escalates breached deadlines.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.masking import mask_phone
from cunjing.core.roles import (
    RESIDENT,
    SYSTEM,
    Capability,
    NonUserActor,
    Role,
    acting_user,
    has_capability,
)
from cunjing.core.validators import normalize_phone
from cunjing.matters.models import (
    LEVEL_ORDER,
    OPEN_STATES,
    PUBLIC_SOURCES,
    Action,
    BreachKind,
    Level,
    Matter,
    MatterAttachment,
    MatterBreach,
    MatterCategory,
    MatterEvent,
    MatterKind,
    MatterReply,
    ReplyChannel,
    SlaPolicy,
    Source,
    State,
)
from cunjing.org import selectors as org_selectors
from cunjing.org.models import BEAT_AREA_KINDS, Area, Bureau, Unit
from cunjing.stats.services import figures_add

# --- The transition table ---------------------------------------------------------------------

# (state, action) → the state after it. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.NEW, Action.ACCEPT): State.ACCEPTED,
    (State.NEW, Action.REPLY): State.NEW,
    (State.ACCEPTED, Action.REPLY): State.ACCEPTED,
    (State.RESOLVED, Action.REPLY): State.RESOLVED,
    (State.REFERRED, Action.REPLY): State.REFERRED,
    (State.ACCEPTED, Action.RESOLVE): State.RESOLVED,
    (State.NEW, Action.ESCALATE): State.NEW,
    (State.ACCEPTED, Action.ESCALATE): State.NEW,  # the level above must accept it anew
    (State.NEW, Action.REFER): State.REFERRED,
    (State.ACCEPTED, Action.REFER): State.REFERRED,
    (State.NEW, Action.MERGE): State.MERGED,
    (State.ACCEPTED, Action.MERGE): State.MERGED,
    (State.RESOLVED, Action.CONFIRM): State.CLOSED,
    (State.RESOLVED, Action.REOPEN): State.ACCEPTED,  # back to work at the same level
    (State.RESOLVED, Action.CLOSE): State.CLOSED,  # the system, 7 days after resolution
    (State.RESOLVED, Action.RATE): State.RESOLVED,
    (State.CLOSED, Action.RATE): State.CLOSED,
    (State.NEW, Action.OVERDUE): State.NEW,  # the system, at the bureau (nothing above it)
    (State.ACCEPTED, Action.OVERDUE): State.ACCEPTED,
    **{
        (state, Action.CASE): state
        for state in (State.NEW, State.ACCEPTED, State.RESOLVED, State.CLOSED, State.REFERRED)
    },
}
HANDLER_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.REPLY,
        Action.RESOLVE,
        Action.ESCALATE,
        Action.REFER,
        Action.MERGE,
        Action.CASE,
    }
)
REPORTER_ACTIONS = frozenset({Action.CONFIRM, Action.REOPEN, Action.RATE})
SYSTEM_ACTIONS = frozenset({Action.CLOSE, Action.OVERDUE, Action.ESCALATE})

REOPEN_DAYS = 7  # the reporter may reopen within 7 days of the resolution
AUTO_CLOSE_DAYS = 7  # a resolved matter nobody reopened closes itself after 7 days
DUPLICATE_DAYS = 7
DUPLICATE_THRESHOLD = 0.5
DUPLICATE_CANDIDATES = 50

# How the timeline names an actor with no account (``MatterEvent.actor_name``).
REPORTER = "reporter"


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _needs_reply(matter: Matter, now: dt.datetime) -> None:
    if matter.has_reporter and matter.first_reply_at is None:
        raise _refuse("state", _("Reply to the reporter before the matter is closed."))


def _below_bureau(matter: Matter, now: dt.datetime) -> None:
    if matter.level == Level.BUREAU:
        raise _refuse("level", _("The bureau is the highest level: it cannot escalate."))


def _reopen_window(matter: Matter, now: dt.datetime) -> None:
    if matter.resolved_at is None or now > matter.resolved_at + dt.timedelta(days=REOPEN_DAYS):
        raise _refuse("state", _("A matter can be reopened only within 7 days of its resolution."))


def _not_rated(matter: Matter, now: dt.datetime) -> None:
    if matter.rating is not None:
        raise _refuse("rating", _("This matter has already been rated."))


def _lead_without_case(matter: Matter, now: dt.datetime) -> None:
    if matter.kind != MatterKind.LEAD:
        raise _refuse("kind", _("Only a crime lead can lead to a case."))
    if matter.case_number:
        raise _refuse("case_number", _("This lead is already marked with a case."))


def _auto_close_due(matter: Matter, now: dt.datetime) -> None:
    if matter.resolved_at is None or now < matter.resolved_at + dt.timedelta(days=AUTO_CLOSE_DAYS):
        raise _refuse("state", _("The matter was resolved less than 7 days ago."))


# Guards: the conditions an allowed (state, action) pair must also meet.
GUARDS: dict[str, Callable[[Matter, dt.datetime], None]] = {
    Action.ESCALATE: _below_bureau,
    Action.CONFIRM: _needs_reply,
    Action.CLOSE: _auto_close_due,
    Action.REOPEN: _reopen_window,
    Action.RATE: _not_rated,
    Action.CASE: _lead_without_case,
}


def allowed(matter: Matter, action: str, now: dt.datetime | None = None) -> bool:
    """Whether ``action`` may be applied to ``matter`` now (table and guard; not who acts)."""
    if (matter.state, action) not in TRANSITIONS:
        return False
    guard = GUARDS.get(action)
    if guard is not None:
        try:
            guard(matter, now or timezone.now())
        except ValidationError:
            return False
    return True


# --- Deadlines --------------------------------------------------------------------------------

# Hours to the first reply and to the resolution, per level; leads are handled faster.
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    Level.WORKSTATION: (24, 72),
    Level.OFFICE: (24, 120),
    Level.STATION: (48, 168),
    Level.BUREAU: (72, 240),
}
DEFAULT_LEAD_SLA: dict[str, tuple[int, int]] = {
    Level.WORKSTATION: (12, 48),
    Level.OFFICE: (12, 72),
    Level.STATION: (24, 120),
    Level.BUREAU: (48, 168),
}


def sla_default(level: str, kind: str) -> tuple[int, int]:
    table = DEFAULT_LEAD_SLA if kind == MatterKind.LEAD else DEFAULT_SLA
    return table[level]


def sla_hours(bureau_id: int, level: str, kind: str) -> tuple[int, int]:
    """``(reply_hours, resolve_hours)`` of the bureau's policy, else the default."""
    row = (
        SlaPolicy.objects.filter(bureau_id=bureau_id, level=level, kind=kind)
        .values_list("reply_hours", "resolve_hours")
        .first()
    )
    return tuple(row) if row else sla_default(level, kind)


def _start_clocks(matter: Matter, now: dt.datetime, *, reply: bool = True) -> None:
    reply_hours, resolve_hours = sla_hours(matter.bureau_id, matter.level, matter.kind)
    matter.reply_due_at = now + dt.timedelta(hours=reply_hours) if reply else None
    matter.resolve_due_at = now + dt.timedelta(hours=resolve_hours)


def _stop_clocks(matter: Matter) -> None:
    matter.reply_due_at = None
    matter.resolve_due_at = None


@transaction.atomic
def sla_policy_set(
    *, actor, level: str, kind: str, reply_hours: int, resolve_hours: int
) -> SlaPolicy:
    """Set the bureau's deadlines of one level and kind (the commander or the system admin).
    Applies to matters entering that level from now on."""
    if not has_capability(actor, Capability.MANAGE_SLA):
        raise PermissionDenied(_("You do not have permission to do this."))
    if level not in Level.values:
        raise _refuse("level", _("Select a valid choice."))
    if kind not in MatterKind.values:
        raise _refuse("kind", _("Select a valid choice."))
    policy = SlaPolicy.objects.select_for_update().filter(
        bureau_id=actor.bureau_id, level=level, kind=kind
    ).first() or SlaPolicy(bureau_id=actor.bureau_id, level=level, kind=kind)
    before = audit.snapshot(policy) if policy.pk else None
    policy.reply_hours = reply_hours
    policy.resolve_hours = resolve_hours
    policy.full_clean()
    if resolve_hours < reply_hours:
        raise _refuse(
            "resolve_hours", _("The time to resolution cannot be shorter than the time to reply.")
        )
    policy.save()
    audit.record(
        actor=actor,
        action="matter.sla.update" if before else "matter.sla.create",
        instance=policy,
        before=before,
        after=audit.snapshot(policy),
    )
    return policy


# --- Categories --------------------------------------------------------------------------------

DEFAULT_CATEGORIES: dict[str, tuple[str, ...]] = {
    MatterKind.SENTIMENT: ("治安状况", "干群关系", "民生热点", "其他社情民意"),
    MatterKind.REQUEST: ("噪音扰民", "证件办理", "求助", "邻里纠纷", "其他诉求"),
    MatterKind.LEAD: ("盗窃", "抢劫抢夺", "诈骗", "涉毒", "涉赌", "其他线索"),
    MatterKind.HAZARD: ("消防隐患", "交通隐患", "危房危墙", "校园周边", "其他隐患"),
}


@transaction.atomic
def categories_ensure_defaults(*, actor, bureau: Bureau) -> int:
    """Create the default categories the bureau does not have yet; returns how many."""
    existing = set(MatterCategory.objects.filter(bureau=bureau).values_list("kind", "name"))
    created = 0
    for kind, names in DEFAULT_CATEGORIES.items():
        for name in names:
            if (kind, name) in existing:
                continue
            category = MatterCategory(bureau=bureau, kind=kind, name=name)
            category.full_clean()
            category.save()
            audit.record(
                actor=actor,
                action="matter.category.create",
                instance=category,
                after=audit.snapshot(category),
            )
            created += 1
    return created


# --- Creation ---------------------------------------------------------------------------------

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone
TRACKING_LENGTH = 12  # 60 random bits


def new_tracking_code(bureau_id: int) -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        if not Matter.objects.filter(bureau_id=bureau_id, tracking_code=code).exists():
            return code


STAFF_SOURCES = {
    Role.BEAT_OFFICER: frozenset({Source.OFFICER, Source.HOTLINE, Source.WECHAT, Source.SMS}),
    Role.AIDE: frozenset({Source.AIDE}),
}
_DESK_SOURCES = frozenset({Source.HOTLINE, Source.WECHAT, Source.SMS})


def sources_for(actor) -> list[str]:
    """The sources ``actor`` may give a matter, their default first."""
    allowed_sources = STAFF_SOURCES.get(getattr(actor, "role", ""), _DESK_SOURCES)
    first = default_source(actor)
    return [first, *sorted(s for s in allowed_sources if s != first)]


def default_source(actor) -> str:
    role = getattr(actor, "role", "")
    return {Role.BEAT_OFFICER: Source.OFFICER, Role.AIDE: Source.AIDE}.get(role, Source.HOTLINE)


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({"reporter_phone": exc.messages}) from exc


def _snapshot(matter: Matter) -> dict:
    data = audit.snapshot(matter)
    if data.get("reporter_phone"):
        data["reporter_phone"] = mask_phone(data["reporter_phone"])
    return data


def _event(matter: Matter, *, actor, action, from_state, from_level, note, now) -> MatterEvent:
    if actor is RESIDENT:
        name, user = REPORTER, None
    elif actor is SYSTEM:
        name, user = SYSTEM.role, None
    else:
        name, user = actor.full_name or actor.get_username(), actor
    event = MatterEvent(
        bureau_id=matter.bureau_id,
        matter=matter,
        actor=user,
        actor_name=name[:150],
        action=action,
        from_state=from_state,
        to_state=matter.state,
        from_level=from_level,
        to_level=matter.level,
        note=(note or "")[:2000],
        created_at=now,
    )
    event.save(force_insert=True)
    return event


def _create(
    *,
    actor,
    area: Area,
    kind: str,
    source: str,
    description: str,
    category: MatterCategory | None,
    latitude: float | None,
    longitude: float | None,
    reporter_name: str,
    reporter_phone: str,
    client_uuid: uuid.UUID | None,
) -> Matter:
    if area.kind not in BEAT_AREA_KINDS:
        raise _refuse("area", _("Choose a village or community."))
    if (latitude is None) != (longitude is None):
        raise _refuse("latitude", _("Give both latitude and longitude, or neither."))
    if category is not None and (
        category.bureau_id != area.bureau_id or category.kind != kind or not category.active
    ):
        raise _refuse("category", _("Choose an active category of this kind."))
    unit = org_selectors.record_unit(area, actor=actor)
    now = timezone.now()
    matter = Matter(
        bureau_id=area.bureau_id,
        tracking_code=new_tracking_code(area.bureau_id),
        kind=kind,
        category=category,
        source=source,
        area=area,
        latitude=latitude,
        longitude=longitude,
        description=(description or "").strip(),
        reporter_name=(reporter_name or "").strip(),
        reporter_phone=_phone(reporter_phone),
        state=State.NEW,
        level=unit.kind,
        entry_unit=unit,
        handling_unit=unit,
        created_by=acting_user(actor),
        client_uuid=client_uuid,
        created_at=now,
    )
    if kind in MatterKind.values:
        _start_clocks(matter, now)
    matter.full_clean()
    matter.save()
    _event(
        matter, actor=actor, action=Action.CREATE, from_state="", from_level="", note="", now=now
    )
    audit.record(actor=actor, action="matter.create", instance=matter, after=_snapshot(matter))
    figures_add(unit=unit, day=timezone.localdate(now), deltas={"matters": 1})
    return matter


@transaction.atomic
def matter_create(
    *,
    actor,
    area: Area,
    kind: str,
    description: str,
    source: str | None = None,
    category: MatterCategory | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    client_uuid: uuid.UUID | None = None,
) -> Matter:
    """A matter collected by staff: a beat officer's or an aide's own, or a hotline call,
    WeChat or SMS message entered at a desk. Created at the workstation (else office) serving
    ``area``, with its deadlines; counts one matter collected for that unit today."""
    area = Area.objects.visible_to(actor).get(pk=area.pk)
    if not has_capability(actor, Capability.REPORT_MATTERS):
        raise PermissionDenied(_("You do not have permission to do this."))
    source = source or default_source(actor)
    allowed_sources = STAFF_SOURCES.get(actor.role, _DESK_SOURCES)
    if source not in allowed_sources:
        raise _refuse("source", _("This source cannot be chosen by your role."))
    if (
        client_uuid is not None
        and Matter.objects.filter(
            bureau_id=area.bureau_id, created_by=actor, client_uuid=client_uuid
        ).exists()
    ):
        raise _refuse("client_uuid", _("This record was already submitted."))
    return _create(
        actor=actor,
        area=area,
        kind=kind,
        source=source,
        description=description,
        category=category,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        client_uuid=client_uuid,
    )


@transaction.atomic
def matter_submit(
    *,
    area: Area,
    kind: str,
    description: str,
    source: str = Source.PORTAL,
    category: MatterCategory | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
) -> Matter:
    """A matter submitted by a resident (portal or Open311; no account). The caller resolves
    the area (from the village chosen, a point or an address) and gives the tracking code of
    the result to the resident: it is their only key to the matter."""
    if source not in PUBLIC_SOURCES:
        raise _refuse("source", _("Select a valid choice."))
    return _create(
        actor=RESIDENT,
        area=area,
        kind=kind,
        source=source,
        description=description,
        category=category,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        client_uuid=None,
    )


# --- Attachments --------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_PER_MATTER = 10
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


_ATTACHMENT_FIELDS = ["bureau", "matter", "content_type", "size", "original_name", "uploaded_by"]


def sniff_content_type(head: bytes) -> str | None:
    """The type of a file from its first bytes (never from its name): JPEG, PNG, PDF or None."""
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def attachment_add(*, actor, matter: Matter, upload) -> MatterAttachment:
    """Attach a photo or a PDF (≤ 5 MB, type checked by content) to a matter. Staff who may
    report or handle matters, or ``RESIDENT`` for the reporter through the portal."""
    if actor is not RESIDENT and not (
        has_capability(actor, Capability.REPORT_MATTERS)
        or has_capability(actor, Capability.HANDLE_MATTERS)
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    if matter.state in (State.CLOSED, State.MERGED):
        raise _refuse("file", _("Nothing can be attached to a closed or merged matter."))
    if matter.attachments.count() >= ATTACHMENTS_PER_MATTER:
        raise _refuse("file", _("A matter has at most 10 attachments."))
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise _refuse("file", _("The file is empty."))
    if size > ATTACHMENT_MAX_BYTES:
        raise _refuse("file", _("The file is larger than 5 MB."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise _refuse("file", _("Only JPEG, PNG and PDF files can be attached."))
    attachment = MatterAttachment(
        bureau_id=matter.bureau_id,
        matter=matter,
        content_type=content_type,
        size=size,
        original_name=str(getattr(upload, "name", "") or "")[:200],
        uploaded_by=acting_user(actor),
    )
    attachment.file.save("upload", upload, save=False)
    attachment.full_clean()
    attachment.save()
    audit.record(
        actor=actor,
        action="matter.attachment.create",
        instance=attachment,
        after={**audit.snapshot(attachment, _ATTACHMENT_FIELDS), "file": attachment.file.name},
    )
    return attachment


# --- Handlers' actions --------------------------------------------------------------------------


def can_handle(actor, matter: Matter) -> bool:
    """Whether ``actor`` may act on ``matter`` at its current level (scope checked before)."""
    if not has_capability(actor, Capability.HANDLE_MATTERS):
        return False
    if actor.bureau_id != matter.bureau_id or not actor.unit_id:
        return False
    if actor.role == Role.BEAT_OFFICER:
        return matter.handling_unit_id == matter.entry_unit_id
    return matter.handling_unit.path.startswith(actor.unit.path)


def handler_actions(actor, matter: Matter) -> list[str]:
    """The handler actions ``actor`` may apply to ``matter`` now (for the forms and the API)."""
    if not can_handle(actor, matter):
        return []
    return sorted(a for a in HANDLER_ACTIONS if allowed(matter, a))


def _lock(actor, matter: Matter) -> Matter:
    """The matter, locked for the write, fetched again through ``actor``'s scope."""
    qs = Matter.objects.select_for_update()
    if not isinstance(actor, NonUserActor):
        qs = qs.filter(pk__in=Matter.objects.visible_to(actor).values("pk"))
    return qs.select_related("handling_unit").get(pk=matter.pk)


def _handler(actor, matter: Matter) -> Matter:
    matter = _lock(actor, matter)
    if not can_handle(actor, matter):
        raise PermissionDenied(_("You do not have permission to do this."))
    return matter


def _transition(
    matter: Matter,
    *,
    action: str,
    actor,
    note: str = "",
    now: dt.datetime | None = None,
    apply: Callable[[Matter], None] | None = None,
) -> Matter:
    """Apply ``action`` to the locked ``matter``: the table, the guard, the change, the
    timeline row and the audit event."""
    now = now or timezone.now()
    target = TRANSITIONS.get((matter.state, action))
    if target is None:
        raise _refuse(
            "state",
            _("This cannot be done to a matter in the state “%(state)s”.")
            % {"state": matter.get_state_display()},
        )
    guard = GUARDS.get(action)
    if guard is not None:
        guard(matter, now)
    if target == State.CLOSED:
        _needs_reply(matter, now)  # the rule holds whatever the path to closed
    before = _snapshot(matter)
    from_state, from_level = matter.state, matter.level
    matter.state = target
    if apply is not None:
        apply(matter)
    matter.full_clean()
    matter.save()
    _event(
        matter,
        actor=actor,
        action=action,
        from_state=from_state,
        from_level=from_level,
        note=note,
        now=now,
    )
    old, new = audit.changed(before, _snapshot(matter))
    audit.record(
        actor=actor, action=f"matter.{action}", instance=matter, before=old, after=new or None
    )
    return matter


def _text(value: str, field: str, *, required: bool = True, max_length: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _refuse(field, _("This field cannot be blank."))
    if len(value) > max_length:
        raise _refuse(
            field, _("Ensure this value has at most %(limit)s characters.") % {"limit": max_length}
        )
    return value


@transaction.atomic
def matter_accept(*, actor, matter: Matter, note: str = "") -> Matter:
    matter = _handler(actor, matter)
    return _transition(
        matter, action=Action.ACCEPT, actor=actor, note=_text(note, "note", required=False)
    )


@transaction.atomic
def matter_reply(*, actor, matter: Matter, channel: str, text: str) -> MatterReply:
    """An answer to the reporter (channel and text): stops the reply clock of the level."""
    matter = _handler(actor, matter)
    if channel not in ReplyChannel.values:
        raise _refuse("channel", _("Select a valid choice."))
    text = _text(text, "text")
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.first_reply_at = m.first_reply_at or now
        m.replied_at_level = True
        m.reply_due_at = None

    _transition(matter, action=Action.REPLY, actor=actor, note=text, now=now, apply=apply)
    reply = MatterReply(
        bureau_id=matter.bureau_id,
        matter=matter,
        channel=channel,
        text=text,
        unit_id=matter.handling_unit_id,
        replied_by=actor,
        created_at=now,
    )
    reply.full_clean()
    reply.save()
    return reply


@transaction.atomic
def matter_resolve(*, actor, matter: Matter, resolution: str) -> Matter:
    matter = _handler(actor, matter)
    resolution = _text(resolution, "resolution")
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.resolution = resolution
        m.resolved_at = now
        _stop_clocks(m)

    return _transition(
        matter, action=Action.RESOLVE, actor=actor, note=resolution, now=now, apply=apply
    )


def _parent_level_unit(unit: Unit) -> Unit:
    parent = unit.get_parent()
    if parent is None:  # pragma: no cover - guarded by _below_bureau
        raise _refuse("level", _("The bureau is the highest level: it cannot escalate."))
    return parent


def _escalate(matter: Matter, *, actor, reason: str, now: dt.datetime) -> Matter:
    level_index = LEVEL_ORDER.index(matter.level)

    def apply(m: Matter) -> None:
        parent = _parent_level_unit(m.handling_unit)
        m.level = LEVEL_ORDER[level_index + 1]
        m.handling_unit = parent
        m.replied_at_level = False
        _start_clocks(m, now)

    return _transition(
        matter, action=Action.ESCALATE, actor=actor, note=reason, now=now, apply=apply
    )


@transaction.atomic
def matter_escalate(*, actor, matter: Matter, reason: str) -> Matter:
    """Pass the matter exactly one level up (workstation → office → station → bureau)."""
    matter = _handler(actor, matter)
    return _escalate(matter, actor=actor, reason=_text(reason, "reason"), now=timezone.now())


@transaction.atomic
def matter_refer(*, actor, matter: Matter, body: str, note: str = "") -> Matter:
    """Hand the matter to a named non-police body (a township office, a utility, …)."""
    matter = _handler(actor, matter)
    body = _text(body, "body", max_length=100)
    note = _text(note, "note", required=False)

    def apply(m: Matter) -> None:
        m.referred_to = body
        _stop_clocks(m)

    return _transition(
        matter,
        action=Action.REFER,
        actor=actor,
        note=f"{body}: {note}" if note else body,
        apply=apply,
    )


@transaction.atomic
def matter_merge(*, actor, matter: Matter, target_id: int, note: str = "") -> Matter:
    """Merge the matter into a duplicate: the same bureau, visible to the actor, not itself
    merged, not the matter itself."""
    matter = _handler(actor, matter)
    target = (
        Matter.objects.visible_to(actor)
        .filter(bureau_id=matter.bureau_id, pk=target_id)
        .exclude(pk=matter.pk)
        .first()
    )
    if target is None:
        raise _refuse("target", _("Choose another matter you can see."))
    if target.state == State.MERGED:
        raise _refuse("target", _("That matter was itself merged into another."))
    note = _text(note, "note", required=False)

    def apply(m: Matter) -> None:
        m.merged_into = target
        _stop_clocks(m)

    return _transition(
        matter,
        action=Action.MERGE,
        actor=actor,
        note=f"→ {target.tracking_code} {note}".strip(),
        apply=apply,
    )


@transaction.atomic
def matter_mark_case(*, actor, matter: Matter, case_number: str) -> Matter:
    """Mark a crime lead as having led to a case (一案一奖), with the case number."""
    matter = _handler(actor, matter)
    case_number = _text(case_number, "case_number", max_length=50)

    def apply(m: Matter) -> None:
        m.case_number = case_number

    return _transition(matter, action=Action.CASE, actor=actor, note=case_number, apply=apply)


# --- The reporter's actions (by tracking code) ---------------------------------------------------


def _by_code(bureau_id: int, tracking_code: str) -> Matter:
    code = (tracking_code or "").strip().upper()
    return Matter.objects.select_for_update().get(bureau_id=bureau_id, tracking_code=code)


@transaction.atomic
def matter_confirm(*, bureau_id: int, tracking_code: str, note: str = "") -> Matter:
    """The reporter confirms the resolution: the matter closes (only after a reply)."""
    matter = _by_code(bureau_id, tracking_code)
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.closed_at = now

    return _transition(
        matter,
        action=Action.CONFIRM,
        actor=RESIDENT,
        note=_text(note, "note", required=False),
        now=now,
        apply=apply,
    )


@transaction.atomic
def matter_reopen(*, bureau_id: int, tracking_code: str, reason: str) -> Matter:
    """The reporter reopens a resolved matter within 7 days: it goes back to work at the same
    level, with a new resolution deadline."""
    matter = _by_code(bureau_id, tracking_code)
    reason = _text(reason, "reason")
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.resolved_at = None
        m.reopen_count += 1
        _start_clocks(m, now, reply=False)

    return _transition(
        matter, action=Action.REOPEN, actor=RESIDENT, note=reason, now=now, apply=apply
    )


@transaction.atomic
def matter_rate(*, bureau_id: int, tracking_code: str, score: int, comment: str = "") -> Matter:
    """The reporter rates the handling once (1–5, with a comment), after the resolution."""
    matter = _by_code(bureau_id, tracking_code)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise _refuse("rating", _("Give a rating from 1 to 5."))
    comment = _text(comment, "comment", required=False, max_length=1000)

    def apply(m: Matter) -> None:
        m.rating = score
        m.rating_comment = comment

    return _transition(
        matter, action=Action.RATE, actor=RESIDENT, note=f"{score} {comment}".strip(), apply=apply
    )


# --- The system: escalation of breached deadlines, closing of resolved matters ------------------


def breached(now: dt.datetime):
    """Open matters with a missed deadline (all bureaus: this is the system's own read)."""
    return Matter.objects.filter(state__in=OPEN_STATES).filter(
        Q(reply_due_at__lt=now) | Q(resolve_due_at__lt=now)
    )


@transaction.atomic
def _escalate_one(matter_id: int, now: dt.datetime) -> bool:
    matter = (
        Matter.objects.select_for_update()
        .select_related("handling_unit")
        .filter(pk=matter_id)
        .first()
    )
    if matter is None or matter.state not in OPEN_STATES:
        return False
    kinds = []
    if matter.reply_due_at is not None and matter.reply_due_at < now:
        kinds.append((BreachKind.REPLY, matter.reply_due_at))
    if matter.resolve_due_at is not None and matter.resolve_due_at < now:
        kinds.append((BreachKind.RESOLVE, matter.resolve_due_at))
    if not kinds:
        return False  # another run got here first
    for kind, due in kinds:
        if not MatterBreach.objects.filter(
            bureau_id=matter.bureau_id, matter=matter, unit_id=matter.handling_unit_id, kind=kind
        ).exists():
            MatterBreach.objects.create(
                bureau_id=matter.bureau_id,
                unit_id=matter.handling_unit_id,
                matter=matter,
                kind=kind,
                level=matter.level,
                due_at=due,
                at=now,
            )
    labels = ", ".join(str(BreachKind(k).label) for k, _due in kinds)
    note = _("Deadline missed (%(what)s) at %(unit)s.") % {
        "what": labels,
        "unit": matter.handling_unit.name,
    }
    if matter.level == Level.BUREAU:
        # Nothing above the bureau: flag it, and the spent clocks stop (no second flag).
        def flag(m: Matter) -> None:
            m.overdue = True
            for kind, _due in kinds:
                setattr(m, "reply_due_at" if kind == BreachKind.REPLY else "resolve_due_at", None)

        _transition(matter, action=Action.OVERDUE, actor=SYSTEM, note=note, now=now, apply=flag)
        return True
    matter.overdue = True
    _escalate(matter, actor=SYSTEM, reason=note, now=now)
    return True


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every open matter past a deadline one level up (at the bureau: flag it),
    record the missed deadline against the unit that missed it, and write the timeline row
    (the ``SYSTEM`` actor). Each matter in its own transaction; running it twice changes nothing
    the second time (the new level's clocks start at the escalation). Returns how many."""
    now = now or timezone.now()
    ids = list(breached(now).order_by("pk").values_list("pk", flat=True))
    return sum(1 for pk in ids if _escalate_one(pk, now))


@transaction.atomic
def _close_one(matter_id: int, now: dt.datetime) -> bool:
    matter = Matter.objects.select_for_update().filter(pk=matter_id).first()
    if matter is None or not allowed(matter, Action.CLOSE, now):
        return False
    if matter.has_reporter and matter.first_reply_at is None:
        return False  # never closed without an answer: it stays resolved, awaiting the reply

    def apply(m: Matter) -> None:
        m.closed_at = now

    _transition(matter, action=Action.CLOSE, actor=SYSTEM, now=now, apply=apply)
    return True


def close_resolved(*, now: dt.datetime | None = None) -> int:
    """Close every matter resolved 7 days ago or more that nobody reopened (and that has its
    reply when a reporter is known). Returns how many."""
    now = now or timezone.now()
    ids = list(
        Matter.objects.filter(
            state=State.RESOLVED, resolved_at__lte=now - dt.timedelta(days=AUTO_CLOSE_DAYS)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if _close_one(pk, now))


# --- Duplicates ---------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of ``text`` without spaces and punctuation (Chinese has no word
    boundaries: bigrams are the cheap unit of similarity)."""
    s = _NOT_WORD.sub("", (text or "").lower())
    if len(s) < 2:
        return frozenset({s} if s else ())
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the bigram sets, 0–1."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)
