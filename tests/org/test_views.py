"""The organisation pages: what each persona sees, what bad input gets, what a write leaves.

Personas and the county: ``tests/county.py``. Who may open which page is tabled in
``tests/test_permission_matrix_pages.py``; this file checks the pages' content and behaviour.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cunjing.core.masking import mask_phone, national_phone
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from cunjing.org.models import Area, Beat
from tests.county import START

# --- helpers -----------------------------------------------------------------------------------


def login(client, county, persona):
    client.force_login(county.user(persona))
    return client


def area_url(name, county, key):
    return reverse(name, args=[county.areas[key].pk])


def unit_url(county, key):
    return reverse("org:unit_detail", args=[county.units[key].pk])


def text_of(response) -> str:
    """The page's visible text, tags stripped and blanks collapsed (for content assertions)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def grow(county, n: int = 12) -> None:
    """More of everything: workstations with officers and villages under 甲中心警务室, each
    also on the beat officer's beat; more aides, officers and ended beats in 瓦房沟村."""
    for i in range(n):
        ws = org.unit_create(
            actor=SYSTEM,
            parent=county.units["office_a"],
            kind="workstation",
            name=f"新增{i}警务工作站",
            address=f"新增{i}村",
        )
        area = org.area_create(
            actor=SYSTEM,
            bureau=county.bureau,
            parent=county.areas["township_a"],
            kind="village",
            name=f"新增{i}村",
            division_code=f"410499200{400 + i:03d}",
        )
        org.coverage_create(actor=SYSTEM, unit=ws, area=area)
        officer = org.officer_create(
            actor=SYSTEM,
            unit=ws,
            name=f"民警{i}",
            badge_number=f"0420{i:02d}",
            phone=f"138037520{i:02d}",
        )
        org.beat_assign(actor=SYSTEM, officer=officer, area=area, start_date=START, is_lead=True)
        org.beat_assign(actor=SYSTEM, officer=county.officers["own"], area=area, start_date=START)
        extra = org.beat_assign(
            actor=SYSTEM, officer=officer, area=county.areas["own"], start_date=START
        )
        if i % 2:
            org.beat_end(actor=SYSTEM, beat=extra, end_date=START + dt.timedelta(days=30 + i))
        org.aide_create(
            actor=SYSTEM,
            area=county.areas["own"],
            name=f"巡防{i}",
            kind="patroller",
            phone=f"139037520{i:02d}",
        )


# --- unit tree and unit pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "top", "children"),
    [
        ("beat", "瓦房沟警务工作站", []),
        ("office_leader", "甲中心警务室", ["瓦房沟警务工作站", "刘沟警务工作站"]),
        ("station_leader", "甲派出所", ["甲中心警务室"]),
        ("commander", "测试县公安局", ["甲派出所", "乙派出所"]),
        ("secadmin", "测试县公安局", ["甲派出所", "乙派出所"]),
    ],
)
def test_unit_tree_starts_at_the_top_visible_unit(client, county, persona, top, children):
    response = login(client, county, persona).get(reverse("org:unit_tree"))
    assert response.status_code == 200
    nodes = response.context["nodes"]
    assert [node["unit"].name for node in nodes] == [top]
    assert [child["unit"].name for child in nodes[0]["children"]] == children


def test_unit_tree_counts_officers_of_the_subtree(client, county):
    response = login(client, county, "commander").get(reverse("org:unit_tree"))
    node = response.context["nodes"][0]
    assert node["officers"] == 5
    assert {c["unit"].name: c["officers"] for c in node["children"]} == {
        "甲派出所": 3,
        "乙派出所": 2,
    }


def test_unit_detail_shows_breadcrumb_children_areas_officers(client, county):
    response = login(client, county, "station_leader").get(unit_url(county, "office_a"))
    assert response.status_code == 200
    crumbs = [(unit.name, may_open) for unit, may_open in response.context["crumbs"]]
    # The bureau is above the station leader's scope: shown by name, not as a link.
    assert crumbs == [("测试县公安局", False), ("甲派出所", True)]
    assert [c["unit"].name for c in response.context["children"]] == [
        "瓦房沟警务工作站",
        "刘沟警务工作站",
    ]
    assert [a.name for a in response.context["areas"]] == ["甲社区"]
    assert [o.name for o in response.context["officers"]] == ["赵敏"]
    html = response.content.decode()
    assert reverse("org:unit_detail", args=[county.units["bureau"].pk]) + '"' not in html
    assert f'href="{unit_url(county, "station_a")}"' in html
    assert f'href="{area_url("org:area_detail", county, "community_a")}"' in html


