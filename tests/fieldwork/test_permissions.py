"""The field-work permission matrix: persona × operation → status, as an explicit table.

Seen from 瓦房沟村 (the beat officer's village, ``own``): its beat officer and aide, the office and
station leaders above it may see it; the sibling and other-station officers may not (404, like
an area that does not exist). Writing needs a recorder role (beat officer, office / station
leader); aides write prevention activities only; bureau roles see but may not write (403); the
three admin roles may not read field records at all (403: they name residents); anonymous
callers get 401.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services
from cunjing.fieldwork.models import HouseholdVisit, PreventionActivity, WorkLog
from tests.api import ApiClient, token_for
from tests.fieldwork.bodies import bodies, key

# fmt: off
MATRIX = {
    #                  POST visits  POST prevention  GET visits  (for / of 瓦房沟村)
    "beat":           (201,         201,             200),
    "sibling":        (404,         404,             200),
    "other":          (404,         404,             200),
    "aide":           (403,         201,             200),
    "office_leader":  (201,         201,             200),
    "station_leader": (201,         201,             200),
    "commander":      (403,         403,             200),
    "inspector":      (403,         403,             200),
    "sysadmin":       (403,         403,             403),
    "secadmin":       (403,         403,             403),
    "auditor":        (403,         403,             403),
    "anonymous":      (401,         401,             401),
}
# How many of the two visits below (瓦房沟村, 杨庄村) each persona's list shows.
LISTED = {
    "beat": 1, "sibling": 0, "other": 1, "aide": 1, "office_leader": 1, "station_leader": 1,
    "commander": 2, "inspector": 2,
}
# fmt: on


def client_for(county, persona: str) -> ApiClient:
    if persona == "anonymous":
        return ApiClient()
    return ApiClient(token_for(county.user(persona)))


def test_the_table_covers_every_persona():
    from tests.conftest import PERSONAS

    assert list(MATRIX) == [*PERSONAS, "anonymous"]


@pytest.mark.parametrize(("persona", "status"), [(p, s[0]) for p, s in MATRIX.items()])
def test_post_visit(county, persona, status):
    body = bodies(county.areas["own"].pk)["visits"]
    response = client_for(county, persona).post("/api/fieldwork/visits", body, headers=key())
    assert response.status_code == status, response.json()
    assert HouseholdVisit.objects.count() == (1 if status == 201 else 0)
    assert AuditEvent.objects.filter(action="fieldwork.visit.create").count() == (
        1 if status == 201 else 0
    )


@pytest.mark.parametrize(("persona", "status"), [(p, s[1]) for p, s in MATRIX.items()])
def test_post_prevention(county, persona, status):
    body = bodies(county.areas["own"].pk)["prevention"]
    response = client_for(county, persona).post("/api/fieldwork/prevention", body, headers=key())
    assert response.status_code == status, response.json()
    assert PreventionActivity.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(("persona", "status"), [(p, s[2]) for p, s in MATRIX.items()])
def test_get_visits(county, persona, status):
    all_bodies = (bodies(county.areas["own"].pk), bodies(county.areas["other"].pk))
    beat = client_for(county, "beat")
    other = client_for(county, "other")
    made = beat.post("/api/fieldwork/visits", all_bodies[0]["visits"], headers=key())
    made_other = other.post("/api/fieldwork/visits", all_bodies[1]["visits"], headers=key())
    assert made.status_code == made_other.status_code == 201
    response = client_for(county, persona).get("/api/fieldwork/visits")
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["items"]) == LISTED[persona]


def test_work_logs_are_the_officers_own_in_every_queryset(county):
    """``scope_own_records_field``: through ``visible_to`` itself, a beat officer sees only
    their own work logs, an aide none, their leaders all of their subtree."""
    own, _ = services.worklog_upsert(
        actor=county.user("beat"), day=dt.date(2014, 10, 8), text="走访", client_uuid=uuid.uuid4()
    )
    sibling, _ = services.worklog_upsert(
        actor=county.user("sibling"),
        day=dt.date(2014, 10, 8),
        text="排查",
        client_uuid=uuid.uuid4(),
    )

    def seen(persona):
        return set(WorkLog.objects.visible_to(county.user(persona)).values_list("pk", flat=True))

    assert seen("beat") == {own.pk}
    assert seen("sibling") == {sibling.pk}
    assert seen("aide") == set()
    assert seen("office_leader") == {own.pk, sibling.pk}
