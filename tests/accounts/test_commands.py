"""No superuser (三权分立): ``createsuperuser`` is refused; a bureau's first security admin is
made by ``create_security_admin`` with a one-time password."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cunjing.accounts.models import User


def test_createsuperuser_is_refused(db):
    with pytest.raises(CommandError, match="create_security_admin"):
        call_command("createsuperuser", "--username", "root", "--noinput")
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_first_security_admin(county):
    out = io.StringIO()
    call_command(
        "create_security_admin",
        "--bureau",
        county.bureau.code,
        "--username",
        "anquan",
        "--full-name",
        "安全员",
        stdout=out,
    )
    password = re.search(r"([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})", out.getvalue())[1]
    user = User.objects.get(username="anquan")
    assert (user.role, user.unit, user.must_change_password) == (
        "secadmin",
        county.units["bureau"],
        True,
    )
    assert user.check_password(password) and not user.is_superuser
    with pytest.raises(CommandError, match="username"):
        call_command(
            "create_security_admin", "--bureau", county.bureau.code, "--username", "anquan"
        )
    with pytest.raises(CommandError):
        call_command("create_security_admin", "--bureau", "999999", "--username", "x")
