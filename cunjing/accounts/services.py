"""Writes to accounts: creating users, issuing and revoking API tokens; the security admin's
administration of accounts (create, change, disable, enable, reset the password, unlock,
revoke every access) under the separation of the three admin roles; a user's own password
change."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.accounts.models import ApiToken, PasswordHistory, User
from cunjing.core import audit
from cunjing.core.roles import (
    ADMIN_ROLES,
    BUREAU_ROLES,
    Capability,
    Role,
    has_capability,
    is_system,
)
from cunjing.core.writes import check_editable
from cunjing.org.services import pinyin_of

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
    if officer is not None and not officer.is_active:
        errors["officer"] = [_("This officer has retired or left.")]
    if aide is not None and not aide.is_active:
        errors["aide"] = [_("This aide's service has ended.")]
    if not is_system(actor) and unit.bureau_id != actor.bureau_id:
        errors["unit"] = [_("This unit belongs to another bureau.")]
    pinyin, initials = pinyin_of(full_name)
    user = User(
        username=username,
        full_name=full_name,
        pinyin=pinyin,
        pinyin_initials=initials,
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
        ApiToken.objects.select_related("user", "user__unit", "user__officer", "user__aide")
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


# --- Administration of accounts (the security admin, 安全管理员) --------------------------------
#
# 三权分立 held by the services: an account holds exactly one role (one column); an admin role
# sits on the bureau and is never linked to an officer or an aide (a business person); no admin
# creates or changes an account of their own admin role; nobody changes their own account's
# role or unit, or disables, resets or unlocks it. Every change is audited with before/after.

ONE_TIME_GROUPS = 3
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    """A password shown once, to be changed at the next sign-in: three groups of four
    characters with every class the policy counts (e.g. ``k3Qd-7mPw-Xa9t``)."""
    while True:
        groups = [
            "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(4))
            for _ in range(ONE_TIME_GROUPS)
        ]
        raw = "-".join(groups)
        if (
            any(c.islower() for c in raw)
            and any(c.isupper() for c in raw)
            and any(c.isdigit() for c in raw)
        ):
            return raw


def _administer(actor, account: User | None = None, *, role: str | None = None) -> None:
    """The separation rules every administration service checks first (403)."""
    if not is_system(actor) and not has_capability(actor, Capability.MANAGE_USERS):
        raise PermissionDenied(_("You do not have permission to do this."))
    if is_system(actor):
        return
    if account is not None and account.pk == actor.pk:
        raise PermissionDenied(_("You cannot administer your own account."))
    if role is not None and not isinstance(role, str):
        raise ValidationError({"role": [_("Choose a valid role.")]})
    for target_role in (role, getattr(account, "role", None)):
        if target_role and target_role in ADMIN_ROLES and target_role == actor.role:
            raise PermissionDenied(
                _("An administrator cannot create or change an account of their own role.")
            )


def _lock_account(actor, account: User) -> User:
    """The account locked and read again, in the actor's bureau (404 otherwise)."""
    qs = User.objects.select_for_update()
    if not is_system(actor):
        qs = qs.filter(bureau_id=actor.bureau_id)
    return qs.get(pk=account.pk)


def _revoke(actor, account: User) -> int:
    """Every API token of ``account`` revoked and every session ended (a new session salt);
    returns the number of tokens revoked."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(user=account, revoked_at__isnull=True).update(revoked_at=now)
    account.session_salt = secrets.token_hex(16)
    return revoked


def _account_snapshot(user: User) -> dict:
    return audit.snapshot(user, [*_USER_AUDIT_FIELDS, "must_change_password"])


def _save_audited(actor, account: User, action: str, before: dict, **extra) -> User:
    account.save()
    old, new = audit.changed(before, _account_snapshot(account))
    audit.record(actor=actor, action=action, instance=account, before=old, after={**new, **extra})
    return account


@transaction.atomic
def account_create(
    *,
    actor,
    username: str,
    role: str,
    unit,
    full_name: str = "",
    officer=None,
    aide=None,
) -> tuple[User, str]:
    """An account for a person of the organisation or an admin role, with a one-time password
    (returned, shown once) that must be changed at the first sign-in."""
    _administer(actor, role=role)
    if role in ADMIN_ROLES and (officer is not None or aide is not None):
        raise ValidationError(
            {"role": [_("An administrator's account is not linked to an officer or an aide.")]}
        )
    password = one_time_password()
    user = user_create(
        actor=actor,
        username=username,
        password=password,
        role=role,
        unit=unit,
        full_name=full_name,
        officer=officer,
        aide=aide,
    )
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return user, password


@transaction.atomic
def account_update(*, actor, account: User, **changes) -> User:
    """Change an account's role, unit or name (the unit decides the jurisdiction)."""
    check_editable(changes, ("role", "unit", "full_name"))
    account = _lock_account(actor, account)
    _administer(actor, account, role=changes.get("role"))
    before = _account_snapshot(account)
    role = changes.get("role", account.role)
    unit = changes.get("unit", account.unit)
    errors: dict[str, list[str]] = {}
    if not isinstance(role, str) or role not in Role.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    if role != account.role and (role in ADMIN_ROLES or account.role in ADMIN_ROLES):
        # 三权分立: an administrator's role is fixed when the account is made; a business
        # account never becomes an administrator's, nor an administrator's a business one.
        raise ValidationError(
            {"role": [_("An administrator's role never changes: create a separate account.")]}
        )
    if role not in Role.values:
        errors["role"] = [_("Choose a valid role.")]
    elif unit is None or unit.kind not in ROLE_UNIT_KINDS[role]:
        errors["unit"] = [_("This role cannot have this kind of unit as its jurisdiction.")]
    elif unit.bureau_id != account.bureau_id:
        errors["unit"] = [_("This unit belongs to another bureau.")]
    if role in ADMIN_ROLES and (account.officer_id or account.aide_id):
        errors["role"] = [_("An administrator's account is not linked to an officer or an aide.")]
    if role == Role.BEAT_OFFICER and not account.officer_id:
        errors["role"] = [_("A beat officer's account must be linked to an officer.")]
    if role == Role.AIDE and not account.aide_id:
        errors["role"] = [_("An aide's account must be linked to an aide.")]
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(account, name, value)
    account.pinyin, account.pinyin_initials = pinyin_of(account.full_name)
    account.full_clean(exclude=["password"])
    if account.role != before["role"] or account.unit_id != before["unit_id"]:
        _revoke(actor, account)  # a new jurisdiction: sign in again
    return _save_audited(actor, account, "user.update", before)


