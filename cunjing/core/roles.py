"""The roles of the mechanism and what each may do.

Vocabulary only: ``core`` imports no app. The jurisdiction rule (which rows a role sees) lives in
``org.jurisdiction``; this module says which *capabilities* a role has.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BEAT_OFFICER = "beat_officer", _("Beat officer")
    AIDE = "aide", _("Aide")
    OFFICE_LEADER = "office_leader", _("Office leader")
    STATION_LEADER = "station_leader", _("Station leader")
    COMMANDER = "commander", _("Bureau commander")
    INSPECTOR = "inspector", _("Inspector")
    SYSADMIN = "sysadmin", _("System admin")
    SECADMIN = "secadmin", _("Security admin")
    AUDITOR = "auditor", _("Audit admin")


# 三权分立: system, security and audit administration are separate roles; an account holds exactly
# one role, so no account can hold two of these.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})

# Roles whose jurisdiction is the whole bureau: they must sit on the bureau unit.
BUREAU_ROLES = frozenset({Role.COMMANDER, Role.INSPECTOR, *ADMIN_ROLES})

# Roles whose personal records are limited to their own areas (beats, or the aide's area).
PERSONAL_ROLES = frozenset({Role.BEAT_OFFICER, Role.AIDE})


class Capability(models.TextChoices):
    VIEW_ORG = "view_org", _("View the organisation")
    MANAGE_ORG = "manage_org", _("Maintain units, areas and officers")
    MANAGE_BEATS = "manage_beats", _("Assign beats")
    IMPORT_ORG = "import_org", _("Import the organisation from a spreadsheet")
    VIEW_AUDIT = "view_audit", _("Read the audit trail")
    MANAGE_USERS = "manage_users", _("Manage accounts and lockouts")
    VIEW_REGISTRY = "view_registry", _("Read the registry of addresses, residents and premises")
    EDIT_REGISTRY = "edit_registry", _("Maintain the registry of addresses, residents and premises")
    REVEAL_PERSONAL_DATA = "reveal_personal_data", _("Reveal ID numbers and phones (audited)")
    VIEW_FIELDWORK = "view_fieldwork", _("Read field records, work logs and reports")
    MANAGE_OPEN311 = "manage_open311", _("Issue and revoke Open311 API keys")
    VIEW_MATTERS = "view_matters", _("Read matters")
    REPORT_MATTERS = "report_matters", _("Report matters")
    HANDLE_MATTERS = "handle_matters", _("Handle matters")
    MANAGE_SLA = "manage_sla", _("Edit the deadlines of matters")
    MANAGE_RULES = "manage_rules", _("Edit the bureau's rules (the correction window of records)")


# Role → capabilities: the whole table, in one place. The reasons, row by row:
# - The registry (一标三实), field records, work logs and reports name residents: read by those
#   who do or check the work (beat officers, aides without ID numbers, leaders, the commander,
#   inspectors), never by the three admin roles, who keep the system, the accounts and the audit
#   trail; they still see the organisation and the results table (counts only).
# - Revealing a masked ID number or phone is for those who act on a person: beat officers,
#   office and station leaders, the commander — not inspectors (masked data is enough to check
#   the work), not aides.
# - Matters (四级处理): aides report and read; officers and leaders handle; inspectors read; the
#   commander and the system admin keep the deadlines (the system admin reads no matter), and
#   the bureau's rules (how long a record can be corrected without a leader).
# - The system admin keeps the bureau's configuration, including which outside applications may
#   submit matters (Open311 keys); the security admin the accounts; the auditor the trail only.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BEAT_OFFICER: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.VIEW_REGISTRY,
            Capability.EDIT_REGISTRY,
            Capability.REVEAL_PERSONAL_DATA,
            Capability.VIEW_FIELDWORK,
            Capability.VIEW_MATTERS,
            Capability.REPORT_MATTERS,
            Capability.HANDLE_MATTERS,
        }
    ),
    Role.AIDE: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.VIEW_REGISTRY,
            Capability.VIEW_FIELDWORK,
            Capability.VIEW_MATTERS,
            Capability.REPORT_MATTERS,
        }
    ),
    Role.OFFICE_LEADER: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.VIEW_REGISTRY,
            Capability.EDIT_REGISTRY,
            Capability.REVEAL_PERSONAL_DATA,
            Capability.VIEW_FIELDWORK,
            Capability.VIEW_MATTERS,
            Capability.REPORT_MATTERS,
            Capability.HANDLE_MATTERS,
        }
    ),
    Role.STATION_LEADER: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.MANAGE_BEATS,
            Capability.VIEW_REGISTRY,
            Capability.EDIT_REGISTRY,
            Capability.REVEAL_PERSONAL_DATA,
            Capability.VIEW_FIELDWORK,
            Capability.VIEW_MATTERS,
            Capability.REPORT_MATTERS,
            Capability.HANDLE_MATTERS,
        }
    ),
    Role.COMMANDER: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.MANAGE_BEATS,
            Capability.VIEW_REGISTRY,
            Capability.REVEAL_PERSONAL_DATA,
            Capability.VIEW_FIELDWORK,
            Capability.VIEW_MATTERS,
            Capability.REPORT_MATTERS,
            Capability.HANDLE_MATTERS,
            Capability.MANAGE_SLA,
            Capability.MANAGE_RULES,
        }
    ),
    Role.INSPECTOR: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.VIEW_REGISTRY,
            Capability.VIEW_FIELDWORK,
            Capability.VIEW_MATTERS,
        }
    ),
    Role.SYSADMIN: frozenset(
        {
            Capability.VIEW_ORG,
            Capability.MANAGE_ORG,
            Capability.MANAGE_BEATS,
            Capability.IMPORT_ORG,
            Capability.MANAGE_OPEN311,
            Capability.MANAGE_SLA,
            Capability.MANAGE_RULES,
        }
    ),
    Role.SECADMIN: frozenset({Capability.VIEW_ORG, Capability.MANAGE_USERS}),
    Role.AUDITOR: frozenset({Capability.VIEW_AUDIT}),
}


def sees_id_numbers(user) -> bool:
    """Aides see residents without ID numbers (not even masked); everybody else sees them
    masked, and in clear only through the audited reveal."""
    return getattr(user, "role", "") != Role.AIDE


class NonUserActor:
    """Someone or something that acts with no account behind it. Services take it where they
    would take a user; it is not authenticated, holds no capability and sees nothing through
    ``visible_to``; the audit trail records its ``role``."""

    is_authenticated = False
    is_active = False
    pk = id = None
    unit_id = bureau_id = officer_id = None

    def __init__(self, role: str):
        self.role = role

    def get_username(self) -> str:
        return self.role

    def __repr__(self) -> str:
        return f"NonUserActor({self.role!r})"


# The platform acting on its own: management commands, periodic tasks (escalating overdue
# matters, closing resolved ones), the demo builder. Services skip the caller's scope and
# capability checks for it (there is no caller), and only for it.
SYSTEM = NonUserActor("system")
# A resident with no account, through the portal or Open311: only the public actions on the
# matter they hold the tracking code of.
RESIDENT = NonUserActor("resident")


def is_system(actor) -> bool:
    return actor is SYSTEM


def acting_user(actor):
    """The account behind ``actor`` for a ``created_by``-style column: the user, or ``None``
    for SYSTEM and RESIDENT."""
    return actor if getattr(actor, "is_authenticated", False) else None


def has_capability(user, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return capability in CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def require(actor, capability: str) -> None:
    """Raise PermissionDenied (403) unless ``actor``'s role has ``capability``. The system
    actor (:data:`SYSTEM`) may do everything; ``None`` and anonymous users nothing."""
    if not is_system(actor) and not has_capability(actor, capability):
        raise PermissionDenied(gettext("You do not have permission to do this."))
