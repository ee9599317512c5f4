"""Reads for the home page of each role: a few grouped queries each, whatever the county's size.

Every function starts from ``visible_to(user)`` (or the user's bureau for the admin roles), so a
station leader's figures are their station's and a commander's the whole bureau's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from cunjing.accounts import selectors as account_selectors
from cunjing.accounts.models import User
from cunjing.core.roles import Capability, Role, has_capability
from cunjing.fieldwork import selectors as fieldwork_selectors
from cunjing.matters import selectors as matter_selectors
from cunjing.org import selectors as org_selectors
from cunjing.org.models import (
    BEAT_AREA_KINDS,
    Area,
    AreaKind,
    Beat,
    Officer,
    Unit,
    UnitKind,
)
from cunjing.org.selectors import ContactCard

# A beat officer has a handful of areas; the home page never lists more than this many cards.
MAX_CARDS = 20


def contact_cards(user) -> list[ContactCard]:
    """The contact cards (警民联系卡) of the villages and communities the user sees — a beat
    officer's own areas, an aide's area. Three queries, whatever the number of areas."""
    areas = Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS).order_by("path")
    return org_selectors.contact_cards(areas[:MAX_CARDS])


@dataclass
class OrgSummary:
    """Counts of a jurisdiction: units and areas by kind, officers, beat coverage."""

    units: dict[str, int] = field(default_factory=dict)
    areas: dict[str, int] = field(default_factory=dict)
    officers: int = 0
    officers_on_beats: int = 0
    beat_areas: int = 0
    covered: int = 0

    @property
    def uncovered(self) -> int:
        return self.beat_areas - self.covered


def org_summary(user) -> OrgSummary:
    """The user's jurisdiction in figures: three grouped queries."""
    summary = OrgSummary(
        units={kind: 0 for kind in UnitKind.values},
        areas={kind: 0 for kind in AreaKind.values},
    )
    unit_rows = Unit.objects.visible_to(user).order_by().values("kind").annotate(n=Count("id"))
    for row in unit_rows:
        summary.units[row["kind"]] = row["n"]

    has_active_beat = Exists(Beat.objects.active().filter(area_id=OuterRef("pk")))
    area_rows = (
        Area.objects.visible_to(user)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"), covered=Count("id", filter=Q(has_active_beat)))
    )
    for row in area_rows:
        summary.areas[row["kind"]] = row["n"]
        if row["kind"] in BEAT_AREA_KINDS:
            summary.beat_areas += row["n"]
            summary.covered += row["covered"]

    on_beat = Exists(Beat.objects.active().filter(officer_id=OuterRef("pk")))
    officer_counts = (
        Officer.objects.visible_to(user)
        .filter(is_active=True)
        .aggregate(total=Count("id"), on_beats=Count("id", filter=Q(on_beat)))
    )
    summary.officers = officer_counts["total"]
    summary.officers_on_beats = officer_counts["on_beats"]
    return summary


@dataclass
class AccountsSummary:
    users_by_role: list[tuple[str, str, int]]  # (role, its label, count) in the order of ``Role``
    locked_out: list[str]
    bursts: list[dict] = field(default_factory=list)  # one account tried from many addresses
    to_review: list = field(default_factory=list)  # accounts whose person or unit changed


def accounts_summary(user) -> AccountsSummary:
    """Active accounts of the user's bureau per role, and the usernames locked out right now by
    too many failed sign-ins (django-axes), the accounts tried from many addresses within the
    hour, and the accounts whose person or unit changed. Read only; four queries."""
    if not has_capability(user, Capability.MANAGE_USERS) or user.bureau_id is None:
        return AccountsSummary(users_by_role=[], locked_out=[])
    accounts = User.objects.filter(bureau_id=user.bureau_id)
    rows = accounts.filter(is_active=True).order_by().values("role").annotate(n=Count("id"))
    counts = {row["role"]: row["n"] for row in rows}
    by_role = [(role.value, role.label, counts.get(role.value, 0)) for role in Role]
    locked = account_selectors.locked_usernames(accounts)
    bursts = account_selectors.signin_bursts(user)
    to_review = account_selectors.accounts_to_review(user)
    return AccountsSummary(
        users_by_role=by_role, locked_out=locked, bursts=bursts, to_review=to_review
    )


# --- The desk's to-do list ----------------------------------------------------------------------

TODO_ROWS = 10


@dataclass
class ToDo:
    """What waits for the user, their home page's first block: matters at their desk (the most
    urgent first), how many are overdue in their jurisdiction, follow-ups due, and for leaders
    the overdue follow-ups per officer, the reports to supervise and the correction requests
    to decide. Later mechanisms add their
    items here."""

    matters: list = field(default_factory=list)
    matters_waiting: int = 0
    matters_overdue: int = 0
    follow_ups: list = field(default_factory=list)
    follow_up_counts: dict = field(default_factory=dict)
    follow_ups_by_officer: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    reports_waiting: int = 0
    corrections_waiting: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.matters_waiting
            or self.matters_overdue
            or self.follow_up_counts.get("open")
            or self.reports_waiting
            or self.corrections_waiting
        )


LEADER_ROLES = frozenset({Role.OFFICE_LEADER, Role.STATION_LEADER, Role.COMMANDER})


def todo(user) -> ToDo:
    """The to-do of a beat officer, a leader, the commander or an inspector: a fixed number of
    queries whatever the size of the jurisdiction (beat officer 4, leaders 6)."""
    result = ToDo()
    now = timezone.now()
    if has_capability(user, Capability.VIEW_MATTERS) and user.role != Role.AIDE:
        counts = matter_selectors.queue_counts(user, now=now)
        result.matters_overdue = counts[matter_selectors.Queue.OVERDUE]
        if has_capability(user, Capability.HANDLE_MATTERS):
            result.matters_waiting = counts[matter_selectors.Queue.MINE]
            result.matters = list(
                matter_selectors.matter_list(
                    user,
                    queue=matter_selectors.Queue.MINE,
                    sort=matter_selectors.Sort.DEADLINE,
                    now=now,
                )[:TODO_ROWS]
            )
    if has_capability(user, Capability.VIEW_FIELDWORK) and user.role != Role.AIDE:
        result.follow_up_counts = fieldwork_selectors.follow_up_counts(user)
        if user.role == Role.BEAT_OFFICER:
            today = timezone.localdate()
            result.follow_ups = list(
                fieldwork_selectors.follow_up_list(
                    user, due_by=today + dt.timedelta(days=7), today=today
                )[:TODO_ROWS]
            )
        else:
            result.follow_ups_by_officer = fieldwork_selectors.overdue_follow_ups_by_officer(user)[
                :TODO_ROWS
            ]
    if user.role in LEADER_ROLES or user.role == Role.INSPECTOR:
        reports = fieldwork_selectors.reports_awaiting_supervision(user)
        result.reports = list(reports[:TODO_ROWS])
        result.reports_waiting = reports.count()
    result.corrections_waiting = fieldwork_selectors.corrections_to_decide(user)
    return result
