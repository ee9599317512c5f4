"""Writes of disputes, one module per concern:

* :mod:`.screening` — a screening round with its hazards; closing a hazard;
* :mod:`.creation` — recording a dispute with its parties;
* :mod:`.transitions` — the state table and every action on a dispute (mediate, agree, refer,
  fail, close, reopen), each one timeline row and one audit event;
* :mod:`.mediation` — mediation sessions and follow-up visits;
* :mod:`.figures` — what disputes and screenings add to the results table;
* :mod:`.kinds` — the bureau's kinds of dispute.

Callers use the package (``from cunjing.disputes import services``); ``_common`` is private.
"""

from cunjing.disputes.services._common import (
    HANDLER_ROLES,
    RECORDER_ROLES,
    SCREENER_ROLES,
    can_handle,
    can_record,
    can_screen,
)
from cunjing.disputes.services.creation import PARTIES_MAX, dispute_create, risk_of
from cunjing.disputes.services.figures import (
    DISPUTE_FIGURES,
    MEDIATED,
    PASSED_UP,
    SCREENINGS,
    TIER_FIGURES,
    register_figure_sources,
    settlement_figures,
)
from cunjing.disputes.services.kinds import (
    DEFAULT_KINDS,
    dispute_kind_create,
    dispute_kind_update,
    dispute_kinds_ensure_defaults,
)
from cunjing.disputes.services.mediation import (
    follow_up_record,
    follow_up_schedule,
    session_add,
)
from cunjing.disputes.services.screening import HAZARDS_MAX, hazard_close, screening_create
from cunjing.disputes.services.transitions import (
    GUARDS,
    HANDLER_ACTIONS,
    TIER_OF_ROLE,
    TRANSITIONS,
    allowed,
    dispute_agree,
    dispute_close,
    dispute_fail,
    dispute_mediate,
    dispute_refer,
    dispute_reopen,
    handler_actions,
    pending_follow_ups,
)

__all__ = [
    "DEFAULT_KINDS",
    "DISPUTE_FIGURES",
    "GUARDS",
    "HANDLER_ACTIONS",
    "HANDLER_ROLES",
    "HAZARDS_MAX",
    "MEDIATED",
    "PARTIES_MAX",
    "PASSED_UP",
    "RECORDER_ROLES",
    "SCREENER_ROLES",
    "SCREENINGS",
    "TIER_FIGURES",
    "TIER_OF_ROLE",
    "TRANSITIONS",
    "allowed",
    "can_handle",
    "can_record",
    "can_screen",
    "dispute_agree",
    "dispute_close",
    "dispute_create",
    "dispute_fail",
    "dispute_kind_create",
    "dispute_kind_update",
    "dispute_kinds_ensure_defaults",
    "dispute_mediate",
    "dispute_refer",
    "dispute_reopen",
    "follow_up_record",
    "follow_up_schedule",
    "handler_actions",
    "hazard_close",
    "pending_follow_ups",
    "register_figure_sources",
    "risk_of",
    "screening_create",
    "session_add",
    "settlement_figures",
]
