"""The correction API: ``PATCH /api/fieldwork/<kind>/<id>``, ``POST …/<id>/void``, and the
correction requests (``/api/fieldwork/corrections``), with the permission matrix of each:
persona × the record's relation to the beat officer of 瓦房沟村 (own, sibling, other, none)."""

from __future__ import annotations

import pytest

from cunjing.fieldwork import services
from cunjing.fieldwork.models import CorrectionRequest, CorrectionState, HouseholdVisit
from tests.api import ApiClient, api_as, zh
from tests.fieldwork.test_corrections import age, assert_counters_equal_a_recount, floating, visit

RELATIONS = ("own", "sibling", "other", "none")
MISSING = 987_654_321
RECORDER = {"own": "beat", "sibling": "sibling", "other": "other"}

# persona → status for own, sibling, other, none
# fmt: off
CORRECT = {  # PATCH a visit recorded by the area's beat officer; POST …/void alike
    "beat":           (200, 404, 404, 404),
    "sibling":        (404, 200, 404, 404),
    "other":          (404, 404, 200, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
DECIDE = {  # POST /api/fieldwork/corrections/{id}/decision: the request of the area's officer
    "beat":           (403, 404, 404, 404),
    "sibling":        (404, 403, 404, 404),
    "other":          (404, 404, 403, 404),
    "aide":           (403, 404, 404, 404),
    "office_leader":  (200, 200, 404, 404),
    "station_leader": (200, 200, 404, 404),
    "commander":      (403, 403, 403, 404),
    "inspector":      (403, 403, 403, 404),
    "sysadmin":       (403, 403, 403, 403),
    "secadmin":       (403, 403, 403, 403),
    "auditor":        (403, 403, 403, 403),
    "anonymous":      (401, 401, 401, 401),
}
# fmt: on


def rows(table: dict) -> list[tuple[str, str, int]]:
    return [
        (persona, relation, status)
        for persona, statuses in table.items()
        for relation, status in zip(RELATIONS, statuses, strict=True)
    ]


def client_for(county, persona: str) -> ApiClient:
    return ApiClient() if persona == "anonymous" else api_as(county.user(persona))


def record_of(county, relation: str) -> int:
    if relation == "none":
        return MISSING
    return visit(county, persona=RECORDER[relation], area=relation).pk


@pytest.mark.parametrize(("persona", "relation", "status"), rows(CORRECT))
def test_correct_matrix(county, persona, relation, status):
    pk = record_of(county, relation)
    response = client_for(county, persona).patch(
        f"/api/fieldwork/visits/{pk}", {"household": "张家", "reason": "户名写错"}
    )
    assert response.status_code == status, response.content
    if relation != "none":
        assert (HouseholdVisit.objects.get(pk=pk).household == "张家") == (status == 200)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(CORRECT))
def test_void_matrix(county, persona, relation, status):
    pk = record_of(county, relation)
    response = client_for(county, persona).post(
        f"/api/fieldwork/visits/{pk}/void", {"reason": "重复录入"}
    )
    assert response.status_code == status, response.content
    if relation != "none":
        voided = HouseholdVisit.objects.get(pk=pk).voided_at is not None
        assert voided == (status == 200)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(DECIDE))
def test_decide_matrix(county, persona, relation, status):
    if relation == "none":
        pk = MISSING
    else:
        v = visit(county, persona=RECORDER[relation], area=relation)
        age(v, 8)
        pk = services.correction_request(
            actor=county.user(RECORDER[relation]), record=v, action="void", reason="重复"
        ).pk
    response = client_for(county, persona).post(
        f"/api/fieldwork/corrections/{pk}/decision", {"approve": True}
    )
    assert response.status_code == status, response.content
    if relation != "none":
        state = CorrectionRequest.objects.get(pk=pk).state
        assert (state == CorrectionState.APPROVED) == (status == 200)


def test_a_correction_answers_the_record_as_it_now_is(county):
    v = visit(county)
    response = api_as(county.user("beat")).patch(
        f"/api/fieldwork/visits/{v.pk}", {"contact_card_given": True, "reason": "联系卡已发"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["contact_card_given"] is True and body["updated_at"] is not None
    assert body["voided_at"] is None and body["void_reason"] == ""
    assert_counters_equal_a_recount(county.bureau)


def test_errors_are_per_field_and_in_chinese(county):
    r = floating(county)
    client = api_as(county.user("beat"), lang="zh-hans")
    response = client.patch(
        f"/api/fieldwork/floating-residents/{r.pk}",
        {"phone": "hello", "arrived_on": "2099-01-01", "reason": "改"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"phone", "arrived_on"}
    # Unknown and uncorrectable fields are refused, not ignored.
    response = client.patch(
        f"/api/fieldwork/floating-residents/{r.pk}", {"area": 1, "reason": "改"}
    )
    assert response.status_code == 422 and "area" in response.json()["errors"]
    response = client.patch(f"/api/fieldwork/floating-residents/{r.pk}", {"name": "王"})
    assert response.status_code == 422 and "reason" in response.json()["errors"]


def test_after_the_window_the_api_says_so_and_takes_a_request(county):
    v = visit(county)
    age(v, 8)
    beat = api_as(county.user("beat"), lang="zh-hans")
    response = beat.patch(f"/api/fieldwork/visits/{v.pk}", {"household": "张家", "reason": "改"})
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == [
        zh(
            "The correction window (%(days)s days after the record was saved) has passed: "
            "send a correction request to your leader.",
            days=7,
        )
    ]
    body = {
        "record_kind": "visits",
        "record": v.pk,
        "action": "correct",
        "changes": {"household": "张家", "occurred_on": "2014-10-01"},
        "reason": "户名和日期写错",
    }
    response = beat.post("/api/fieldwork/corrections", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == "pending" and created["changes"]["household"] == "张家"
    assert beat.post("/api/fieldwork/corrections", body).status_code == 422  # one waits

    leader = api_as(county.user("office_leader"))
    listed = leader.get("/api/fieldwork/corrections", {"state": "pending"}).json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    decided = leader.post(
        f"/api/fieldwork/corrections/{created['id']}/decision", {"approve": False}
    )
    assert decided.status_code == 422 and "note" in decided.json()["errors"]
    decided = leader.post(
        f"/api/fieldwork/corrections/{created['id']}/decision", {"approve": True, "note": "同意"}
    )
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    v.refresh_from_db()
    assert (v.household, v.occurred_on.isoformat()) == ("张家", "2014-10-01")
    assert_counters_equal_a_recount(county.bureau)


def test_a_request_with_bad_changes_is_refused_whole(county):
    v = visit(county)
    age(v, 8)
    response = api_as(county.user("beat")).post(
        "/api/fieldwork/corrections",
        {
            "record_kind": "visits",
            "record": v.pk,
            "action": "correct",
            "changes": {"purpose": "nonsense", "area": 3, "occurred_on": "not a date"},
            "reason": "改",
        },
    )
    assert response.status_code == 422
    assert {"area"} <= set(response.json()["errors"])
    assert not CorrectionRequest.objects.exists()
    response = api_as(county.user("beat")).post(
        "/api/fieldwork/corrections",
        {
            "record_kind": "visits",
            "record": v.pk,
            "action": "correct",
            "changes": {"purpose": "nonsense", "occurred_on": "not a date"},
            "reason": "改",
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"purpose", "occurred_on"}
