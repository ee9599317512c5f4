"""The API's permission matrix: persona × endpoint × scope relation → status code.

Relations are seen from the beat officer of 瓦房沟村 (tests/county.py):

    own      瓦房沟村 / 瓦房沟警务工作站 / its beat              (甲派出所 › 甲中心警务室)
    sibling  刘沟村 / 刘沟警务工作站 / its beat                  (same office)
    other    杨庄村 / 杨庄警务工作站 / its beat                  (乙派出所: another station)
    none     an id that does not exist

Rules the table spells out: an object outside the caller's jurisdiction answers 404 exactly like
one that does not exist; a visible object the role may not change answers 403; the audit admin
lacks ``view_org`` and gets 403 from every organisation endpoint; anonymous callers get 401.
Every persona authenticates with a bearer token issued by ``accounts.services.token_issue``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from cunjing.org.models import Beat
from tests.api import ApiClient, token_for
from tests.county import build_county

RELATIONS = ("own", "sibling", "other", "none")
MISSING = 987_654_321

# persona → status for own, sibling, other, none
# fmt: off
GET_UNIT = {  # GET /api/org/units/{id}: the unit's workstation
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (200, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (200, 200, 200, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (200, 200, 200, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
GET_AREA = {  # GET /api/org/areas/{id}: the village
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (200, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (200, 200, 200, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (200, 200, 200, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
PATCH_AREA = {  # PATCH /api/org/areas/{id} {"latitude": 30.5}: system admins only
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (403, 403, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
ASSIGN_BEAT = {  # POST /api/org/beats: a new officer of the village's workstation → the village
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (201, 201, 404, 404),
    "commander":      (201, 201, 201, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (201, 201, 201, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
END_BEAT = {  # POST /api/org/beats/{id}/end: the village's lead beat
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
# Endpoints without an object: persona → status
LISTS = {
    #                  /api/me  units  areas  coverage  rules
    "beat":           (200,     200,   200,   200,    403),
    "sibling":        (200,     200,   200,   200,    403),
    "other":          (200,     200,   200,   200,    403),
    "aide":           (200,     200,   200,   200,    403),
    "office_leader":  (200,     200,   200,   200,    403),
    "station_leader": (200,     200,   200,   200,    403),
    "commander":      (200,     200,   200,   200,    200),
    "inspector":      (200,     200,   200,   200,    403),
    "sysadmin":       (200,     200,   200,   200,    200),
    "secadmin":       (200,     200,   200,   200,    403),
    "auditor":        (200,     403,   403,   403,    403),
    "anonymous":      (401,     401,   401,   401,    401),
}
# fmt: on
LIST_PATHS = (
    "/api/me",
    "/api/org/units",
    "/api/org/areas",
    "/api/org/coverage",
    "/api/org/rules",
)
PERSONAS = list(LISTS)

UNIT_OF = {"own": "ws_own", "sibling": "ws_sibling", "other": "ws_other"}


def client_for(county, persona: str) -> ApiClient:
    if persona == "anonymous":
        return ApiClient()
    return ApiClient(token_for(county.user(persona)))


def rows(table: dict) -> list[tuple[str, str, int]]:
    return [
        (persona, relation, status)
        for persona, statuses in table.items()
        for relation, status in zip(RELATIONS, statuses, strict=True)
    ]


def test_the_tables_cover_every_persona():
    for table in (GET_UNIT, GET_AREA, PATCH_AREA, ASSIGN_BEAT, END_BEAT, LISTS):
        assert list(table) == PERSONAS


@pytest.mark.parametrize(("persona", "relation", "status"), rows(GET_UNIT))
def test_get_unit(county, persona, relation, status):
    pk = county.units[UNIT_OF[relation]].pk if relation != "none" else MISSING
    response = client_for(county, persona).get(f"/api/org/units/{pk}")
    assert response.status_code == status


@pytest.mark.parametrize(("persona", "relation", "status"), rows(GET_AREA))
def test_get_area(county, persona, relation, status):
    pk = county.areas[relation].pk if relation != "none" else MISSING
    response = client_for(county, persona).get(f"/api/org/areas/{pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["contact_card"]["officer"]["name"] == (
            county.officers[relation].name
        )


@pytest.mark.parametrize(("persona", "relation", "status"), rows(PATCH_AREA))
def test_patch_area(county, persona, relation, status):
    pk = county.areas[relation].pk if relation != "none" else MISSING
    response = client_for(county, persona).patch(f"/api/org/areas/{pk}", {"latitude": 30.5})
    assert response.status_code == status
    if relation != "none":
        area = county.areas[relation]
        area.refresh_from_db()
        assert (area.latitude == 30.5) == (status == 200)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(ASSIGN_BEAT))
def test_assign_beat(county, persona, relation, status):
    if relation == "none":
        officer_id = area_id = MISSING
    else:
        officer = org.officer_create(
            actor=SYSTEM,
            unit=county.units[UNIT_OF[relation]],
            name="新警",
            badge_number="049999",
            phone="13803759999",
        )
        officer_id, area_id = officer.pk, county.areas[relation].pk
    before = Beat.objects.count()
    response = client_for(county, persona).post(
        "/api/org/beats", {"officer": officer_id, "area": area_id}
    )
    assert response.status_code == status
    assert Beat.objects.count() == before + (1 if status == 201 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(END_BEAT))
def test_end_beat(county, persona, relation, status):
    if relation == "none":
        pk = MISSING
    else:
        pk = Beat.objects.get(area=county.areas[relation], is_lead=True, end_date__isnull=True).pk
    response = client_for(county, persona).post(f"/api/org/beats/{pk}/end", {})
    assert response.status_code == status
    if relation != "none":
        ended = Beat.objects.get(pk=pk).end_date is not None
        assert ended == (status == 200)


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        (persona, path, status)
        for persona, statuses in LISTS.items()
        for path, status in zip(LIST_PATHS, statuses, strict=True)
    ],
)
def test_lists(county, persona, path, status):
    assert client_for(county, persona).get(path).status_code == status


def test_token_endpoint_needs_no_authentication(county):
    from tests.county import PASSWORD

    response = ApiClient().post("/api/auth/token", {"username": "auditor", "password": PASSWORD})
    assert response.status_code == 200


# --- What the lists contain ------------------------------------------------------------------


def area_names(county, persona: str) -> list[str]:
    response = client_for(county, persona).get("/api/org/areas")
    assert response.status_code == 200
    return [a["name"] for a in response.json()["items"]]


def unit_names(county, persona: str) -> list[str]:
    response = client_for(county, persona).get("/api/org/units")
    assert response.status_code == 200
    return [u["name"] for u in response.json()["items"]]


def test_a_beat_officer_lists_only_their_areas(county):
    assert area_names(county, "beat") == ["瓦房沟村"]
    assert area_names(county, "sibling") == ["刘沟村"]
    assert area_names(county, "other") == ["杨庄村"]
    assert area_names(county, "aide") == ["瓦房沟村"]


def test_asking_for_another_stations_area_answers_404(county):
    for persona in ("beat", "office_leader", "station_leader"):
        client = client_for(county, persona)
        assert client.get(f"/api/org/areas/{county.areas['other'].pk}").status_code == 404
        # ... exactly like an area that does not exist, body included.
        assert (
            client.get(f"/api/org/areas/{county.areas['other'].pk}").json()
            == client.get(f"/api/org/areas/{MISSING}").json()
        )


def test_a_station_leader_sees_the_station_subtree(county):
    assert unit_names(county, "station_leader") == [
        "甲派出所",
        "甲中心警务室",
        "瓦房沟警务工作站",
        "刘沟警务工作站",
    ]
    assert area_names(county, "station_leader") == ["甲乡", "甲社区", "瓦房沟村", "刘沟村"]


def test_an_office_leader_sees_the_office_subtree(county):
    assert unit_names(county, "office_leader") == [
        "甲中心警务室",
        "瓦房沟警务工作站",
        "刘沟警务工作站",
    ]
    assert area_names(county, "office_leader") == ["甲社区", "瓦房沟村", "刘沟村"]


@pytest.mark.parametrize("persona", ["commander", "inspector", "sysadmin", "secadmin"])
def test_the_bureau_sees_everything(county, persona):
    assert area_names(county, persona) == [
        "测试县",
        "甲乡",
        "甲社区",
        "瓦房沟村",
        "刘沟村",
        "乙镇",
        "乙社区",
        "杨庄村",
    ]
    assert len(unit_names(county, persona)) == 8


def test_the_commander_sees_nothing_of_another_bureau(county):
    other = build_county(code="410500", name="另一县公安局", prefix="x-")
    client = client_for(county, "commander")
    assert client.get(f"/api/org/areas/{other.areas['own'].pk}").status_code == 404
    assert client.get(f"/api/org/units/{other.units['ws_own'].pk}").status_code == 404
    assert client.get("/api/org/areas").json()["count"] == 8
    assert client.get("/api/org/coverage").json()["areas_total"] == 5
    # Nor can it assign another bureau's officer to its own village.
    response = client.post(
        "/api/org/beats",
        {"officer": other.officers["own"].pk, "area": county.areas["own"].pk},
    )
    assert response.status_code == 404


# --- The people: officers and aides (/api/org/officers, /api/org/aides) ------------------------
# Officers are seen through their unit (own 张伟 of 瓦房沟警务工作站, sibling 王芳 of
# 刘沟警务工作站, other 李强 of 杨庄警务工作站), aides through their village (own 陈静 of
# 瓦房沟村; a sibling and an other aide are added below). Reads need ``view_org``; writes
# ``manage_org``, which only the system admin has: a visible person answers 403 to anyone else,
# an invisible one 404. The creates name a unit or an area in their body: any role but the
# system admin gets 403 whatever it is; for the system admin a missing one is a 422 on that
# field (a body id is input, not the object acted on).

# fmt: off
GET_OFFICER = {  # GET /api/org/officers/{id}
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (200, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (200, 200, 200, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (200, 200, 200, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
PATCH_OFFICER = {  # PATCH /api/org/officers/{id} {"title": "副所长"}
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (403, 403, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
TRANSFER_OFFICER = {  # POST /api/org/officers/{id}/transfer {"unit_id": the office above}
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (403, 403, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
GET_AIDE = {  # GET /api/org/aides/{id}
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (200, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (200, 200, 200, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (200, 200, 200, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
PATCH_AIDE = {  # PATCH /api/org/aides/{id} {"name": "新名"}
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (403, 403, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
END_AIDE = {  # POST /api/org/aides/{id}/end
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (403, 403, 404, 404),
    "station_leader": (403, 403, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (200, 200, 200, 404),
    "secadmin":       (403, 403, 403, 404),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
POST_OFFICER = {  # POST /api/org/officers into the relation's workstation (none: a missing unit)
    "beat":           (403, 403, 403, 403),
    "sibling":        (403, 403, 403, 403),
    "other":          (403, 403, 403, 403),
    "aide":           (403, 403, 403, 403),
    "office_leader":  (403, 403, 403, 403),
    "station_leader": (403, 403, 403, 403),
    "commander":      (403, 403, 403, 403),
    "inspector":      (403, 403, 403, 403),
    "sysadmin":       (201, 201, 201, 422),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
POST_AIDE = {  # POST /api/org/aides into the relation's village (none: a missing area)
    "beat":           (403, 403, 403, 403),
    "sibling":        (403, 403, 403, 403),
    "other":          (403, 403, 403, 403),
    "aide":           (403, 403, 403, 403),
    "office_leader":  (403, 403, 403, 403),
    "station_leader": (403, 403, 403, 403),
    "commander":      (403, 403, 403, 403),
    "inspector":      (403, 403, 403, 403),
    "sysadmin":       (201, 201, 201, 422),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
PEOPLE_LISTS = {
    #                  officers  aides
    "beat":           (200,      200),
    "sibling":        (200,      200),
    "other":          (200,      200),
    "aide":           (200,      200),
    "office_leader":  (200,      200),
    "station_leader": (200,      200),
    "commander":      (200,      200),
    "inspector":      (200,      200),
    "sysadmin":       (200,      200),
    "secadmin":       (200,      200),
    "auditor":        (403,      403),
    "anonymous":      (401,      401),
}
# fmt: on
PEOPLE_LIST_PATHS = ("/api/org/officers", "/api/org/aides")
# A transfer's target: the office above the officer's workstation (visible to the system admin).
TRANSFER_TO = {"own": "office_a", "sibling": "office_a", "other": "office_b", "none": "office_a"}


def test_the_people_tables_cover_every_persona():
    tables = (
        GET_OFFICER,
        PATCH_OFFICER,
        TRANSFER_OFFICER,
        GET_AIDE,
        PATCH_AIDE,
        END_AIDE,
        POST_OFFICER,
        POST_AIDE,
        PEOPLE_LISTS,
    )
    for table in tables:
        assert list(table) == PERSONAS


@pytest.fixture
def aides(county):
    """An aide in each relation's village: the county's own (陈静), and two added here."""
    a = county.areas
    return {
        "own": county.aides["own"],
        "sibling": org.aide_create(
            actor=SYSTEM,
            area=a["sibling"],
            name="吴刚",
            kind="security_member",
            subtype="village_cadre",
            phone="13903751012",
        ),
        "other": org.aide_create(
            actor=SYSTEM, area=a["other"], name="郑洁", kind="patroller", phone="13903751013"
        ),
    }


def _officer_id(county, relation: str) -> int:
    return county.officers[relation].pk if relation != "none" else MISSING


def _audited(action: str, obj) -> int:
    from cunjing.core.models import AuditEvent

    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).count()


@pytest.mark.parametrize(("persona", "relation", "status"), rows(GET_OFFICER))
def test_get_officer(county, persona, relation, status):
    response = client_for(county, persona).get(f"/api/org/officers/{_officer_id(county, relation)}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["name"] == county.officers[relation].name


@pytest.mark.parametrize(("persona", "relation", "status"), rows(PATCH_OFFICER))
def test_patch_officer(county, persona, relation, status):
    pk = _officer_id(county, relation)
    response = client_for(county, persona).patch(f"/api/org/officers/{pk}", {"title": "副所长"})
    assert response.status_code == status
    if relation != "none":
        officer = county.officers[relation]
        officer.refresh_from_db()
        assert (officer.title == "副所长") == (status == 200)
        assert _audited("officer.update", officer) == (1 if status == 200 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(TRANSFER_OFFICER))
def test_transfer_officer(county, persona, relation, status):
    pk = _officer_id(county, relation)
    target = county.units[TRANSFER_TO[relation]]
    response = client_for(county, persona).post(
        f"/api/org/officers/{pk}/transfer", {"unit_id": target.pk, "note": "调任"}
    )
    assert response.status_code == status
    if relation != "none":
        officer = county.officers[relation]
        officer.refresh_from_db()
        assert (officer.unit_id == target.pk) == (status == 200)
        open_beats = Beat.objects.filter(officer=officer, end_date__isnull=True).count()
        assert open_beats == (0 if status == 200 else 1)
        assert _audited("officer.transfer", officer) == (1 if status == 200 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(GET_AIDE))
def test_get_aide(county, aides, persona, relation, status):
    pk = aides[relation].pk if relation != "none" else MISSING
    response = client_for(county, persona).get(f"/api/org/aides/{pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["name"] == aides[relation].name
        assert "****" in response.json()["phone"]  # masked for everyone


@pytest.mark.parametrize(("persona", "relation", "status"), rows(PATCH_AIDE))
def test_patch_aide(county, aides, persona, relation, status):
    pk = aides[relation].pk if relation != "none" else MISSING
    response = client_for(county, persona).patch(f"/api/org/aides/{pk}", {"name": "新名"})
    assert response.status_code == status
    if relation != "none":
        aide = aides[relation]
        aide.refresh_from_db()
        assert (aide.name == "新名") == (status == 200)
        assert _audited("aide.update", aide) == (1 if status == 200 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(END_AIDE))
def test_end_aide(county, aides, persona, relation, status):
    pk = aides[relation].pk if relation != "none" else MISSING
    response = client_for(county, persona).post(f"/api/org/aides/{pk}/end")
    assert response.status_code == status
    if relation != "none":
        aide = aides[relation]
        aide.refresh_from_db()
        assert aide.is_active == (status != 200)
        assert _audited("aide.end", aide) == (1 if status == 200 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(POST_OFFICER))
def test_post_officer(county, persona, relation, status):
    from cunjing.org.models import Officer

    unit_id = county.units[UNIT_OF[relation]].pk if relation != "none" else MISSING
    before = Officer.objects.count()
    response = client_for(county, persona).post(
        "/api/org/officers",
        {"unit_id": unit_id, "name": "孙丽", "badge_number": "041010", "phone": "13803751010"},
    )
    assert response.status_code == status
    assert Officer.objects.count() == before + (1 if status == 201 else 0)
    if status == 422:
        assert list(response.json()["errors"]) == ["unit_id"]


@pytest.mark.parametrize(("persona", "relation", "status"), rows(POST_AIDE))
def test_post_aide(county, persona, relation, status):
    from cunjing.org.models import Aide

    area_id = county.areas[relation].pk if relation != "none" else MISSING
    before = Aide.objects.count()
    response = client_for(county, persona).post(
        "/api/org/aides",
        {"area_id": area_id, "name": "周强", "kind": "patroller", "phone": "13903751011"},
    )
    assert response.status_code == status
    assert Aide.objects.count() == before + (1 if status == 201 else 0)
    if status == 422:
        assert list(response.json()["errors"]) == ["area_id"]


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        (persona, path, status)
        for persona, statuses in PEOPLE_LISTS.items()
        for path, status in zip(PEOPLE_LIST_PATHS, statuses, strict=True)
    ],
)
def test_people_lists(county, persona, path, status):
    assert client_for(county, persona).get(path).status_code == status


# --- The registry (一标三实) and POST /api/reveal ----------------------------------------------
# Records of the relation's village (tests/registry/data.py): own 瓦房沟村, sibling 刘沟村, other
# 杨庄村. The admin roles have no ``view_registry``: 403 whatever the object.

# fmt: off
GET_RESIDENT = {  # GET /api/registry/residents/{id}
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (200, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (200, 200, 200, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
POST_RESIDENT = {  # POST /api/registry/residents into the relation's dwelling
    "beat":           (201, 404, 404, 404),
    "sibling":        (404, 201, 404, 404),
    "other":          (404, 404, 201, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (201, 201, 404, 404),
    "station_leader": (201, 201, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
REVEAL = {  # POST /api/reveal the ID number of the relation's resident
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
REGISTRY_LISTS = {
    #                  addresses  dwellings  residents  establishments
    "beat":           (200,       200,       200,       200),
    "sibling":        (200,       200,       200,       200),
    "other":          (200,       200,       200,       200),
    "aide":           (200,       200,       200,       200),
    "office_leader":  (200,       200,       200,       200),
    "station_leader": (200,       200,       200,       200),
    "commander":      (200,       200,       200,       200),
    "inspector":      (200,       200,       200,       200),
    "sysadmin":       (403,       403,       403,       403),
    "secadmin":       (403,       403,       403,       403),
    "auditor":        (403,       403,       403,       403),
    "anonymous":      (401,       401,       401,       401),
}
# fmt: on
REGISTRY_LIST_PATHS = tuple(
    f"/api/registry/{kind}" for kind in ("addresses", "dwellings", "residents", "establishments")
)


def test_the_registry_tables_cover_every_persona():
    for table in (GET_RESIDENT, POST_RESIDENT, REVEAL, REGISTRY_LISTS):
        assert list(table) == PERSONAS


@pytest.fixture
def registry(county):
    from tests.registry.data import build_registry

    return build_registry(county)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(GET_RESIDENT))
def test_get_resident(county, registry, persona, relation, status):
    pk = registry.residents[relation].pk if relation != "none" else MISSING
    response = client_for(county, persona).get(f"/api/registry/residents/{pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["name"] == registry.residents[relation].name
        assert ("id_number" in response.json()) == (persona != "aide")


@pytest.mark.parametrize(("persona", "relation", "status"), rows(POST_RESIDENT))
def test_post_resident(county, registry, persona, relation, status):
    from cunjing.registry.models import Resident

    pk = registry.dwellings[relation].pk if relation != "none" else MISSING
    before = Resident.objects.count()
    response = client_for(county, persona).post(
        "/api/registry/residents", {"dwelling": pk, "name": "新住户", "household_role": "other"}
    )
    assert response.status_code == status
    assert Resident.objects.count() == before + (1 if status == 201 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(REVEAL))
def test_reveal(county, registry, persona, relation, status):
    from cunjing.core.models import AuditEvent

    pk = registry.residents[relation].pk if relation != "none" else MISSING
    body = {"object": "resident", "id": pk, "field": "id_number", "reason": "核查身份信息"}
    response = client_for(county, persona).post("/api/reveal", body)
    assert response.status_code == status
    revealed = AuditEvent.objects.filter(action="personal_data.reveal").count()
    assert revealed == (1 if status == 200 else 0)
    if status == 200:
        assert response.json()["value"] == registry.residents[relation].id_number


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        (persona, path, status)
        for persona, statuses in REGISTRY_LISTS.items()
        for path, status in zip(REGISTRY_LIST_PATHS, statuses, strict=True)
    ],
)
def test_registry_lists(county, registry, persona, path, status):
    assert client_for(county, persona).get(path).status_code == status


# --- Disputes (/api/disputes) ------------------------------------------------------------------
# A dispute and a screening round (with one flagged hazard) in the relation's village, recorded by
# its beat officer: own 瓦房沟村, sibling 刘沟村, other 杨庄村. Reads need ``view_fieldwork`` (the
# admin roles: 403 whatever the object); aides record disputes and rounds in their area but do
# not move them (403); inspectors read (403 on writes); the commander records disputes, not
# rounds. The kinds are kept by the commander and the system admin; the rates, counts only, are
# read with ``view_org`` like the results table.

# fmt: off
GET_DISPUTE = {  # GET /api/disputes/{id}, .../sessions, .../follow-ups, /screenings/{id}
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (200, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (200, 200, 200, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
MOVE_DISPUTE = {  # POST .../transitions {"action": "mediate"}, .../sessions, .../follow-ups,
    #               /hazards/{id}/close (200 or 201)
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
POST_DISPUTE = {  # POST /api/disputes into the relation's village (none: a missing area)
    "beat":           (201, 404, 404, 404),
    "sibling":        (404, 201, 404, 404),
    "other":          (404, 404, 201, 404),
    "aide":           (201, 404, 404, 404),
    "office_leader":  (201, 201, 404, 404),
    "station_leader": (201, 201, 404, 404),
    "commander":      (201, 201, 201, 404),
    "inspector":      (403, 403, 403, 403),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
POST_SCREENING = {  # POST /api/disputes/screenings in the relation's village
    "beat":           (201, 404, 404, 404),
    "sibling":        (404, 201, 404, 404),
    "other":          (404, 404, 201, 404),
    "aide":           (201, 404, 404, 404),
    "office_leader":  (201, 201, 404, 404),
    "station_leader": (201, 201, 404, 404),
    "commander":      (403, 403, 403, 403),
    "inspector":      (403, 403, 403, 403),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
REVEAL_PARTY = {  # POST /api/reveal the ID number of the relation's dispute's applicant
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (200, 200, 200, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
DISPUTE_LISTS = {
    #                  disputes  screenings  hazards  kinds  rates  POST kinds  PATCH kind
    "beat":           (200,      200,        200,     200,   200,   403,        403),
    "sibling":        (200,      200,        200,     200,   200,   403,        403),
    "other":          (200,      200,        200,     200,   200,   403,        403),
    "aide":           (200,      200,        200,     200,   200,   403,        403),
    "office_leader":  (200,      200,        200,     200,   200,   403,        403),
    "station_leader": (200,      200,        200,     200,   200,   403,        403),
    "commander":      (200,      200,        200,     200,   200,   201,        200),
    "inspector":      (200,      200,        200,     200,   200,   403,        403),
    "sysadmin":       (403,      403,        403,     200,   200,   201,        200),
    "secadmin":       (403,      403,        403,     403,   200,   403,        403),
    "auditor":        (403,      403,        403,     403,   403,   403,        403),
    "anonymous":      (401,      401,        401,     401,   401,   401,        401),
}
# fmt: on
DISPUTE_READS = ("", "/sessions", "/follow-ups")


def test_the_dispute_tables_cover_every_persona():
    for table in (GET_DISPUTE, MOVE_DISPUTE, POST_DISPUTE, POST_SCREENING, REVEAL_PARTY):
        assert list(table) == PERSONAS
    assert list(DISPUTE_LISTS) == PERSONAS


@pytest.fixture
def disputes(county):
    """Per relation, a reported dispute, a failed one (follow-ups can be scheduled on it) and a
    screening round with one flagged hazard, all by the village's beat officer."""
    import uuid

    from cunjing.disputes import services as dispute_services
    from cunjing.disputes.models import DisputeKind

    dispute_services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
    kind = DisputeKind.objects.get(bureau=county.bureau, code="neighbour")
    out = {}
    for relation, persona in (("own", "beat"), ("sibling", "sibling"), ("other", "other")):
        user, area = county.user(persona), county.areas[relation]

        def record(user=user, area=area):
            return dispute_services.dispute_create(
                actor=user,
                area=area,
                kind=kind,
                source="walk_in",
                facts="邻里纠纷",
                client_uuid=uuid.uuid4(),
                parties=[{"role": "applicant", "name": "王大", "id_number": "410481199001010030"}],
            )

        reported, failed = record(), record()
        dispute_services.dispute_mediate(actor=user, dispute=failed)
        dispute_services.dispute_fail(actor=user, dispute=failed, reason="拒绝调解")
        round_ = dispute_services.screening_create(
            actor=user,
            area=area,
            screened_on=timezone.localdate() - dt.timedelta(days=1),
            households_visited=10,
            places_visited=2,
            client_uuid=uuid.uuid4(),
            hazards=[{"description": "聚集", "flags": ["group_incident"]}],
        )
        out[relation] = {
            "reported": reported,
            "failed": failed,
            "round": round_,
            "hazard": round_.hazards.get(),
        }
    return out


