from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.county import County, build_county

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]


@pytest.fixture(autouse=True, scope="session")
def _fast_hashing():
    """Argon2 is deliberately slow; tests that check it ask for it explicitly."""
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="module")
def _county_keys(django_db_setup, django_db_blocker):
    """Build the test county once per module, inside a transaction rolled back at the end of
    the module; each test then runs in its own savepoint (pytest-django's ``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        keys = build_county().keys()
        yield keys
        transaction.set_rollback(True)


@pytest.fixture
def county(_county_keys, db) -> County:
    """The test county with fresh model instances for this test."""
    return County.load(_county_keys)


PERSONAS = [
    "beat",
    "sibling",
    "other",
    "aide",
    "office_leader",
    "station_leader",
    "commander",
    "inspector",
    "sysadmin",
    "secadmin",
    "auditor",
]
