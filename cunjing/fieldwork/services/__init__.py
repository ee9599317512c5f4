"""Writes of field work, one module per concern:

* :mod:`.records` — a record of each kind (visit, floating resident, service, assistance,
  legal-education event, volunteer, prevention activity), what it adds to the results table,
  and the return visit that closes a follow-up;
* :mod:`.corrections` — a record corrected or voided within the bureau's window, and the
  correction request a leader decides after it;
* :mod:`.follow_ups` — what a record leaves to do, opened and set aside;
* :mod:`.journal` — the beat officer's work log, weekly analysis and monthly summary, and the
  leaders' supervision of them.

Callers use the package (``from cunjing.fieldwork import services``; ``services.visit_create``):
the names below are its interface.
"""

from cunjing.fieldwork.services._common import AIDE_KINDS, RECORDER_ROLES, can_record
from cunjing.fieldwork.services.corrections import (
    CORRECTABLE_FIELDS,
    LEADER_ROLES,
    correction_decide,
    correction_request,
    correction_window_open,
    masked_changes,
    may_correct,
    record_correct,
    record_void,
)
from cunjing.fieldwork.services.follow_ups import follow_up_drop
from cunjing.fieldwork.services.journal import (
    SUPERVISOR_ROLES,
    WORKLOG_MAX,
    WorklogMode,
    report_upsert,
    supervise,
    worklog_upsert,
    worklog_version,
)
from cunjing.fieldwork.services.records import (
    assistance_create,
    floating_resident_create,
    follow_up_done,
    outreach_create,
    prevention_create,
    record_figures,
    register_figure_sources,
    service_create,
    visit_create,
    volunteer_create,
)

__all__ = [
    "AIDE_KINDS",
    "CORRECTABLE_FIELDS",
    "LEADER_ROLES",
    "RECORDER_ROLES",
    "SUPERVISOR_ROLES",
    "WORKLOG_MAX",
    "WorklogMode",
    "assistance_create",
    "can_record",
    "correction_decide",
    "correction_request",
    "correction_window_open",
    "floating_resident_create",
    "follow_up_done",
    "follow_up_drop",
    "masked_changes",
    "may_correct",
    "outreach_create",
    "prevention_create",
    "record_correct",
    "record_figures",
    "record_void",
    "register_figure_sources",
    "report_upsert",
    "service_create",
    "supervise",
    "visit_create",
    "volunteer_create",
    "worklog_upsert",
    "worklog_version",
]
