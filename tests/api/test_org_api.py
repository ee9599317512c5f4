"""The organisation endpoints: happy paths, filters, pagination, writes and their errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from cunjing.org.models import Area, Beat
from tests.api import api_as, zh


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


# --- Units ---------------------------------------------------------------------------------------


def test_units_of_the_commander_in_tree_order(county):
    response = api_as(county.user("commander"), lang="en").get("/api/org/units")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    assert (body["limit"], body["offset"]) == (100, 0)
    assert names(response) == [
        "测试县公安局",
        "甲派出所",
        "甲中心警务室",
        "瓦房沟警务工作站",
        "刘沟警务工作站",
        "乙派出所",
        "乙中心警务室",
        "杨庄警务工作站",
    ]
    first, ws = body["items"][0], body["items"][3]
    assert first["parent_id"] is None
    assert first["kind"] == "bureau"
    assert first["kind_label"] == "Bureau"
    assert ws["parent_id"] == county.units["office_a"].pk
    assert ws["phone"] == "+863758123456"
    assert ws["depth"] == 4


def test_units_of_a_station_leader_are_the_station_subtree(county):
    response = api_as(county.user("station_leader")).get("/api/org/units")
    assert names(response) == ["甲派出所", "甲中心警务室", "瓦房沟警务工作站", "刘沟警务工作站"]
    # The bureau above is not visible: the station's parent id is not disclosed.
    assert response.json()["items"][0]["parent_id"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "workstation"}, ["瓦房沟警务工作站", "刘沟警务工作站", "杨庄警务工作站"]),
        ({"q": "甲"}, ["甲派出所", "甲中心警务室"]),
        ({"kind": "office", "q": "乙"}, ["乙中心警务室"]),
    ],
)
def test_unit_filters(county, params, expected):
    response = api_as(county.user("commander")).get("/api/org/units", params)
    assert names(response) == expected


def test_empty_filters_mean_no_filter(county):
    client = api_as(county.user("commander"))
    response = client.get("/api/org/units", {"kind": "", "parent": "", "q": ""})
    assert response.status_code == 200
    assert response.json()["count"] == 8
    response = client.get("/api/org/areas", {"kind": "", "parent": "", "q": ""})
    assert response.json()["count"] == 8


def test_unit_parent_filter_lists_direct_children(county):
    params = {"parent": county.units["office_a"].pk}
    response = api_as(county.user("commander")).get("/api/org/units", params)
    assert names(response) == ["瓦房沟警务工作站", "刘沟警务工作站"]


def test_unit_parent_filter_stays_in_scope(county):
    # The parent only locates a prefix: another station's children are not revealed.
    params = {"parent": county.units["office_b"].pk}
    response = api_as(county.user("station_leader")).get("/api/org/units", params)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_unit_pagination(county):
    client = api_as(county.user("commander"))
    page1 = client.get("/api/org/units", {"limit": 3, "offset": 0}).json()
    page2 = client.get("/api/org/units", {"limit": 3, "offset": 3}).json()
    page3 = client.get("/api/org/units", {"limit": 3, "offset": 6}).json()
    assert page1["count"] == page2["count"] == page3["count"] == 8
    ids = [u["id"] for page in (page1, page2, page3) for u in page["items"]]
    assert len(ids) == len(set(ids)) == 8
    beyond = client.get("/api/org/units", {"limit": 3, "offset": 30}).json()
    assert beyond["items"] == [] and beyond["count"] == 8


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"limit": 501}, "limit", "Ensure this value is less than or equal to 500."),
        ({"limit": 0}, "limit", "Ensure this value is greater than or equal to 1."),
        ({"offset": -1}, "offset", "Ensure this value is greater than or equal to 0."),
        ({"limit": "ten"}, "limit", "Enter a whole number."),
        (
            {"kind": "castle"},
            "kind",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ({"parent": "x"}, "parent", "Enter a whole number."),
        ({"q": "x" * 101}, "q", "Enter at most 100 characters."),
        ({"q": "a\x00"}, "q", "Null characters are not allowed."),
    ],
)
def test_unit_list_query_errors(county, params, field, message):
    response = api_as(county.user("commander"), lang="en").get("/api/org/units", params)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Some of the data sent is not valid.",
        "errors": {field: [message]},
    }


def test_unit_detail(county):
    unit = county.units["office_a"]
    response = api_as(county.user("station_leader")).get(f"/api/org/units/{unit.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "甲中心警务室"
    assert body["address"] == "甲乡甲社区中心路1号"
    assert body["parent_id"] == county.units["station_a"].pk
    assert [c["name"] for c in body["children"]] == ["瓦房沟警务工作站", "刘沟警务工作站"]
    assert [a["name"] for a in body["areas"]] == ["甲社区"]


def test_unit_detail_of_another_station_is_404(county):
    unit = county.units["ws_other"]
    response = api_as(county.user("station_leader"), lang="en").get(f"/api/org/units/{unit.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("bad", ["abc", "0", "-1", str(2**63), "1.5"])
def test_unit_detail_bad_ids_are_422(county, bad):
    response = api_as(county.user("commander")).get(f"/api/org/units/{bad}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["unit_id"]


def test_unit_detail_largest_id_is_404(county):
    response = api_as(county.user("commander")).get(f"/api/org/units/{2**63 - 1}")
    assert response.status_code == 404


# --- Areas ---------------------------------------------------------------------------------------


def test_a_beat_officer_lists_only_their_areas(county):
    response = api_as(county.user("beat")).get("/api/org/areas")
    assert response.status_code == 200
    assert names(response) == ["瓦房沟村"]
    item = response.json()["items"][0]
    assert item["pinyin_initials"] == "wfgc"
    assert item["division_code"] == "410499200201"
    # The township above is not the beat officer's to see.
    assert item["parent_id"] is None


def test_a_station_leader_lists_the_station_areas(county):
    response = api_as(county.user("station_leader")).get("/api/org/areas")
    assert names(response) == ["甲乡", "甲社区", "瓦房沟村", "刘沟村"]
    village = response.json()["items"][2]
    assert village["parent_id"] == county.areas["township_a"].pk


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("wfg", ["瓦房沟村"]),
        ("WFG", ["瓦房沟村"]),
        ("wafang", ["瓦房沟村"]),
        ("瓦房", ["瓦房沟村"]),
        ("沟村", ["瓦房沟村", "刘沟村"]),
        ("4104992002", ["瓦房沟村", "刘沟村"]),
        ("yzc", ["杨庄村"]),
        ("zzz", []),
    ],
)
def test_area_search(county, q, expected):
    response = api_as(county.user("commander")).get("/api/org/areas", {"q": q})
    assert response.status_code == 200
    assert names(response) == expected


def test_area_kind_and_parent_filters(county):
    client = api_as(county.user("commander"))
    assert names(client.get("/api/org/areas", {"kind": "community"})) == ["甲社区", "乙社区"]
    params = {"parent": county.areas["township_b"].pk}
    assert names(client.get("/api/org/areas", params)) == ["乙社区", "杨庄村"]


def test_area_detail_has_the_contact_card(county):
    org.officer_create(
        actor=SYSTEM,
        unit=county.units["ws_own"],
        name="孙磊",
        badge_number="041009",
        phone="13803751009",
    )
    second = org.officer_create(
        actor=SYSTEM,
        unit=county.units["ws_own"],
        name="周杰",
        badge_number="041010",
        phone="13803751010",
        title="辅警",
    )
    area = county.areas["own"]
    org.beat_assign(actor=SYSTEM, officer=second, area=area, start_date=dt.date(2015, 1, 1))
    response = api_as(county.user("beat"), lang="en").get(f"/api/org/areas/{area.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "瓦房沟村"
    assert body["kind_label"] == "Village"
    assert body["latitude"] == 33.2301
    unit = county.units["ws_own"]
    assert body["contact_card"] == {
        "officer": {
            "id": county.officers["own"].pk,
            "name": "张伟",
            "badge_number": "041001",
            "title": "民警",
            "phone": "+8613803751001",
        },
        "unit": {
            "id": unit.pk,
            "name": "瓦房沟警务工作站",
            "address": "甲乡瓦房沟村村委会",
            "phone": "+863758123456",
        },
        "address": "甲乡瓦房沟村村委会",
        "others": [
            {
                "id": second.pk,
                "name": "周杰",
                "badge_number": "041010",
                "title": "辅警",
                "phone": "+8613803751010",
            },
        ],
    }


def test_area_without_beat_officer_has_an_empty_card(county):
    area = county.areas["township_a"]
    body = api_as(county.user("commander")).get(f"/api/org/areas/{area.pk}").json()
    assert body["contact_card"]["officer"] is None
    assert body["contact_card"]["others"] == []


def test_another_stations_area_is_404(county):
    area = county.areas["other"]
    response = api_as(county.user("station_leader")).get(f"/api/org/areas/{area.pk}")
    assert response.status_code == 404


def test_another_bureaus_area_is_404_even_for_the_commander(county):
    from tests.county import build_county

    other = build_county(code="410500", name="另一县公安局", prefix="x-")
    area = other.areas["own"]
    client = api_as(county.user("commander"))
    assert client.get(f"/api/org/areas/{area.pk}").status_code == 404
    assert "瓦房沟村" in names(client.get("/api/org/areas", {"q": "wfg"}))
    assert client.get("/api/org/areas", {"q": "wfg"}).json()["count"] == 1


# --- PATCH an area -------------------------------------------------------------------------------


def area_events(area: Area):
    return AuditEvent.objects.filter(
        action="area.update", object_type="org.area", object_id=str(area.pk)
    )


def test_sysadmin_changes_an_area_with_one_audit_event(county):
    area = county.areas["own"]
    client = api_as(county.user("sysadmin"))
    response = client.patch(
        f"/api/org/areas/{area.pk}", {"name": "瓦房沟新村", "latitude": 33.5, "longitude": None}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "瓦房沟新村"
    assert body["pinyin_initials"] == "wfgxc"
    assert body["latitude"] == 33.5
    assert body["longitude"] is None
    assert body["contact_card"]["officer"]["name"] == "张伟"
    area.refresh_from_db()
    assert (area.name, area.latitude, area.longitude) == ("瓦房沟新村", 33.5, None)
    [event] = area_events(area)
    assert event.actor == county.user("sysadmin")
    assert event.channel == "api"
    assert event.before == {
        "name": "瓦房沟村",
        "pinyin": "wafanggoucun",
        "pinyin_initials": "wfgc",
        "latitude": 33.2301,
        "longitude": 113.4502,
    }
    assert event.after == {
        "name": "瓦房沟新村",
        "pinyin": "wafanggouxincun",
        "pinyin_initials": "wfgxc",
        "latitude": 33.5,
        "longitude": None,
    }
    # The search follows the new name.
    assert names(client.get("/api/org/areas", {"q": "wfgx"})) == ["瓦房沟新村"]


def test_patch_without_change_records_nothing(county):
    area = county.areas["own"]
    client = api_as(county.user("sysadmin"))
    assert client.patch(f"/api/org/areas/{area.pk}", {}).status_code == 200
    assert client.patch(f"/api/org/areas/{area.pk}", {"name": "瓦房沟村"}).status_code == 200
    assert client.patch(f"/api/org/areas/{area.pk}", {"name": " 瓦房沟村 "}).status_code == 200
    assert not area_events(area).exists()


def test_patch_division_code_taken_is_a_field_error(county):
    area = county.areas["own"]
    taken = county.areas["sibling"].division_code
    response = api_as(county.user("sysadmin"), lang="en").patch(
        f"/api/org/areas/{area.pk}", {"division_code": taken}
    )
    assert response.status_code == 422
    # The model's unique constraint (checked by full_clean) or the service's own check.
    [(field, [message])] = response.json()["errors"].items()
    assert field in ("division_code", "__all__")
    assert "already exists" in message
    area.refresh_from_db()
    assert area.division_code == "410499200201"
    assert not area_events(area).exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"latitude": 91}, {"latitude": ["Ensure this value is less than or equal to 90."]}),
        (
            {"longitude": -180.5},
            {"longitude": ["Ensure this value is greater than or equal to -180."]},
        ),
        ({"latitude": "north"}, {"latitude": ["Enter a number."]}),
        ({"name": ""}, {"name": ["This field cannot be blank."]}),
        ({"name": "   "}, {"name": ["This field cannot be blank."]}),
        ({"name": None}, {"name": ["Enter text."]}),
        ({"name": "村" * 101}, {"name": ["Enter at most 100 characters."]}),
        ({"division_code": "12345"}, {"division_code": ["Enter a 12-digit division code."]}),
        ({"kind": "town"}, {"kind": ["This field is not allowed."]}),
        (
            {"latitude": 91, "bureau": 2},
            {
                "latitude": ["Ensure this value is less than or equal to 90."],
                "bureau": ["This field is not allowed."],
            },
        ),
        ([1, 2], {"__all__": ["Send a JSON object."]}),
    ],
)
def test_patch_errors_in_english(county, body, errors):
    area = county.areas["own"]
    response = api_as(county.user("sysadmin"), lang="en").patch(f"/api/org/areas/{area.pk}", body)
    assert response.status_code == 422
    assert response.json() == {"detail": "Some of the data sent is not valid.", "errors": errors}
    assert not area_events(area).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"latitude": 91},
            "latitude",
            ("Ensure this value is less than or equal to %(limit_value)s.", {"limit_value": 90}),
        ),
        ({"latitude": "north"}, "latitude", ("Enter a number.", {})),
        ({"name": ""}, "name", ("This field cannot be blank.", {})),
        ({"division_code": "12"}, "division_code", ("Enter a 12-digit division code.", {})),
        ({"x": 1}, "x", ("This field is not allowed.", {})),
    ],
)
def test_patch_errors_in_chinese_by_default(county, body, field, message):
    area = county.areas["own"]
    response = api_as(county.user("sysadmin")).patch(f"/api/org/areas/{area.pk}", body)
    assert response.status_code == 422
    assert response["Content-Language"] == "zh-hans"
    msgid, params = message
    assert response.json() == {
        "detail": zh("Some of the data sent is not valid."),
        "errors": {field: [zh(msgid, **params)]},
    }


def test_malformed_json_is_422(county):
    area = county.areas["own"]
    client = api_as(county.user("sysadmin"), lang="en")
    for raw in [b"{bad", b"\xff\xfe", b'{"latitude": 1']:
        response = client.patch(f"/api/org/areas/{area.pk}", raw=raw)
        assert response.status_code == 422
        assert response.json()["errors"] == {"__all__": ["The request body is not valid JSON."]}


def test_patch_by_commander_is_403(county):
    area = county.areas["own"]
    response = api_as(county.user("commander"), lang="en").patch(
        f"/api/org/areas/{area.pk}", {"latitude": 1}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to do this."}
    area.refresh_from_db()
    assert area.latitude == 33.2301


# --- Beats ---------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(county):
    return org.officer_create(
        actor=SYSTEM,
        unit=county.units["ws_own"],
        name="孙磊",
        badge_number="041009",
        phone="13803751009",
    )


def test_station_leader_assigns_a_beat(county, newcomer):
    area = county.areas["own"]
    response = api_as(county.user("station_leader")).post(
        "/api/org/beats", {"officer": newcomer.pk, "area": area.pk, "start_date": "2024-03-01"}
    )
    assert response.status_code == 201
    body = response.json()
    beat = Beat.objects.get(pk=body["id"])
    assert body == {
        "id": beat.pk,
        "officer": {"id": newcomer.pk, "name": "孙磊", "badge_number": "041009"},
        "area": {
            "id": area.pk,
            "kind": "village",
            "name": "瓦房沟村",
            "division_code": "410499200201",
        },
        "start_date": "2024-03-01",
        "end_date": None,
        "is_lead": False,
    }
    event = AuditEvent.objects.get(action="beat.create", object_id=str(beat.pk))
    assert event.actor == county.user("station_leader")


def test_assigning_the_lead_hands_it_over(county, newcomer):
    area = county.areas["own"]
    response = api_as(county.user("commander")).post(
        "/api/org/beats", {"officer": newcomer.pk, "area": area.pk, "is_lead": True}
    )
    assert response.status_code == 201
    assert response.json()["start_date"] == timezone.localdate().isoformat()
    card = api_as(county.user("commander")).get(f"/api/org/areas/{area.pk}").json()
    assert card["contact_card"]["officer"]["name"] == "孙磊"
    assert [o["name"] for o in card["contact_card"]["others"]] == ["张伟"]


def test_beat_defaults(county, newcomer):
    area = county.areas["own"]
    response = api_as(county.user("commander")).post(
        "/api/org/beats", {"officer": newcomer.pk, "area": area.pk}
    )
    assert response.status_code == 201
    assert response.json()["is_lead"] is False


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"officer": "OFFICER", "area": "AREA", "start_date": "01/03/2024"},
            {"start_date": ["Enter a valid date."]},
        ),
        (
            {"officer": "OFFICER", "area": "AREA", "is_lead": "perhaps"},
            {"is_lead": ["Enter true or false."]},
        ),
        ({"officer": "OFFICER"}, {"area": ["This field is required."]}),
        ({"officer": "x", "area": "AREA"}, {"officer": ["Enter a whole number."]}),
        (
            {"officer": 0, "area": "AREA"},
            {"officer": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"officer": "OFFICER", "area": "TOWNSHIP"},
            {"area": ["Beats are only for villages and communities."]},
        ),
        (
            {"officer": "BEAT", "area": "AREA"},
            {"officer": ["This officer is already on this area's beat."]},
        ),
        (
            {"officer": "OFFICER", "area": "AREA", "start_date": "2999-01-01"},
            {"start_date": ["The start date is too far in the future."]},
        ),
    ],
)
def test_beat_assign_errors(county, newcomer, body, errors):
    ids = {
        "OFFICER": newcomer.pk,
        "BEAT": county.officers["own"].pk,
        "AREA": county.areas["own"].pk,
        "TOWNSHIP": county.areas["township_a"].pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = Beat.objects.count()
    response = api_as(county.user("commander"), lang="en").post("/api/org/beats", body)
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert Beat.objects.count() == before


def test_beat_assign_invisible_officer_is_404(county):
    officer = county.officers["other"]  # another station's officer
    response = api_as(county.user("station_leader")).post(
        "/api/org/beats", {"officer": officer.pk, "area": county.areas["own"].pk}
    )
    assert response.status_code == 404


def test_beat_assign_by_a_beat_officer_is_403(county, newcomer):
    response = api_as(county.user("beat")).post(
        "/api/org/beats", {"officer": newcomer.pk, "area": county.areas["own"].pk}
    )
    assert response.status_code == 403


def test_end_a_beat(county):
    beat = Beat.objects.get(officer=county.officers["sibling"], end_date__isnull=True)
    client = api_as(county.user("station_leader"))
    response = client.post(f"/api/org/beats/{beat.pk}/end", {"end_date": "2024-06-30"})
    assert response.status_code == 200
    assert response.json()["end_date"] == "2024-06-30"
    beat.refresh_from_db()
    assert beat.end_date == dt.date(2024, 6, 30)
    assert AuditEvent.objects.filter(action="beat.end", object_id=str(beat.pk)).count() == 1
    # Ending it twice is a field error.
    again = api_as(county.user("station_leader"), lang="en").post(
        f"/api/org/beats/{beat.pk}/end", {}
    )
    assert again.status_code == 422
    assert again.json()["errors"] == {"end_date": ["This beat has already ended."]}


def test_end_a_beat_without_a_body_ends_it_today(county):
    beat = Beat.objects.get(officer=county.officers["sibling"], end_date__isnull=True)
    response = api_as(county.user("commander")).post(f"/api/org/beats/{beat.pk}/end")
    assert response.status_code == 200
    assert response.json()["end_date"] == timezone.localdate().isoformat()


def test_end_date_before_start_is_a_field_error(county):
    beat = Beat.objects.get(officer=county.officers["sibling"], end_date__isnull=True)
    response = api_as(county.user("commander"), lang="en").post(
        f"/api/org/beats/{beat.pk}/end", {"end_date": "2010-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"end_date": ["The end date must be after the start date."]}
    beat.refresh_from_db()
    assert beat.end_date is None


def test_end_another_stations_beat_is_404(county):
    beat = Beat.objects.get(officer=county.officers["other"], end_date__isnull=True)
    response = api_as(county.user("station_leader")).post(f"/api/org/beats/{beat.pk}/end", {})
    assert response.status_code == 404
    beat.refresh_from_db()
    assert beat.end_date is None


# --- Coverage ------------------------------------------------------------------------------------


def test_coverage_report(county):
    client = api_as(county.user("commander"))
    report = client.get("/api/org/coverage").json()
    assert (report["areas_total"], report["areas_covered"], report["uncovered"]) == (5, 5, [])
    # Only 瓦房沟村 has an aide (a security member); no area has a patroller.
    assert report["areas_complete"] == 0
    assert len(report["without_patroller"]) == 5
    assert "瓦房沟村" not in [a["name"] for a in report["without_security_member"]]
    beat = Beat.objects.get(officer=county.officers["sibling"], end_date__isnull=True)
    org.beat_end(actor=SYSTEM, beat=beat, end_date=timezone.localdate())
    area = county.areas["sibling"]
    report = client.get("/api/org/coverage").json()
    assert (report["areas_total"], report["areas_covered"]) == (5, 4)
    assert report["uncovered"] == [
        {"id": area.pk, "name": "刘沟村", "kind": "village", "division_code": "410499200202"}
    ]
    villages = client.get("/api/org/coverage", {"kind": "village"}).json()
    assert (villages["areas_total"], villages["areas_covered"]) == (3, 2)


def test_coverage_is_scoped(county):
    body = api_as(county.user("office_leader")).get("/api/org/coverage").json()
    assert (body["areas_total"], body["areas_covered"]) == (3, 3)
    body = api_as(county.user("beat")).get("/api/org/coverage").json()
    assert (body["areas_total"], body["areas_covered"]) == (1, 1)