def _dispute_id(disputes, relation: str, which: str = "reported") -> int:
    return disputes[relation][which].pk if relation != "none" else MISSING


@pytest.mark.parametrize(("persona", "relation", "status"), rows(GET_DISPUTE))
def test_get_dispute(county, disputes, persona, relation, status):
    api = client_for(county, persona)
    pk = _dispute_id(disputes, relation)
    for path in DISPUTE_READS:
        response = api.get(f"/api/disputes/{pk}{path}")
        assert response.status_code == status, path
        if status == 200 and path == "":
            assert response.json()["id"] == pk
            assert ("id_number" in response.json()["parties"][0]) == (persona != "aide")
    pk = disputes[relation]["round"].pk if relation != "none" else MISSING
    assert api.get(f"/api/disputes/screenings/{pk}").status_code == status


@pytest.mark.parametrize(("persona", "relation", "status"), rows(MOVE_DISPUTE))
def test_move_dispute(county, disputes, persona, relation, status):
    """Each move on its own record (a session comes after the mediation started)."""
    from cunjing.disputes.models import Dispute, DisputeFollowUp, Hazard, MediationSession

    api = client_for(county, persona)
    today = timezone.localdate().isoformat()
    pk = _dispute_id(disputes, relation)
    moved = api.post(f"/api/disputes/{pk}/transitions", {"action": "mediate"})
    assert moved.status_code == status
    done = relation != "none" and Dispute.objects.get(pk=pk).state == "mediating"
    assert done == (status == 200)
    body = {"held_on": today, "place": "村委会", "participants": "民警", "outcome": "继续"}
    session = api.post(f"/api/disputes/{pk}/sessions", body)
    assert session.status_code == (201 if status == 200 else status)
    assert MediationSession.objects.filter(dispute_id=pk).exists() == (status == 200)
    failed = _dispute_id(disputes, relation, "failed")
    visit = api.post(f"/api/disputes/{failed}/follow-ups", {"due_on": today})
    assert visit.status_code == (201 if status == 200 else status)
    assert DisputeFollowUp.objects.filter(dispute_id=failed).exists() == (status == 200)
    hazard = disputes[relation]["hazard"].pk if relation != "none" else MISSING
    closed = api.post(f"/api/disputes/hazards/{hazard}/close", {})
    assert closed.status_code == status
    assert Hazard.objects.filter(pk=hazard, closed_at__isnull=False).exists() == (status == 200)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(POST_DISPUTE))
