"""Reads of the public portal. Everything is limited to the portal's bureau and to what a
resident may see: villages and communities with their contact cards; a matter only through its
tracking code, and of it only the public part (:class:`PublicMatter`) — never staff names,
internal notes or reasons, the reporter's contact, or other matters."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunjing.core.roles import SYSTEM
from cunjing.matters import selectors as matter_selectors
from cunjing.matters import services as matter_services
from cunjing.matters.models import Action, Matter, MatterEvent, MatterKind, State
from cunjing.org.models import BEAT_AREA_KINDS, Aide, Area, Bureau, Unit
from cunjing.org.selectors import ContactCard, contact_card, filter_areas

SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 50


def beat_areas(bureau: Bureau) -> QuerySet[Area]:
    """The bureau's villages and communities: the only areas the portal shows."""
    return Area.objects.filter(bureau=bureau, kind__in=BEAT_AREA_KINDS)


def area_search(bureau: Bureau, q: str) -> list[tuple[Area, str]]:
    """Villages and communities matching ``q`` (name contains, pinyin or initials prefix), at
    most :data:`SEARCH_LIMIT`, each with its township's name; nothing for an empty query."""
    # NUL cannot be in a PostgreSQL string literal: a resident never types it.
    q = (q or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    if not q:
        return []
    areas = list(filter_areas(beat_areas(bureau), q=q).order_by("path")[:SEARCH_LIMIT])
    parents = {a.path[: -Area.steplen] for a in areas}
    names = dict(Area.objects.filter(bureau=bureau, path__in=parents).values_list("path", "name"))
    return [(a, names.get(a.path[: -Area.steplen], "")) for a in areas]


def area_get(bureau: Bureau, pk: int) -> Area:
    """A village or community of the bureau; ``Area.DoesNotExist`` otherwise."""
    return beat_areas(bureau).get(pk=pk)


@dataclass
class PublicCard:
    """The contact card (警民联系卡) as residents see it."""

    card: ContactCard
    aides: list[Aide] = field(default_factory=list)

    @property
    def officers(self):
        return [o for o in [self.card.officer, *self.card.others] if o is not None]


def public_card(area: Area) -> PublicCard:
    """The area's beat officers (name, badge, work phone), the serving workstation (name,
    address, phone) and its aides — names and kinds only: an aide's phone is private."""
    aides = list(
        Aide.objects.filter(bureau_id=area.bureau_id, area=area, is_active=True)
        .only("name", "kind", "subtype")
        .order_by("kind", "id")
    )
    return PublicCard(card=contact_card(area), aides=aides)


# --- A matter by its tracking code ----------------------------------------------------------

CODE_MAX_LENGTH = 32


def matter_by_code(bureau: Bureau, code: str) -> Matter:
    """The matter of ``code`` in the bureau; ``Matter.DoesNotExist`` for an unknown or
    malformed code alike (a resident cannot tell them apart)."""
    code = matter_services.normalize_tracking_code((code or "")[: CODE_MAX_LENGTH * 2])
    if not code or len(code) > CODE_MAX_LENGTH or not code.isascii() or not code.isalnum():
        raise Matter.DoesNotExist
    return matter_selectors.matter_by_code(bureau_id=bureau.pk, tracking_code=code)


@dataclass
class PublicEvent:
    label: str
    at: object
    unit: str
    escalation: bool = False


@dataclass
class PublicReply:
    at: object
    channel: str
    unit: str
    text: str


@dataclass
class PublicMatter:
    matter: Matter
    view: matter_selectors.ReporterView
    units: dict[str, Unit]
    events: list[PublicEvent]
    carrier_events: list[PublicEvent]
    replies: list
    escalated_automatically: bool

    @property
    def carrier(self) -> Matter:
        return self.view.carrier

    @property
    def handling_unit(self) -> Unit:
        return self.carrier.handling_unit


def _units_by_level(matter: Matter) -> dict[str, Unit]:
    """The entry unit and its ancestors, by kind (= level): where the matter is at each level
    (a matter moves only one step up its entry unit's chain)."""
    entry = matter.entry_unit
    steps = Unit.steplen
    paths = [entry.path[: steps * d] for d in range(1, entry.depth + 1)]
    units = Unit.objects.filter(bureau_id=matter.bureau_id, path__in=paths)
    return {u.kind: u for u in units}


def _automatic(event: MatterEvent) -> bool:
    """A row written by the system itself (the periodic escalation), not by a person."""
    return event.actor_id is None and event.actor_name == SYSTEM.role


def _label(event: MatterEvent, unit: str, matter: Matter) -> tuple[str, bool]:
    """The resident's label of a timeline row, and whether it is an escalation."""
    action = event.action
    if action == Action.CREATE:
        return _("Submitted; received by %(unit)s") % {"unit": unit}, False
    if action == Action.ACCEPT:
        return _("Taken up by %(unit)s") % {"unit": unit}, False
    if action == Action.REPLY:
        return _("%(unit)s answered you") % {"unit": unit}, False
    if action == Action.RESOLVE:
        return _("Handled by %(unit)s; please confirm") % {"unit": unit}, False
    if action == Action.ESCALATE:
        if _automatic(event):
            return (
                _("Not handled in time: automatically escalated to %(unit)s") % {"unit": unit},
                True,
            )
        return _("Passed up to %(unit)s") % {"unit": unit}, True
    if action == Action.OVERDUE:
        return _("Not handled in time: flagged for supervision at %(unit)s") % {"unit": unit}, True
    if action == Action.REFER:
        return _("Referred to %(body)s") % {"body": matter.referred_to}, False
    if action == Action.MERGE:
        return _("Handled together with a report of the same problem"), False
    if action == Action.CONFIRM:
        return _("You confirmed the handling; closed"), False
    if action == Action.REOPEN:
        return _("You reopened it; back to %(unit)s") % {"unit": unit}, False
    if action == Action.RATE:
        return _("You rated the handling"), False
    if action == Action.CLOSE:
        return _("Closed"), False
    if action == Action.CASE:
        return _("Taken up as a case"), False
    return str(event.get_action_display()), False


def _public_events(
    matter: Matter, units: dict[str, Unit], *, own: bool
) -> tuple[list[PublicEvent], bool]:
    """The timeline of ``matter`` as labels, times and unit names, and whether the system
    escalated it. Of a matter merged with the reporter's (``own`` False), the other reporter's
    confirmations, reopenings and ratings are left out: they are that person's."""
    rows = matter_selectors.timeline(matter)
    events = []
    for event in rows:
        if not own and event.action in (Action.CONFIRM, Action.REOPEN, Action.RATE):
            continue
        unit = units.get(event.to_level)
        label, escalation = _label(event, unit.name if unit else "", matter)
        events.append(
            PublicEvent(
                label=label,
                at=event.created_at,
                unit=unit.name if unit else "",
                escalation=escalation,
            )
        )
    automatic = any(e.action == Action.ESCALATE and _automatic(e) for e in rows)
    return events, automatic


def public_matter(matter: Matter) -> PublicMatter:
    """The public part of a matter: its facts, the outcome, the replies to this reporter (time,
    channel, unit, text) and the timeline as labels, times and unit names; for a merged matter
    also the progress of the matter it was merged into."""
    view = matter_selectors.reporter_view(matter)
    units = _units_by_level(matter)
    events, automatic = _public_events(matter, units, own=True)
    carrier_events: list[PublicEvent] = []
    if view.carrier.pk != matter.pk:
        carrier = view.carrier
        carrier_events, carrier_automatic = _public_events(
            carrier, _units_by_level(carrier), own=False
        )
        automatic = automatic or carrier_automatic
    return PublicMatter(
        matter=matter,
        view=view,
        units=units,
        events=events,
        carrier_events=carrier_events,
        replies=[
            PublicReply(
                at=r.created_at, channel=r.get_channel_display(), unit=r.unit.name, text=r.text
            )
            for r in view.replies
        ],
        escalated_automatically=automatic,
    )


# What a resident reads for each state and kind (the staff labels are the handlers' words).
STATE_LABELS = {
    State.NEW: gettext_lazy("Submitted, waiting to be taken up"),
    State.ACCEPTED: gettext_lazy("Being handled"),
    State.RESOLVED: gettext_lazy("Handled — please confirm or reopen"),
    State.CLOSED: gettext_lazy("Closed"),
    State.REFERRED: gettext_lazy("Referred to another body"),
    State.MERGED: gettext_lazy("Handled together with a report of the same problem"),
}
# One name per kind everywhere (MatterKind's labels, the glossary's words); the portal adds what
# each means in a resident's words.
KIND_DESCRIPTIONS = {
    MatterKind.SENTIMENT: gettext_lazy(
        "Opinions and suggestions about public order and life in the village"
    ),
    MatterKind.REQUEST: gettext_lazy(
        "Ask the police for help: a dispute, noise, something you need solved"
    ),
    MatterKind.LEAD: gettext_lazy(
        "A tip about a crime or a wanted person; it is kept confidential"
    ),
    MatterKind.HAZARD: gettext_lazy(
        "Something that could lead to an accident or a crime: a broken guardrail, a dark road, "
        "an unsafe house"
    ),
}


def kind_help() -> str:
    """The kinds with what each means, one per line (the submit form's help)."""
    return "\n".join(
        f"{MatterKind(kind).label}：{description}"
        for kind, description in KIND_DESCRIPTIONS.items()
    )


def state_label(public: PublicMatter) -> str:
    """What the resident reads as the state: for a merged matter, that it is handled together
    with another report, and where that handling stands."""
    carrier = public.carrier
    if not public.view.merged:
        return str(STATE_LABELS.get(carrier.state, carrier.get_state_display()))
    if carrier.state in (State.RESOLVED, State.CLOSED):
        where = _("handled")
    elif carrier.state == State.REFERRED:
        where = _("referred to another body")
    else:
        where = _("being handled")
    return _("Handled together with a report of the same problem: %(where)s") % {"where": where}
