"""Reads of matters. Every list starts from ``visible_to(user)`` (the area's jurisdiction);
aides see no crime leads. Ids the caller sends are matched through the caller's scope
(invisible or missing → ``DoesNotExist``, a 404).

Lists are keyset-paginated (``core.pagination``) on ``-id`` (ids grow with creation): ``before`` is
the last id of the previous page.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunjing.core.pagination import KeysetPage, keyset_page
from cunjing.core.roles import Role
from cunjing.matters.models import (
    LEVEL_ORDER,
    OPEN_STATES,
    PUBLIC_SOURCES,
    PUBLICLY_TRACKABLE,
    Matter,
    MatterKind,
    MatterReply,
    SlaPolicy,
    State,
)
from cunjing.matters.services.codes import normalize_tracking_code
from cunjing.matters.services.merging import MERGE_CHAIN_MAX
from cunjing.matters.services.similarity import (
    DUPLICATE_CANDIDATES,
    DUPLICATE_DAYS,
    DUPLICATE_THRESHOLD,
    similarity,
)
from cunjing.matters.services.sla import sla_default
from cunjing.org.models import Area, Unit


class Sort(TextChoices):
    """How a matters list is ordered: newest first (ids grow with creation), or the open ones
    by their resolution deadline, the most urgent first."""

    NEWEST = "newest", gettext_lazy("Newest first")
    DEADLINE = "deadline", gettext_lazy("Most urgent first")


ORDERS = {Sort.NEWEST: ("-id",), Sort.DEADLINE: ("resolve_due_at", "id")}
MATTER_ORDER = ORDERS[Sort.NEWEST]


class Queue(TextChoices):
    """The matters lists of the queue page and the API."""

    ALL = "all", gettext_lazy("All")
    MINE = "mine", gettext_lazy("My queue")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    AWAITING_REPLY = "awaiting_reply", gettext_lazy("Awaiting reply")


def visible(user) -> QuerySet:
    """The matters ``user`` may read: their scope, and no crime leads for aides (both are
    ``Matter.objects.visible_to``)."""
    return Matter.objects.visible_to(user)


def sla_table(bureau_id: int) -> list[dict]:
    """The bureau's deadlines of every level (in routing order) and kind: its own policy where it
    set one (``custom``), else the default. One query; the deadlines page and the API read it."""
    custom = {(p.level, p.kind): p for p in SlaPolicy.objects.filter(bureau_id=bureau_id)}
    rows = []
    for level in LEVEL_ORDER:
        for kind in MatterKind.values:
            policy = custom.get((level, kind))
            reply, resolve = (
                (policy.reply_hours, policy.resolve_hours) if policy else sla_default(level, kind)
            )
            rows.append(
                {
                    "level": level,
                    "kind": kind,
                    "reply_hours": reply,
                    "resolve_hours": resolve,
                    "custom": policy is not None,
                }
            )
    return rows


def matter_get(user, pk: int) -> Matter:
    return (
        visible(user).select_related("area", "handling_unit", "entry_unit", "category").get(pk=pk)
    )


def _has_reporter() -> Q:
    return ~Q(reporter_name="") | ~Q(reporter_phone="") | Q(source__in=PUBLIC_SOURCES)


def queue_q(user, queue: str, now: dt.datetime) -> Q:
    if queue == Queue.MINE:
        if getattr(user, "role", "") == Role.BEAT_OFFICER:
            mine = Q(handling_unit_id=F("entry_unit_id"))
        else:
            mine = Q(handling_unit_id=user.unit_id)
        return mine & Q(state__in=OPEN_STATES)
    if queue == Queue.OVERDUE:
        late = Q(overdue=True) | Q(reply_due_at__lt=now) | Q(resolve_due_at__lt=now)
        return late & Q(state__in=OPEN_STATES)
    if queue == Queue.AWAITING_REPLY:
        waiting = Q(state__in=[State.NEW, State.ACCEPTED, State.RESOLVED, State.REFERRED])
        return waiting & Q(first_reply_at__isnull=True) & _has_reporter()
    return Q()


def matter_list(
    user,
    *,
    queue: str = Queue.ALL,
    kind: str | None = None,
    state: str | None = None,
    area: int | None = None,
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: str = Sort.NEWEST,
    now: dt.datetime | None = None,
) -> QuerySet:
    """The matters visible to ``user``, filtered, in ``sort``'s order (by deadline: only the
    open ones, which have one). ``unit`` means handled by that unit or a unit below it."""
    now = now or timezone.now()
    qs = visible(user).filter(queue_q(user, queue, now))
    if sort == Sort.DEADLINE:
        qs = qs.filter(state__in=OPEN_STATES, resolve_due_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if area is not None:
        qs = qs.filter(area=Area.objects.visible_to(user).get(pk=area))
    if unit is not None:
        found = Unit.objects.visible_to(user).get(pk=unit)
        qs = qs.filter(handling_unit__path__startswith=found.path)
    if date_from is not None:
        qs = qs.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        qs = qs.filter(created_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return qs.select_related("area", "handling_unit").order_by(*ORDERS[Sort(sort)])


def queue_counts(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """How many matters are in each queue of ``user`` (mine, overdue, awaiting a reply): one
    query."""
    now = now or timezone.now()
    return visible(user).aggregate(
        **{
            queue: Count("id", filter=queue_q(user, queue, now))
            for queue in (Queue.MINE, Queue.OVERDUE, Queue.AWAITING_REPLY)
        }
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def matter_page(
    qs: QuerySet, *, limit: int, before: str | None = None, sort: str = Sort.NEWEST
) -> KeysetPage:
    """One page of a matter list (from :func:`matter_list` with the same ``sort``) after the
    cursor ``before``."""
    return keyset_page(
        qs, order=ORDERS[Sort(sort)], limit=limit, before=before, non_null=("resolve_due_at",)
    )


def timeline(matter: Matter) -> list:
    return list(matter.events.select_related("actor").order_by("created_at", "id"))


def replies(matter: Matter) -> list:
    return list(matter.replies.select_related("unit", "replied_by").order_by("created_at", "id"))


def attachments(matter: Matter) -> list:
    return list(matter.attachments.order_by("created_at", "id"))


def possible_duplicates(user, matter: Matter) -> list[tuple[Matter, float]]:
    """Matters of the same area and kind from the 7 days before this one, with similar text
    (bigram Jaccard ≥ 0.5), most similar first. Bounded: the 50 most recent candidates.
    ``user=None``: the reporter's view (no scope; the same bureau and area)."""
    qs = visible(user) if user is not None else Matter.objects.all()
    candidates = (
        qs.filter(
            bureau_id=matter.bureau_id,
            area_id=matter.area_id,
            kind=matter.kind,
            created_at__gte=matter.created_at - dt.timedelta(days=DUPLICATE_DAYS),
            created_at__lte=matter.created_at,
        )
        .exclude(pk=matter.pk)
        .exclude(state=State.MERGED)
        .order_by("-created_at", "-id")[:DUPLICATE_CANDIDATES]
    )
    found = []
    for other in candidates:
        score = similarity(matter.description, other.description)
        if score >= DUPLICATE_THRESHOLD:
            found.append((other, score))
    found.sort(key=lambda item: (-item[1], -item[0].pk))
    return found