@transaction.atomic
def account_disable(*, actor, account: User, reason: str) -> User:
    """Disable an account: it cannot sign in, its tokens and sessions end at once."""
    account = _lock_account(actor, account)
    _administer(actor, account)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why.")]})
    before = _account_snapshot(account)
    account.is_active = False
    tokens = _revoke(actor, account)
    return _save_audited(
        actor, account, "user.disable", before, reason=reason[:500], tokens_revoked=tokens
    )


@transaction.atomic
def account_enable(*, actor, account: User) -> User:
    account = _lock_account(actor, account)
    _administer(actor, account)
    before = _account_snapshot(account)
    account.is_active = True
    return _save_audited(actor, account, "user.enable", before)


@transaction.atomic
def account_reset_password(*, actor, account: User) -> tuple[User, str]:
    """A new one-time password (returned, shown once); the old one, the account's tokens and
    sessions stop working at once, and the next sign-in asks for a new password."""
    account = _lock_account(actor, account)
    _administer(actor, account)
    before = _account_snapshot(account)
    password = one_time_password()
    account.set_password(password)
    account.must_change_password = True
    tokens = _revoke(actor, account)
    _save_audited(actor, account, "user.reset_password", before, tokens_revoked=tokens)
    return account, password


@transaction.atomic
def account_revoke_access(*, actor, account: User) -> int:
    """End every session and revoke every API token of the account; returns the tokens
    revoked."""
    account = _lock_account(actor, account)
    _administer(actor, account)
    tokens = _revoke(actor, account)
    account.save(update_fields=["session_salt"])
    audit.record(
        actor=actor, action="user.revoke_access", instance=account, after={"tokens": tokens}
    )
    return tokens


@transaction.atomic
def account_unlock(*, actor, account: User) -> int:
    """Clear the failed sign-ins that lock the account; returns how many were cleared."""
    from axes.utils import reset

    account = _lock_account(actor, account)
    _administer(actor, account)
    cleared = reset(username=account.get_username())
    audit.record(actor=actor, action="user.unlock", instance=account, after={"cleared": cleared})
    return cleared


def password_problems(user: User, old_password: str, new_password: str) -> dict[str, list[str]]:
    """What is wrong with a password change, field by field (empty: nothing): the current
    password, the policy, not the username, not the current one."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(old_password or ""):
        errors["old_password"] = [_("The current password is wrong.")]
    new_password = new_password or ""
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        errors["new_password"] = list(exc.messages)
    if new_password and new_password.casefold() == user.get_username().casefold():
        errors.setdefault("new_password", []).append(_("The password cannot be the username."))
    if new_password and user.check_password(new_password):
        errors.setdefault("new_password", []).append(
            _("The new password must differ from the current one.")
        )
    elif new_password and _used_before(user, new_password):
        errors.setdefault("new_password", []).append(
            _("This password was used recently: choose one not among your last %(n)d.")
            % {"n": settings.PASSWORD_HISTORY}
        )
    return errors


def _used_before(user: User, raw: str) -> bool:
    from django.contrib.auth.hashers import check_password

    former = user.password_history.order_by("-created_at", "-id").values_list("encoded", flat=True)[
        : max(settings.PASSWORD_HISTORY - 1, 0)
    ]
    return any(check_password(raw, encoded) for encoded in former)


def password_expired(user: User, *, now=None) -> bool:
    """Whether the account's password is older than ``PASSWORD_MAX_AGE_DAYS`` (0: never)."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    since = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - since > dt.timedelta(days=days)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The user's own new password (:func:`password_problems` refused with every error at
    once); the one-time flag cleared; every API token ends (the caller keeps this session)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    errors = password_problems(user, old_password, new_password)
    if errors:
        raise ValidationError(errors)
    if user.has_usable_password() and not user.must_change_password:
        # The password given up joins the history (a one-time password does not).
        PasswordHistory.objects.create(user=user, encoded=user.password)
        stale = user.password_history.order_by("-created_at", "-id")[settings.PASSWORD_HISTORY :]
        PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.save()
    audit.record(actor=user, action="user.password_change", instance=user)
    return user


# --- Failed sign-ins per client address -----------------------------------------------------------

_ADDRESS_WINDOW = 600  # seconds


def _address_key(address: str) -> str:
    return f"signin-failures:{address}"


def signin_throttled(address: str) -> bool:
    """Whether the address has had ``SIGNIN_FAILURES_PER_ADDRESS`` failed sign-ins (any
    usernames) in the last 10 minutes: then it gets none until the window passes."""
    return cache.get(_address_key(address), 0) >= settings.SIGNIN_FAILURES_PER_ADDRESS


def signin_failed(address: str) -> None:
    """Count a failed sign-in of the address (the lockout of the username at that address is
    django-axes')."""
    key = _address_key(address)
    cache.add(key, 0, _ADDRESS_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _ADDRESS_WINDOW)
