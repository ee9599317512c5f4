"""Reads of accounts for the security admin: the bureau's accounts, searched and filtered, and
which of them django-axes holds locked right now."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunjing.accounts.models import User
from cunjing.core.roles import Capability, has_capability


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
