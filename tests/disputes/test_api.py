"""The disputes API: creates (idempotent), the ledger and its filters, the detail with parties
masked, transitions, sessions, follow-up visits, screening rounds and their hazards, the kinds
and the tier rates; bad input answers 422 with field errors in Chinese; outside the caller's
scope, 404 like a missing record. Query counts of the lists and the detail are pinned."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override

from cunjing.core.models import AuditEvent, IdempotencyKey
from cunjing.disputes import services
from cunjing.disputes.models import Dispute, DisputeFollowUp, Hazard, ScreeningRound
from tests.api import api_as, zh
from tests.disputes.helpers import ID_NUMBER, a_dispute, days_ago

MISSING = 987_654_321


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def dispute_body(county, kinds, area="own", **extra) -> dict:
    return {
        "area": county.areas[area].pk,
        "kind": kinds["neighbour"].pk,
        "source": "walk_in",
        "facts": "两户邻居因琐事扭打，一人受伤",
        "place": "工业园附近",
        "risk_signs": ["injury"],
        "parties": [
            {"role": "applicant", "name": "王大", "id_number": ID_NUMBER, "phone": "13903750001"},
            {"role": "respondent", "name": "李二", "phone": "13903750002"},
        ],
        **extra,
    }


def round_body(county, area="own", **extra) -> dict:
    return {
        "area": county.areas[area].pk,
        "screened_on": timezone.localdate().isoformat(),
        "households_visited": 15,
        "places_visited": 4,
        "note": "排查半天",
        "hazards": [
            {"description": "两户因排水沟争执", "outcome": "dispute"},
            {"description": "工人讨薪聚集", "flags": ["group_incident"]},
        ],
        **extra,
    }


# --- Creating a dispute ------------------------------------------------------------------------


def test_a_dispute_is_stored_once_per_key_and_answered_with_its_detail(county, kinds):
    api = api_as(county.user("beat"))
    headers = key()
    body = dispute_body(county, kinds)
    first = api.post("/api/disputes", body, headers=headers)
    assert first.status_code == 201, first.json()
    data = first.json()
    assert (data["state"], data["risk_level"], data["risk_signs"]) == (
        "reported",
        "high",
        ["injury"],
    )
    assert data["unit"]["id"] == county.units["ws_own"].pk
    assert [e["action"] for e in data["events"]] == ["create"]
    assert data["actions"] == ["mediate", "refer"]
    applicant = data["parties"][0]
    assert applicant["id_number"] == "410481********0030"
    assert applicant["phone"] == "139****0001"
    again = api.post("/api/disputes", body, headers=headers)
    assert (again.status_code, again.json()) == (201, data)
    assert Dispute.objects.count() == 1
    changed = api.post("/api/disputes", {**body, "facts": "另一件事"}, headers=headers)
    assert changed.status_code == 422
    assert list(changed.json()["errors"]) == ["Idempotency-Key"]
    no_key = api.post("/api/disputes", body)
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.json()["errors"]
    assert Dispute.objects.count() == 1


def test_an_aide_records_a_dispute_and_sees_no_id_number(county, kinds):
    api = api_as(county.user("aide"))
    response = api.post("/api/disputes", dispute_body(county, kinds), headers=key())
    assert response.status_code == 201
    parties = response.json()["parties"]
    assert all("id_number" not in p for p in parties)
    assert parties[0]["phone"] == "139****0001"
    detail = api.get(f"/api/disputes/{response.json()['id']}").json()
    assert all("id_number" not in p for p in detail["parties"])
    assert detail["actions"] == []  # aides record, they do not handle
    assert ID_NUMBER not in str(detail)


def test_bad_input_is_a_422_in_chinese(county, kinds):
    api = api_as(county.user("beat"), lang="zh-hans")
    body = dispute_body(county, kinds)
    del body["facts"]
    response = api.post("/api/disputes", body, headers=key())
    assert response.status_code == 422
    assert response.json()["detail"] == zh("Some of the data sent is not valid.")
    assert response.json()["errors"] == {"facts": [zh("This field is required.")]}
    bad = api.post(
        "/api/disputes",
        dispute_body(county, kinds, source="rumour", risk_signs=["ghosts"]),
        headers=key(),
    )
    assert bad.status_code == 422
    choice = zh("Select a valid choice. That choice is not one of the available choices.")
    assert bad.json()["errors"]["source"] == [choice]
    # A refusal of the state machine: on ``state``, in the user's language.
    dispute = a_dispute(county)
    refused = api.post(
        f"/api/disputes/{dispute.pk}/transitions", {"action": "agree", "agreement": "和解"}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == zh("Some of the data sent is not valid.")
    with override("zh-hans"):
        expected = gettext("This cannot be done to a dispute in the state “%(state)s”.") % {
            "state": gettext("Reported")
        }
    assert refused.json()["errors"] == {"state": [expected]}
    assert Dispute.objects.count() == 1


def test_a_kind_of_another_bureau_or_retired_is_a_field_error(county, kinds):
    services.dispute_kind_update(actor=county.user("commander"), kind=kinds["debt"], active=False)
    api = api_as(county.user("beat"))
    for kind in (kinds["debt"].pk, MISSING):
        response = api.post("/api/disputes", dispute_body(county, kinds, kind=kind), headers=key())
        assert response.status_code == 422 and list(response.json()["errors"]) == ["kind"]


def test_outside_the_scope_is_not_found_like_a_missing_dispute(county, kinds):
    dispute = a_dispute(county)
    sibling = api_as(county.user("sibling"))
    for path in ("", "/sessions", "/follow-ups"):
        hidden = sibling.get(f"/api/disputes/{dispute.pk}{path}")
        missing = sibling.get(f"/api/disputes/{MISSING}{path}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
    response = sibling.post("/api/disputes", dispute_body(county, kinds, area="own"), headers=key())
    assert response.status_code == 404
    assert api_as(county.user("sysadmin")).get(f"/api/disputes/{dispute.pk}").status_code == 403


# --- The ledger --------------------------------------------------------------------------------


def test_the_ledger_filters_and_pages(county, kinds):
    beat = county.user("beat")
    low = a_dispute(county, risk_level="low")
    high = a_dispute(county, risk_signs=["weapons"], kind=kinds["family"])
    other = a_dispute(county, persona="other", area="other")
    services.dispute_mediate(actor=beat, dispute=high)
    services.dispute_agree(actor=beat, dispute=high, agreement="和解")
    commander = api_as(county.user("commander"))

    def ids(**params):
        response = commander.get("/api/disputes", params)
        assert response.status_code == 200, response.json()
        return [d["id"] for d in response.json()["items"]]

    assert ids() == [other.pk, high.pk, low.pk]
    assert ids(risk="high") == [high.pk]
    assert ids(state="agreed", tier="village") == [high.pk]
    assert ids(kind=kinds["family"].pk) == [high.pk]
    assert ids(unit=county.units["station_a"].pk) == [high.pk, low.pk]
    assert ids(area=county.areas["other"].pk) == [other.pk]
    assert ids(date_from=days_ago(11).isoformat(), date_to=days_ago(9).isoformat()) == [
        other.pk,
        high.pk,
        low.pk,
    ]
    assert ids(date_to=days_ago(11).isoformat()) == []
    first = commander.get("/api/disputes", {"limit": 2}).json()
    rest = commander.get("/api/disputes", {"limit": 2, "before": first["next"]}).json()
    assert [d["id"] for d in first["items"] + rest["items"]] == [other.pk, high.pk, low.pk]
    assert rest["next"] is None
    assert api_as(beat).get("/api/disputes").json()["items"][0]["id"] == high.pk
    beat_ids = [d["id"] for d in api_as(beat).get("/api/disputes").json()["items"]]
    assert beat_ids == [high.pk, low.pk]
    bad = commander.get("/api/disputes", {"before": "nonsense", "risk": "extreme"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"risk"}
    assert commander.get("/api/disputes", {"unit": MISSING}).status_code == 404


def _count(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


# token → user → unit 1, the page 1
LIST = 2
# token → user → unit 1, the dispute (with area, unit, kind, handling unit) 1, parties 1,
# sessions 1, follow-ups 1, events 1
DETAIL = 6


def test_list_and_detail_query_counts_are_pinned(county, kinds):
    api = api_as(county.user("commander"))
    beat = county.user("beat")

    def grow(n):
        last = None
        for _ in range(n):
            last = a_dispute(county)
            services.dispute_mediate(actor=beat, dispute=last)
            services.dispute_agree(actor=beat, dispute=last, agreement="和解")
        return last.pk

    small = grow(1)
    assert _count(api, "/api/disputes") == LIST
    assert _count(api, f"/api/disputes/{small}") == DETAIL
    big = grow(6)
    assert _count(api, "/api/disputes") == LIST
    assert _count(api, f"/api/disputes/{big}") == DETAIL


# token → user → unit 1, the page 1, its hazards 1
SCREENINGS = 3
# token → user → unit 1, the page (with rounds and areas) 1
HAZARDS = 2


def test_screening_and_hazard_list_query_counts_are_pinned(county, kinds):
    api = api_as(county.user("commander"))
    beat = api_as(county.user("beat"))

    def grow(n, start):
        for i in range(n):
            day = days_ago(start + i).isoformat()
            response = beat.post(
                "/api/disputes/screenings", round_body(county, screened_on=day), headers=key()
            )
            assert response.status_code == 201

    grow(1, 0)
    assert _count(api, "/api/disputes/screenings") == SCREENINGS
    assert _count(api, "/api/disputes/hazards") == HAZARDS
    grow(5, 1)
    assert _count(api, "/api/disputes/screenings") == SCREENINGS
    assert _count(api, "/api/disputes/hazards") == HAZARDS


# --- Transitions, sessions, follow-up visits ----------------------------------------------------


def test_a_dispute_is_mediated_to_its_close_through_the_api(county, kinds):
    api = api_as(county.user("beat"))
    created = api.post("/api/disputes", dispute_body(county, kinds), headers=key()).json()
    path = f"/api/disputes/{created['id']}"
    session = api.post(
        f"{path}/sessions",
        {
            "held_on": timezone.localdate().isoformat(),
            "place": "村委会",
            "participants": "民警张伟、治保主任陈静、村干部",
            "outcome": "晓之以理，双方冷静",
        },
        headers=key(),
    )
    assert session.status_code == 201, session.json()
    assert [s["place"] for s in api.get(f"{path}/sessions").json()] == ["村委会"]
    agreed = api.post(f"{path}/transitions", {"action": "agree", "agreement": "赔偿医药费"})
    assert agreed.status_code == 200, agreed.json()
    assert (agreed.json()["state"], agreed.json()["tier"]) == ("agreed", "village")
    visits = api.get(f"{path}/follow-ups").json()
    assert len(visits) == 2 and all(v["done_on"] is None for v in visits)
    today = timezone.localdate().isoformat()
    done = api.post(f"{path}/follow-ups", {"done_on": today, "note": "关系缓和"})
    assert done.status_code == 201 and done.json()["id"] == visits[0]["id"]
    refused = api.post(f"{path}/transitions", {"action": "close"})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["state"]
    api.post(f"{path}/follow-ups", {"done_on": today, "note": "未再发生"})
    closed = api.post(f"{path}/transitions", {"action": "close", "note": "结案"})
    assert closed.status_code == 200
    assert (closed.json()["state"], closed.json()["outcome"]) == ("closed", "agreed")
    assert closed.json()["actions"] == ["reopen"]
    actions = [e["action"] for e in closed.json()["events"]]
    assert actions == ["create", "mediate", "agree", "follow_up", "follow_up", "close"]
    reopened = api.post(f"{path}/transitions", {"action": "reopen", "reason": "复发"})
    assert reopened.json()["state"] == "mediating" and reopened.json()["reopen_count"] == 1


def test_a_transition_takes_only_its_own_fields(county, kinds):
    dispute = a_dispute(county)
    api = api_as(county.user("beat"))
    path = f"/api/disputes/{dispute.pk}/transitions"
    extra = api.post(path, {"action": "mediate", "agreement": "和解", "tier": "village"})
    assert extra.status_code == 422 and set(extra.json()["errors"]) == {"agreement", "tier"}
    no_body = api.post(path, {"action": "refer"})
    assert no_body.status_code == 422 and list(no_body.json()["errors"]) == ["referred_to"]
    unknown = api.post(path, {"action": "explode"})
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["action"]
    referred = api.post(
        path,
        {"action": "refer", "referred_to": "court", "above_county": True, "note": "当事人起诉"},
    )
    assert referred.status_code == 200
    assert (referred.json()["tier"], referred.json()["above_county"]) == ("escalated", True)
    assert Dispute.objects.get(pk=dispute.pk).state == "referred"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("aide", 403), ("inspector", 403), ("sibling", 404), ("secadmin", 403)],
)
def test_who_may_not_move_a_dispute(county, kinds, persona, status):
    dispute = a_dispute(county)
    api = api_as(county.user(persona))
    response = api.post(f"/api/disputes/{dispute.pk}/transitions", {"action": "mediate"})
    assert response.status_code == status
    assert Dispute.objects.get(pk=dispute.pk).state == "reported"


def test_a_follow_up_is_either_made_or_scheduled(county, kinds):
    dispute = a_dispute(county)
    beat = county.user("beat")
    services.dispute_mediate(actor=beat, dispute=dispute)
    services.dispute_fail(actor=beat, dispute=dispute, reason="拒绝")
    api = api_as(beat)
    path = f"/api/disputes/{dispute.pk}/follow-ups"
    today = timezone.localdate().isoformat()
    both = api.post(path, {"done_on": today, "due_on": today, "note": "x"})
    assert both.status_code == 422 and list(both.json()["errors"]) == ["done_on"]
    neither = api.post(path, {"note": "x"})
    assert neither.status_code == 422
    scheduled = api.post(path, {"due_on": days_ago(-7).isoformat()}, headers=key())
    assert scheduled.status_code == 201 and scheduled.json()["done_on"] is None
    assert DisputeFollowUp.objects.filter(dispute=dispute).count() == 1
    no_note = api.post(path, {"done_on": today})
    assert no_note.status_code == 422 and list(no_note.json()["errors"]) == ["note"]


def test_a_session_with_the_same_key_is_stored_once(county, kinds):
    dispute = a_dispute(county)
    api = api_as(county.user("beat"))
    body = {
        "held_on": timezone.localdate().isoformat(),
        "place": "村委会",
        "participants": "民警",
        "outcome": "继续调解",
    }
    headers = key()
    first = api.post(f"/api/disputes/{dispute.pk}/sessions", body, headers=headers)
    second = api.post(f"/api/disputes/{dispute.pk}/sessions", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert dispute.sessions.count() == 1


# --- Reveal ------------------------------------------------------------------------------------


def test_a_partys_id_number_is_revealed_through_the_audited_reveal(county, kinds):
    dispute = a_dispute(county)
    party = dispute.parties.get(role="applicant")
    body = {"object": "dispute_party", "id": party.pk, "field": "id_number", "reason": "核实身份"}
    response = api_as(county.user("beat")).post("/api/reveal", body)
    assert response.status_code == 200 and response.json()["value"] == ID_NUMBER
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert event.object_type == "disputes.disputeparty" and ID_NUMBER not in str(event.after)
    phone = api_as(county.user("station_leader")).post("/api/reveal", {**body, "field": "phone"})
    assert phone.json()["value"] == "13903750001"
    assert api_as(county.user("aide")).post("/api/reveal", body).status_code == 403
    assert api_as(county.user("sibling")).post("/api/reveal", body).status_code == 404
    assert api_as(county.user("sysadmin")).post("/api/reveal", body).status_code == 403


# --- Screening rounds and hazards ---------------------------------------------------------------


def test_a_round_is_stored_once_per_key_listed_and_read(county, kinds):
    api = api_as(county.user("beat"))
    headers = key()
    first = api.post("/api/disputes/screenings", round_body(county), headers=headers)
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["officer"]["id"] == county.officers["own"].pk
    assert [h["flags"] for h in data["hazards"]] == [[], ["group_incident"]]
    assert api.post("/api/disputes/screenings", round_body(county), headers=headers).json() == (
        data
    )
    assert ScreeningRound.objects.count() == 1
    twice = api.post("/api/disputes/screenings", round_body(county), headers=key())
    assert twice.status_code == 422 and list(twice.json()["errors"]) == ["screened_on"]
    listed = api.get("/api/disputes/screenings").json()["items"]
    assert [r["id"] for r in listed] == [data["id"]] and listed[0]["hazards"] == data["hazards"]
    assert api.get(f"/api/disputes/screenings/{data['id']}").json() == data
    assert api_as(county.user("other")).get(
        f"/api/disputes/screenings/{data['id']}"
    ).status_code == (404)
    elsewhere = api.post("/api/disputes/screenings", round_body(county, "sibling"), headers=key())
    assert elsewhere.status_code == 404


def test_bad_rounds_are_field_errors(county, kinds):
    api = api_as(county.user("beat"), lang="zh-hans")
    for change, field in (
        ({"households_visited": -1}, "households_visited"),
        ({"households_visited": "12"}, "households_visited"),
        ({"screened_on": "2014-02-30"}, "screened_on"),
        ({"hazards": [{"description": "x", "flags": ["riot"]}]}, "flags"),
        ({"colour": "red"}, "colour"),
    ):
        response = api.post("/api/disputes/screenings", round_body(county, **change), headers=key())
        assert response.status_code == 422, change
        assert field in response.json()["errors"], (change, response.json())
    assert not ScreeningRound.objects.exists()


def test_the_risk_list_of_hazards_and_closing_one(county, kinds):
    api = api_as(county.user("beat"))
    api.post("/api/disputes/screenings", round_body(county), headers=key())
    leader = api_as(county.user("station_leader"))
    flagged = leader.get("/api/disputes/hazards", {"open": "true", "flagged": "true"}).json()
    assert [h["description"] for h in flagged["items"]] == ["工人讨薪聚集"]
    others = leader.get("/api/disputes/hazards", {"flagged": "false"}).json()["items"]
    assert [h["description"] for h in others] == ["两户因排水沟争执"]
    hazard = flagged["items"][0]["id"]
    assert api_as(county.user("aide")).post(
        f"/api/disputes/hazards/{hazard}/close", {}
    ).status_code == (403)
    closed = leader.post(f"/api/disputes/hazards/{hazard}/close", {"note": "已疏导"})
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    assert leader.get("/api/disputes/hazards", {"open": "true", "flagged": "true"}).json() == {
        "items": [],
        "next": None,
    }
    assert Hazard.objects.get(pk=hazard).closed_by == county.user("station_leader")
    assert api_as(county.user("other")).get("/api/disputes/hazards").json()["items"] == []


# --- Kinds and rates ---------------------------------------------------------------------------


def test_kinds_are_listed_for_readers_and_kept_by_the_rules_keepers(county, kinds):
    listed = api_as(county.user("aide")).get("/api/disputes/kinds").json()
    assert [k["code"] for k in listed][:2] == ["neighbour", "family"]
    assert api_as(county.user("sysadmin")).get("/api/disputes/kinds").status_code == 200
    assert api_as(county.user("auditor")).get("/api/disputes/kinds").status_code == 403
    commander = api_as(county.user("commander"))
    created = commander.post("/api/disputes/kinds", {"name": "山林权属纠纷"})
    assert created.status_code == 201 and created.json()["code"] == ""
    retired = commander.patch(f"/api/disputes/kinds/{created.json()['id']}", {"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert api_as(county.user("beat")).post("/api/disputes/kinds", {"name": "x"}).status_code == (
        403
    )
    assert commander.patch(f"/api/disputes/kinds/{MISSING}", {"active": True}).status_code == 404


def test_the_rates_of_a_unit_and_a_period(county, kinds):
    beat, leader = county.user("beat"), county.user("station_leader")
    for actor, tier in ((beat, "village"), (beat, "village"), (leader, "township")):
        dispute = a_dispute(county)
        services.dispute_mediate(actor=actor, dispute=dispute)
        services.dispute_agree(actor=actor, dispute=dispute, agreement="和解", tier=tier)
    dispute = a_dispute(county)
    services.dispute_refer(actor=leader, dispute=dispute, body="petition_office", above_county=True)
    today = timezone.localdate().isoformat()
    api = api_as(county.user("commander"))
    body = api.get("/api/disputes/rates", {"from": today, "to": today}).json()
    assert body["unit"]["id"] == county.units["bureau"].pk
    assert (body["from"], body["to"]) == (today, today)
    assert (body["settled"], body["village"], body["township"], body["escalated"]) == (4, 2, 1, 1)
    assert (body["village_rate"], body["township_rate"], body["county_rate"]) == (0.5, 0.75, 0.75)
    station_b = api.get(
        "/api/disputes/rates", {"from": today, "to": today, "unit": county.units["station_b"].pk}
    ).json()
    assert station_b["settled"] == 0 and station_b["village_rate"] is None
    backwards = api.get("/api/disputes/rates", {"from": today, "to": days_ago(1).isoformat()})
    assert backwards.status_code == 422 and list(backwards.json()["errors"]) == ["to"]
    own = api_as(beat).get(
        "/api/disputes/rates", {"from": today, "to": today, "unit": county.units["station_a"].pk}
    )
    assert own.status_code == 404
    assert api_as(county.user("auditor")).get(
        "/api/disputes/rates", {"from": today, "to": today}
    ).status_code == (403)
    totals = api.get("/api/stats/totals", {"from": today, "to": today}).json()
    assert totals["disputes_mediated"] == 4 and totals["disputes_passed_up"] == 1


def test_idempotency_keys_are_per_user(county, kinds):
    headers = key()
    api_as(county.user("beat")).post("/api/disputes", dispute_body(county, kinds), headers=headers)
    response = api_as(county.user("station_leader")).post(
        "/api/disputes", dispute_body(county, kinds), headers=headers
    )
    assert response.status_code == 201
    assert Dispute.objects.count() == 2 and IdempotencyKey.objects.count() == 2
