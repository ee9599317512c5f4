"""``full_demo``: the full demo county — ``manage.py demo`` with its registry and simulated field
work — built ONCE per test database for ``test_full_demo.py``, inside a transaction rolled back
after that module; each test reads it in its own savepoint (pytest-django's ``db``).

The build takes a minute or two. The fixture is module-scoped on purpose: a wider scope would
keep its transaction open around the tests that run after the module (they would see the demo
county, and transactional tests would run inside it); so the tests that read it live in that
one module (and under pytest-xdist ``--dist loadfile`` keeps the module on one worker). A second
module asking for it would build it again.

The full demo is built by ``demo --reset`` over a first ``demo --no-simulate`` build, as the
former class fixture of the county tests did: ``--no-simulate``, ``--reset`` and the
determinism of a build (the same seed gives the same county) are checked on these two builds
without building the full demo twice.

The builds write the list of the demo accounts (``demo-accounts.csv``) into a temporary
``VAR_DIR``, not into the working tree's ``var/``.
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from cunjing.accounts.models import User
from cunjing.demo import accounts as demo_accounts
from cunjing.demo import builder
from cunjing.fieldwork.models import HouseholdVisit, WorkLog
from cunjing.matters.models import MatterCategory
from cunjing.org.models import Bureau
from cunjing.registry.models import Resident

PASSWORD = "Demo-pass-2014"


@dataclass(frozen=True)
class FirstBuild:
    """What ``demo --no-simulate`` built into the empty database, before ``--reset`` flushed
    it."""

    users: int
    field_records: int  # household visits and work logs
    residents: int
    matter_categories: int
    digest: str  # ``builder.county_digest``


@dataclass(frozen=True)
class FullDemo:
    """What the builds leave for the tests (read the rows from the database, in the test)."""

    bureau_id: int
    output: str  # what ``manage.py demo --reset`` printed
    seconds: float
    digest: str  # ``builder.county_digest`` right after the build
    first: FirstBuild
    accounts_file: Path  # the list of the demo accounts the command wrote

    @property
    def bureau(self) -> Bureau:
        return Bureau.objects.get(pk=self.bureau_id)


def _first_build() -> FirstBuild:
    call_command("demo", "--no-simulate", stdout=io.StringIO())
    bureau = Bureau.objects.get(code=builder.DEMO_BUREAU_CODE)
    users = User.objects.filter(bureau=bureau).count()
    field_records = (
        HouseholdVisit.objects.filter(bureau=bureau).count()
        + WorkLog.objects.filter(bureau=bureau).count()
    )
    return FirstBuild(
        users=users,
        field_records=field_records,
        residents=Resident.objects.filter(bureau=bureau).count(),
        matter_categories=MatterCategory.objects.filter(bureau=bureau).count(),
        digest=builder.county_digest(bureau),
    )


@pytest.fixture(scope="module")
def full_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``manage.py demo --no-simulate``, then ``manage.py demo --reset`` (seed 2014, simulation
    to today), with the demo password from the environment, fast hashing and a temporary
    ``VAR_DIR``, once for the module; rolled back after its last test."""
    previous = os.environ.get(builder.PASSWORD_ENV)
    os.environ[builder.PASSWORD_ENV] = PASSWORD
    try:
        with (
            django_db_blocker.unblock(),
            transaction.atomic(),
            override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                VAR_DIR=tmp_path_factory.mktemp("var"),
            ),
        ):
            first = _first_build()
            out = io.StringIO()
            started = time.monotonic()
            call_command("demo", "--reset", stdout=out)
            seconds = time.monotonic() - started
            # PostgreSQL: run the deferred foreign-key checks of the ~650,000 rows now, once, in
            # this transaction. Left pending, they would run at every test's teardown (Django
            # checks constraints before rolling a test back), and again and again: a check done
            # in the test's savepoint is undone with it (~30 s a test).
            connection.check_constraints()
            bureau = Bureau.objects.get(code=builder.DEMO_BUREAU_CODE)
            yield FullDemo(
                bureau_id=bureau.pk,
                output=out.getvalue(),
                seconds=seconds,
                digest=builder.county_digest(bureau),
                first=first,
                accounts_file=demo_accounts.accounts_file(),
            )
            transaction.set_rollback(True)
    finally:
        if previous is None:
            os.environ.pop(builder.PASSWORD_ENV, None)
        else:
            os.environ[builder.PASSWORD_ENV] = previous