def test_post_dispute(county, disputes, persona, relation, status):
    import uuid

    from cunjing.disputes.models import Dispute, DisputeKind

    area_id = county.areas[relation].pk if relation != "none" else MISSING
    kind = DisputeKind.objects.get(bureau=county.bureau, code="family")
    before = Dispute.objects.count()
    response = client_for(county, persona).post(
        "/api/disputes",
        {"area": area_id, "kind": kind.pk, "source": "walk_in", "facts": "家庭矛盾"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == status
    assert Dispute.objects.count() == before + (1 if status == 201 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(POST_SCREENING))
def test_post_screening(county, disputes, persona, relation, status):
    import uuid

    from cunjing.disputes.models import ScreeningRound

    area_id = county.areas[relation].pk if relation != "none" else MISSING
    before = ScreeningRound.objects.count()
    response = client_for(county, persona).post(
        "/api/disputes/screenings",
        {
            "area": area_id,
            "screened_on": timezone.localdate().isoformat(),
            "households_visited": 8,
            "places_visited": 1,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == status
    assert ScreeningRound.objects.count() == before + (1 if status == 201 else 0)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(REVEAL_PARTY))
def test_reveal_party(county, disputes, persona, relation, status):
    from cunjing.core.models import AuditEvent

    pk = disputes[relation]["reported"].parties.get().pk if relation != "none" else MISSING
    body = {"object": "dispute_party", "id": pk, "field": "id_number", "reason": "核查身份信息"}
    response = client_for(county, persona).post("/api/reveal", body)
    assert response.status_code == status
    revealed = AuditEvent.objects.filter(action="personal_data.reveal").count()
    assert revealed == (1 if status == 200 else 0)
    if status == 200:
        assert response.json()["value"] == "410481199001010030"


@pytest.mark.parametrize(
    ("persona", "index", "status"),
    [
        (persona, index, status)
        for persona, statuses in DISPUTE_LISTS.items()
        for index, status in enumerate(statuses)
    ],
)
def test_dispute_lists(county, disputes, persona, index, status):
    from cunjing.disputes.models import DisputeKind

    api = client_for(county, persona)
    today = timezone.localdate().isoformat()
    kind = DisputeKind.objects.get(bureau=county.bureau, code="other")
    response = [
        lambda: api.get("/api/disputes"),
        lambda: api.get("/api/disputes/screenings"),
        lambda: api.get("/api/disputes/hazards"),
        lambda: api.get("/api/disputes/kinds"),
        lambda: api.get("/api/disputes/rates", {"from": today, "to": today}),
        lambda: api.post("/api/disputes/kinds", {"name": "新的纠纷类别"}),
        lambda: api.patch(f"/api/disputes/kinds/{kind.pk}", {"active": False}),
    ][index]()
    assert response.status_code == status
