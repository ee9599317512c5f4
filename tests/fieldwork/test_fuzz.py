"""schemathesis over the field-work operations as the beat officer, with the body's area set to
their own village (so requests get past the 404 and into the services): no answer is a 5xx,
and a refused write stores nothing."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from cunjing.core.models import IdempotencyKey
from cunjing.wsgi import application
from tests.api import token_for
from tests.fieldwork.bodies import MODELS

EXAMPLES = 25


@pytest.fixture
def wsgi_app():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("kind", [*MODELS, "worklogs", "reports"])
def test_no_fieldwork_write_answers_5xx(county, wsgi_app, kind, mode):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    operation = schema[f"/api/fieldwork/{kind}"]["POST"]
    token = token_for(county.user("beat"))
    own = county.areas["own"].pk

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if isinstance(case.body, dict) and "area" in case.body:
            case.body["area"] = own
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        stored = IdempotencyKey.objects.count()
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code not in (200, 201):
            assert IdempotencyKey.objects.count() == stored

    run()


@pytest.mark.parametrize("kind", list(MODELS))
def test_odd_numbers_in_any_field_are_refused_cleanly(county, wsgi_app, kind):
    """Every field of a valid body replaced, one at a time, by a string of digits that are not
    ASCII (issue 13): a 4xx with the field's error, never a 5xx."""
    from hypothesis import strategies as st

    from tests.api import ApiClient
    from tests.fieldwork.bodies import bodies
    from tests.strategies import odd_numbers

    valid = bodies(county.areas["own"].pk)[kind]
    client = ApiClient(token_for(county.user("beat")))

    @given(field=st.sampled_from(sorted(valid)), value=odd_numbers)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(field, value):
        response = client.post(f"/api/fieldwork/{kind}", {**valid, field: value})
        assert response.status_code < 500, (field, value, response.content)

    run()
