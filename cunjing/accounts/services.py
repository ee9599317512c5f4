"""Writes to accounts: creating users, issuing and revoking API tokens, unlocking."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.accounts.models import ApiToken, User
from cunjing.core import audit
from cunjing.core.roles import BUREAU_ROLES, Capability, Role, has_capability, is_system

# The unit kinds each role may have as its jurisdiction.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.BEAT_OFFICER: frozenset({"office", "workstation"}),
    Role.AIDE: frozenset({"office", "workstation"}),
    Role.OFFICE_LEADER: frozenset({"office"}),
    Role.STATION_LEADER: frozenset({"station"}),
    **{role: frozenset({"bureau"}) for role in BUREAU_ROLES},
}

_USER_AUDIT_FIELDS = [
    "username",
    "full_name",
    "role",
    "bureau",
    "unit",
    "officer",
    "aide",
    "is_active",
]


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    unit,
    full_name: str = "",
    officer=None,
    aide=None,
) -> User:
    """Create a staff account with one role over one unit (a secadmin's act, or the system's)."""
    if not is_system(actor) and not has_capability(actor, Capability.MANAGE_USERS):
        raise PermissionDenied(_("You do not have permission to do this."))
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [_("Choose a valid role.")]
    elif unit.kind not in ROLE_UNIT_KINDS[role]:
        errors["unit"] = [_("This role cannot have this kind of unit as its jurisdiction.")]
    if role == Role.BEAT_OFFICER and officer is None:
        errors["officer"] = [_("A beat officer's account must be linked to an officer.")]
    if role == Role.AIDE and aide is None:
        errors["aide"] = [_("An aide's account must be linked to an aide.")]
    if not is_system(actor) and unit.bureau_id != actor.bureau_id:
        errors["unit"] = [_("This unit belongs to another bureau.")]
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        bureau_id=unit.bureau_id,
        unit=unit,
        officer=officer,
        aide=aide,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    try:
        user.set_password(password)
        user.full_clean(exclude=["password", *errors.keys()])
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(msgs)
    if errors:
        raise ValidationError(errors)
    user.save()
    audit.record(
        actor=actor,
        action="user.create",
        instance=user,
        after=audit.snapshot(user, _USER_AUDIT_FIELDS),
    )
    return user


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User) -> tuple[str, ApiToken]:
    """Issue a bearer token for an authenticated user; returns the raw key (shown once)."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        bureau_id=user.bureau_id,
        user=user,
        key_hash=_hash(raw),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.API_TOKEN_HOURS),
    )
    audit.record(
        actor=user,
        action="token.issue",
        instance=token,
        after={"user_id": user.pk, "expires_at": token.expires_at},
    )
    return raw, token


def token_user(raw: str) -> User | None:
    """The active user behind a bearer token, or None (unknown, expired, revoked, inactive)."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="token.revoke", instance=token, after={"revoked": True})


@transaction.atomic
def login_record(*, user: User) -> None:
    """Audit a successful sign-in (the session itself is Django's)."""
    if user.bureau_id:
        audit.record(actor=user, action="user.login", instance=user)
