"""Creating each kind of field record through the API: stored once, audited, counted for the
serving workstation and all its ancestors; refused outside the caller's scope or role; bad input
answers 422 with field errors in the user's language."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone, translation

from cunjing.core.models import AuditEvent, IdempotencyKey
from cunjing.fieldwork.models import HouseholdVisit, WorkLog
from cunjing.stats import selectors as stats
from cunjing.stats.models import Figure
from tests.api import api_as
from tests.fieldwork.bodies import ACTIONS, FIGURES, ID_NUMBER, KINDS, MODELS, bodies, key

D = dt.date


def gettext_zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


DAY = D(2014, 10, 8)


def figures_of(county, unit_key: str, day: dt.date = DAY) -> dict[str, int]:
    return stats.totals(
        county.user("commander"), unit=county.units[unit_key], date_from=day, date_to=day
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_beat_officer_records_each_kind(county, kind):
    model = MODELS[kind]
    body = bodies(county.areas["own"].pk)[kind]
    response = api_as(county.user("beat")).post(f"/api/fieldwork/{kind}", body, headers=key())
    assert response.status_code == 201, response.json()
    out = response.json()
    record = model.objects.get(bureau=county.bureau)
    assert out["id"] == record.pk
    assert out["area"] == {"id": county.areas["own"].pk, "name": "瓦房沟村"}
    # The unit is the workstation serving the village, derived from coverage.
    assert out["unit"]["id"] == county.units["ws_own"].pk == record.unit_id
    assert record.officer_id == county.officers["own"].pk
    assert record.recorded_by_id == county.user("beat").pk
    events = AuditEvent.objects.filter(bureau=county.bureau, action=ACTIONS[kind])
    assert [e.object_id for e in events] == [str(record.pk)]
    expected = dict.fromkeys(Figure.values, 0) | FIGURES[kind]
    for unit_key in ("ws_own", "office_a", "station_a", "bureau"):
        assert figures_of(county, unit_key) == expected, unit_key
    for unit_key in ("ws_sibling", "station_b"):
        assert set(figures_of(county, unit_key).values()) == {0}, unit_key


def test_floating_resident_id_number_and_phone_are_masked(county):
    body = bodies(county.areas["own"].pk)["floating-residents"]
    client = api_as(county.user("beat"))
    out = client.post("/api/fieldwork/floating-residents", body, headers=key()).json()
    assert out["id_number"] == "410481********0030"
    assert out["phone"] == "139****1234"
    listed = client.get("/api/fieldwork/floating-residents").json()["items"][0]
    assert (listed["id_number"], listed["phone"]) == (out["id_number"], out["phone"])
    # Stored in full (normalised), but the audit trail keeps it masked too.
    record = MODELS["floating-residents"].objects.get()
    assert (record.id_number, record.phone) == (ID_NUMBER, "+8613903751234")
    event = AuditEvent.objects.get(action=ACTIONS["floating-residents"])
    assert ID_NUMBER not in str(event.after)
    assert event.after["id_number"]["masked"] == "410481********0030"
    # Aides see no ID number at all.
    aide_view = api_as(county.user("aide")).get("/api/fieldwork/floating-residents").json()
    assert aide_view["items"][0]["id_number"] == "*" * 18


@pytest.mark.parametrize("kind", KINDS)
def test_another_stations_area_answers_404_and_stores_nothing(county, kind):
    body = bodies(county.areas["other"].pk)[kind]
    headers = key()
    response = api_as(county.user("beat")).post(f"/api/fieldwork/{kind}", body, headers=headers)
    assert response.status_code == 404
    missing = api_as(county.user("beat")).post(
        f"/api/fieldwork/{kind}", {**body, "area": 987_654_321}, headers=key()
    )
    assert missing.status_code == 404
    assert missing.json() == response.json()
    assert not MODELS[kind].objects.exists()
    assert not AuditEvent.objects.filter(action=ACTIONS[kind]).exists()
    assert not IdempotencyKey.objects.filter(key=headers["Idempotency-Key"]).exists()
    assert set(figures_of(county, "bureau").values()) == {0}


def test_the_aide_records_prevention_but_not_visits(county):
    client = api_as(county.user("aide"))
    all_bodies = bodies(county.areas["own"].pk)
    response = client.post("/api/fieldwork/prevention", all_bodies["prevention"], headers=key())
    assert response.status_code == 201
    assert response.json()["officer_id"] is None
    for kind in ("visits", "floating-residents", "services", "volunteers"):
        response = client.post(f"/api/fieldwork/{kind}", all_bodies[kind], headers=key())
        assert response.status_code == 403, kind
        assert not MODELS[kind].objects.exists()


def test_a_station_leader_records_for_a_village_of_the_station(county):
    body = bodies(county.areas["sibling"].pk)["visits"]
    client = api_as(county.user("station_leader"))
    response = client.post("/api/fieldwork/visits", body, headers=key())
    assert response.status_code == 201
    assert response.json()["unit"]["id"] == county.units["ws_sibling"].pk
    assert response.json()["officer_id"] is None


def test_a_township_is_not_a_place_for_field_records(county):
    body = bodies(county.areas["township_a"].pk)["visits"]
    response = api_as(county.user("station_leader")).post(
        "/api/fieldwork/visits", body, headers=key()
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"area": [gettext_zh("Choose a village or community.")]}


# --- Field errors --------------------------------------------------------------------------------

TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("kind", "change", "field", "msgid"),
    [
        ("floating-residents", {"id_number": "410481199001010031"}, "id_number",
         "Enter a valid resident ID number."),
        ("floating-residents", {"phone": "12345"}, "phone", "Enter a valid phone number."),
        ("volunteers", {"phone": "0000000000000"}, "phone", "Enter a valid phone number."),
        ("visits", {"occurred_on": TOMORROW}, "occurred_on", "The date cannot be in the future."),
        ("services", {"occurred_on": "1999-12-31"}, "occurred_on",
         "The date cannot be before 2000-01-01."),
        ("floating-residents", {"departed_on": "2014-09-01"}, "departed_on",
         "The departure cannot be before the arrival."),
        ("assistance", {"people": 51}, "people",
         "Ensure this value is less than or equal to %(limit_value)s."),
        ("assistance", {"people": 0}, "people",
         "Ensure this value is greater than or equal to %(limit_value)s."),
        ("outreach", {"audience_size": 100_001}, "audience_size",
         "Ensure this value is less than or equal to %(limit_value)s."),
        ("prevention", {"participants": 1001}, "participants",
         "Ensure this value is less than or equal to %(limit_value)s."),
        ("floating-residents", {"expected_stay_days": 3651}, "expected_stay_days",
         "Ensure this value is less than or equal to %(limit_value)s."),
        ("visits", {"purpose": "gossip"}, "purpose",
         "Select a valid choice. That choice is not one of the available choices."),
        ("visits", {"surprise": 1}, "surprise", "This field is not allowed."),
        ("visits", {"household": "x" * 201}, "household", "Enter at most %(n)s characters."),
    ],
)  # fmt: skip
def test_bad_input_answers_422_with_field_errors(county, kind, change, field, msgid):
    body = bodies(county.areas["own"].pk)[kind] | change
    response = api_as(county.user("beat")).post(f"/api/fieldwork/{kind}", body, headers=key())
    assert response.status_code == 422, response.json()
    limits = {"people": 50, "audience_size": 100000, "participants": 1000}
    limit = {"expected_stay_days": 3650}.get(field, limits.get(field))
    message = gettext_zh(msgid)
    if "%(limit_value)s" in msgid:
        message %= {"limit_value": 1 if change[field] == 0 else limit}
    if "%(n)s" in msgid:
        message %= {"n": 200}
    assert response.json()["errors"] == {field: [message]}
    assert not MODELS[kind].objects.exists()
    assert not AuditEvent.objects.filter(action=ACTIONS[kind]).exists()


def test_the_service_refuses_out_of_range_numbers_too(county):
    """The model validates what the schema already bounds: a direct service call (a command,
    an import) gets the same field error and counts nothing."""
    from django.core.exceptions import ValidationError

    from cunjing.fieldwork import services

    with pytest.raises(ValidationError) as info:
        services.assistance_create(
            actor=county.user("beat"),
            area=county.areas["own"],
            occurred_on=D(2014, 10, 8),
            client_uuid=uuid.uuid4(),
            household="x",
            people=60,
            hardship_kind="illness",
            help_given="y",
        )
    assert set(info.value.message_dict) == {"people"}
    assert set(figures_of(county, "bureau").values()) == {0}


# --- Idempotency ---------------------------------------------------------------------------------


def test_a_key_is_required(county):
    body = bodies(county.areas["own"].pk)["visits"]
    response = api_as(county.user("beat")).post("/api/fieldwork/visits", body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"Idempotency-Key": [gettext_zh("This field is required.")]}
    assert not HouseholdVisit.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_key_twice_stores_once_and_answers_the_same(county, kind):
    body = bodies(county.areas["own"].pk)[kind]
    client, headers = api_as(county.user("beat")), key()
    first = client.post(f"/api/fieldwork/{kind}", body, headers=headers)
    second = client.post(f"/api/fieldwork/{kind}", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert MODELS[kind].objects.count() == 1
    assert AuditEvent.objects.filter(action=ACTIONS[kind]).count() == 1
    expected = dict.fromkeys(Figure.values, 0) | FIGURES[kind]
    assert figures_of(county, "bureau") == expected


def test_the_key_may_come_in_the_body(county):
    client_uuid = str(uuid.uuid4())
    body = bodies(county.areas["own"].pk)["visits"] | {"client_uuid": client_uuid}
    client = api_as(county.user("beat"))
    first = client.post("/api/fieldwork/visits", body)
    again = client.post("/api/fieldwork/visits", body, headers={"Idempotency-Key": client_uuid})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["client_uuid"] == client_uuid
    assert str(HouseholdVisit.objects.get().client_uuid) == client_uuid


def test_the_same_key_with_another_body_answers_422(county):
    body = bodies(county.areas["own"].pk)["visits"]
    client, headers = api_as(county.user("beat")), key()
    assert client.post("/api/fieldwork/visits", body, headers=headers).status_code == 201
    changed = body | {"household": "另一户"}
    response = client.post("/api/fieldwork/visits", changed, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "Idempotency-Key": [
            gettext_zh("This Idempotency-Key was already used with a different request.")
        ]
    }
    assert HouseholdVisit.objects.count() == 1
    # ... and on another endpoint too.
    other = bodies(county.areas["own"].pk)["services"]
    response = client.post("/api/fieldwork/services", other, headers=headers)
    assert response.status_code == 422
    assert not MODELS["services"].objects.exists()


def test_a_refused_write_leaves_the_key_unused(county):
    body = bodies(county.areas["own"].pk)["visits"]
    client, headers = api_as(county.user("beat")), key()
    bad = client.post("/api/fieldwork/visits", body | {"occurred_on": TOMORROW}, headers=headers)
    assert bad.status_code == 422
    good = client.post("/api/fieldwork/visits", body, headers=headers)
    assert good.status_code == 201


# --- Work log ------------------------------------------------------------------------------------


def test_the_work_log_is_one_per_officer_and_day(county):
    client = api_as(county.user("beat"))
    first = client.post(
        "/api/fieldwork/worklogs", {"day": "2014-10-08", "text": "走访3户"}, headers=key()
    )
    assert first.status_code == 201
    second = client.post(
        "/api/fieldwork/worklogs", {"day": "2014-10-08", "text": "走访5户"}, headers=key()
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    log = WorkLog.objects.get()
    # Each write is a new time-stamped entry after what was written (the day is past: the
    # stamp carries the date it was written on); nothing earlier is lost.
    lines = log.text.splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == ["走访3户", "走访5户"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d .+", line) for line in lines)
    assert (log.officer_id, log.unit_id) == (county.officers["own"].pk, county.units["ws_own"].pk)
    actions = list(
        AuditEvent.objects.filter(action__startswith="fieldwork.worklog")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["fieldwork.worklog.create", "fieldwork.worklog.update"]
    listed = api_as(county.user("office_leader")).get("/api/fieldwork/worklogs").json()
    assert [i["text"] for i in listed["items"]] == [log.text]
    assert api_as(county.user("other")).get("/api/fieldwork/worklogs").json()["items"] == []
    assert api_as(county.user("aide")).get("/api/fieldwork/worklogs").json()["items"] == []


def test_the_whole_work_log_is_replaced_only_explicitly_and_never_over_a_newer_text(county):
    client = api_as(county.user("beat"))
    body = {"day": "2014-10-08", "text": "走访3户"}
    version = client.post("/api/fieldwork/worklogs", body, headers=key()).json()["version"]
    client.post("/api/fieldwork/worklogs", {**body, "text": "下午巡逻"}, headers=key())
    stale = client.post(
        "/api/fieldwork/worklogs",
        {**body, "mode": "replace", "text": "全天走访", "base": version},
        headers=key(),
    )
    assert stale.status_code == 422 and "text" in str(stale.json())
    assert "下午巡逻" in WorkLog.objects.get().text  # nothing lost
    fresh = WorkLog.objects.get()
    from cunjing.fieldwork.services import worklog_version

    edited = client.post(
        "/api/fieldwork/worklogs",
        {**body, "mode": "replace", "text": "全天走访5户", "base": worklog_version(fresh)},
        headers=key(),
    )
    assert edited.status_code == 200 and WorkLog.objects.get().text == "全天走访5户"
    too_long = client.post("/api/fieldwork/worklogs", {**body, "text": "长" * 4990}, headers=key())
    assert too_long.status_code == 422
    assert WorkLog.objects.get().text == "全天走访5户"


def test_a_work_log_of_tomorrow_answers_422(county):
    response = api_as(county.user("beat")).post(
        "/api/fieldwork/worklogs", {"day": TOMORROW, "text": "x"}, headers=key()
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"day": [gettext_zh("The date cannot be in the future.")]}
    assert not WorkLog.objects.exists()


def test_work_logs_are_not_filtered_by_area(county):
    response = api_as(county.user("commander")).get(
        "/api/fieldwork/worklogs", {"area": county.areas["own"].pk}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"area"}


@pytest.mark.parametrize("persona", ["aide", "office_leader", "station_leader", "commander"])
def test_only_beat_officers_keep_a_work_log(county, persona):
    response = api_as(county.user(persona)).post(
        "/api/fieldwork/worklogs", {"day": "2014-10-08", "text": "x"}, headers=key()
    )
    assert response.status_code == 403
    assert not WorkLog.objects.exists()


def test_a_visit_post_runs_a_fixed_number_of_statements(county, django_assert_num_queries):
    """The phone's most frequent write, pinned: token, idempotency key (insert, then the
    stored answer), area in scope (twice: the API and the service), serving unit, client key,
    the purpose check, the row, its audit event (the chain's head, then the row) and the two
    counter upserts, with savepoints.
    The service does not re-read the foreign keys it has just read (bench/ingest: statements,
    not the database, are where a POST's time goes)."""
    from tests.api import api_as
    from tests.fieldwork.bodies import bodies, key

    client = api_as(county.user("beat"))
    first = client.post(
        "/api/fieldwork/visits", bodies(county.areas["own"].pk)["visits"], headers=key()
    )
    assert first.status_code == 201
    with django_assert_num_queries(21):
        response = client.post(
            "/api/fieldwork/visits", bodies(county.areas["own"].pk)["visits"], headers=key()
        )
    assert response.status_code == 201
