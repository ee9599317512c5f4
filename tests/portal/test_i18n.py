"""The portal speaks zh-Hans first and English on request, by the project's rule: the language
cookie set by the switch in the page header (a browser's Accept-Language alone keeps Chinese)."""

from __future__ import annotations

import re


def test_chinese_first_even_for_an_english_browser(client, county):
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "群众门户" in response.content.decode()  # "Residents' portal", already translated


def test_the_switch_in_the_header_chooses_english_and_back(client, county):
    page = client.get("/portal/track/").content.decode()
    switch = re.search(r'<form action="(/i18n/setlang/)" method="post"', page)
    assert switch and 'name="language" value="en"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/track/"})
    assert response.status_code == 302 and response["Location"] == "/portal/track/"
    english = client.get("/portal/track/")
    assert english["Content-Language"] == "en"
    body = english.content.decode()
    assert "Type the tracking code you were given when you reported." in body
    assert "Residents' portal" in body and 'value="zh-hans"' in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/"})
    assert client.get("/portal/")["Content-Language"] == "zh-hans"


def test_the_contact_card_in_english(client, county, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/portal/areas/{county.areas['own'].pk}/").content.decode()
    assert "Police–resident contact card" in body and "Badge number" in body
    assert "张伟" in body  # names stay as they are
