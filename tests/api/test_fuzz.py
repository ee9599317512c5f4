"""Property tests: schemathesis over the whole OpenAPI document, and hypothesis on PATCH area.

Both run the real WSGI stack (middleware, locale, axes) against the test database and assert
that nothing answers 5xx; the PATCH test also checks that a refused request changes nothing.
schemathesis draws its strings Unicode-heavy (``tests.strategies.unicode_heavy``: numbers of
every script, CJK, NUL and control characters, emoji; hostile dates), not only uniformly over
Unicode, where "¹" or "３" come up too rarely to find the 500s they cause.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError

from cunjing.core.models import AuditEvent
from cunjing.org.models import Area, Beat
from cunjing.wsgi import application
from tests.api import ApiClient, token_for
from tests.disputes.helpers import known_ids as known_dispute_ids
from tests.strategies import odd_numbers, unicode_heavy_schema

# Runs in the PostgreSQL pass when there is one (scripts/test.sh).
pytestmark = pytest.mark.once_pg

# schemathesis' pytest integration (schema.parametrize) does not run under pytest 9 (it sets
# Node._nodeid); the strategies it builds are driven by hypothesis directly instead.
EXAMPLES_PER_OPERATION = 12
FIELDS = ("name", "division_code", "pinyin", "pinyin_initials", "latitude", "longitude")


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, without closing the test's connection after each request (the
    test client does the same): the requests run inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _registry_ids(county) -> dict[str, list[int]]:
    """Registry records (一标三实) in 瓦房沟村 and 杨庄村, for the registry's path parameters."""
    from tests.registry.data import build_registry

    r = build_registry(county)
    return {
        f"{name}_id": [rows["own"].pk, rows["other"].pk]
        for name, rows in (
            ("address", r.addresses),
            ("dwelling", r.dwellings),
            ("resident", r.residents),
            ("establishment", r.establishments),
        )
    }


def case_strategies(schema, county, mode: GenerationMode):
    """Per operation: cases for random ids and, as often, for ids that exist (so operations get
    past their 404 and into validation and the services)."""
    known = {
        "unit_id": [county.units[k].pk for k in ("ws_own", "station_b")],
        "area_id": [county.areas[k].pk for k in ("own", "other", "township_a")],
        "beat_id": list(Beat.objects.order_by("pk").values_list("pk", flat=True)[:2]),
        **_registry_ids(county),
        "matter_id": _matters(county),
        **_corrections(county),
        "account_id": [county.user(p).pk for p in ("sibling", "auditor")],
        "officer_id": [county.officers[k].pk for k in ("own", "other")],
        "aide_id": [county.aides["own"].pk],
        **known_dispute_ids(county),
    }
    for result in schema.get_all_operations():
        operation = result.ok()
        names = [p.name for p in operation.path_parameters]
        strategies = [operation.as_strategy(generation_mode=mode)]
        for name in names:
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters={name: pk})
                for pk in known[name]
            ]
        yield operation.label, st.one_of(strategies)


