"""Hypothesis over every public POST of the portal (submit, track, confirm, reopen, rate) and
the search: whatever arrives — random text, unicode, huge values, wrong types, missing fields —
the answer is never a 5xx, and a refused request stores nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.matters.models import Matter, MatterAttachment, MatterEvent
from tests.portal.conftest import resolve, submit
from tests.strategies import odd_numbers

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Surrogates cannot be sent in a form body; everything else can.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60) | odd_numbers
huge = st.integers(min_value=1, max_value=5).map(lambda n: "长" * (2000 * n + 1))
numbers = st.integers(min_value=-(2**80), max_value=2**80).map(str)
values = st.one_of(any_text, any_text, numbers, huge, st.just(""), st.just("\x00"))


def maybe(strategy):
    """A field's value, or the field missing altogether (None)."""
    return st.one_of(strategy, strategy, strategy, st.none())


def body(**fields) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


@pytest.fixture
def world(county, settings):
    settings.RATELIMIT_ENABLE = False  # the limits have their own tests; here: the input
    resolved = resolve(county, submit(county))
    return county, resolved


def _fresh() -> Client:
    return Client(REMOTE_ADDR="10.9.9.9")


def _counts():
    return (
        Matter.objects.count(),
        MatterEvent.objects.count(),
        MatterAttachment.objects.count(),
        AuditEvent.objects.count(),
    )


@FUZZ
@given(data=st.data())
def test_submit_never_500_and_refusals_store_nothing(world, data):
    county, _ = world
    area = data.draw(maybe(st.one_of(st.just(str(county.areas["own"].pk)), values)))
    kind = data.draw(maybe(st.one_of(st.sampled_from(["request", "lead", "hazard"]), values)))
    fields = body(
        area=area,
        kind=kind,
        category=data.draw(maybe(values)),
        description=data.draw(maybe(values)),
        reporter_name=data.draw(maybe(values)),
        reporter_phone=data.draw(maybe(st.one_of(st.from_regex(r"\A1[3-9]\d{9}\Z"), values))),
    )
    before = _counts()
    response = _fresh().post("/portal/submit/", fields)
    assert response.status_code in (201, 422), (response.status_code, fields)
    if response.status_code == 422:
        assert _counts() == before
    else:
        assert _counts()[0] == before[0] + 1


@FUZZ
@given(code=maybe(values))
def test_track_never_500(world, code):
    before = _counts()
    response = _fresh().post("/portal/track/", body(code=code))
    assert response.status_code in (200, 404, 422)
    assert _counts() == before


@FUZZ
@given(
    action=st.sampled_from(["confirm", "reopen", "rate"]),
    use_real_code=st.booleans(),
    code=maybe(values),
    note=maybe(values),
    reason=maybe(values),
    score=maybe(st.one_of(st.sampled_from(["1", "5"]), values)),
    comment=maybe(values),
)
def test_reporter_actions_never_500(
    world, action, use_real_code, code, note, reason, score, comment
):
    _, matter = world
    real = Matter.objects.get(pk=matter.pk)
    fields = body(
        code=real.tracking_code if use_real_code else code,
        note=note,
        reason=reason,
        score=score,
        comment=comment,
    )
    before = _counts()
    response = _fresh().post(f"/portal/track/{action}/", fields)
    assert response.status_code in (200, 404, 422), (response.status_code, fields)
    if response.status_code != 200:
        assert _counts() == before
        after = Matter.objects.get(pk=matter.pk)
        assert (after.state, after.rating, after.reopen_count) == (
            real.state,
            real.rating,
            real.reopen_count,
        )


@FUZZ
@given(q=values, area=values)
@example(q="\x00瓦房", area="\x00")
def test_search_and_pages_never_500(world, q, area):
    client = _fresh()
    assert client.get("/portal/", {"q": q}).status_code == 200
    assert client.get("/portal/submit/", {"area": area}).status_code == 200