def matter_by_code(*, bureau_id: int, tracking_code: str) -> Matter:
    """The matter of a tracking code (the reporter's key; the portal's read). DoesNotExist for
    an unknown code, and for a matter the public may not track (``PUBLICLY_TRACKABLE``)."""
    code = normalize_tracking_code(tracking_code)
    return Matter.objects.select_related("area", "handling_unit").get(
        PUBLICLY_TRACKABLE, bureau_id=bureau_id, tracking_code=code
    )


# --- Merging -----------------------------------------------------------------------------------

MERGE_CANDIDATES = 20
MERGE_CANDIDATE_DAYS = 30


def merge_candidates(user, matter: Matter) -> list[Matter]:
    """The matters ``user`` may merge ``matter`` into: visible, of the same kind, about the same
    village or community, not merged themselves, created in the 30 days around it; the most
    similar first, then the newest (at most 20)."""
    span = dt.timedelta(days=MERGE_CANDIDATE_DAYS)
    rows = list(
        visible(user)
        .filter(
            bureau_id=matter.bureau_id,
            area_id=matter.area_id,
            kind=matter.kind,
            created_at__gte=matter.created_at - span,
            created_at__lte=matter.created_at + span,
        )
        .exclude(pk=matter.pk)
        .exclude(state=State.MERGED)
        .order_by("-created_at", "-id")[:MERGE_CANDIDATES]
    )
    rows.sort(key=lambda m: (-similarity(matter.description, m.description), -m.pk))
    return rows


# --- What the reporter reads --------------------------------------------------------------------


@dataclass(frozen=True)
class ReporterView:
    """A matter as its reporter reads it, on the portal and through Open311 alike.

    ``carrier`` is the matter whose handling answers for theirs: the matter itself, or for a
    merged matter the one it was merged into (its progress, state and outcome). ``outcome`` is
    the sentence that says how it ended or where it stands; ``replies`` are the answers written
    to this reporter. Internal notes (accept notes, escalation reasons, a referral's note, a
    merge's note) are never part of it, and nor is the outcome of a crime lead."""

    matter: Matter
    carrier: Matter
    outcome: str
    replies: list[MatterReply]

    @property
    def merged(self) -> bool:
        return self.matter.state == State.MERGED

    @property
    def status_notes(self) -> str:
        """The outcome, then every reply newest first, one per line (Open311's
        ``status_notes``)."""
        lines = [self.outcome] if self.outcome else []
        for reply in reversed(self.replies):
            at = timezone.localtime(reply.created_at).strftime("%Y-%m-%d %H:%M")
            lines.append(f"{at} {reply.unit.name}: {reply.text}")
        return "\n".join(lines)