def test_unit_detail_of_a_workstation_links_its_village(client, county):
    response = login(client, county, "beat").get(unit_url(county, "ws_own"))
    assert response.status_code == 200
    assert [a.name for a in response.context["areas"]] == ["瓦房沟村"]
    assert all(not may_open for _, may_open in response.context["crumbs"])
    assert f'href="{area_url("org:area_detail", county, "own")}"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "unit"),
    [
        ("beat", "ws_sibling"),
        ("beat", "office_a"),
        ("beat", "bureau"),
        ("aide", "ws_other"),
        ("office_leader", "station_a"),
        ("station_leader", "ws_other"),
        ("station_leader", "station_b"),
    ],
)
def test_invisible_unit_is_404(client, county, persona, unit):
    assert login(client, county, persona).get(unit_url(county, unit)).status_code == 404


def test_unit_children_partial_for_htmx(client, county):
    login(client, county, "commander")
    response = client.get(
        unit_url(county, "station_a") + "?part=children", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "甲中心警务室" in html
    # Without htmx the same address is the full page.
    full = client.get(unit_url(county, "station_a") + "?part=children")
    assert "<html" in full.content.decode()


def test_unit_pages_query_counts_are_pinned(client, county, django_assert_num_queries):
    login(client, county, "commander")
    # session, user with its unit (scope), session save (savepoint, update, release): 5.
    with django_assert_num_queries(8):  # + top units, their children, officer counts
        assert client.get(reverse("org:unit_tree")).status_code == 200
    # + unit, children, counts, ancestors, crumbs, areas, officers, history
    with django_assert_num_queries(13):
        assert client.get(unit_url(county, "office_a")).status_code == 200
    grow(county)
    with django_assert_num_queries(8):
        assert client.get(reverse("org:unit_tree")).status_code == 200
    with django_assert_num_queries(13):
        response = client.get(unit_url(county, "office_a"))
    assert len(response.context["children"]) == 14


# --- area list ---------------------------------------------------------------------------------


def names_on(response) -> list[str]:
    return [area.name for area in response.context["page"].object_list]


def test_area_list_is_scoped(client, county):
    response = login(client, county, "beat").get(reverse("org:area_list"))
    assert response.status_code == 200
    assert names_on(response) == ["瓦房沟村"]
    response = login(client, county, "office_leader").get(reverse("org:area_list"))
    assert sorted(names_on(response)) == sorted(["甲社区", "瓦房沟村", "刘沟村"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "wfg"}, ["瓦房沟村"]),
        ({"q": "WFG"}, ["瓦房沟村"]),
        ({"q": "wafang"}, ["瓦房沟村"]),
        ({"q": "沟村"}, ["瓦房沟村", "刘沟村"]),
        ({"q": "410499100"}, ["乙镇", "乙社区", "杨庄村"]),
        ({"kind": "community"}, ["甲社区", "乙社区"]),
        ({"kind": "village", "q": "lg"}, ["刘沟村"]),
        ({"q": "nothing-like-it"}, []),
    ],
)
def test_area_list_filters(client, county, params, expected):
    response = login(client, county, "commander").get(reverse("org:area_list"), params)
    assert response.status_code == 200
    assert sorted(names_on(response)) == sorted(expected)


def test_area_list_parent_filter(client, county):
    login(client, county, "commander")
    response = client.get(reverse("org:area_list"), {"parent": county.areas["township_a"].pk})
    assert sorted(names_on(response)) == sorted(["甲社区", "瓦房沟村", "刘沟村"])
    # A beat officer may filter by a township they cannot open; rows stay within their scope.
    login(client, county, "beat")
    response = client.get(reverse("org:area_list"), {"parent": county.areas["township_a"].pk})
    assert names_on(response) == ["瓦房沟村"]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "planet"},
        {"parent": "abc"},
        {"parent": "-3"},
        {"parent": str(2**70)},
        {"q": "x" * 51},
    ],
)
def test_area_list_bad_filter_is_422_with_field_errors(client, county, params):
    response = login(client, county, "commander").get(reverse("org:area_list"), params)
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == set(params)
    assert names_on(response) == []


