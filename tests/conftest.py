from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.county import County, build_county

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: rate-limit counts must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def _fast_hashing():
    """Argon2 is deliberately slow; tests that check it ask for it explicitly.

    WhiteNoise looks a static file up when it is asked for (``WHITENOISE_AUTOREFRESH``), as
    under ``runserver``, instead of listing every file of the static directories and of
    node_modules when its middleware is made: the test client makes the middleware again for
    every test, and that listing was two thirds of a page test's time (about 0.3 s of 0.45 s,
    measured with cProfile on the page matrix). Two-factor sign-in is not required of the test
    county's accounts; its tests turn it on."""
    with override_settings(
        PASSWORD_HASHERS=FAST_HASHERS, WHITENOISE_AUTOREFRESH=True, TWO_FACTOR_REQUIRED=False
    ):
        yield


TEST_FIELD_KEYS = [("t1", bytes(range(32)))]
TEST_BLIND_INDEX_KEY = bytes(range(32, 64))


@pytest.fixture(autouse=True, scope="session")
def _field_encryption_keys():
    """Fixed keys for the personal data at rest (``core.crypto``): no key file is made or read,
    whatever the environment says."""
    with override_settings(
        FIELD_ENCRYPTION_KEYS=TEST_FIELD_KEYS,
        BLIND_INDEX_KEY=TEST_BLIND_INDEX_KEY,
        FIELD_ENCRYPTION_KEY_FILE="",
        FIELD_ENCRYPTION_KEY_AUTOCREATE=False,
    ):
        yield


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in getattr(item, "fixturenames", ())
    )


@pytest.fixture(scope="module")
def _county_keys(request, django_db_setup, django_db_blocker):
    """Build the test county once per module, inside a transaction rolled back at the end of
    the module; each test then runs in its own savepoint (pytest-django's ``db``).

    A module that also holds transactional tests gets ``None`` instead, and builds the county
    inside each test: a module-wide open transaction would otherwise wrap its transactional
    tests (pytest-django runs them after the others, while the module is still set up)."""
    module_items = [i for i in request.session.items if i.module is request.module]
    if any(_transactional(item) for item in module_items):
        yield None
        return
    with django_db_blocker.unblock(), transaction.atomic():
        keys = build_county().keys()
        yield keys
        transaction.set_rollback(True)


@pytest.fixture
def county(_county_keys, db) -> County:
    """The test county with fresh model instances for this test."""
    if _county_keys is None:
        return build_county()
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
