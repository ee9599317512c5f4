"""Property tests of Open311: schemathesis over the endpoints' OpenAPI description (served at
``/open311/v2/openapi.json``; strings drawn Unicode-heavy, ``tests.strategies.unicode_heavy``),
anonymously and with a valid API key, and hypothesis over the POST's form fields. Both run the real
WSGI stack and assert that nothing answers 5xx; a refused POST saves nothing."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from cunjing.core.models import AuditEvent
from cunjing.matters.models import Matter
from cunjing.open311.models import Open311Request
from cunjing.wsgi import application
from tests.open311.conftest import BASE, error_descriptions
from tests.strategies import odd_numbers, unicode_heavy_schema

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler inside the test's transaction (as tests/api/test_fuzz.py)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(county, categories, issued):
    """One request created (through the service: the test client would reconnect the signal
    that ``wsgi_app`` disconnects), for the path parameters that name one."""
    from cunjing.open311 import services

    row = services.request_submit(
        client=issued[0],
        service=categories["噪音扰民"],
        area=county.areas["own"],
        description="吵",
    )
    return {"service_request_id": row.matter.tracking_code, "token": str(row.token)}


def test_the_openapi_document_is_served(client, county):
    document = client.get(f"{BASE}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert len([op for path in document["paths"].values() for op in path]) == 7


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@override_settings(RATELIMIT_ENABLE=False)
def test_no_operation_answers_5xx(county, wsgi_app, noise, key, seeded, mode):
    schema = unicode_heavy_schema(f"{BASE}/openapi.json", wsgi_app)
    known = {
        "service_code": [noise, "999999"],
        "service_request_id": [seeded["service_request_id"]],
        "token": [seeded["token"]],
    }
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        names = [p.name for p in operation.path_parameters if p.name in known]
        strategies = [operation.as_strategy(generation_mode=mode)]
        for name in names:
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters={name: value})
                for value in known[name]
            ]

        @given(case=st.one_of(strategies), with_key=st.booleans())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case, with_key):
            # Half the cases carry the valid key, to get past it into validation.
            if with_key and isinstance(case.body, dict):
                case.body["api_key"] = key
            elif with_key and case.method == "GET" and isinstance(case.query, dict):
                case.query["api_key"] = key
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])

        run()
    assert len(labels) == 7


# --- POST with arbitrary form fields -------------------------------------------------------------

texts = (
    st.text(max_size=60)
    | st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=20)
    | odd_numbers
)
numbers = (
    st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.floats(min_value=33.0, max_value=33.5).map(str)
    | st.floats(min_value=113.3, max_value=113.7).map(str)
    | st.integers().map(str)
    | odd_numbers
)
place_names = st.sampled_from(["瓦房沟村", "刘沟村", "杨庄村", "甲乡瓦房沟村", "北京", ""])


def form(noise: str, key: str):
    """Arbitrary forms; half of them start from a valid one and change some fields."""
    valid = {"api_key": key, "service_code": noise, "description": "吵", "address_string": "杨庄村"}
    changes = st.fixed_dictionaries(
        {},
        optional={
            "api_key": st.just(key) | st.just(key) | texts,
            "service_code": st.just(noise) | st.just(noise) | texts | numbers,
            "lat": numbers | texts,
            "long": numbers | texts,
            "address_string": place_names | texts,
            "description": texts | st.text(min_size=1900, max_size=2100),
            "first_name": texts,
            "last_name": texts,
            "phone": st.sampled_from(["13903750001", "0375-8123456", ""]) | texts,
            "email": st.sampled_from(["a@example.com", ""]) | texts,
            "media_url": texts,
            "jurisdiction_id": st.sampled_from(["410499", "999999", ""]) | texts,
            "attribute[x]": texts,
        },
    )
    return st.tuples(st.booleans(), changes).map(
        lambda pair: {**valid, **pair[1]} if pair[0] else pair[1]
    )


@override_settings(RATELIMIT_ENABLE=False)
def test_post_with_arbitrary_fields_never_5xx_and_a_refusal_saves_nothing(
    client, county, noise, key
):
    outcomes = []

    @given(data=form(noise, key), fmt=st.sampled_from(["json", "xml"]))
    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data, fmt):
        before = (
            Matter.objects.count(),
            Open311Request.objects.count(),
            AuditEvent.objects.count(),
        )
        response = client.post(f"{BASE}/requests.{fmt}", data)
        assert response.status_code in (201, 400, 403), response.content
        event(str(response.status_code))
        outcomes.append(response.status_code)
        after = (Matter.objects.count(), Open311Request.objects.count(), AuditEvent.objects.count())
        if response.status_code == 201:
            assert after[:2] == (before[0] + 1, before[1] + 1)
        else:
            assert after == before
            assert all(d.strip() for d in error_descriptions(response, fmt))

    run()
    assert {201, 400} <= set(outcomes)


def test_the_harness_notices_a_5xx(county, wsgi_app, monkeypatch):
    from schemathesis.core.failures import FailureGroup, ServerError

    from cunjing.open311 import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "services", broken)
    schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", wsgi_app)
    strategy = schema[f"{BASE}/services.{{format}}"]["GET"].as_strategy()

    @given(case=strategy)
    @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])

    with pytest.raises(FailureGroup) as caught:
        run()
    assert any(isinstance(e, ServerError) for e in caught.value.exceptions)
