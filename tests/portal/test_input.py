"""What a resident types: phone numbers checked (China: mobile or landline), codes found however
they are typed (spaces, dashes, lower case, full-width), every message in a resident's words, all
errors at once, and nothing typed lost when a rate limit stops a request."""

from __future__ import annotations

import json

import pytest

from cunjing.matters.models import Matter
from tests.portal.conftest import resolve, submit

DJANGO_WORDING = ("变量", "确保", "Ensure this value")


def page(response) -> str:
    return response.content.decode()


def post_submit(client, county, **values):
    data = {"area": county.areas["own"].pk, "kind": "request", "description": "路灯坏了"}
    data.update(values)
    return client.post("/portal/submit/", data)


@pytest.mark.parametrize("phone", ["hello", "12345", "1390375000", "+1 202 555 01"])
def test_a_bad_phone_is_refused_in_a_residents_words(client, county, phone):
    response = post_submit(client, county, reporter_phone=phone, description="楼道灯坏了")
    assert response.status_code == 422
    html = page(response)
    assert 'data-errors-for="reporter_phone"' in html
    assert "请填写手机号（如 13903750001）或固定电话（如 0375-1234567）。" in html
    assert "楼道灯坏了" in html  # what was typed is still there
    assert not Matter.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("139 0375 0001", "+8613903750001"), ("0375-1234567", "+863751234567")],
)
def test_good_phones_are_kept_in_one_form(client, county, typed, stored):
    assert post_submit(client, county, reporter_phone=typed).status_code == 201
    assert Matter.objects.get().reporter_phone == stored


def test_every_error_at_once_in_a_residents_words(client, county):
    response = post_submit(
        client, county, description="长" * 2001, reporter_phone="hello", reporter_name="名" * 51
    )
    assert response.status_code == 422
    html = page(response)
    for field in ("description", "reporter_phone", "reporter_name"):
        assert f'data-errors-for="{field}"' in html, field
    assert "请不要超过 2000 个字（您填写了 2001 个字）。" in html
    assert "请不要超过 50 个字（您填写了 51 个字）。" in html
    for wording in DJANGO_WORDING:
        assert wording not in html
    response = post_submit(client, county, description="")
    assert "请填写这一项。" in page(response)


@pytest.mark.parametrize(
    "shape",
    [
        lambda c: f"{c[:4]} {c[4:8]} {c[8:]}",
        lambda c: f"{c[:4]}-{c[4:8]}-{c[8:]}",
        lambda c: c.lower(),
        lambda c: " " + c + "\n",
        lambda c: "".join(chr(ord(ch) + 0xFEE0) for ch in c),  # full-width, as a Chinese IME types
    ],
)
def test_a_code_is_found_however_it_is_typed(client, county, shape):
    m = submit(county)
    response = client.post("/portal/track/", {"code": shape(m.tracking_code)})
    assert response.status_code == 200
    assert m.tracking_code in page(response)


def test_open311_finds_a_code_with_dashes(client, county):
    m = submit(county)
    code = m.tracking_code
    response = client.get(f"/open311/v2/requests.json?service_request_id={code[:6]}-{code[6:]}")
    assert [r["service_request_id"] for r in json.loads(response.content)] == [code]


def test_open311_refuses_a_bad_phone_with_the_other_errors(client, county):
    from cunjing.core.roles import SYSTEM
    from cunjing.matters.models import MatterCategory
    from cunjing.matters.services import categories_ensure_defaults
    from cunjing.open311 import services

    categories_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
    _app, key = services.client_create(actor=SYSTEM, bureau=county.bureau, name="App")
    service = MatterCategory.objects.filter(bureau=county.bureau, kind="request").first()
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": service.pk, "phone": "hello", "description": ""},
    )
    assert response.status_code == 400
    fields = " ".join(e["description"] for e in json.loads(response.content))
    assert "phone" in fields and "description" in fields
    assert not Matter.objects.exists()


@pytest.fixture
def tight(settings):
    settings.PORTAL_RATES = {"submit": "1/10m", "lookup": "1/10m", "action": "1/m", "search": "3/m"}


def test_a_limited_submission_keeps_what_was_typed(client, county, tight):
    assert post_submit(client, county).status_code == 201
    response = post_submit(client, county, description="第二件事：桥头护栏断了", reporter_name="李")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = page(response)
    assert 'id="pt-limited"' in html and 'id="pt-submit-form"' in html
    assert "第二件事：桥头护栏断了" in html and 'value="李"' in html
    assert Matter.objects.count() == 1


def test_a_limited_lookup_keeps_the_code(client, county, tight):
    m = submit(county)
    assert client.post("/portal/track/", {"code": m.tracking_code}).status_code == 200
    response = client.post("/portal/track/", {"code": m.tracking_code})
    assert response.status_code == 429
    assert f'value="{m.tracking_code}"' in page(response)


def test_a_limited_reopening_keeps_the_reason(client, county, tight):
    m = resolve(county, submit(county))
    reason = "灯还是不亮，晚上很危险"
    assert client.post("/portal/track/", {"code": m.tracking_code}).status_code == 200
    first = client.post("/portal/track/reopen/", {"code": m.tracking_code, "reason": reason})
    assert first.status_code == 429  # the lookup above used the budget
    html = page(first)
    assert 'id="pt-resend-form"' in html and reason in html
    assert Matter.objects.get(pk=m.pk).state == "resolved"
