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


_STAFF_VIEW = {Capability.VIEW_ORG}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BEAT_OFFICER: frozenset(_STAFF_VIEW),
    Role.AIDE: frozenset(_STAFF_VIEW),
    Role.OFFICE_LEADER: frozenset(_STAFF_VIEW),
    Role.STATION_LEADER: frozenset({*_STAFF_VIEW, Capability.MANAGE_BEATS}),
    Role.COMMANDER: frozenset({*_STAFF_VIEW, Capability.MANAGE_BEATS}),
    Role.INSPECTOR: frozenset(_STAFF_VIEW),
    # The bureau's configuration, including which outside applications may submit matters.
    Role.SYSADMIN: frozenset(
        {
            *_STAFF_VIEW,
            Capability.MANAGE_ORG,
            Capability.MANAGE_BEATS,
            Capability.IMPORT_ORG,
            Capability.MANAGE_OPEN311,
        }
    ),
    Role.SECADMIN: frozenset({*_STAFF_VIEW, Capability.MANAGE_USERS}),
    # The audit admin reads the trail and nothing else.
    Role.AUDITOR: frozenset({Capability.VIEW_AUDIT}),
}


# The registry (一标三实): the beat officers and their leaders keep it; aides read it (without ID
# numbers); the commander and inspectors read it; the three admin roles never see it. Revealing
# a masked ID number or phone is for those who act on a person: beat officers, office and station
# leaders, the commander — not inspectors (they check the work, masked data is enough), not aides.
_REGISTRY_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BEAT_OFFICER: frozenset(
        {Capability.VIEW_REGISTRY, Capability.EDIT_REGISTRY, Capability.REVEAL_PERSONAL_DATA}
    ),
    Role.AIDE: frozenset({Capability.VIEW_REGISTRY}),
    Role.OFFICE_LEADER: frozenset(
        {Capability.VIEW_REGISTRY, Capability.EDIT_REGISTRY, Capability.REVEAL_PERSONAL_DATA}
    ),
    Role.STATION_LEADER: frozenset(
        {Capability.VIEW_REGISTRY, Capability.EDIT_REGISTRY, Capability.REVEAL_PERSONAL_DATA}
    ),
    Role.COMMANDER: frozenset({Capability.VIEW_REGISTRY, Capability.REVEAL_PERSONAL_DATA}),
    Role.INSPECTOR: frozenset({Capability.VIEW_REGISTRY}),
}
for _role, _extra in _REGISTRY_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | _extra

# Field records (visits, floating residents, hardship households, volunteers, ...), work logs and
# reports name residents: read by those who do or check the work — never by the three admin
# roles, who keep the system, the accounts and the audit trail (as for the registry and
# matters). The admins still see the organisation and the results table (counts only).
for _role in (
    Role.BEAT_OFFICER,
    Role.AIDE,
    Role.OFFICE_LEADER,
    Role.STATION_LEADER,
    Role.COMMANDER,
    Role.INSPECTOR,
):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {Capability.VIEW_FIELDWORK}


def has_capability(user, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return capability in CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def require(user, capability: str) -> None:
    """Raise PermissionDenied (403) unless ``user``'s role has ``capability``. ``None`` is the
    system itself (commands, demo), which may do everything."""
    if user is not None and not has_capability(user, capability):
        raise PermissionDenied(gettext("You do not have permission to do this."))


# --- Matters (四级处理): who reads, reports, handles matters and edits the deadlines ---------


class MatterCapability(models.TextChoices):
    VIEW_MATTERS = "view_matters", _("Read matters")
    REPORT_MATTERS = "report_matters", _("Report matters")
    HANDLE_MATTERS = "handle_matters", _("Handle matters")
    MANAGE_SLA = "manage_sla", _("Edit the deadlines of matters")


_M = MatterCapability
_MATTER_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BEAT_OFFICER: frozenset({_M.VIEW_MATTERS, _M.REPORT_MATTERS, _M.HANDLE_MATTERS}),
    Role.AIDE: frozenset({_M.VIEW_MATTERS, _M.REPORT_MATTERS}),
    Role.OFFICE_LEADER: frozenset({_M.VIEW_MATTERS, _M.REPORT_MATTERS, _M.HANDLE_MATTERS}),
    Role.STATION_LEADER: frozenset({_M.VIEW_MATTERS, _M.REPORT_MATTERS, _M.HANDLE_MATTERS}),
    Role.COMMANDER: frozenset(
        {_M.VIEW_MATTERS, _M.REPORT_MATTERS, _M.HANDLE_MATTERS, _M.MANAGE_SLA}
    ),
    Role.INSPECTOR: frozenset({_M.VIEW_MATTERS}),
    # The system admin keeps the deadlines but reads no matter (residents' personal data).
    Role.SYSADMIN: frozenset({_M.MANAGE_SLA}),
}
CAPABILITIES = {
    role: caps | _MATTER_CAPABILITIES.get(role, frozenset()) for role, caps in CAPABILITIES.items()
}
