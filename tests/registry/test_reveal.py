"""POST /api/reveal: one clear value, one audit event with the reason and never the value;
404 out of scope, 403 without the right, 422 for bad input — in Chinese."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services as fieldwork
from tests.api import api_as, zh
from tests.registry.data import OWN_ID, id_number

REASON = "核查流动人口身份"


def reveal(county, persona, obj, pk, field, reason=REASON, lang=None):
    body = {"object": obj, "id": pk, "field": field, "reason": reason}
    return api_as(county.user(persona), lang=lang).post("/api/reveal", body)


def reveal_events():
    return AuditEvent.objects.filter(action="personal_data.reveal")


def test_a_beat_officer_reveals_an_id_number_and_the_act_is_audited(county, registry):
    resident = registry.residents["own"]
    response = reveal(county, "beat", "resident", resident.pk, "id_number")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "object": "resident",
        "id": resident.pk,
        "field": "id_number",
        "value": OWN_ID,
    }
    event = reveal_events().get()
    assert event.actor == county.user("beat")
    assert (event.object_type, event.object_id) == ("registry.resident", str(resident.pk))
    assert event.after == {"object": "resident", "field": "id_number", "reason": REASON}
    # The clear value is nowhere in the audit row.
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert all(OWN_ID not in str(value) for value in row.values())
    assert OWN_ID[-6:] not in str(row)


def test_a_phone_is_revealed_in_its_national_form(county, registry):
    response = reveal(county, "station_leader", "resident", registry.residents["own"].pk, "phone")
    assert response.json()["value"] == "13903751234"
    response = reveal(
        county, "commander", "establishment", registry.establishments["other"].pk, "phone"
    )
    assert response.status_code == 200
    assert response.json()["value"] == "13903752222"
    assert reveal_events().count() == 2
    assert "13903752222" not in str(
        AuditEvent.objects.filter(action="personal_data.reveal").values()
    )


def test_field_work_records_are_revealed_too(county):
    beat = county.user("beat")
    floating = fieldwork.floating_resident_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=dt.date(2015, 3, 1),
        client_uuid=uuid.uuid4(),
        name="外来人",
        id_number=id_number("19920202", "468"),
        origin="湖北省",
        arrived_on=dt.date(2015, 2, 1),
        residence="瓦房沟村",
        phone="13903753333",
    )
    volunteer = fieldwork.volunteer_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=dt.date(2015, 3, 1),
        client_uuid=uuid.uuid4(),
        name="志愿者",
        phone="13903754444",
    )
    response = reveal(county, "beat", "floating_resident", floating.pk, "id_number")
    assert response.json()["value"] == floating.id_number
    assert reveal(county, "beat", "floating_resident", floating.pk, "phone").json()["value"] == (
        "13903753333"
    )
    assert reveal(county, "office_leader", "volunteer", volunteer.pk, "phone").json()["value"] == (
        "13903754444"
    )
    # Out of scope, no right, no such field:
    assert reveal(county, "sibling", "volunteer", volunteer.pk, "phone").status_code == 404
    assert reveal(county, "aide", "floating_resident", floating.pk, "id_number").status_code == 403
    assert reveal(county, "beat", "volunteer", volunteer.pk, "id_number").status_code == 422
    events = reveal_events()
    assert events.count() == 3
    assert {e.object_type for e in events} == {"fieldwork.floatingresident", "fieldwork.volunteer"}


# persona → status for revealing the ID number of 张伟明 (瓦房沟村)
MATRIX = {
    "beat": 200,
    "sibling": 404,
    "other": 404,
    "aide": 403,
    "office_leader": 200,
    "station_leader": 200,
    "commander": 200,
    "inspector": 403,
    "sysadmin": 403,
    "secadmin": 403,
    "auditor": 403,
}


@pytest.mark.parametrize(("persona", "status"), MATRIX.items())
def test_who_may_reveal(county, registry, persona, status):
    response = reveal(county, persona, "resident", registry.residents["own"].pk, "id_number")
    assert response.status_code == status, response.json()
    assert reveal_events().count() == (1 if status == 200 else 0)
    if status != 200:
        assert "value" not in response.json()


def test_anonymous_callers_get_401(county, registry):
    from tests.api import ApiClient

    body = {
        "object": "resident",
        "id": registry.residents["own"].pk,
        "field": "phone",
        "reason": REASON,
    }
    assert ApiClient().post("/api/reveal", body).status_code == 401


def test_a_missing_record_is_404_like_an_invisible_one(county, registry):
    missing = reveal(county, "beat", "resident", 987654321, "id_number")
    invisible = reveal(county, "beat", "resident", registry.residents["other"].pk, "id_number")
    assert missing.status_code == invisible.status_code == 404
    assert missing.json() == invisible.json()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "看看"}, "reason"),
        ({"reason": "      "}, "reason"),
        ({"field": "address"}, "field"),
        ({"object": "officer"}, "object"),
        ({"id": "1"}, "id"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(county, registry, changes, field):
    body = {
        "object": "resident",
        "id": registry.residents["own"].pk,
        "field": "id_number",
        "reason": REASON,
        **changes,
    }
    response = api_as(county.user("beat"), lang="zh-hans").post("/api/reveal", body)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert reveal_events().count() == 0


def test_the_reason_errors_are_in_chinese(county, registry):
    pk = registry.residents["own"].pk
    response = reveal(county, "beat", "resident", pk, "id_number", reason="   短  ", lang="zh-hans")
    assert response.json()["errors"] == {"reason": [zh("Enter at least %(n)s characters.", n=4)]}


def test_an_establishment_has_no_id_number_and_an_empty_field_has_nothing_to_reveal(
    county, registry
):
    response = reveal(
        county, "beat", "establishment", registry.establishments["own"].pk, "id_number"
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == ["field"]
    child = registry.residents["own_child"]
    response = reveal(county, "beat", "resident", child.pk, "id_number")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["field"]
    assert reveal_events().count() == 0
