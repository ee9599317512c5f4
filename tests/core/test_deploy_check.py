"""The production configuration the README documents ("Production settings"): ``manage.py check
--deploy`` answers no warning with it (before: W004, W008, W012, W016), and what it switches on.
Each case runs in a subprocess, since the settings are read from the environment at import.
The embedded default (`make run`, plain HTTP on 127.0.0.1) is left as it was."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
YEAR = 365 * 24 * 3600


# Settings only, no database: one pass (scripts/test.sh, marker once_sqlite).
pytestmark = pytest.mark.once_sqlite


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def production_env() -> dict[str, str]:
    """The README's production table, with fresh secrets (no server is contacted)."""
    return {
        "DEPLOYMENT": "county",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "cunjing.gaj.example",
        "DATABASE_URL": "postgres://cunjing@127.0.0.1:5432/cunjing",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "FIELD_ENCRYPTION_KEYS": f"k1:{_key()}",
        "BLIND_INDEX_KEY": _key(),
    }


def run(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """A Python of this venv in the project, with only ``env`` (and PATH) set."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "CUNJING_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "cunjing.settings",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=BASE, env=clean, capture_output=True, text=True, timeout=120
    )


SHOW = """
import json
from django.conf import settings as s
names = ["DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_PROXY_SSL_HEADER", "CLIENT_ADDRESS_HEADER"]
print(json.dumps({n: getattr(s, n) for n in names}))
"""


def settings_with(env: dict[str, str], tmp_path: Path) -> dict:
    done = run(env, tmp_path, "-c", SHOW)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_answers_no_warning_in_the_documented_configuration(tmp_path):
    code = (
        "from django.core.management import call_command; "
        "call_command('check', '--deploy', fail_level='WARNING')"
    )
    done = run(production_env(), tmp_path, "-c", f"import django; django.setup(); {code}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr
    assert not re.search(r"\((security|csp|cunjing|axes|django_ratelimit)\.[EW]\d+\)", done.stderr)


def test_the_readme_documents_that_configuration():
    readme = (BASE / "README.md").read_text()
    english = readme[readme.index("#### Production settings") :]
    table = english[: english.index("```nginx")]
    for name in production_env():
        assert f"`{name}`" in table, name
    for name in ("TRUST_X_REAL_IP", "HTTPS", "SECURE_COOKIES", "HSTS_SECONDS", "HSTS_PRELOAD"):
        assert f"`{name}" in readme, name
    assert "proxy_set_header X-Real-IP $remote_addr;" in english
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in english


def test_what_the_county_deployment_switches_on(tmp_path):
    assert settings_with(production_env(), tmp_path) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": YEAR,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CLIENT_ADDRESS_HEADER": "HTTP_X_REAL_IP",
    }


def test_the_embedded_default_is_unchanged(tmp_path):
    """`make run` serves plain HTTP on 127.0.0.1: no redirect, no HSTS, no Secure cookie, and
    no header trusted."""
    assert settings_with({}, tmp_path) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "CLIENT_ADDRESS_HEADER": "",
    }


def test_the_switches_one_by_one(tmp_path):
    # HTTPS served by gunicorn itself (no proxy): the scheme header is not trusted
    alone = settings_with({"HTTPS": "1"}, tmp_path)
    assert alone["SECURE_SSL_REDIRECT"] and alone["SESSION_COOKIE_SECURE"]
    assert alone["SECURE_HSTS_SECONDS"] == YEAR and alone["SECURE_PROXY_SSL_HEADER"] is None
    assert alone["CLIENT_ADDRESS_HEADER"] == ""
    proxied = settings_with({"TRUST_X_REAL_IP": "1"}, tmp_path)
    assert proxied["CLIENT_ADDRESS_HEADER"] == "HTTP_X_REAL_IP"
    assert proxied["SECURE_SSL_REDIRECT"] is False and proxied["SECURE_PROXY_SSL_HEADER"] is None
    # the older name still works
    old = settings_with({"RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP"}, tmp_path)
    assert old["CLIENT_ADDRESS_HEADER"] == "HTTP_X_REAL_IP"
    # a county deployment may turn a part off explicitly
    county = settings_with(
        {**production_env(), "HSTS_SECONDS": "600", "SECURE_COOKIES": "0"}, tmp_path
    )
    assert county["SECURE_HSTS_SECONDS"] == 600 and county["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
        ({"SECRET_KEY": "short-and-weak"}, "needs SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "needs ALLOWED_HOSTS"),
        ({"DEBUG": "1"}, "DEBUG off"),
        ({"DEPLOYMENT": "production"}, "use 'embedded' or 'county'"),
    ],
)
def test_a_county_deployment_refuses_to_start_half_configured(tmp_path, change, message):
    env = {k: v for k, v in {**production_env(), **change}.items() if v}
    done = run(env, tmp_path, "-c", SHOW)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


def test_behind_nginx_plain_http_is_redirected_and_https_gets_hsts(settings, client, db):
    """The derived settings at work (the county's, applied here): nginx's X-Forwarded-Proto
    tells Django the request came over HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == (f"max-age={YEAR}; includeSubDomains; preload")
    assert response.cookies["csrftoken"]["secure"] is True