def test_area_list_pages_25(client, county):
    for i in range(30):
        org.area_create(
            actor=SYSTEM,
            bureau=county.bureau,
            parent=county.areas["township_b"],
            kind="village",
            name=f"分页{i:02d}村",
            division_code=f"410499100{300 + i:03d}",
        )
    login(client, county, "commander")
    first = client.get(reverse("org:area_list"))
    assert len(names_on(first)) == 25
    assert first.context["page"].paginator.count == 38
    second = client.get(reverse("org:area_list"), {"page": 2})
    assert len(names_on(second)) == 13
    assert not set(names_on(first)) & set(names_on(second))
    # The filter travels with the page links.
    filtered = client.get(reverse("org:area_list"), {"q": "fy"})
    assert filtered.context["page"].paginator.count == 30
    assert "q=fy&amp;page=2" in filtered.content.decode()
    # A page out of range shows the last page, not an error.
    assert client.get(reverse("org:area_list"), {"page": 99}).status_code == 200


def test_area_list_query_count_is_pinned(client, county, django_assert_num_queries):
    login(client, county, "beat")
    # base 5 + count, page rows, their active beats, the parent choices
    with django_assert_num_queries(9):
        response = client.get(reverse("org:area_list"))
    assert len(names_on(response)) == 1
    grow(county, 30)
    with django_assert_num_queries(9):
        response = client.get(reverse("org:area_list"))
    assert len(names_on(response)) == 25


# --- area page ---------------------------------------------------------------------------------


def test_area_page_shows_contact_card_aides_and_history(client, county):
    officer = county.officers["own"]
    old = org.beat_assign(
        actor=SYSTEM,
        officer=county.officers["sibling"],
        area=county.areas["own"],
        start_date=dt.date(2014, 10, 1),
    )
    org.beat_end(actor=SYSTEM, beat=old, end_date=dt.date(2015, 3, 1))
    org.beat_assign(
        actor=SYSTEM,
        officer=county.officers["community_a"],
        area=county.areas["own"],
        start_date=dt.date(2015, 1, 1),
    )
    response = login(client, county, "beat").get(area_url("org:area_detail", county, "own"))
    assert response.status_code == 200
    text = text_of(response)
    # 警民联系卡: officer, badge, phone, the serving workstation and its address.
    card = response.context["card"]
    assert card.officer == officer
    assert card.unit == county.units["ws_own"]
    for expected in ["张伟", "041001", "13803751001", "瓦房沟警务工作站", "甲乡瓦房沟村村委会"]:
        assert expected in text
    assert "410499200201" in text and "33.2301" in text and "113.4502" in text
    # Other active beat officers.
    assert [o.name for o in card.others] == ["赵敏"]
    # Aides: name, kind, subtype; the phone masked.
    assert "陈静" in text
    assert "139****1009" in text
    assert "13903751009" not in response.content.decode()
    # History, active and ended.
    history = response.context["history"]
    assert {(b.officer.name, b.end_date) for b in history} == {
        ("张伟", None),
        ("赵敏", None),
        ("王芳", dt.date(2015, 3, 1)),
    }
    assert "2015-03-01" in text
    # Breadcrumb: the county and township are outside the beat officer's scope: names only.
    assert [(a.name, ok) for a, ok in response.context["crumbs"]] == [
        ("测试县", False),
        ("甲乡", False),
    ]
    # A beat officer may not edit or assign: no links to those pages.
    html = response.content.decode()
    assert reverse("org:area_edit", args=[county.areas["own"].pk]) not in html
    assert reverse("org:beat_assign", args=[county.areas["own"].pk]) not in html


def test_area_page_links_by_capability(client, county):
    edit = area_url("org:area_edit", county, "own")
    assign = area_url("org:beat_assign", county, "own")
    html = login(client, county, "sysadmin").get(area_url("org:area_detail", county, "own"))
    assert edit in html.content.decode() and assign in html.content.decode()
    html = login(client, county, "station_leader").get(area_url("org:area_detail", county, "own"))
    assert edit not in html.content.decode() and assign in html.content.decode()
    crumbs = [(a.name, ok) for a, ok in html.context["crumbs"]]
    assert crumbs == [("测试县", False), ("甲乡", True)]


