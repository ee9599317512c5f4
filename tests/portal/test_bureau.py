"""Which bureau the portal serves: the setting, else the only bureau; otherwise 404 and a log
line saying why."""

from __future__ import annotations

import logging

import pytest
from django.http import Http404

from cunjing.portal.bureau import portal_bureau
from tests.county import build_county


def test_the_only_bureau(county, settings):
    settings.PORTAL_BUREAU = ""
    assert portal_bureau() == county.bureau


def test_the_setting_names_the_bureau(county, settings):
    second = build_county(code="410500", name="第二县公安局", prefix="b-")
    settings.PORTAL_BUREAU = "410500"
    assert portal_bureau() == second.bureau
    settings.PORTAL_BUREAU = county.bureau.code
    assert portal_bureau() == county.bureau


def test_several_bureaus_and_no_setting_is_404_with_a_log_line(client, county, settings, caplog):
    build_county(code="410500", name="第二县公安局", prefix="b-")
    settings.PORTAL_BUREAU = ""
    with caplog.at_level(logging.ERROR, logger="cunjing.portal.bureau"), pytest.raises(Http404):
        portal_bureau()
    assert "CUNJING_PORTAL_BUREAU" in caplog.text and "several" in caplog.text
    for url in ("/portal/", "/portal/track/", "/portal/submit/"):
        assert client.get(url).status_code == 404


def test_an_unknown_code_is_404_with_a_log_line(client, county, settings, caplog):
    settings.PORTAL_BUREAU = "999999"
    with caplog.at_level(logging.ERROR, logger="cunjing.portal.bureau"):
        assert client.get("/portal/").status_code == 404
    assert "'999999'" in caplog.text
