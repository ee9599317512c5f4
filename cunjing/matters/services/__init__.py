"""Writes of matters, one module per concern:

* :mod:`.transitions` — the state table, its guards and every action on a matter: the handlers'
  (accept, reply, resolve, escalate, refer, merge, mark a case) and the reporter's (confirm,
  reopen, rate);
* :mod:`.creation` — a matter collected by staff or submitted by a resident, with its attachment;
* :mod:`.attachments` — a photo or PDF, typed by its content;
* :mod:`.sla` — the deadlines per level and kind, and the bureau's policy;
* :mod:`.escalation` — the system's periodic escalation of breached deadlines and closing of
  resolved matters;
* :mod:`.categories` — the default categories of a bureau;
* :mod:`.codes` — tracking codes;
* :mod:`.merging` — what a merged matter follows, and what it may be merged into;
* :mod:`.similarity` — how alike two descriptions are (possible duplicates).

Callers use the package (``from cunjing.matters import services``; ``services.matter_accept``):
the names below are its interface. The modules' helpers (``_common``, the clocks, the step of a
transition) are not part of it.
"""

from cunjing.matters.services.attachments import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENTS_PER_MATTER,
    attachment_add,
    sniff_content_type,
)
from cunjing.matters.services.categories import DEFAULT_CATEGORIES, categories_ensure_defaults
from cunjing.matters.services.codes import (
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    new_tracking_code,
    normalize_tracking_code,
)
from cunjing.matters.services.creation import (
    STAFF_SOURCES,
    AlreadySubmitted,
    default_source,
    matter_create,
    matter_submit,
    sources_for,
)
from cunjing.matters.services.escalation import breached, close_resolved, escalate_overdue
from cunjing.matters.services.merging import MERGE_CHAIN_MAX, check_merge_target, survivor
from cunjing.matters.services.similarity import (
    DUPLICATE_CANDIDATES,
    DUPLICATE_DAYS,
    DUPLICATE_THRESHOLD,
    bigrams,
    similarity,
)
from cunjing.matters.services.sla import (
    DEFAULT_LEAD_SLA,
    DEFAULT_SLA,
    sla_default,
    sla_hours,
    sla_policy_set,
)
from cunjing.matters.services.transitions import (
    AUTO_CLOSE_DAYS,
    GUARDS,
    HANDLER_ACTIONS,
    REOPEN_DAYS,
    REPORTER_ACTIONS,
    SYSTEM_ACTIONS,
    TRANSITIONS,
    allowed,
    can_handle,
    handler_actions,
    matter_accept,
    matter_confirm,
    matter_escalate,
    matter_mark_case,
    matter_merge,
    matter_rate,
    matter_refer,
    matter_reopen,
    matter_reply,
    matter_resolve,
)

__all__ = [
    "ATTACHMENTS_PER_MATTER",
    "ATTACHMENT_MAX_BYTES",
    "AUTO_CLOSE_DAYS",
    "DEFAULT_CATEGORIES",
    "DEFAULT_LEAD_SLA",
    "DEFAULT_SLA",
    "DUPLICATE_CANDIDATES",
    "DUPLICATE_DAYS",
    "DUPLICATE_THRESHOLD",
    "GUARDS",
    "HANDLER_ACTIONS",
    "MERGE_CHAIN_MAX",
    "REOPEN_DAYS",
    "REPORTER_ACTIONS",
    "STAFF_SOURCES",
    "SYSTEM_ACTIONS",
    "TRACKING_ALPHABET",
    "TRACKING_LENGTH",
    "TRANSITIONS",
    "AlreadySubmitted",
    "allowed",
    "attachment_add",
    "bigrams",
    "breached",
    "can_handle",
    "categories_ensure_defaults",
    "check_merge_target",
    "close_resolved",
    "default_source",
    "escalate_overdue",
    "handler_actions",
    "matter_accept",
    "matter_confirm",
    "matter_create",
    "matter_escalate",
    "matter_mark_case",
    "matter_merge",
    "matter_rate",
    "matter_refer",
    "matter_reopen",
    "matter_reply",
    "matter_resolve",
    "matter_submit",
    "new_tracking_code",
    "normalize_tracking_code",
    "similarity",
    "sla_default",
    "sla_hours",
    "sla_policy_set",
    "sniff_content_type",
    "sources_for",
    "survivor",
]
