"""The zh-Hans catalogue is complete: every msgid in the code is in it, and translated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "cunjing" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not missing, f"untranslated: {missing[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


def test_every_msgid_in_the_code_is_in_the_catalogue(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("xgettext (Debian package gettext) is needed under CI")
        pytest.skip("xgettext not installed (Debian package gettext)")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "cunjing", copy / "cunjing", ignore=shutil.ignore_patterns("__pycache__", "*.mo")
    )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    env = {**os.environ, "CUNJING_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(copy)}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "static/*",
            "-v0",
        ],
        cwd=copy,
        env=env,
        check=True,
    )
    extracted = polib.pofile(str(copy / PO.relative_to(ROOT)))
    shipped = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    new = [e.msgid for e in extracted if (e.msgctxt, e.msgid) not in shipped]
    assert not new, f"strings missing from the catalogue (run make messages-update): {new[:20]}"


def test_english_is_available(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/accounts/login/").content.decode()
    assert "Sign in" in body


def test_pages_are_chinese_even_for_an_english_browser(client, db):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in body


def test_the_language_switch_chooses_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Sign in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_api_honours_accept_language(client, db):
    response = client.get("/api/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"].isascii()
    response = client.get("/api/me")
    assert not response.json()["detail"].isascii()
