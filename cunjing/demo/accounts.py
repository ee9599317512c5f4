"""The demo county's accounts: how they are named, one password hash for all of them, and the
list of them the demo writes for whoever explores it.

Every officer and leader of the demo county has an account named by their police (badge)
number, and every aide of one station has one (``builder.make_plan`` decides who gets which
role). All of them go through ``accounts.services.user_create`` — its checks, pinyin, flags and
audit event — inside :func:`shared_password_hash`, which hashes the demo password once.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, get_hashers, make_password
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from cunjing.accounts.models import User
from cunjing.core.roles import Role
from cunjing.org.models import Bureau

ACCOUNTS_FILE_NAME = "demo-accounts.csv"

# The order the list shows the people of one unit in: its leaders first.
_ROLE_ORDER = (
    Role.COMMANDER,
    Role.INSPECTOR,
    Role.SYSADMIN,
    Role.SECADMIN,
    Role.AUDITOR,
    Role.STATION_LEADER,
    Role.OFFICE_LEADER,
    Role.BEAT_OFFICER,
    Role.AIDE,
)


def officer_username(badge_number: str) -> str:
    """An officer's username: their police number (six digits, unique in the bureau; the demo
    database holds no other bureau), as officers sign in to police systems."""
    return badge_number


def aide_username(area_code: str, n: int) -> str:
    """The ``n``-th (from 1) aide of an area: ``aide-`` and the area's division code without the
    county's six digits, e.g. ``aide-205221-2`` (瓦房沟村's second aide). An aide's phone would
    be shorter but is personal data, masked everywhere else."""
    return f"aide-{area_code[6:]}-{n}"


# --- One hash for every demo account --------------------------------------------------------


class SharedHashHasher(BasePasswordHasher):
    """DEMO ONLY. Inside :func:`shared_password_hash`, the default hasher: it answers every
    ``make_password`` of the demo password with the one encoded hash computed when the block
    opened (any other password goes to the configured default hasher). It never appears in a
    stored hash: what it returns is that hasher's encoding (``argon2$…``), which signs in as
    usual."""

    algorithm = "demo-shared"
    _shared: ClassVar[dict[str, str]] = {}

    def salt(self) -> str:
        return ""

    def encode(self, password, salt):
        if password in self._shared:
            return self._shared[password]
        return make_password(password, hasher=get_hashers()[1].algorithm)

    def verify(self, password, encoded):  # never asked: stored hashes name the real algorithm
        raise NotImplementedError

    def safe_summary(self, encoded):
        raise NotImplementedError


@contextlib.contextmanager
def shared_password_hash(password: str) -> Iterator[str]:
    """DEMO ONLY: hash ``password`` once with the configured default hasher (argon2: ~0.2 s a
    hash, about a minute for the demo's few hundred accounts) and, inside the block, give every
    account created with it that same encoded hash, so ``user_create`` runs unchanged for each
    account at the cost of its queries. Real accounts each get their own salt; the demo's share
    one password anyway, printed for all to read. Yields the encoded hash."""
    encoded = make_password(password)
    SharedHashHasher._shared = {password: encoded}
    try:
        hashers = [f"{__name__}.SharedHashHasher", *settings.PASSWORD_HASHERS]
        with override_settings(PASSWORD_HASHERS=hashers):
            yield encoded
    finally:
        SharedHashHasher._shared = {}


# --- The list of every demo account ---------------------------------------------------------


def accounts_file() -> Path:
    """Where the demo writes the list of its accounts: ``var/demo-accounts.csv``."""
    return Path(settings.VAR_DIR) / ACCOUNTS_FILE_NAME


def write_accounts_file(bureau: Bureau, path: Path | None = None) -> tuple[Path, int]:
    """Write every account of ``bureau`` to ``path`` (default :func:`accounts_file`): username,
    name, role, unit; a unit's people together in tree order, its leaders first. No passwords
    (the demo password is the one the command prints). UTF-8 with a byte-order mark, so that
    Excel reads the Chinese right. Returns the path and the number of accounts."""
    path = path or accounts_file()
    users = list(User.objects.filter(bureau=bureau).select_related("unit"))
    users.sort(key=lambda u: (u.unit.path, _ROLE_ORDER.index(u.role), u.username))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_("username"), _("name"), _("role"), _("unit")])
        for u in users:
            writer.writerow([u.username, u.full_name, str(Role(u.role).label), u.unit.name])
    os.replace(partial, path)
    return path, len(users)
