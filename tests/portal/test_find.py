"""Find my officer: the village search (name, pinyin, initials; villages and communities only,
the portal's bureau only, nothing for an empty query) and the contact card."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cunjing.core.roles import SYSTEM
from tests.county import build_county


def names(response) -> list[str]:
    return re.findall(r'data-name="([^"]+)"', response.content.decode())


@pytest.mark.parametrize(
    "q", ["瓦房", "瓦房沟村", "wafanggou", "WaFangGou", "wfg", "wa fang", " wfgc "]
)
def test_search_finds_the_village_by_name_pinyin_and_initials(client, county, q):
    response = client.get(reverse("portal:home"), {"q": q})
    assert response.status_code == 200
    assert names(response) == ["瓦房沟村"]
    assert f'href="/portal/areas/{county.areas["own"].pk}/"' in response.content.decode()


def test_search_shows_villages_and_communities_only(client, county):
    # 甲乡 is a township: never a result; 甲社区 is a community: a result.
    assert names(client.get(reverse("portal:home"), {"q": "甲"})) == ["甲社区"]
    assert names(client.get(reverse("portal:home"), {"q": "村"})) == [
        "瓦房沟村",
        "刘沟村",
        "杨庄村",
    ]


def test_an_empty_query_shows_nothing(client, county):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get(reverse("portal:home"), params)
        assert response.status_code == 200
        assert 'id="pt-results"' not in response.content.decode()


def test_no_match_says_so(client, county):
    response = client.get(reverse("portal:home"), {"q": "不存在的村"})
    assert names(response) == []
    assert 'id="pt-results"' in response.content.decode()


def test_search_is_limited_to_twenty_results(client, county):
    from cunjing.org import services as org

    township = county.areas["township_a"]
    for i in range(25):
        org.area_create(
            actor=SYSTEM,
            bureau=county.bureau,
            parent=township,
            kind="village",
            name=f"新村{i:02d}",
            division_code=f"410499200{300 + i}",
        )
    assert len(names(client.get(reverse("portal:home"), {"q": "新村"}))) == 20


def test_the_contact_card(client, county):
    response = client.get(reverse("portal:card", args=[county.areas["own"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    card = body.split('id="pt-card"', 1)[1]
    # the beat officer: name, badge number, work phone (public on a contact card)
    assert "张伟" in card and "041001" in card and "13803751001" in card
    # the serving workstation: name, address, phone
    assert "瓦房沟警务工作站" in card and "甲乡瓦房沟村村委会" in card
    assert "03758123456" in card
    # the aide by name only: never their private phone
    assert "陈静" in card
    assert "13903751009" not in body and "3751009" not in body
    # no other village's officer
    assert "王芳" not in body and "李强" not in body
    assert f'href="/portal/submit/?area={county.areas["own"].pk}"' in body


def test_an_officer_no_longer_active_is_off_the_card(client, county):
    officer = county.officers["own"]
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    body = client.get(reverse("portal:card", args=[county.areas["own"].pk])).content.decode()
    assert "张伟" not in body and "13803751001" not in body
    # the workstation is still there to call
    assert "瓦房沟警务工作站" in body and "03758123456" in body


def test_officer_phone_is_shown_as_dialled(client, county):
    body = client.get(reverse("portal:card", args=[county.areas["own"].pk])).content.decode()
    phone = re.search(r'href="tel:([^"]+)"', body).group(1)
    assert re.sub(r"\D", "", phone) == "13803751001"


@pytest.mark.parametrize("key", ["county", "township_a"])
def test_no_card_for_anything_but_a_village_or_community(client, county, key):
    assert client.get(reverse("portal:card", args=[county.areas[key].pk])).status_code == 404


def test_no_card_for_a_missing_area(client, county):
    assert client.get(reverse("portal:card", args=[10**9])).status_code == 404


def test_another_bureaus_villages_are_not_on_this_portal(client, county, settings):
    second = build_county(code="410500", name="第二县公安局", prefix="b-")
    settings.PORTAL_BUREAU = county.bureau.code
    assert names(client.get(reverse("portal:home"), {"q": "瓦房沟"})) == ["瓦房沟村"]
    assert client.get(reverse("portal:card", args=[second.areas["own"].pk])).status_code == 404
    settings.PORTAL_BUREAU = "410500"
    assert client.get(reverse("portal:card", args=[second.areas["own"].pk])).status_code == 200
    assert client.get(reverse("portal:card", args=[county.areas["own"].pk])).status_code == 404
