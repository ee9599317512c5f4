"""Reads of accounts for the security admin: the bureau's accounts, searched and filtered, which
of them django-axes holds locked right now, and which no longer match their person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.accounts.models import User
from cunjing.core.roles import Capability, has_capability
from cunjing.org.models import Aide, Officer
from cunjing.org.selectors import serving_unit


class AccountState(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
    LOCKED = "locked", _("Locked")
    MUST_CHANGE = "must_change", _("Must change the password")


def _locking_attempts() -> QuerySet:
    """django-axes' records that lock right now: at least the failure limit within the
    cool-off period."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    limit = settings.AXES_FAILURE_LIMIT
    if not isinstance(limit, int):
        limit = 5
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=limit)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def locked_usernames(accounts: QuerySet) -> list[str]:
    """The usernames among ``accounts`` locked right now."""
    attempts = _locking_attempts().filter(username__in=accounts.values("username"))
    return list(attempts.order_by("username").values_list("username", flat=True).distinct())


def _bureau_accounts(user) -> QuerySet:
    if not has_capability(user, Capability.MANAGE_USERS) or user.bureau_id is None:
        return User.objects.none()
    return User.objects.filter(bureau_id=user.bureau_id)


def account_list(
    user,
    *,
    q: str = "",
    role: str = "",
    unit: int | None = None,
    state: str = "",
) -> QuerySet:
    """The accounts of the security admin's bureau (none for anyone else), with ``locked``
    annotated; ``q`` matches the username, the name, its pinyin or initials; ``unit`` means its
    subtree."""
    qs = _bureau_accounts(user).select_related("unit")
    locked = Exists(_locking_attempts().filter(username=OuterRef("username")))
    qs = qs.annotate(locked=locked)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(full_name__icontains=q)
            | Q(pinyin__startswith=q.lower())
            | Q(pinyin_initials__startswith=q.lower())
        )
    if role:
        qs = qs.filter(role=role)
    if unit is not None:
        from cunjing.org.models import Unit

        found = Unit.objects.filter(bureau_id=user.bureau_id).get(pk=unit)
        qs = qs.filter(unit__path__startswith=found.path, unit__bureau_id=found.bureau_id)
    if state == AccountState.ACTIVE:
        qs = qs.filter(is_active=True)
    elif state == AccountState.DISABLED:
        qs = qs.filter(is_active=False)
    elif state == AccountState.LOCKED:
        qs = qs.filter(locked=True)
    elif state == AccountState.MUST_CHANGE:
        qs = qs.filter(must_change_password=True)
    return qs.order_by("username")


def account_get(user, pk: int) -> User:
    """An account of the security admin's bureau (``User.DoesNotExist`` otherwise: 404)."""
    return account_list(user).select_related("officer", "aide").get(pk=pk)


# A burst: one username failing to sign in from this many addresses within the hour.
BURST_ADDRESSES = 3


def signin_bursts(user, *, now=None) -> list[dict]:
    """Accounts of the security admin's bureau that failed to sign in from at least
    :data:`BURST_ADDRESSES` addresses in the last hour — someone trying one account from many
    places. Each address is locked on its own; the account is not, so it is reported here
    instead: ``{"username", "addresses", "failures"}``, the most addresses first."""
    from axes.models import AccessAttempt

    accounts = _bureau_accounts(user)
    since = (now or timezone.now()) - dt.timedelta(hours=1)
    rows = (
        AccessAttempt.objects.filter(
            username__in=accounts.values("username"), attempt_time__gte=since
        )
        .values("username")
        .annotate(
            addresses=Count("ip_address", distinct=True), failures=Sum("failures_since_start")
        )
        .filter(addresses__gte=BURST_ADDRESSES)
        .order_by("-addresses", "username")
    )
    return list(rows)


class PersonChange(models.TextChoices):
    """Why an account no longer matches its person (``accounts_to_review``)."""

    OFFICER_LEFT = "officer_left", _("The officer has retired or left: disable the account")
    OFFICER_MOVED = "officer_moved", _("The officer was transferred: move the account's unit")
    AIDE_ENDED = "aide_ended", _("The aide's service has ended: disable the account")
    UNIT_CLOSED = "unit_closed", _("Its unit was closed: move or disable the account")


@dataclass(frozen=True)
class AccountToReview:
    account: User
    reason: PersonChange
    new_unit: object | None = None  # the officer's unit now, for a transfer


def accounts_to_review(user, *, limit: int = 50) -> list[AccountToReview]:
    """Active accounts of the bureau whose person or unit changed under them (the system admin
    transferred or retired the officer, ended the aide, closed the unit): the security admin's
    to-do (三权分立: the system admin never changes an account). Until then such an account
    sees nothing (retired, ended, closed) or keeps its old unit (transferred). One query."""
    changed = (
        Q(officer__is_active=False)
        | (Q(officer__isnull=False) & ~Q(officer__unit_id=F("unit_id")))
        | Q(aide__is_active=False)
        | Q(unit__closed_on__isnull=False)
    )
    rows = (
        _bureau_accounts(user)
        .filter(is_active=True)
        .filter(changed)
        .select_related("unit", "officer__unit", "aide")
        .order_by("username")
    )
    out = []
    for account in rows:
        if account.officer_id and not account.officer.is_active:
            reason, new_unit = PersonChange.OFFICER_LEFT, None
        elif account.aide_id and not account.aide.is_active:
            reason, new_unit = PersonChange.AIDE_ENDED, None
        elif account.unit.closed_on is not None:
            reason, new_unit = PersonChange.UNIT_CLOSED, None
        elif account.officer.unit.path.startswith(account.unit.path):
            continue  # an account over a unit above the officer's own (a leader): as intended
        else:
            reason, new_unit = PersonChange.OFFICER_MOVED, account.officer.unit
        out.append(AccountToReview(account=account, reason=reason, new_unit=new_unit))
        if len(out) >= limit:
            break
    return out


def unlinked_person(user, kind: str, pk: int) -> dict | None:
    """An active officer or aide of the security admin's bureau with no account yet, as the
    new account form's initial values (``None`` if there is none such)."""
    if not has_capability(user, Capability.MANAGE_USERS):
        return None
    if kind == "officer":
        officer = Officer.objects.filter(
            bureau_id=user.bureau_id, pk=pk, is_active=True, user__isnull=True
        ).first()
        if officer is None:
            return None
        return {
            "officer": officer.pk,
            "full_name": officer.name,
            "unit": officer.unit_id,
            "role": "beat_officer",
            "username": officer.badge_number,
        }
    aide = (
        Aide.objects.filter(bureau_id=user.bureau_id, pk=pk, is_active=True, user__isnull=True)
        .select_related("area")
        .first()
    )
    if aide is None:
        return None
    unit = serving_unit(aide.area)
    return {
        "aide": aide.pk,
        "full_name": aide.name,
        "unit": unit.pk if unit else None,
        "role": "aide",
    }
