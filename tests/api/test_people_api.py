"""The people endpoints: officers (``/api/org/officers``) and aides (``/api/org/aides``) — lists
and their filters, the writes and their effects (beats, history, audit), the refusals, a fuzz
test of the two creates and the pinned query counts of the two lists.

The permission matrix (persona × own / sibling / other / missing) is in
``tests/test_permission_matrix_api.py``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from cunjing.org.models import Aide, Beat, Officer, OrgChange
from tests.api import ApiClient, api_as, token_for, zh
from tests.county import build_county

MISSING = 987_654_321


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def events(action: str, obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


def today() -> dt.date:
    return timezone.localdate()


def invalid(response, lang_zh: bool = True) -> dict[str, list[str]]:
    """The field errors of a 422 (whose summary is checked in Chinese by default)."""
    assert response.status_code == 422, response.content
    body = response.json()
    if lang_zh:
        assert body["detail"] == zh("Some of the data sent is not valid.")
    return body["errors"]


@pytest.fixture
def admin(county) -> ApiClient:
    """The system admin, with the default language (Chinese)."""
    return api_as(county.user("sysadmin"))


# --- Officers: the list ------------------------------------------------------------------------


def test_officer_list_of_the_commander(county):
    response = api_as(county.user("commander")).get("/api/org/officers")
    body = response.json()
    # Unit tree order, then name: 甲中心警务室, its two workstations, then 乙派出所's.
    assert names(response) == ["赵敏", "张伟", "王芳", "刘洋", "李强"]
    assert (body["count"], body["limit"], body["offset"]) == (5, 100, 0)
    own = county.officers["own"]
    assert body["items"][1] == {
        "id": own.pk,
        "name": "张伟",
        "badge_number": "041001",
        "title": "民警",
        # The work phone as stored (E.164) and unmasked, as on the contact card.
        "phone": "+8613803751001",
        "unit": {
            "id": county.units["ws_own"].pk,
            "kind": "workstation",
            "name": "瓦房沟警务工作站",
        },
        "is_active": True,
        "left_on": None,
        "open_beat_count": 1,
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("beat", ["张伟"]),
        ("aide", ["张伟"]),
        ("other", ["李强"]),
        ("office_leader", ["赵敏", "张伟", "王芳"]),
        ("station_leader", ["赵敏", "张伟", "王芳"]),
        ("secadmin", ["赵敏", "张伟", "王芳", "刘洋", "李强"]),
    ],
)
def test_officer_list_is_scoped(county, persona, expected):
    assert names(api_as(county.user(persona)).get("/api/org/officers")) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "zw"}, ["张伟"]),  # pinyin initials of 张伟
        ({"q": "ZW"}, ["张伟"]),
        ({"q": "王"}, ["王芳"]),
        ({"q": "04100"}, ["赵敏", "张伟", "王芳", "刘洋", "李强"]),  # a badge prefix
        ({"q": "041003"}, ["李强"]),
        ({"q": "1003"}, []),  # the badge matches from its start only
        ({"unit": "STATION_B"}, ["刘洋", "李强"]),
        ({"unit": "OFFICE_A", "q": "w"}, ["王芳"]),
        ({"on_beat": "true"}, ["赵敏", "张伟", "王芳", "刘洋", "李强"]),
        ({"on_beat": "false"}, []),
        ({"state": "inactive"}, []),
        ({"q": "", "unit": "", "on_beat": ""}, ["赵敏", "张伟", "王芳", "刘洋", "李强"]),
    ],
)
def test_officer_filters(county, params, expected):
    units = {"STATION_B": county.units["station_b"].pk, "OFFICE_A": county.units["office_a"].pk}
    params = {k: units.get(v, v) for k, v in params.items()}
    assert names(api_as(county.user("commander")).get("/api/org/officers", params)) == expected


def test_officer_filters_follow_the_data(county):
    """A new officer without a beat, one who left: on_beat and state see them."""
    fresh = org.officer_create(
        actor=SYSTEM,
        unit=county.units["ws_own"],
        name="孙丽",
        badge_number="041009",
        phone="13803751009",
    )
    org.officer_leave(actor=SYSTEM, officer=county.officers["other"], on=today())
    client = api_as(county.user("commander"))
    assert names(client.get("/api/org/officers", {"on_beat": "false"})) == ["孙丽"]
    assert names(client.get("/api/org/officers", {"q": "sl"})) == ["孙丽"]
    # Within a unit by name (code point order: 孙 before 张).
    assert names(client.get("/api/org/officers")) == ["赵敏", "孙丽", "张伟", "王芳", "刘洋"]
    retired = client.get("/api/org/officers", {"state": "inactive"}).json()["items"]
    assert [(o["name"], o["is_active"], o["left_on"]) for o in retired] == [
        ("李强", False, today().isoformat())
    ]
    assert retired[0]["open_beat_count"] == 0
    assert fresh.pk in [o["id"] for o in client.get("/api/org/officers").json()["items"]]


def test_officer_unit_filter_stays_in_scope(county):
    # Another station's unit only locates a prefix: its officers are not revealed.
    params = {"unit": county.units["station_b"].pk}
    response = api_as(county.user("station_leader")).get("/api/org/officers", params)
    assert response.json()["count"] == 0


def test_officer_list_pagination(county):
    client = api_as(county.user("commander"))
    pages = [client.get("/api/org/officers", {"limit": 2, "offset": n}).json() for n in (0, 2, 4)]
    assert [p["count"] for p in pages] == [5, 5, 5]
    assert [o["name"] for p in pages for o in p["items"]] == [
        "赵敏",
        "张伟",
        "王芳",
        "刘洋",
        "李强",
    ]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"state": "retired"}, "state", "Select a valid choice. That choice is not one of the "
         "available choices."),
        ({"state": ""}, "state", "Select a valid choice. That choice is not one of the "
         "available choices."),
        ({"unit": "x"}, "unit", "Enter a whole number."),
        ({"on_beat": "perhaps"}, "on_beat", "Enter true or false."),
        ({"q": "x" * 51}, "q", "Enter at most 50 characters."),
        ({"limit": 501}, "limit", "Ensure this value is less than or equal to 500."),
    ],
)  # fmt: skip
def test_officer_list_query_errors(county, params, field, message):
    response = api_as(county.user("commander"), lang="en").get("/api/org/officers", params)
    assert response.status_code == 422
    assert response.json()["errors"] == {field: [message]}


# --- Officers: one, and the writes -----------------------------------------------------------


def test_officer_detail_with_beats_and_history(county):
    own = county.officers["own"]
    response = api_as(county.user("station_leader")).get(f"/api/org/officers/{own.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "张伟" and body["open_beat_count"] == 1
    area = county.areas["own"]
    assert body["beats"] == [
        {
            "id": Beat.objects.get(officer=own).pk,
            "area": {"id": area.pk, "kind": "village", "name": "瓦房沟村",
                     "division_code": "410499200201"},
            "start_date": "2014-09-01",
            "end_date": None,
            "is_lead": True,
            "is_open": True,
        }
    ]  # fmt: skip
    assert body["history"] == []


def test_officer_create(county, admin):
    body = {
        "unit_id": county.units["ws_sibling"].pk,
        "name": " 孙丽 ",
        "badge_number": "041010",
        "phone": "138-0375-1010",
        "title": "辅警",
    }
    response = admin.post("/api/org/officers", body)
    assert response.status_code == 201, response.content
    out = response.json()
    officer = Officer.objects.get(pk=out["id"])
    assert (officer.name, officer.badge_number, officer.phone, officer.pinyin_initials) == (
        "孙丽",
        "041010",
        "+8613803751010",
        "sl",
    )
    assert officer.unit == county.units["ws_sibling"] and officer.is_active
    assert out["unit"]["name"] == "刘沟警务工作站"
    assert (out["beats"], out["history"], out["open_beat_count"]) == ([], [], 0)
    [created] = events("officer.create", officer)
    assert created.actor == county.user("sysadmin")
    assert created.after["badge_number"] == "041010"


def test_officer_update_changes_only_what_is_sent(county, admin):
    own = county.officers["own"]
    response = admin.patch(f"/api/org/officers/{own.pk}", {"name": "张卫", "title": "副所长"})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["title"]) == ("张卫", "副所长")
    own.refresh_from_db()
    assert (own.name, own.title, own.badge_number, own.phone) == (
        "张卫",
        "副所长",
        "041001",
        "+8613803751001",
    )
    [update] = events("officer.update", own)
    assert update.before == {"name": "张伟", "title": "民警"}
    assert update.after["name"] == "张卫" and update.after["title"] == "副所长"
    # The same values again change nothing and write no event.
    assert admin.patch(f"/api/org/officers/{own.pk}", {"name": "张卫"}).status_code == 200
    assert len(events("officer.update", own)) == 1


def test_officer_transfer_ends_the_beats_and_keeps_the_history(county, admin):
    own = county.officers["own"]
    on = today() - dt.timedelta(days=3)
    response = admin.post(
        f"/api/org/officers/{own.pk}/transfer",
        {"unit_id": county.units["ws_other"].pk, "on": on.isoformat(), "note": "调任"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"]["name"] == "杨庄警务工作站"
    assert body["open_beat_count"] == 0
    assert [(b["end_date"], b["is_open"]) for b in body["beats"]] == [(on.isoformat(), False)]
    assert body["history"] == [
        {
            "id": OrgChange.objects.get(officer=own).pk,
            "action": "officer_transfer",
            "action_label": zh("Officer transferred"),
            "on": on.isoformat(),
            "detail": {
                "from": "瓦房沟警务工作站",
                "to": "杨庄警务工作站",
                "to_id": county.units["ws_other"].pk,
                "beats": 1,
            },
            "note": "调任",
        }
    ]
    own.refresh_from_db()
    assert own.unit == county.units["ws_other"] and own.is_active
    assert not Beat.objects.filter(officer=own, end_date__isnull=True).exists()
    change = OrgChange.objects.get(officer=own)
    assert (change.unit, change.action) == (county.units["ws_own"], "officer_transfer")
    [transfer] = events("officer.transfer", own)
    assert transfer.before == {"unit_id": county.units["ws_own"].pk}
    assert transfer.after["unit_id"] == county.units["ws_other"].pk
    assert transfer.after["beats_ended"] == 1
    assert len(events("beat.end", Beat.objects.get(officer=own))) == 1
    # Now the other station's leader sees the officer; the first station's no longer does.
    stations = {"station_leader": 404, "commander": 200}
    for persona, status in stations.items():
        assert api_as(county.user(persona)).get(f"/api/org/officers/{own.pk}").status_code == status


def test_officer_leave(county, admin):
    other = county.officers["other"]
    on = today() - dt.timedelta(days=30)
    response = admin.post(f"/api/org/officers/{other.pk}/leave", {"on": on.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["is_active"], body["left_on"], body["open_beat_count"]) == (
        False,
        on.isoformat(),
        0,
    )
    assert [(c["action"], c["detail"], c["note"]) for c in body["history"]] == [
        ("officer_leave", {"beats": 1}, "")
    ]
    other.refresh_from_db()
    assert (other.is_active, other.left_on) == (False, on)
    assert Beat.objects.get(officer=other).end_date == on
    [leave] = events("officer.leave", other)
    assert leave.after["left_on"] == on.isoformat()
    # The account linked to the officer now sees nothing; a second leave is refused.
    assert api_as(county.user("other")).get("/api/org/officers").json()["count"] == 0
    again = admin.post(f"/api/org/officers/{other.pk}/leave")
    assert invalid(again) == {"on": [zh("This officer is no longer active.")]}
    retransfer = admin.post(
        f"/api/org/officers/{other.pk}/transfer", {"unit_id": county.units["ws_own"].pk}
    )
    assert invalid(retransfer) == {"unit_id": [zh("This officer is no longer active.")]}


def test_officer_leave_without_a_body_means_today(county, admin):
    other = county.officers["other"]
    assert admin.post(f"/api/org/officers/{other.pk}/leave").status_code == 200
    other.refresh_from_db()
    assert other.left_on == today()


# --- Officers: refusals ----------------------------------------------------------------------


def officer_body(county, **changes) -> dict:
    return {
        "unit_id": county.units["ws_own"].pk,
        "name": "孙丽",
        "badge_number": "041010",
        "phone": "13803751010",
        "title": "",
        **changes,
    }


def test_officer_create_errors_in_chinese(county, admin):
    other_bureau = build_county(code="410498", name="邻县公安局", prefix="n-")
    before = (Officer.objects.count(), AuditEvent.objects.count())
    duplicate = admin.post("/api/org/officers", officer_body(county, badge_number="041002"))
    assert invalid(duplicate) == {"badge_number": [zh("An officer with this badge number exists.")]}
    outside = zh("This unit is outside your jurisdiction.")
    for unit_id in (other_bureau.units["ws_own"].pk, MISSING):
        response = admin.post("/api/org/officers", officer_body(county, unit_id=unit_id))
        assert invalid(response) == {"unit_id": [outside]}
    bad_phone = admin.post("/api/org/officers", officer_body(county, phone="12345"))
    assert invalid(bad_phone) == {"phone": [zh("Enter a valid phone number.")]}
    blank = admin.post("/api/org/officers", officer_body(county, name="   "))
    assert invalid(blank) == {"name": [zh("This field cannot be blank.")]}
    missing = admin.post("/api/org/officers", {"unit_id": county.units["ws_own"].pk})
    assert set(invalid(missing)) == {"name", "badge_number", "phone"}
    assert (Officer.objects.count(), AuditEvent.objects.count()) == before


def test_officer_create_in_a_closed_unit_is_422(county, admin):
    closed = org.unit_create(
        actor=SYSTEM, parent=county.units["office_a"], kind="workstation", name="旧工作站"
    )
    org.unit_close(actor=SYSTEM, unit=closed)
    response = admin.post("/api/org/officers", officer_body(county, unit_id=closed.pk))
    assert invalid(response) == {"unit_id": [zh("This unit has been closed.")]}
    own = county.officers["own"]
    response = admin.post(f"/api/org/officers/{own.pk}/transfer", {"unit_id": closed.pk})
    assert invalid(response) == {"unit_id": [zh("This unit has been closed.")]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"badge_number": "041002"}, "badge_number"),  # the sibling's
        ({"unit_id": 5}, "unit_id"),  # a transfer, not an edit
        ({"is_active": False}, "is_active"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"badge_number": "0" * 17}, "badge_number"),
        ({"phone": "0375"}, "phone"),
        ({"phone": ""}, "phone"),
    ],
)
def test_officer_update_errors(county, admin, body, field):
    own = county.officers["own"]
    response = admin.patch(f"/api/org/officers/{own.pk}", body)
    assert list(invalid(response)) == [field]
    fresh = Officer.objects.get(pk=own.pk)
    assert (fresh.name, fresh.badge_number, fresh.phone) == (own.name, own.badge_number, own.phone)
    assert events("officer.update", own) == []


def test_officer_update_unknown_field_message(county, admin):
    response = admin.patch(f"/api/org/officers/{county.officers['own'].pk}", {"unit_id": 5})
    assert invalid(response) == {"unit_id": [zh("This field is not allowed.")]}


@pytest.mark.parametrize(
    ("days", "message"),
    [(-400, "The date is more than a year ago."), (40, "The date is more than a month ahead.")],
)
def test_dates_far_from_today_are_422(county, admin, days, message):
    on = (today() + dt.timedelta(days=days)).isoformat()
    own, aide = county.officers["own"], county.aides["own"]
    transfer = admin.post(
        f"/api/org/officers/{own.pk}/transfer",
        {"unit_id": county.units["ws_sibling"].pk, "on": on},
    )
    assert invalid(transfer) == {"on": [zh(message)]}
    assert invalid(admin.post(f"/api/org/officers/{own.pk}/leave", {"on": on})) == {
        "on": [zh(message)]
    }
    assert invalid(admin.post(f"/api/org/aides/{aide.pk}/end", {"on": on})) == {"on": [zh(message)]}
    assert not OrgChange.objects.exists()
    own.refresh_from_db()
    aide.refresh_from_db()
    assert own.is_active and own.unit == county.units["ws_own"] and aide.is_active


def test_transfer_errors(county, admin):
    own = county.officers["own"]
    url = f"/api/org/officers/{own.pk}/transfer"
    same = admin.post(url, {"unit_id": county.units["ws_own"].pk})
    assert invalid(same) == {"unit_id": [zh("The officer already works in this unit.")]}
    other_bureau = build_county(code="410498", name="邻县公安局", prefix="n-")
    outside = admin.post(url, {"unit_id": other_bureau.units["ws_own"].pk})
    assert invalid(outside) == {"unit_id": [zh("This unit is outside your jurisdiction.")]}
    assert list(invalid(admin.post(url, {"unit_id": "5"}))) == ["unit_id"]  # a JSON integer
    assert list(invalid(admin.post(url, {}))) == ["unit_id"]
    assert list(invalid(admin.post(url, {"unit_id": 5, "note": "x" * 201}))) == ["note"]
    assert list(invalid(admin.post(url, {"unit_id": 5, "on": "2015-02-30"}))) == ["on"]
    # Another bureau's officer is not found, whatever the body.
    theirs = other_bureau.officers["own"].pk
    response = admin.post(
        f"/api/org/officers/{theirs}/transfer", {"unit_id": county.units["ws_sibling"].pk}
    )
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.unit == county.units["ws_own"]
    assert Beat.objects.filter(officer=own, end_date__isnull=True).count() == 1
    assert not OrgChange.objects.exists()


# --- Aides -------------------------------------------------------------------------------------


def add_aides(county) -> dict[str, Aide]:
    """A patroller in 瓦房沟村, a village cadre in 刘沟村, a patroller in 杨庄村."""
    a = county.areas
    return {
        "patroller": org.aide_create(
            actor=SYSTEM, area=a["own"], name="周强", kind="patroller", phone="13903751011"
        ),
        "cadre": org.aide_create(
            actor=SYSTEM,
            area=a["sibling"],
            name="吴刚",
            kind="security_member",
            subtype="village_cadre",
            phone="13903751012",
            started_on=dt.date(2015, 3, 1),
        ),
        "other": org.aide_create(
            actor=SYSTEM, area=a["other"], name="郑洁", kind="patroller", phone="13903751013"
        ),
    }


def test_aide_list_masks_phones(county):
    add_aides(county)
    response = api_as(county.user("commander"), lang="en").get("/api/org/aides")
    assert names(response) == ["周强", "陈静", "吴刚", "郑洁"]
    chen = response.json()["items"][1]
    assert chen == {
        "id": county.aides["own"].pk,
        "name": "陈静",
        "kind": "security_member",
        "kind_label": "Security member",
        "subtype": "security_director",
        "subtype_label": "Security director",
        "phone": "139****1009",
        "area": {
            "id": county.areas["own"].pk,
            "kind": "village",
            "name": "瓦房沟村",
            "division_code": "410499200201",
        },
        "is_active": True,
        "started_on": None,
        "ended_on": None,
    }
    patroller = response.json()["items"][0]
    assert (patroller["subtype"], patroller["subtype_label"]) == (None, "")
    # No full phone number anywhere in the answer.
    assert "13903751009" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("beat", ["周强", "陈静"]),
        ("aide", ["周强", "陈静"]),
        ("sibling", ["吴刚"]),
        ("office_leader", ["周强", "陈静", "吴刚"]),
        ("secadmin", ["周强", "陈静", "吴刚", "郑洁"]),
    ],
)
def test_aide_list_is_scoped(county, persona, expected):
    add_aides(county)
    assert names(api_as(county.user(persona)).get("/api/org/aides")) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "cj"}, ["陈静"]),  # pinyin initials
        ({"q": "周"}, ["周强"]),
        ({"q": "3751012"}, ["吴刚"]),  # phone digits
        ({"q": "1390375101"}, ["周强", "吴刚", "郑洁"]),
        ({"kind": "patroller"}, ["周强", "郑洁"]),
        ({"kind": "security_member", "subtype": "village_cadre"}, ["吴刚"]),
        ({"subtype": "security_director"}, ["陈静"]),
        ({"area": "TOWNSHIP_A"}, ["周强", "陈静", "吴刚"]),
        ({"area": "OTHER"}, ["郑洁"]),
        ({"state": "inactive"}, []),
        ({"kind": "", "subtype": "", "area": "", "q": ""}, ["周强", "陈静", "吴刚", "郑洁"]),
    ],
)
def test_aide_filters(county, params, expected):
    add_aides(county)
    areas = {"TOWNSHIP_A": county.areas["township_a"].pk, "OTHER": county.areas["other"].pk}
    params = {k: areas.get(v, v) for k, v in params.items()}
    assert names(api_as(county.user("commander")).get("/api/org/aides", params)) == expected


def test_aide_create(county, admin):
    body = {
        "area_id": county.areas["sibling"].pk,
        "name": "钱多",
        "kind": "security_member",
        "subtype": "other",
        "phone": "13903751020",
        "started_on": "2015-04-01",
    }
    response = admin.post("/api/org/aides", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["phone"], out["subtype"], out["started_on"], out["history"]) == (
        "139****1020",
        "other",
        "2015-04-01",
        [],
    )
    aide = Aide.objects.get(pk=out["id"])
    assert (aide.area, aide.phone, aide.pinyin_initials) == (
        county.areas["sibling"],
        "+8613903751020",
        "qd",
    )
    assert len(events("aide.create", aide)) == 1


def test_aide_update(county, admin):
    patroller = add_aides(county)["patroller"]
    response = admin.patch(
        f"/api/org/aides/{patroller.pk}",
        {
            "kind": "security_member",
            "subtype": "village_cadre",
            "area_id": county.areas["sibling"].pk,
        },
    )
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["kind"], out["subtype"], out["area"]["name"]) == (
        "security_member",
        "village_cadre",
        "刘沟村",
    )
    patroller.refresh_from_db()
    assert (patroller.kind, patroller.subtype, patroller.area) == (
        "security_member",
        "village_cadre",
        county.areas["sibling"],
    )
    [update] = events("aide.update", patroller)
    assert update.before["kind"] == "patroller" and update.after["kind"] == "security_member"
    # Back to a patroller: the subtype goes with an empty value (or null).
    back = admin.patch(f"/api/org/aides/{patroller.pk}", {"kind": "patroller", "subtype": None})
    assert back.status_code == 200 and back.json()["subtype"] is None


def test_aide_end_frees_the_phone(county, admin):
    aide = county.aides["own"]
    on = today() - dt.timedelta(days=2)
    response = admin.post(f"/api/org/aides/{aide.pk}/end", {"on": on.isoformat(), "note": "辞退"})
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["is_active"], out["ended_on"]) == (False, on.isoformat())
    assert [(c["action"], c["detail"], c["note"]) for c in out["history"]] == [
        ("aide_end", {"area": "瓦房沟村"}, "辞退")
    ]
    aide.refresh_from_db()
    assert (aide.is_active, aide.ended_on) == (False, on)
    change = OrgChange.objects.get(aide=aide)
    assert change.unit == county.units["ws_own"]  # the unit serving the aide's village
    assert len(events("aide.end", aide)) == 1
    # The linked account sees nothing any more; an ended aide cannot be changed or ended.
    assert api_as(county.user("aide")).get("/api/org/aides").json()["count"] == 0
    assert list(invalid(admin.patch(f"/api/org/aides/{aide.pk}", {"name": "陈"}))) == ["name"]
    assert list(invalid(admin.post(f"/api/org/aides/{aide.pk}/end"))) == ["on"]
    # Its phone may now be given to a new aide.
    body = {
        "area_id": county.areas["own"].pk,
        "name": "陈新",
        "kind": "patroller",
        "phone": "13903751009",
    }
    assert admin.post("/api/org/aides", body).status_code == 201


def aide_body(county, **changes) -> dict:
    return {
        "area_id": county.areas["own"].pk,
        "name": "周强",
        "kind": "patroller",
        "phone": "13903751011",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"phone": "13903751009"}, {"phone": ["An active aide already has this phone number."]}),
        ({"subtype": "other"}, {"subtype": ["Patrollers have no subtype."]}),
        ({"kind": "security_member"}, {"subtype": ["Choose the security member's subtype."]}),
        ({"area_id": "TOWNSHIP"}, {"area_id": ["Aides work in a village or community."]}),
        ({"area_id": "OTHER_BUREAU"}, {"area_id": ["This area is outside your jurisdiction."]}),
        ({"area_id": MISSING}, {"area_id": ["This area is outside your jurisdiction."]}),
        ({"phone": "5"}, {"phone": ["Enter a valid phone number."]}),
        (
            {"kind": "watchman"},
            {"kind": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        (
            {"subtype": "chief"},
            {
                "subtype": [
                    "Select a valid choice. That choice is not one of the available choices."
                ]
            },
        ),
        ({"is_active": False}, {"is_active": ["This field is not allowed."]}),
    ],
)
def test_aide_create_errors_in_chinese(county, admin, changes, errors):
    if changes.get("area_id") == "TOWNSHIP":
        changes["area_id"] = county.areas["township_a"].pk
    if changes.get("area_id") == "OTHER_BUREAU":
        changes["area_id"] = (
            build_county(code="410498", name="邻县公安局", prefix="n-").areas["own"].pk
        )
    before = (Aide.objects.count(), AuditEvent.objects.count())
    response = admin.post("/api/org/aides", aide_body(county, **changes))
    assert invalid(response) == {f: [zh(m) for m in ms] for f, ms in errors.items()}
    assert (Aide.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "13903751012"}, "phone"),  # the cadre's
        ({"subtype": "other"}, "subtype"),  # a patroller
        ({"kind": "security_member"}, "subtype"),  # without its subtype
        ({"area_id": "TOWNSHIP"}, "area_id"),
        ({"area_id": MISSING}, "area_id"),
        ({"area_id": None}, "area_id"),
        ({"kind": None}, "kind"),
        ({"ended_on": "2015-01-01"}, "ended_on"),
        ({"bureau": 1}, "bureau"),
    ],
)
def test_aide_update_errors(county, admin, body, field):
    patroller = add_aides(county)["patroller"]
    if body.get("area_id") == "TOWNSHIP":
        body = {"area_id": county.areas["township_a"].pk}
    response = admin.patch(f"/api/org/aides/{patroller.pk}", body)
    assert list(invalid(response)) == [field]
    fresh = Aide.objects.get(pk=patroller.pk)
    assert (fresh.kind, fresh.subtype, fresh.phone, fresh.area_id) == (
        "patroller",
        "",
        patroller.phone,
        patroller.area_id,
    )
    assert events("aide.update", patroller) == []


def test_aide_end_before_it_started_is_422(county, admin):
    cadre = add_aides(county)["cadre"]
    cadre.started_on = today() - dt.timedelta(days=5)
    cadre.save(update_fields=["started_on"])
    on = (today() - dt.timedelta(days=10)).isoformat()
    response = admin.post(f"/api/org/aides/{cadre.pk}/end", {"on": on})
    assert invalid(response) == {"on": [zh("The end is before the aide started.")]}


# --- Who may write, and what is out of sight ---------------------------------------------------


def write_requests(county) -> list[tuple[str, str, dict | None]]:
    own, aide = county.officers["own"], county.aides["own"]
    to = {"unit_id": county.units["ws_sibling"].pk}
    return [
        ("post", "/api/org/officers", officer_body(county)),
        ("patch", f"/api/org/officers/{own.pk}", {"title": "所长"}),
        ("post", f"/api/org/officers/{own.pk}/transfer", to),
        ("post", f"/api/org/officers/{own.pk}/leave", {}),
        ("post", "/api/org/aides", aide_body(county)),
        ("patch", f"/api/org/aides/{aide.pk}", {"name": "陈晶"}),
        ("patch", f"/api/org/aides/{aide.pk}", {"area_id": county.areas["own"].pk}),
        ("post", f"/api/org/aides/{aide.pk}/end", None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "persona",
    ["beat", "aide", "office_leader", "station_leader", "commander", "inspector", "secadmin"],
)
def test_only_the_system_admin_writes(county, persona):
    client = api_as(county.user(persona))
    snapshot = (
        list(Officer.objects.values().order_by("pk")),
        list(Aide.objects.values().order_by("pk")),
        AuditEvent.objects.count(),
    )
    for method, path, body in write_requests(county):
        response = client.request(method, path, body)
        assert response.status_code == 403, (persona, method, path, response.content)
        assert response.json() == {"detail": zh("You do not have permission to do this.")}
    assert snapshot == (
        list(Officer.objects.values().order_by("pk")),
        list(Aide.objects.values().order_by("pk")),
        AuditEvent.objects.count(),
    )


def test_out_of_scope_is_404_like_missing(county):
    aides = add_aides(county)
    client = api_as(county.user("station_leader"))
    for kind, pk in [("officers", county.officers["other"].pk), ("aides", aides["other"].pk)]:
        response = client.get(f"/api/org/{kind}/{pk}")
        assert response.status_code == 404
        assert response.json() == client.get(f"/api/org/{kind}/{MISSING}").json()


def test_another_bureau_is_404_even_for_the_system_admin(county, admin):
    other = build_county(code="410498", name="邻县公安局", prefix="n-")
    for path in (
        f"/api/org/officers/{other.officers['own'].pk}",
        f"/api/org/aides/{other.aides['own'].pk}",
    ):
        assert admin.get(path).status_code == 404
    assert admin.get("/api/org/officers").json()["count"] == 5
    assert admin.get("/api/org/aides").json()["count"] == 1


# --- Coverage: 一警两员 ---------------------------------------------------------------------------


def test_coverage_counts_the_aides(county, admin):
    client = api_as(county.user("commander"))
    refs = {
        key: {
            "id": county.areas[key].pk,
            "kind": county.areas[key].kind,
            "name": county.areas[key].name,
            "division_code": county.areas[key].division_code,
        }
        for key in ("community_a", "own", "sibling", "community_b", "other")
    }
    all_areas = [refs[k] for k in ("community_a", "own", "sibling", "community_b", "other")]
    body = client.get("/api/org/coverage").json()
    # Only 瓦房沟村 has an aide (a security member); nowhere has a patroller.
    assert body == {
        "areas_total": 5,
        "areas_covered": 5,
        "areas_complete": 0,
        "uncovered": [],
        "without_patroller": all_areas,
        "without_security_member": [r for r in all_areas if r != refs["own"]],
    }
    created = admin.post(
        "/api/org/aides",
        {"area_id": county.areas["own"].pk, "name": "周强", "kind": "patroller",
         "phone": "13903751011"},
    )  # fmt: skip
    assert created.status_code == 201
    body = client.get("/api/org/coverage").json()
    assert body["areas_complete"] == 1
    assert body["without_patroller"] == [r for r in all_areas if r != refs["own"]]
    # Its security member's service ends: 瓦房沟村 is no longer complete.
    assert admin.post(f"/api/org/aides/{county.aides['own'].pk}/end").status_code == 200
    body = client.get("/api/org/coverage").json()
    assert body["areas_complete"] == 0
    assert body["without_security_member"] == all_areas
    # The office leader counts only their subtree's areas.
    mine = api_as(county.user("office_leader")).get("/api/org/coverage").json()
    assert (mine["areas_total"], mine["areas_complete"]) == (3, 0)
    assert [a["name"] for a in mine["without_patroller"]] == ["甲社区", "刘沟村"]


# --- Random JSON at the two creates ----------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=60)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
chinese_names = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=12
)
mobiles = st.from_regex(r"\A1[3-9]\d{9}\Z")
dates = st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat)


def mostly(valid, junk=json_values):
    """``valid`` nine times in ten, else ``junk``: most bodies get past the schema and into
    the service, the rest probe the schema."""
    return st.integers(0, 9).flatmap(lambda n: junk if n == 0 else valid)


# Filled in per example (``_fill``): a workstation, a village, a township of the county.
some_ids = st.integers(min_value=-5, max_value=2**64) | json_values
officer_fields = st.fixed_dictionaries(
    {
        "unit_id": mostly(st.sampled_from(["UNIT", "UNIT", "UNIT", "AREA"]), some_ids),
        "name": mostly(chinese_names),
        "badge_number": mostly(st.from_regex(r"\A\d{6}\Z")),
        "phone": mostly(mobiles),
    },
    optional={"title": mostly(chinese_names)},
)
aide_fields = st.fixed_dictionaries(
    {
        "area_id": mostly(st.sampled_from(["AREA", "AREA", "AREA", "TOWNSHIP", "UNIT"]), some_ids),
        "name": mostly(chinese_names),
        "kind": mostly(st.sampled_from(["patroller", "security_member"])),
        "phone": mostly(mobiles),
    },
    optional={
        "subtype": mostly(st.sampled_from(["", "other", "village_cadre", "security_director"])),
        "started_on": mostly(dates),
    },
)
junk_bodies = st.dictionaries(
    st.sampled_from(["unit_id", "area_id", "name", "kind", "bureau", "is_active", "x"]),
    json_values,
    max_size=4,
)
officer_bodies = st.one_of(officer_fields, officer_fields, officer_fields, junk_bodies, json_values)
aide_bodies = st.one_of(aide_fields, aide_fields, aide_fields, junk_bodies, json_values)


@pytest.fixture
def fuzz_clients(county):
    return {p: ApiClient(token_for(county.user(p))) for p in ("sysadmin", "commander", "auditor")}


def _fill(county, body):
    if not isinstance(body, dict):
        return body
    known = {
        "UNIT": county.units["ws_sibling"].pk,
        "AREA": county.areas["sibling"].pk,
        "TOWNSHIP": county.areas["township_a"].pk,
    }
    return {k: known.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize(
    ("path", "model", "action", "strategy"),
    [
        ("/api/org/officers", Officer, "officer.create", officer_bodies),
        ("/api/org/aides", Aide, "aide.create", aide_bodies),
    ],
    ids=["officers", "aides"],
)
def test_random_json_never_500(county, fuzz_clients, path, model, action, strategy):
    seen: set[int] = set()

    @given(
        body=strategy,
        persona=st.sampled_from(["sysadmin", "sysadmin", "sysadmin", "commander", "auditor"]),
    )
    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(body, persona):
        body = _fill(county, body)
        rows, created = model.objects.count(), AuditEvent.objects.filter(action=action).count()
        total = AuditEvent.objects.count()
        response = fuzz_clients[persona].post(path, raw=json.dumps(body).encode())
        assert response.status_code in (201, 403, 422), response.content
        event(f"{persona} → {response.status_code}")
        seen.add(response.status_code)
        if response.status_code == 201:
            assert persona == "sysadmin"
            assert model.objects.count() == rows + 1
            assert AuditEvent.objects.filter(action=action).count() == created + 1
            assert model.objects.get(pk=response.json()["id"]).bureau == county.bureau
        else:
            assert model.objects.count() == rows
            assert AuditEvent.objects.count() == total
            assert set(response.json()) <= {"detail", "errors"}
            if response.status_code == 422:
                errors = response.json()["errors"]
                assert errors and all(isinstance(m, str) for ms in errors.values() for m in ms)

    run()
    # The bodies reach every outcome: refused by role, refused as invalid, and stored.
    assert seen == {201, 403, 422}


# --- Query counts ------------------------------------------------------------------------------

# token → user (with unit, officer and aide) 1 + count 1 + page (with unit) 1 + beats today 1
OFFICER_LIST = 4
# token 1 + count 1 + page (with area) 1
AIDE_LIST = 3
# token 1 + the officer (with unit) 1 + their beats (with areas) 1 + their history 1
OFFICER_DETAIL = 4
# token 1 + the aide (with area) 1 + their history 1
AIDE_DETAIL = 3


def grow(county, n: int = 8) -> None:
    """More officers (each on a beat) and aides in the county; the officer 张伟 with more beats
    (ended and open) and two transfers (away and back) in his history."""
    own = county.officers["own"]
    org.officer_transfer(actor=SYSTEM, officer=own, unit=county.units["ws_sibling"])
    org.officer_transfer(actor=SYSTEM, officer=own, unit=county.units["ws_own"])
    for area in ("own", "sibling", "community_a"):
        org.beat_assign(actor=SYSTEM, officer=own, area=county.areas[area], start_date=today())
    for i in range(n):
        officer = org.officer_create(
            actor=SYSTEM,
            unit=county.units["ws_own" if i % 2 else "ws_other"],
            name=f"警员{i}",
            badge_number=f"0520{i:02d}",
            phone=f"138037520{i:02d}",
        )
        area = county.areas["own" if i % 2 else "other"]
        org.beat_assign(actor=SYSTEM, officer=officer, area=area, start_date=dt.date(2015, 1, 1))
        org.aide_create(
            actor=SYSTEM,
            area=area,
            name=f"协勤{i}",
            kind="security_member" if i % 3 else "patroller",
            subtype="other" if i % 3 else "",
            phone=f"139037520{i:02d}",
        )


@pytest.mark.parametrize("grown", [False, True], ids=["small", "grown"])
def test_list_query_counts_are_pinned_and_flat(county, django_assert_num_queries, grown):
    if grown:
        grow(county)
    cases = [
        ("/api/org/officers", "commander", OFFICER_LIST),
        ("/api/org/officers?q=0&on_beat=true", "commander", OFFICER_LIST),
        (f"/api/org/officers?unit={county.units['station_a'].pk}", "station_leader", OFFICER_LIST),
        ("/api/org/officers", "beat", OFFICER_LIST),
        ("/api/org/aides", "commander", AIDE_LIST),
        ("/api/org/aides?kind=security_member&q=139", "commander", AIDE_LIST),
        ("/api/org/aides", "aide", AIDE_LIST),
        (f"/api/org/officers/{county.officers['own'].pk}", "commander", OFFICER_DETAIL),
        (f"/api/org/officers/{county.officers['own'].pk}", "beat", OFFICER_DETAIL),
        (f"/api/org/aides/{county.aides['own'].pk}", "commander", AIDE_DETAIL),
        (f"/api/org/aides/{county.aides['own'].pk}", "aide", AIDE_DETAIL),
    ]
    for path, persona, expected in cases:
        client = api_as(county.user(persona))
        with django_assert_num_queries(expected):
            response = client.get(path)
        assert response.status_code == 200, (path, persona)


def test_grown_lists_really_are_longer(county):
    client = api_as(county.user("commander"))
    grow(county)
    officers = client.get("/api/org/officers").json()
    assert officers["count"] == 5 + 8
    counts = {o["name"]: o["open_beat_count"] for o in officers["items"]}
    assert counts.pop("张伟") == 3 and set(counts.values()) == {1}
    detail = client.get(f"/api/org/officers/{county.officers['own'].pk}").json()
    assert [b["is_open"] for b in detail["beats"]] == [True, True, True, False]
    assert [c["action"] for c in detail["history"]] == ["officer_transfer", "officer_transfer"]
    assert client.get("/api/org/aides").json()["count"] == 1 + 8
