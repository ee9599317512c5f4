"""The matters API: creation (idempotent, with possible duplicates), the actions, lists and
queues, the SLA policy and the counts; a permission table per endpoint across the personas;
bad input answers 422 with field errors in Chinese."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cunjing.matters import services
from cunjing.matters.models import Matter, MatterEvent
from tests.api import api_as, zh
from tests.conftest import PERSONAS
from tests.matters import new_matter

ALL = [*PERSONAS, "anonymous"]
MISSING = 987_654_321


def client_for(county, persona, lang=None):
    return api_as(None if persona == "anonymous" else county.user(persona), lang=lang)


def key():
    return {"Idempotency-Key": str(uuid.uuid4())}


def body(county, area="own", **extra):
    return {
        "area": county.areas[area].pk if area in county.areas else MISSING,
        "kind": "request",
        "description": "村口路灯坏了，晚上很黑",
        "reporter_phone": "13903750001",
        **extra,
    }


# persona → status for own (瓦房沟村), other (杨庄村), none
# fmt: off
CREATE = {
    "beat":           (201, 404, 404),
    "sibling":        (404, 404, 404),
    "other":          (404, 201, 404),
    "aide":           (201, 404, 404),
    "office_leader":  (201, 404, 404),
    "station_leader": (201, 404, 404),
    "commander":      (201, 201, 404),
    "inspector":      (403, 403, 403),
    "sysadmin":       (403, 403, 403),
    "secadmin":       (403, 403, 403),
    "auditor":        (403, 403, 403),
    "anonymous":      (401, 401, 401),
}
DETAIL = {
    "beat":           (200, 404, 404),
    "sibling":        (404, 404, 404),
    "other":          (404, 200, 404),
    "aide":           (200, 404, 404),
    "office_leader":  (200, 404, 404),
    "station_leader": (200, 404, 404),
    "commander":      (200, 200, 404),
    "inspector":      (200, 200, 404),
    "sysadmin":       (403, 403, 403),
    "secadmin":       (403, 403, 403),
    "auditor":        (403, 403, 403),
    "anonymous":      (401, 401, 401),
}
ACT = {  # every POST /api/matters/{id}/<action> on a new matter at the workstation
    "beat":           (200, 404, 404),
    "sibling":        (404, 404, 404),
    "other":          (404, 200, 404),
    "aide":           (403, 403, 403),
    "office_leader":  (200, 404, 404),
    "station_leader": (200, 404, 404),
    "commander":      (200, 200, 404),
    "inspector":      (403, 403, 403),
    "sysadmin":       (403, 403, 403),
    "secadmin":       (403, 403, 403),
    "auditor":        (403, 403, 403),
    "anonymous":      (401, 401, 401),
}
ATTACH = {**ACT, "aide": (201, 404, 404), **{
    p: tuple(201 if s == 200 else s for s in ACT[p])
    for p in ("beat", "other", "office_leader", "station_leader", "commander")
}}
# persona → status of GET list, GET sla, PUT sla, GET counts, GET categories
SIMPLE = {
    "beat":           (200, 200, 403, 200, 200),
    "sibling":        (200, 200, 403, 200, 200),
    "other":          (200, 200, 403, 200, 200),
    "aide":           (200, 200, 403, 200, 200),
    "office_leader":  (200, 200, 403, 200, 200),
    "station_leader": (200, 200, 403, 200, 200),
    "commander":      (200, 200, 200, 200, 200),
    "inspector":      (200, 200, 403, 200, 200),
    "sysadmin":       (403, 200, 200, 403, 403),
    "secadmin":       (403, 403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401, 401),
}
# fmt: on
RELATIONS = ("own", "other", "none")


def test_the_tables_cover_every_persona():
    for table in (CREATE, DETAIL, ACT, ATTACH, SIMPLE):
        assert set(table) == set(ALL)


@pytest.mark.parametrize("persona", ALL)
def test_create_permissions(county, persona):
    api = client_for(county, persona)
    for relation, expected in zip(RELATIONS, CREATE[persona], strict=True):
        before = Matter.objects.count()
        response = api.post("/api/matters", body(county, relation), headers=key())
        assert response.status_code == expected, (persona, relation, response.content)
        assert Matter.objects.count() == before + (1 if expected == 201 else 0)


def _targets(county):
    return {
        "own": new_matter(county).pk,
        "other": new_matter(county, persona="other", area="other").pk,
        "none": MISSING,
    }


@pytest.mark.parametrize("persona", ALL)
def test_detail_permissions(county, persona):
    api = client_for(county, persona)
    targets = _targets(county)
    for relation, expected in zip(RELATIONS, DETAIL[persona], strict=True):
        response = api.get(f"/api/matters/{targets[relation]}")
        assert response.status_code == expected, (persona, relation)


ACTIONS = {
    "accept": {"note": "已受理"},
    "reply": {"channel": "phone", "text": "已收到，明天处理"},
    "escalate": {"reason": "需要所里协调"},
    "refer": {"body": "乡政府", "note": ""},
    "merge": None,  # target filled in per test
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("persona", ALL)
def test_action_permissions(county, persona, action):
    api = client_for(county, persona)
    targets = _targets(county)
    for relation, expected in zip(RELATIONS, ACT[persona], strict=True):
        payload = ACTIONS[action]
        if action == "merge":
            area, who = ("other", "other") if relation == "other" else ("own", "beat")
            payload = {"target": new_matter(county, persona=who, area=area).pk}
        events = MatterEvent.objects.count()
        response = api.post(f"/api/matters/{targets[relation]}/{action}", payload)
        assert response.status_code == expected, (persona, relation, response.content)
        assert MatterEvent.objects.count() == events + (1 if expected == 200 else 0)


@pytest.mark.parametrize("persona", ALL)
def test_attachment_permissions(county, persona, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    api = client_for(county, persona)
    targets = _targets(county)
    for relation, expected in zip(RELATIONS, ATTACH[persona], strict=True):
        upload = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
        response = api.client.post(
            f"/api/matters/{targets[relation]}/attachments",
            {"file": upload},
            headers=api.headers(),
        )
        assert response.status_code == expected, (persona, relation, response.content)


@pytest.mark.parametrize("persona", ALL)
def test_list_sla_counts_categories_permissions(county, persona):
    api = client_for(county, persona)
    sla = {"level": "office", "kind": "lead", "reply_hours": 6, "resolve_hours": 48}
    got = (
        api.get("/api/matters").status_code,
        api.get("/api/matters/sla").status_code,
        api.request("put", "/api/matters/sla", sla).status_code,
        api.get("/api/matters/counts").status_code,
        api.get("/api/matters/categories").status_code,
    )
    assert got == SIMPLE[persona]


# --- Behaviour -----------------------------------------------------------------------------------


def test_create_answers_the_matter_with_possible_duplicates(county):
    api = client_for(county, "beat")
    first = api.post("/api/matters", body(county), headers=key()).json()
    assert first["state"] == "new" and first["level"] == "workstation"
    assert first["reporter_phone"] != "13903750001" and first["reporter_phone"].endswith("0001")
    assert first["possible_duplicates"] == []
    assert [e["action"] for e in first["events"]] == ["create"]
    second = api.post(
        "/api/matters", body(county, description="村口的路灯坏了，晚上很黑"), headers=key()
    ).json()
    assert [d["id"] for d in second["possible_duplicates"]] == [first["id"]]
    assert second["possible_duplicates"][0]["similarity"] >= 0.5


def test_the_same_key_stores_once(county):
    api = client_for(county, "beat")
    headers = key()
    one = api.post("/api/matters", body(county), headers=headers)
    two = api.post("/api/matters", body(county), headers=headers)
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json() == two.json()
    assert Matter.objects.count() == 1
    three = api.post("/api/matters", body(county, description="另一件"), headers=headers)
    assert three.status_code == 422
    assert api.post("/api/matters", body(county)).status_code == 422  # a key is required


@pytest.mark.parametrize(
    ("change", "field", "msgid"),
    [
        ({"description": ""}, "description", "This field cannot be blank."),
        (
            {"kind": "gossip"},
            "kind",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            {"latitude": 95.0, "longitude": 113.0},
            "latitude",
            "Ensure this value is less than or equal to %(limit_value)s.",
        ),
        ({"area": "x"}, "area", "Enter a whole number."),
        ({"reporter_phone": "12345"}, "reporter_phone", "Enter a valid phone number."),
        ({"source": "portal"}, "source", None),
        ({"extra": 1}, "extra", "This field is not allowed."),
    ],
)
def test_bad_input_answers_422_in_chinese(county, change, field, msgid):
    api = client_for(county, "beat", lang="zh-hans")
    response = api.post("/api/matters", {**body(county), **change}, headers=key())
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors
    if msgid is not None:
        expected = zh(msgid, limit_value=90) if "%(" in msgid else zh(msgid)
        assert expected in errors[field]
    assert Matter.objects.count() == 0


def test_actions_through_the_api_end_to_end(county):
    beat, commander = client_for(county, "beat"), client_for(county, "commander")
    m = beat.post("/api/matters", body(county), headers=key()).json()
    url = f"/api/matters/{m['id']}"
    assert set(beat.get(url).json()["actions"]) == {"accept", "reply", "escalate", "refer", "merge"}
    assert beat.post(f"{url}/resolve", {"resolution": "x"}).status_code == 422  # not accepted
    assert beat.post(f"{url}/escalate", {"reason": "所里协调"}).json()["level"] == "office"
    assert beat.post(f"{url}/accept", {}).status_code == 403  # now at the office
    assert beat.get(url).json()["actions"] == []
    assert commander.post(f"{url}/accept", {}).json()["state"] == "accepted"
    r = commander.post(f"{url}/reply", {"channel": "sms", "text": "已安排维修"}).json()
    assert r["replies"][0]["text"] == "已安排维修" and r["first_reply_at"]
    r = commander.post(f"{url}/resolve", {"resolution": "已修好"}).json()
    assert r["state"] == "resolved"
    # Entered by staff: its reporter has no tracking page (issue 13); it closes on its own
    # seven days after it was resolved with a reply.
    with pytest.raises(Matter.DoesNotExist):
        services.matter_confirm(bureau_id=county.bureau.pk, tracking_code=r["tracking_code"])
    assert services.close_resolved(now=timezone.now() + dt.timedelta(days=8)) == 1
    final = beat.get(url).json()
    assert final["state"] == "closed"
    assert [e["action"] for e in final["events"]] == [
        "create",
        "escalate",
        "accept",
        "reply",
        "resolve",
        "close",
    ]


def test_lead_to_case_through_the_api(county):
    beat = client_for(county, "beat")
    lead = beat.post("/api/matters", body(county, kind="lead"), headers=key()).json()
    r = beat.post(f"/api/matters/{lead['id']}/case", {"case_number": "武公刑〔2015〕7号"})
    assert r.status_code == 200 and r.json()["case_number"] == "武公刑〔2015〕7号"
    # aides see no leads at all
    assert client_for(county, "aide").get(f"/api/matters/{lead['id']}").status_code == 404


def test_queues(county):
    m1 = new_matter(county)
    m2 = new_matter(county, reporter_name="", reporter_phone="", description="无名举报")
    services.matter_escalate(actor=county.user("beat"), matter=m2, reason="上报")
    services.matter_reply(actor=county.user("beat"), matter=m1, channel="phone", text="好")

    def ids(persona, **params):
        items = client_for(county, persona).get("/api/matters", params).json()["items"]
        return [i["id"] for i in items]

    assert ids("beat", queue="mine") == [m1.pk]
    assert ids("office_leader", queue="mine") == [m2.pk]
    assert ids("beat", queue="awaiting_reply") == []
    assert ids("beat") == [m2.pk, m1.pk]
    assert ids("beat", kind="lead") == []
    Matter.objects.filter(pk=m1.pk).update(resolve_due_at=timezone.now() - dt.timedelta(hours=1))
    assert ids("commander", queue="overdue") == [m1.pk]
    page = client_for(county, "beat").get("/api/matters", {"limit": 1}).json()
    assert [i["id"] for i in page["items"]] == [m2.pk] and page["next"] == str(m2.pk)
    rest = client_for(county, "beat").get("/api/matters", {"limit": 1, "before": page["next"]})
    assert [i["id"] for i in rest.json()["items"]] == [m1.pk]


def test_counts(county):
    m1 = new_matter(county)
    new_matter(county, persona="other", area="other")
    services.matter_reply(actor=county.user("beat"), matter=m1, channel="phone", text="好")
    data = client_for(county, "commander").get("/api/matters/counts").json()
    assert data["total"]["collected"] == 2
    assert data["total"]["replied"] == 1 and data["total"]["replied_pct"] == 50.0
    assert data["total"]["median_hours_to_reply"] is not None
    by_unit = {row["unit"]["name"]: row["collected"] for row in data["by_unit"]}
    assert by_unit == {"甲派出所": 1, "乙派出所": 1}
    office = client_for(county, "office_leader").get("/api/matters/counts").json()
    assert office["total"]["collected"] == 1


def test_sla_policy_api(county):
    api = client_for(county, "commander")
    rows = api.get("/api/matters/sla").json()
    assert len(rows) == 16 and not any(r["custom"] for r in rows)
    put = api.request(
        "put",
        "/api/matters/sla",
        {"level": "station", "kind": "hazard", "reply_hours": 8, "resolve_hours": 4},
    )
    assert put.status_code == 422 and "resolve_hours" in put.json()["errors"]
    ok = api.request(
        "put",
        "/api/matters/sla",
        {"level": "station", "kind": "hazard", "reply_hours": 8, "resolve_hours": 40},
    )
    assert ok.json()["custom"] is True
    row = next(
        r
        for r in api.get("/api/matters/sla").json()
        if r["level"] == "station" and r["kind"] == "hazard"
    )
    assert (row["reply_hours"], row["resolve_hours"], row["custom"]) == (8, 40, True)