def test_township_page_links_its_areas(client, county):
    response = login(client, county, "commander").get(
        area_url("org:area_detail", county, "township_a")
    )
    assert response.status_code == 200
    assert response.context["card"] is None
    assert f"?parent={county.areas['township_a'].pk}" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "area"),
    [
        ("beat", "other"),
        ("beat", "sibling"),
        ("beat", "township_a"),
        ("aide", "sibling"),
        ("office_leader", "other"),
        ("station_leader", "community_b"),
    ],
)
def test_invisible_area_is_404(client, county, persona, area):
    assert (
        login(client, county, persona).get(area_url("org:area_detail", county, area)).status_code
        == 404
    )


def test_area_page_query_count_is_pinned(client, county, django_assert_num_queries):
    login(client, county, "beat")
    url = area_url("org:area_detail", county, "own")
    # base 5 + area, ancestors, which ancestors are open, active beats, serving unit, aides,
    # beat history
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
    grow(county)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert len(response.context["aides"]) == 13
    assert len(response.context["history"]) == 13


def test_mask_phone():
    assert mask_phone("+8613903751009") == "139****1009"
    assert mask_phone("13903751009") == "139****1009"
    assert mask_phone("+863758123456") == "037****3456"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "****45"
    assert national_phone("+8613803751001") == "13803751001"
    assert national_phone("+863758123456") == "03758123456"


# --- area edit -------------------------------------------------------------------------------