def _corrections(county) -> dict[str, list[int]]:
    """Visits in 瓦房沟村 and 杨庄村 (``record_id``) and a correction request waiting for each
    (``correction_id``), saved eight days ago."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from cunjing.fieldwork import services as fieldwork
    from cunjing.fieldwork.models import HouseholdVisit

    visits = [
        fieldwork.visit_create(
            actor=county.user(persona),
            area=county.areas[area],
            occurred_on=dt.date(2014, 10, 8),
            client_uuid=uuid.uuid4(),
            household="李家",
            purpose="routine",
        )
        for persona, area in (("beat", "own"), ("other", "other"))
    ]
    HouseholdVisit.objects.filter(pk__in=[v.pk for v in visits]).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    requests = [
        fieldwork.correction_request(
            actor=v.recorded_by, record=v, action="correct", changes={"notes": "补"}, reason="补记"
        )
        for v in visits
    ]
    return {"record_id": [v.pk for v in visits], "correction_id": [r.pk for r in requests]}


def _matters(county) -> list[int]:
    """Two matters (瓦房沟村, 杨庄村) for the operations on a matter."""
    import uuid

    from cunjing.matters import services as matters

    return [
        matters.matter_create(
            actor=county.user(persona),
            area=county.areas[area],
            kind="request",
            description="路灯坏了",
            reporter_phone="13903750001",
            client_uuid=uuid.uuid4(),
        ).pk
        for persona, area in (("beat", "own"), ("other", "other"))
    ]


@pytest.mark.parametrize(
    ("persona", "mode"),
    [
        ("sysadmin", GenerationMode.POSITIVE),
        ("commander", GenerationMode.POSITIVE),
        ("beat", GenerationMode.POSITIVE),
        ("secadmin", GenerationMode.POSITIVE),
        ("station_leader", GenerationMode.NEGATIVE),
    ],
)
def test_no_operation_answers_5xx(county, wsgi_app, persona, mode):
    """schemathesis generates requests from the OpenAPI document for every operation; no
    answer is a 5xx. Valid requests as four personas, each getting past the permission checks
    somewhere else (the system admin: the configuration; the commander: every read and the
    matters; the beat officer: field records, their corrections and the registry's writes; the
    security admin: the accounts);
    invalid ones as one persona (a station leader: a scope below the bureau), since the API
    refuses most of them (422) before any permission check."""
    schema = unicode_heavy_schema("/api/openapi.json", wsgi_app)
    headers = {"Authorization": f"Bearer {token_for(county.user(persona))}"}
    labels = []
    for label, strategy in case_strategies(schema, county, mode):
        labels.append(label)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        run()
    assert len(labels) == 115  # every operation of the API was exercised


def test_the_harness_notices_a_5xx(county, wsgi_app, monkeypatch):
    from cunjing.org import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "coverage_report", broken)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    headers = {"Authorization": f"Bearer {token_for(county.user('commander'))}"}
    strategy = schema["/api/org/coverage"]["GET"].as_strategy()

    @given(case=strategy)
    @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    with pytest.raises(FailureGroup) as caught:
        run()
    assert any(isinstance(e, ServerError) for e in caught.value.exceptions)


# --- PATCH /api/org/areas/{id} with arbitrary JSON -------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities included: Python's json writes and reads them
    | st.text(max_size=120)
    | odd_numbers
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
area_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": chinese_names | st.text(max_size=110) | json_values,
        "division_code": st.from_regex(r"\A4104992\d{5}\Z")
        | st.from_regex(r"\A\d{10,13}\Z")
        | json_values,
        "latitude": st.floats(min_value=-90, max_value=90)
        | st.floats(min_value=-100, max_value=100)
        | json_values,
        "longitude": st.floats(min_value=-180, max_value=180) | json_values,
    },
)
bodies = (
    area_fields
    | area_fields
    | st.dictionaries(
        st.sampled_from(["name", "kind", "bureau", "path", "id", "x"]), json_values, max_size=3
    )
    | json_values
)


@pytest.fixture
def clients(county):
    return {
        persona: ApiClient(token_for(county.user(persona)))
        for persona in ("sysadmin", "commander", "beat", "auditor")
    }


def snapshot(area_id: int):
    return Area.objects.filter(pk=area_id).values(*FIELDS).first()


@given(
    body=bodies,
    persona=st.sampled_from(["sysadmin", "sysadmin", "commander", "beat", "auditor"]),
    target=st.sampled_from(["own", "other", "none"]),
)
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_patch_area_with_arbitrary_json(county, clients, body, persona, target):
    area_id = county.areas[target].pk if target in county.areas else 987654321
    before = snapshot(area_id)
    events = AuditEvent.objects.filter(action="area.update").count()
    response = clients[persona].patch(f"/api/org/areas/{area_id}", raw=json.dumps(body).encode())
    assert response.status_code in (200, 403, 404, 422), response.content
    event(f"{persona} → {response.status_code}")
    after = snapshot(area_id)
    new_events = AuditEvent.objects.filter(action="area.update").count() - events
    if response.status_code == 200:
        assert persona == "sysadmin"
        assert new_events == (0 if after == before else 1)
        for field in ("name", "division_code", "latitude", "longitude"):
            if isinstance(body, dict) and field in body:
                sent = body[field]
                assert after[field] == (sent.strip() if isinstance(sent, str) else sent)
    else:
        assert after == before
        assert new_events == 0
        assert set(response.json()) <= {"detail", "errors"}
        if response.status_code == 422:
            errors = response.json()["errors"]
            assert errors and all(isinstance(m, str) for ms in errors.values() for m in ms)
