"""What disputes add to the results table (``stats``), said once.

- A settlement (an agreement, or a referral: the case handed to the body that settles it)
  counts on its day (``settled_on``) for the unit serving the dispute's area — the place where
  it was settled — and every unit above it: one ``disputes_mediated``, one of the tier
  (``disputes_settled_village``, ``disputes_settled_township`` or ``disputes_escalated``), and one
  ``disputes_passed_up`` when it went to a court or petition office above the county.
- A case reopened after a relapse was not settled after all: its settlement is taken back on the
  day it was counted, and the next settlement counts on its own day. So the counters always
  equal a recount of the disputes settled now (:func:`register_figure_sources`).
- A screening round counts one ``screenings`` on its day for the unit serving its area.

The three tier rates are read from these counters (``disputes.selectors.tier_rates``).
"""

from __future__ import annotations

from django.db.models import Count, Q

from cunjing.disputes.models import Dispute, ScreeningRound, Tier
from cunjing.stats.services import FigureSource, figures_add, register_source

MEDIATED = "disputes_mediated"
PASSED_UP = "disputes_passed_up"
SCREENINGS = "screenings"
TIER_FIGURES: dict[str, str] = {
    Tier.VILLAGE: "disputes_settled_village",
    Tier.TOWNSHIP: "disputes_settled_township",
    Tier.ESCALATED: "disputes_escalated",
}
DISPUTE_FIGURES = (MEDIATED, *TIER_FIGURES.values(), PASSED_UP)


def settlement_figures(dispute: Dispute) -> dict[str, int]:
    """What ``dispute`` adds to the results table now: nothing unless it is settled."""
    if dispute.settled_on is None:
        return {}
    figures = {MEDIATED: 1, TIER_FIGURES[dispute.tier]: 1}
    if dispute.above_county:
        figures[PASSED_UP] = 1
    return figures


def count_settlement(dispute: Dispute, *, sign: int = 1) -> None:
    """Add (``sign=1``) or take back (``sign=-1``) the settlement of ``dispute``, in the
    caller's transaction."""
    figures = settlement_figures(dispute)
    if figures:
        figures_add(
            unit=dispute.unit,
            day=dispute.settled_on,
            deltas={name: sign * amount for name, amount in figures.items()},
        )


def count_screening(round_: ScreeningRound) -> None:
    figures_add(unit=round_.unit, day=round_.screened_on, deltas={SCREENINGS: 1})


def register_figure_sources() -> None:
    """Declare the same amounts as aggregates over the rows, for ``stats``' recount and
    rebuild. Called from ``DisputesConfig.ready``."""
    register_source(
        FigureSource(
            model=Dispute,
            day_field="settled_on",
            figures={
                MEDIATED: Count("id"),
                **{name: Count("id", filter=Q(tier=tier)) for tier, name in TIER_FIGURES.items()},
                PASSED_UP: Count("id", filter=Q(above_county=True)),
            },
            counted=Q(settled_on__isnull=False),
        )
    )
    register_source(
        FigureSource(
            model=ScreeningRound, day_field="screened_on", figures={SCREENINGS: Count("id")}
        )
    )