def test_area_edit_form_shows_current_values(client, county):
    response = login(client, county, "sysadmin").get(area_url("org:area_edit", county, "own"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="瓦房沟村"' in html and 'value="410499200201"' in html


def test_area_edit_saves_and_leaves_one_audit_event(client, county):
    area = county.areas["own"]
    before = AuditEvent.objects.count()
    response = login(client, county, "sysadmin").post(
        area_url("org:area_edit", county, "own"),
        {
            "name": "瓦房沟新村",
            "division_code": "410499200299",
            "latitude": "33.5",
            "longitude": "113.4502",
        },
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302
    assert response["Location"] == area_url("org:area_detail", county, "own")
    area.refresh_from_db()
    assert (area.name, area.division_code, area.latitude) == ("瓦房沟新村", "410499200299", 33.5)
    assert area.pinyin_initials == "wfgxc"
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 1
    event = events[0]
    assert event.action == "area.update"
    assert (event.object_type, event.object_id) == ("org.area", str(area.pk))
    assert event.actor == county.user("sysadmin")
    assert event.before == {
        "name": "瓦房沟村",
        "division_code": "410499200201",
        "latitude": 33.2301,
        "pinyin": "wafanggoucun",
        "pinyin_initials": "wfgc",
    }
    assert event.after == {
        "name": "瓦房沟新村",
        "division_code": "410499200299",
        "latitude": 33.5,
        "pinyin": "wafanggouxincun",
        "pinyin_initials": "wfgxc",
    }
    assert event.channel == "web" and event.ip == "10.9.8.7"
    assert event.request_id == response["X-Request-ID"]
    # The message is shown on the next page.
    page = client.get(response["Location"])
    assert len(list(page.context["messages"])) == 1


def test_area_edit_without_change_writes_nothing(client, county):
    before = AuditEvent.objects.count()
    response = login(client, county, "sysadmin").post(
        area_url("org:area_edit", county, "own"),
        {
            "name": "瓦房沟村",
            "division_code": "410499200201",
            "latitude": "33.2301",
            "longitude": "113.4502",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


VALID_AREA = {
    "name": "瓦房沟村",
    "division_code": "410499200201",
    "latitude": "33.2301",
    "longitude": "113.4502",
}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "村" * 101}, {"name"}),
        ({"name": "瓦房\x00沟"}, {"name"}),
        ({"division_code": "12345"}, {"division_code"}),
        ({"division_code": "4104992002ab"}, {"division_code"}),
        ({"division_code": "410499200202"}, {"division_code"}),  # 刘沟村's code
        ({"division_code": ""}, {"division_code"}),
        ({"latitude": "91"}, {"latitude"}),
        ({"latitude": "north"}, {"latitude"}),
        ({"latitude": "nan"}, {"latitude"}),
        ({"longitude": "-180.5"}, {"longitude"}),
        ({"longitude": "1e400"}, {"longitude"}),
        (
            {"latitude": "95", "longitude": "200", "division_code": "x"},
            {"latitude", "longitude", "division_code"},
        ),
    ],
)
def test_area_edit_bad_input_is_422_and_saves_nothing(client, county, changes, fields):
    area = county.areas["own"]
    before = AuditEvent.objects.count()
    response = login(client, county, "sysadmin").post(
        area_url("org:area_edit", county, "own"), {**VALID_AREA, **changes}
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == fields
    assert "is-invalid" in response.content.decode()
    assert "invalid-feedback" in response.content.decode()
    fresh = Area.objects.get(pk=area.pk)
    assert (fresh.name, fresh.division_code, fresh.latitude, fresh.longitude) == (
        "瓦房沟村",
        "410499200201",
        33.2301,
        113.4502,
    )
    assert AuditEvent.objects.count() == before


def test_area_edit_duplicate_division_code_is_422(client, county):
    response = login(client, county, "sysadmin").post(
        area_url("org:area_edit", county, "own"), {**VALID_AREA, "division_code": "410499200202"}
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["division_code"]
    assert "alert-danger" in response.content.decode()
    assert Area.objects.get(pk=county.areas["own"].pk).division_code == "410499200201"


@pytest.mark.parametrize(
    "persona",
    [
        "beat",
        "aide",
        "office_leader",
        "station_leader",
        "commander",
        "inspector",
        "secadmin",
        "auditor",
    ],
)
def test_area_edit_is_403_for_those_who_cannot_maintain_the_org(client, county, persona):
    url = area_url("org:area_edit", county, "own")
    login(client, county, persona)
    assert client.get(url).status_code == 403
    assert client.post(url, {**VALID_AREA, "name": "改名村"}).status_code == 403
    assert Area.objects.get(pk=county.areas["own"].pk).name == "瓦房沟村"


def test_area_edit_of_another_bureau_is_404(client, county):
    from tests.county import build_county

    other = build_county(code="410500", name="另一县公安局", prefix="x-")
    url = reverse("org:area_edit", args=[other.areas["own"].pk])
    login(client, county, "sysadmin")
    assert client.get(url).status_code == 404
    assert client.post(url, {**VALID_AREA, "division_code": "410500200201"}).status_code == 404
    assert client.get(reverse("org:area_edit", args=[10**9])).status_code == 404


_chars = st.characters(blacklist_categories=("Cs",))
_junk = st.one_of(
    st.text(_chars, max_size=120),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"\A\d{12}\Z"),
    st.just(""),
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries(
        {"name": _junk, "division_code": _junk, "latitude": _junk, "longitude": _junk}
    )
)
def test_area_edit_random_input_never_500(client, county, data):
    client.force_login(county.user("sysadmin"))
    area = Area.objects.get(pk=county.areas["own"].pk)
    events = AuditEvent.objects.count()
    response = client.post(area_url("org:area_edit", county, "own"), data)
    assert response.status_code in (302, 422)
    fresh = Area.objects.get(pk=area.pk)
    if response.status_code == 422:
        assert response.context["form"].errors
        assert (fresh.name, fresh.division_code, fresh.latitude, fresh.longitude) == (
            area.name,
            area.division_code,
            area.latitude,
            area.longitude,
        )
        assert AuditEvent.objects.count() == events
    else:
        assert AuditEvent.objects.count() - events in (0, 1)


# --- beat assign and end -----------------------------------------------------------------------


def assign(client, county, area="own", **data):
    return client.post(area_url("org:beat_assign", county, area), data)


def test_beat_assign_form_offers_visible_active_officers(client, county):
    response = login(client, county, "station_leader").get(
        area_url("org:beat_assign", county, "own")
    )
    assert response.status_code == 200
    offered = {o.name for o in response.context["form"].fields["officer"].queryset}
    assert offered == {"张伟", "王芳", "赵敏"}  # 甲派出所's officers only
    assert "李强" not in response.content.decode()


def test_beat_assign_creates_a_beat_and_hands_over_the_lead(client, county):
    login(client, county, "station_leader")
    sibling = county.officers["sibling"]
    response = assign(client, county, officer=sibling.pk, start_date="2015-05-01", is_lead="on")
    assert response.status_code == 302
    assert response["Location"] == area_url("org:area_detail", county, "own")
    active = Beat.objects.active(dt.date(2015, 6, 1)).filter(area=county.areas["own"])
    assert {(b.officer.name, b.is_lead) for b in active} == {("王芳", True), ("张伟", False)}
    assert (
        AuditEvent.objects.filter(
            action="beat.create", object_id__in=[str(b.pk) for b in active]
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "officer"),
        ({"officer": "abc", "start_date": "2015-05-01"}, "officer"),
        ({"officer": str(2**70), "start_date": "2015-05-01"}, "officer"),
        ({"officer": "-1", "start_date": "2015-05-01"}, "officer"),
        ({"officer": "OTHER", "start_date": "2015-05-01"}, "officer"),  # another station's
        ({"officer": "OWN", "start_date": "2015-05-01"}, "officer"),  # already on this beat
        ({"officer": "SIBLING", "start_date": "yesterday"}, "start_date"),
        ({"officer": "SIBLING", "start_date": "2015-02-30"}, "start_date"),
        ({"officer": "SIBLING", "start_date": "FAR"}, "start_date"),
        ({"officer": "SIBLING"}, "start_date"),
    ],
)
def test_beat_assign_bad_input_is_422(client, county, data, field):
    ids = {
        "OTHER": county.officers["other"].pk,
        "OWN": county.officers["own"].pk,
        "SIBLING": county.officers["sibling"].pk,
    }
    far = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    data = {k: ids.get(v, far if v == "FAR" else v) for k, v in data.items()}
    beats, events = Beat.objects.count(), AuditEvent.objects.count()
    response = assign(login(client, county, "station_leader"), county, **data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert (Beat.objects.count(), AuditEvent.objects.count()) == (beats, events)


def test_beat_assign_on_a_township_is_422_with_a_form_error(client, county):
    login(client, county, "commander")
    response = assign(
        client, county, "township_a", officer=county.officers["own"].pk, start_date="2015-05-01"
    )
    assert response.status_code == 422
    assert response.context["form"].non_field_errors()


@pytest.mark.parametrize(
    ("persona", "area", "status"),
    [
        ("beat", "own", 403),
        ("aide", "own", 403),
        ("office_leader", "own", 403),
        ("inspector", "own", 403),
        ("secadmin", "own", 403),
        ("auditor", "own", 403),
        ("station_leader", "other", 404),
        ("beat", "sibling", 404),
    ],
)
def test_beat_assign_refused(client, county, persona, area, status):
    login(client, county, persona)
    response = assign(
        client, county, area, officer=county.officers["own"].pk, start_date="2015-05-01"
    )
    assert response.status_code == status
    assert client.get(area_url("org:beat_assign", county, area)).status_code == status
    assert Beat.objects.count() == 5


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    officer=st.one_of(st.sampled_from(["OWN", "SIBLING", "OTHER", "COMMUNITY"]), _junk),
    start_date=st.one_of(st.dates().map(dt.date.isoformat), _junk),
    is_lead=st.one_of(st.just("on"), st.just(""), _junk),
)
def test_beat_assign_random_input_never_500(client, county, officer, start_date, is_lead):
    client.force_login(county.user("station_leader"))
    ids = {"OWN": "own", "SIBLING": "sibling", "OTHER": "other", "COMMUNITY": "community_a"}
    if officer in ids:
        officer = county.officers[ids[officer]].pk
    beats = Beat.objects.count()
    response = client.post(
        area_url("org:beat_assign", county, "sibling"),
        {"officer": officer, "start_date": start_date, "is_lead": is_lead},
    )
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert response.context["form"].errors
        assert Beat.objects.count() == beats
    else:
        new = Beat.objects.order_by("-id").first()
        assert new.area == county.areas["sibling"]
        assert new.officer != county.officers["other"]  # never outside the leader's scope


def own_lead_beat(county) -> Beat:
    return Beat.objects.get(officer=county.officers["own"], area=county.areas["own"])


def test_beat_end_ends_the_beat(client, county):
    beat = own_lead_beat(county)
    response = login(client, county, "station_leader").post(
        reverse("org:beat_end", args=[beat.pk]), {"end_date": "2015-06-01"}
    )
    assert response.status_code == 302
    assert response["Location"] == area_url("org:area_detail", county, "own")
    beat.refresh_from_db()
    assert beat.end_date == dt.date(2015, 6, 1)
    event = AuditEvent.objects.filter(action="beat.end").get()
    assert (event.before, event.after) == ({"end_date": None}, {"end_date": "2015-06-01"})
    # Ended beats stay in the area's history.
    page = client.get(area_url("org:area_detail", county, "own"))
    assert beat in page.context["history"]


@pytest.mark.parametrize(
    ("data", "first_end"),
    [
        ({}, None),
        ({"end_date": "soon"}, None),
        ({"end_date": "2014-08-01"}, None),  # before the start
        ({"end_date": "2014-09-01"}, None),  # the start day itself
        ({"end_date": "2015-06-01"}, "2015-05-01"),  # already ended
    ],
)
def test_beat_end_bad_input_is_422(client, county, data, first_end):
    beat = own_lead_beat(county)
    login(client, county, "station_leader")
    url = reverse("org:beat_end", args=[beat.pk])
    if first_end:
        assert client.post(url, {"end_date": first_end}).status_code == 302
    events = AuditEvent.objects.count()
    response = client.post(url, data)
    assert response.status_code == 422
    assert "end_date" in response.context["form"].errors
    assert "invalid-feedback" in response.content.decode()
    beat.refresh_from_db()
    assert beat.end_date == (dt.date.fromisoformat(first_end) if first_end else None)
    assert AuditEvent.objects.count() == events


def test_beat_end_is_post_only_and_scoped(client, county):
    beat = own_lead_beat(county)
    url = reverse("org:beat_end", args=[beat.pk])
    assert login(client, county, "station_leader").get(url).status_code == 405
    assert login(client, county, "beat").post(url, {"end_date": "2015-06-01"}).status_code == 403
    other = Beat.objects.get(officer=county.officers["other"])
    url_other = reverse("org:beat_end", args=[other.pk])
    assert (
        login(client, county, "station_leader")
        .post(url_other, {"end_date": "2015-06-01"})
        .status_code
        == 404
    )
    assert client.post(reverse("org:beat_end", args=[10**9]), {}).status_code == 404
    assert Beat.objects.filter(end_date__isnull=False).count() == 0


# --- coverage (村社有警) -------------------------------------------------------------------------


def test_coverage_lists_uncovered_first(client, county):
    gap = org.area_create(
        actor=SYSTEM,
        bureau=county.bureau,
        parent=county.areas["township_a"],
        kind="village",
        name="空白村",
        division_code="410499200203",
    )
    org.coverage_create(actor=SYSTEM, unit=county.units["ws_sibling"], area=gap)
    org.beat_end(
        actor=SYSTEM,
        beat=Beat.objects.get(officer=county.officers["sibling"]),
        end_date=dt.date(2015, 1, 1),
    )
    response = login(client, county, "station_leader").get(reverse("org:coverage"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.area.name for r in rows[:2]] == ["刘沟村", "空白村"]
    assert not rows[0].covered and rows[2].covered
    report = response.context["report"]
    assert (report.areas_covered, report.areas_total) == (2, 4)
    assert "2 of 4 areas covered" in text_of(in_english(client).get(reverse("org:coverage")))
    assert "table-danger" in response.content.decode()


def test_coverage_filter_by_kind(client, county):
    login(client, county, "commander")
    response = client.get(reverse("org:coverage"), {"kind": "community"})
    assert {r.area.name for r in response.context["rows"]} == {"甲社区", "乙社区"}
    assert (response.context["report"].areas_covered, response.context["report"].areas_total) == (
        2,
        2,
    )
    response = client.get(reverse("org:coverage"), {"kind": "village"})
    assert {r.area.name for r in response.context["rows"]} == {"瓦房沟村", "刘沟村", "杨庄村"}
    bad = client.get(reverse("org:coverage"), {"kind": "township"})
    assert bad.status_code == 422
    assert "kind" in bad.context["form"].errors


def test_coverage_of_a_beat_officer_is_their_areas(client, county):
    response = login(client, county, "beat").get(reverse("org:coverage"))
    assert [r.area.name for r in response.context["rows"]] == ["瓦房沟村"]
    assert [o.name for o in response.context["rows"][0].officers] == ["张伟"]


def test_coverage_query_count_is_pinned(client, county, django_assert_num_queries):
    login(client, county, "commander")
    # base 5 + areas, their active beats with officers, aides by area and kind
    with django_assert_num_queries(8):
        assert client.get(reverse("org:coverage")).status_code == 200
    grow(county)
    with django_assert_num_queries(8):
        response = client.get(reverse("org:coverage"))
    assert response.context["report"].areas_total == 17