def _outcome(matter: Matter, carrier: Matter) -> str:
    secret = MatterKind.LEAD in (matter.kind, carrier.kind)
    if carrier.state in (State.RESOLVED, State.CLOSED):
        if secret:
            text = _("Handled. The outcome of a tip about a crime is not made public.")
        else:
            text = _("Outcome: %(resolution)s") % {"resolution": carrier.resolution}
    elif carrier.state == State.REFERRED:
        text = _("Referred to %(body)s, which handles it from now on.") % {
            "body": carrier.referred_to
        }
    elif matter.pk != carrier.pk:
        text = _("It is being handled.")
    else:
        return ""
    if matter.pk != carrier.pk:
        merged = _("Handled together with another report of the same problem.")
        # Chinese sentences follow each other without a space.
        return _("%(merged)s %(outcome)s") % {"merged": merged, "outcome": text}
    return text


def reporter_views(matters: list[Matter]) -> dict[int, ReporterView]:
    """The reporter's view of each matter, by id: two queries for any number of matters (the
    carriers of merged ones, the replies), more only for chains of merges."""
    carriers: dict[int, Matter] = {m.pk: m for m in matters}
    pending = {m.pk: m.merged_into_id for m in matters if m.state == State.MERGED}
    fetched: dict[int, Matter] = {}
    for _hop in range(MERGE_CHAIN_MAX):
        wanted = {target for target in pending.values() if target and target not in fetched}
        if wanted:
            fetched.update(
                (m.pk, m)
                for m in Matter.objects.select_related("area", "handling_unit", "category").filter(
                    pk__in=wanted
                )
            )
        following = {}
        for pk, target in pending.items():
            found = fetched.get(target)
            if found is None:
                continue
            carriers[pk] = found
            if found.state == State.MERGED and found.merged_into_id and found.merged_into_id != pk:
                following[pk] = found.merged_into_id
        if not following:
            break
        pending = following
    by_matter: dict[int, list[MatterReply]] = defaultdict(list)
    for reply in (
        MatterReply.objects.filter(matter_id__in=[m.pk for m in matters])
        .select_related("unit")
        .order_by("created_at", "id")
    ):
        by_matter[reply.matter_id].append(reply)
    return {
        m.pk: ReporterView(
            matter=m,
            carrier=carriers[m.pk],
            outcome=_outcome(m, carriers[m.pk]),
            replies=by_matter[m.pk],
        )
        for m in matters
    }


def reporter_view(matter: Matter) -> ReporterView:
    return reporter_views([matter])[matter.pk]


# --- Counts -------------------------------------------------------------------------------------


def _figures(rows: list[dict]) -> dict:
    collected = len(rows)
    replied = [r for r in rows if r["first_reply_at"] is not None]
    waits = [(r["first_reply_at"] - r["created_at"]).total_seconds() / 3600 for r in replied]
    resolved = {level: 0 for level in LEVEL_ORDER}
    for r in rows:
        if r["resolved_at"] is not None or r["state"] == State.CLOSED:
            resolved[r["level"]] += 1
    return {
        "collected": collected,
        "replied": len(replied),
        "replied_pct": round(100 * len(replied) / collected, 1) if collected else None,
        "median_hours_to_reply": round(statistics.median(waits), 1) if waits else None,
        "overdue": sum(1 for r in rows if r["overdue"]),
        "overdue_pct": (
            round(100 * sum(1 for r in rows if r["overdue"]) / collected, 1) if collected else None
        ),
        "resolved_by_level": resolved,
    }


def matter_counts(
    user,
    *,
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict:
    """The figures of matters collected by ``unit`` (default: the user's unit) and each unit
    directly below it, created within the dates: collected, replied and replied %, median hours
    to the first reply, overdue and overdue %, resolved at each level."""
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": [_("The end date is before the start date.")]})
    if unit is not None:
        root = Unit.objects.visible_to(user).get(pk=unit)
    else:
        root = Unit.objects.visible_to(user).get(pk=user.unit_id)
    qs = visible(user).filter(bureau_id=root.bureau_id, entry_unit__path__startswith=root.path)
    if date_from is not None:
        qs = qs.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        qs = qs.filter(created_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    rows = list(
        qs.values(
            "entry_unit__path",
            "created_at",
            "first_reply_at",
            "resolved_at",
            "overdue",
            "level",
            "state",
        )
    )
    children = list(root.get_children().order_by("path"))
    width = len(root.path) + Unit.steplen
    grouped: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        grouped[r["entry_unit__path"][:width]].append(r)
    return {
        "unit": root,
        "total": _figures(rows),
        "by_unit": [(child, _figures(grouped.get(child.path, []))) for child in children],
    }
