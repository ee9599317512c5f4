from __future__ import annotations

import pytest

from tests.county import County, build_county


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Argon2 is deliberately slow; tests that check it ask for it explicitly."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _no_axes_carry_over(db):
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


@pytest.fixture
def county(db) -> County:
    return build_county()


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
