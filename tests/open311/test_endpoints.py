"""Open311 GeoReport v2 endpoints, each in JSON and XML: the spec's fields, errors in the spec's
format, the filters of the request list, the status after staff act on the matter, privacy, the
language of messages, rate limits."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.matters import services as matters
from cunjing.matters.models import Matter, Source, State
from cunjing.open311 import services
from cunjing.open311.models import Open311Request
from tests.open311.conftest import (
    BASE,
    INSIDE_OWN,
    body,
    error_descriptions,
    post,
    submit,
)

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]


def created(client, key, code, **fields) -> dict:
    response = submit(client, key, code, **fields)
    assert response.status_code == 201, response.content
    return body(response)[0]


# --- discovery, services ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, county, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert data["changeset"] and data["contact"] and data["key_service"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    else:
        assert data.tag == "discovery"
        endpoint = data.find("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint.findtext("url") == "http://testserver/open311/v2"
        assert {f.text for f in endpoint.findall("formats/format")} == {
            "application/json",
            "text/xml",
        }


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_the_active_categories(client, categories, fmt):
    categories["求助"].active = False
    categories["求助"].save()
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "services"
        data = [{child.tag: child.text or "" for child in s} for s in data.findall("service")]
        assert all(s["metadata"] == "false" for s in data)
    names = {s["service_name"]: s for s in data}
    assert "求助" not in names and len(names) == len(categories) - 1
    noise = names["噪音扰民"]
    assert noise["service_code"] == str(categories["噪音扰民"].pk)
    assert noise["type"] == "realtime"
    assert noise["group"] == "群众诉求"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_and_unknown_service(client, noise, fmt):
    response = client.get(f"{BASE}/services/{noise}.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        assert data == {"service_code": noise, "attributes": []}
    else:
        assert data.tag == "service_definition"
        assert data.findtext("service_code") == noise
        assert data.find("attributes") is not None and not list(data.find("attributes"))
    for code in ("999999", "abc"):
        missing = client.get(f"{BASE}/services/{code}.{fmt}")
        assert missing.status_code == 404
        assert error_descriptions(missing, fmt)


# --- POST requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_creates_a_matter_and_answers_its_id_and_token(client, county, issued, noise, fmt):
    open311_client, key = issued
    response = submit(
        client, key, noise, fmt, first_name="伟", last_name="李", phone="13903750001",
        email="li@example.com", media_url="http://example.com/a.jpg", device_id="d1",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "service_requests"
        item = data.find("request")
        code, token = item.findtext("service_request_id"), item.findtext("token")
        assert item.find("account_id") is not None and not item.findtext("account_id")
        assert item.findtext("service_notice")
    else:
        assert set(data[0]) == {"service_request_id", "token", "service_notice", "account_id"}
        code, token = data[0]["service_request_id"], data[0]["token"]
        assert data[0]["account_id"] is None
    matter = Matter.objects.get(bureau=county.bureau, tracking_code=code)
    assert matter.source == Source.OPEN311
    assert matter.area == county.areas["own"]
    assert matter.category_id == int(noise) and matter.kind == "request"
    assert matter.reporter_name == "李伟"  # family name first
    assert matter.reporter_phone == "+8613903750001"
    assert (matter.latitude, matter.longitude) == (33.2301, 113.4502)
    assert matter.handling_unit == county.units["ws_own"]
    row = Open311Request.objects.get(matter=matter)
    assert str(row.token) == token and row.client == open311_client
    actions = set(
        AuditEvent.objects.filter(bureau=county.bureau, channel="open311").values_list(
            "action", flat=True
        )
    )
    assert {"matter.create", "open311.request.create"} <= actions


def test_an_address_alone_finds_its_village(client, county, key, noise):
    data = created(client, key, noise, lat=None, long=None, address_string="甲乡刘沟村五组")
    matter = Matter.objects.get(tracking_code=data["service_request_id"])
    assert matter.area == county.areas["sibling"]
    assert matter.latitude is None


def test_a_point_near_a_village_outside_every_boundary_goes_to_the_nearest(
    client, county, key, noise
):
    data = created(client, key, noise, lat="33.21", long="113.45")
    assert Matter.objects.get(tracking_code=data["service_request_id"]).area == county.areas["own"]


def test_a_point_outside_falls_back_to_the_address(client, county, key, noise):
    data = created(client, key, noise, lat="30.0", long="110.0", address_string="杨庄村")
    assert (
        Matter.objects.get(tracking_code=data["service_request_id"]).area == county.areas["other"]
    )


def test_non_chinese_names_are_joined_family_name_first(client, key, noise):
    data = created(client, key, noise, first_name="John", last_name="Smith")
    assert (
        Matter.objects.get(tracking_code=data["service_request_id"]).reporter_name == "Smith John"
    )


BAD_POSTS = [
    ({"service_code": None}, "service_code"),
    ({"service_code": "999999"}, "service_code"),
    ({"service_code": "噪音"}, "service_code"),
    ({"lat": "abc"}, "lat"),
    ({"lat": "91"}, "lat"),
    ({"long": "181"}, "long"),
    ({"lat": "nan"}, "lat"),
    ({"long": None}, "long"),
    ({"lat": None, "long": None}, "address_string"),
    ({"lat": "33.10", "long": "113.45"}, "lat"),  # 14 km from any village
    ({"lat": None, "long": None, "address_string": "北京市朝阳区"}, "address_string"),
    ({"lat": None, "long": None, "address_string": "瓦房沟村刘沟村"}, "address_string"),
    ({"description": None}, "description"),
    ({"description": "x" * 2001}, "description"),
    ({"phone": "12345"}, "phone"),
    ({"email": "not-an-email"}, "email"),
    ({"first_name": "伟" * 26}, "first_name"),
    ({"description": "a\x00b"}, "description"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("fields", "field"), BAD_POSTS)
def test_bad_posts_answer_400_on_the_field_and_save_nothing(
    client, county, key, noise, fields, field, fmt
):
    before = (Matter.objects.count(), Open311Request.objects.count(), AuditEvent.objects.count())
    response = submit(client, key, noise, fmt, **fields)
    assert response.status_code == 400, response.content
    descriptions = error_descriptions(response, fmt)
    assert any(d.startswith(f"{field}: ") for d in descriptions), descriptions
    after = (Matter.objects.count(), Open311Request.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_an_ambiguous_address_names_the_candidates(client, key, noise):
    response = submit(client, key, noise, lat=None, long=None, address_string="瓦房沟村刘沟村")
    (description,) = error_descriptions(response)
    assert "甲乡瓦房沟村" in description and "甲乡刘沟村" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_a_valid_key_is_403(client, county, issued, noise, fmt):
    open311_client, key = issued
    for bad in ({"api_key": None}, {"api_key": "wrong"}, {"api_key": key[:-1]}):
        response = submit(client, key, noise, fmt, **bad)
        assert response.status_code == 403
        assert error_descriptions(response, fmt)[0].startswith("api_key: ")
    services.client_revoke(actor=SYSTEM, client=open311_client)
    response = submit(client, key, noise, fmt)
    assert response.status_code == 403
    assert Matter.objects.count() == 0


def test_messages_follow_accept_language(client, key):
    response = post(client, api_key=key, description="x", **INSIDE_OWN)
    assert "service_code: 此项为必填项。" in error_descriptions(response)
    assert response["Content-Language"] == "zh-hans"
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "description": "x", **INSIDE_OWN},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "service_code: This field is required." in error_descriptions(response)
    assert response["Content-Language"] == "en"


def test_jurisdiction_id_is_checked_against_the_bureau(client, county, key, noise):
    ok = submit(client, key, noise, jurisdiction_id=county.bureau.code)
    assert ok.status_code == 201
    wrong = submit(client, key, noise, jurisdiction_id="999999")
    assert wrong.status_code == 400
    assert error_descriptions(wrong)[0].startswith("jurisdiction_id: ")
    assert client.get(f"{BASE}/services.json?jurisdiction_id=410499").status_code == 200


def test_two_bureaus_need_jurisdiction_id_and_keys_stay_in_their_bureau(client, county, key, noise):
    from tests.county import build_county

    build_county(code="410498", name="邻县公安局", prefix="n_")
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 400
    assert error_descriptions(response)[0].startswith("jurisdiction_id: ")
    assert submit(client, key, noise, jurisdiction_id="410499").status_code == 201
    assert submit(client, key, noise, jurisdiction_id="410498").status_code == 403


def test_other_methods_and_paths_answer_in_the_spec_format(client, county):
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405 and error_descriptions(response)
    response = client.get(f"{BASE}/nothing.xml")
    assert response.status_code == 404 and error_descriptions(response, "xml")
    response = client.get(f"{BASE}/requests.csv")
    assert response.status_code == 404 and error_descriptions(response)


# --- GET requests -----------------------------------------------------------------------------


def _fields(element) -> dict:
    return {child.tag: child.text for child in element}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_reads_back_by_id_and_by_token(client, county, key, noise, fmt):
    data = created(client, key, noise)
    code, token = data["service_request_id"], data["token"]
    response = client.get(f"{BASE}/requests/{code}.{fmt}")
    assert response.status_code == 200
    result = body(response, fmt)
    if fmt == "xml":
        assert result.tag == "service_requests"
        (item,) = [_fields(r) for r in result.findall("request")]
    else:
        (item,) = result
    matter = Matter.objects.get(tracking_code=code)
    assert item["service_request_id"] == code
    assert item["status"] == "open"
    assert item["service_code"] == noise and item["service_name"] == "噪音扰民"
    assert item["agency_responsible"] == "瓦房沟警务工作站"
    assert item["description"] == "半夜广场舞音响太响"
    assert item["address"] == "瓦房沟村"
    assert float(item["lat"]) == 33.2301 and float(item["long"]) == 113.4502
    assert item["requested_datetime"].startswith(timezone.localdate().isoformat()[:4])
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"] == timezone.localtime(matter.resolve_due_at).isoformat(
        timespec="seconds"
    )
    assert item["token"] == token
    assert item["status_notes"] in (None, "")
    by_token = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert by_token.status_code == 200
    result = body(by_token, fmt)
    if fmt == "xml":
        result = [_fields(r) for r in result.findall("request")]
    assert result == [{"service_request_id": code, "token": token}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_ids_and_tokens_are_404(client, county, key, noise, fmt):
    created(client, key, noise)
    for path in (
        f"requests/ZZZZZZZZZZZZ.{fmt}",
        f"tokens/{uuid.uuid4()}.{fmt}",
        f"tokens/not-a-uuid.{fmt}",
    ):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404, path
        assert error_descriptions(response, fmt)


def test_staff_entered_matters_are_not_readable_through_open311(client, county):
    matter = matters.matter_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        kind="request",
        description="内部录入",
        reporter_phone="13903750009",
    )
    assert client.get(f"{BASE}/requests/{matter.tracking_code}.json").status_code == 404
    listed = client.get(f"{BASE}/requests.json", {"service_request_id": matter.tracking_code})
    assert body(listed) == []


def test_the_answers_hold_no_reporter_data(client, county, key, noise):
    data = created(client, key, noise, first_name="伟", last_name="李", phone="13903750001")
    matter = Matter.objects.get(tracking_code=data["service_request_id"])
    matters.matter_reply(actor=county.user("beat"), matter=matter, channel="phone", text="已处理")
    for path in (
        f"requests/{matter.tracking_code}.json",
        f"requests/{matter.tracking_code}.xml",
        f"requests.json?service_request_id={matter.tracking_code}",
    ):
        text = client.get(f"{BASE}/{path}").content.decode()
        for secret in ("李伟", "13903750001", "+8613903750001", "张伟", "beat"):
            assert secret not in text, (path, secret)


def test_a_crime_lead_shows_its_status_but_not_its_text_or_place(client, categories, key):
    code = str(categories["盗窃"].pk)
    data = created(client, key, code, description="村东头有人偷电动车")
    (item,) = body(client.get(f"{BASE}/requests/{data['service_request_id']}.json"))
    assert item["status"] == "open" and item["service_name"] == "盗窃"
    assert item["description"] is None and item["lat"] is None and item["address"] == ""


def test_status_follows_the_matter(client, county, key, noise):
    data = created(client, key, noise)
    code = data["service_request_id"]
    beat = county.user("beat")

    def read() -> dict:
        return body(client.get(f"{BASE}/requests/{code}.json"))[0]

    matter = Matter.objects.get(tracking_code=code)
    matters.matter_accept(actor=beat, matter=matter)
    assert read()["status"] == "open"
    matters.matter_reply(actor=beat, matter=matter, channel="phone", text="民警已到现场")
    matters.matter_reply(actor=beat, matter=matter, channel="sms", text="已约谈广场舞负责人")
    first = read()
    notes = first["status_notes"].splitlines()  # every reply to the reporter, the latest first
    assert [n.split(": ", 1)[1] for n in notes] == ["已约谈广场舞负责人", "民警已到现场"]
    matters.matter_resolve(actor=beat, matter=matter, resolution="已调解，双方签字")
    resolved = read()
    assert resolved["status"] == "closed"
    # The outcome reaches the reporter, first; the replies follow.
    assert resolved["status_notes"].splitlines()[0] == "处理结果：已调解，双方签字"
    assert resolved["updated_datetime"] >= first["updated_datetime"]
    matters.matter_reopen(bureau_id=county.bureau.pk, tracking_code=code, reason="又开始了")
    assert read()["status"] == "open"
    matter.refresh_from_db()
    matters.matter_resolve(actor=beat, matter=matter, resolution="再次调解")
    matters.matter_confirm(bureau_id=county.bureau.pk, tracking_code=code)
    assert Matter.objects.get(pk=matter.pk).state == State.CLOSED
    assert read()["status"] == "closed"


def test_referred_and_merged_matters_are_closed(client, county, key, noise):
    beat = county.user("beat")
    a = Matter.objects.get(tracking_code=created(client, key, noise)["service_request_id"])
    b = Matter.objects.get(tracking_code=created(client, key, noise)["service_request_id"])
    matters.matter_refer(actor=beat, matter=a, body="城管局")
    matters.matter_merge(actor=beat, matter=b, target_id=a.pk)
    rows = body(
        client.get(
            f"{BASE}/requests.json", {"service_request_id": f"{a.tracking_code},{b.tracking_code}"}
        )
    )
    assert {r["status"] for r in rows} == {"closed"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_by_ids_needs_no_key(client, key, noise, fmt):
    codes = [created(client, key, noise)["service_request_id"] for _ in range(3)]
    wanted = f"{codes[0]}, {codes[2].lower()},ZZZZZZZZZZZZ"
    response = client.get(f"{BASE}/requests.{fmt}", {"service_request_id": wanted})
    assert response.status_code == 200
    result = body(response, fmt)
    if fmt == "xml":
        found = {r.findtext("service_request_id") for r in result.findall("request")}
    else:
        found = {r["service_request_id"] for r in result}
    assert found == {codes[0], codes[2]}


def test_the_list_without_ids_needs_a_key_and_shows_only_the_clients_own(
    client, county, issued, noise
):
    _mine, key = issued
    _other, other_key = services.client_create(actor=SYSTEM, bureau=county.bureau, name="另一个App")
    mine = created(client, key, noise)["service_request_id"]
    theirs = created(client, other_key, noise)["service_request_id"]
    assert client.get(f"{BASE}/requests.json").status_code == 403
    assert client.get(f"{BASE}/requests.json", {"api_key": "nope"}).status_code == 403
    listed = body(client.get(f"{BASE}/requests.json", {"api_key": key}))
    assert [r["service_request_id"] for r in listed] == [mine]
    listed = body(client.get(f"{BASE}/requests.json", {"api_key": other_key}))
    assert [r["service_request_id"] for r in listed] == [theirs]


def test_the_list_filters(client, county, key, categories, noise):
    help_code = str(categories["求助"].pk)
    a = created(client, key, noise)["service_request_id"]
    b = created(client, key, help_code)["service_request_id"]
    old = created(client, key, noise)["service_request_id"]
    Matter.objects.filter(tracking_code=old).update(
        created_at=timezone.now() - dt.timedelta(days=200)
    )
    beat = county.user("beat")
    matter_b = Matter.objects.get(tracking_code=b)
    matters.matter_accept(actor=beat, matter=matter_b)
    matters.matter_reply(actor=beat, matter=matter_b, channel="phone", text="已联系")
    matters.matter_resolve(actor=beat, matter=matter_b, resolution="已帮助")

    def ids(**params) -> list[str]:
        response = client.get(f"{BASE}/requests.json", {"api_key": key, **params})
        assert response.status_code == 200, response.content
        return sorted(r["service_request_id"] for r in body(response))

    assert ids() == sorted([a, b])  # the last 90 days by default
    assert ids(service_code=noise) == [a]
    assert ids(service_code=f"{noise},{help_code}") == sorted([a, b])
    assert ids(status="closed") == [b]
    assert ids(status="open") == [a]
    assert ids(status="open,closed") == sorted([a, b])
    now = timezone.now()
    long_ago = (now - dt.timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (now - dt.timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=long_ago, end_date=later) == [old]
    assert ids(start_date=(now - dt.timedelta(days=1)).isoformat()) == sorted([a, b])
    assert ids(end_date=(now - dt.timedelta(days=100)).date().isoformat()) == [old]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"service_code": "abc"}, "service_code"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2015-13-40"}, "end_date"),
        ({"start_date": "2015-02-01", "end_date": "2015-01-01"}, "end_date"),
        ({"start_date": "2015-01-01", "end_date": "2015-06-01"}, "end_date"),
        ({"service_request_id": "<script>"}, "service_request_id"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_list_parameters_are_400(client, key, params, field, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", {"api_key": key, **params})
    assert response.status_code == 400
    assert any(d.startswith(f"{field}: ") for d in error_descriptions(response, fmt))


# --- rate limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@override_settings(OPEN311_RATE_POST_PER_IP="2/m")
def test_posts_past_the_per_address_limit_are_429(client, key, noise, fmt):
    for _ in range(2):
        assert submit(client, key, noise, fmt).status_code == 201
    response = submit(client, key, noise, fmt)
    assert response.status_code == 429
    # the seconds left in the minute's window
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error_descriptions(response, fmt)
    assert Matter.objects.count() == 2
    # A bad key counts too: guessing keys is limited by address.
    assert submit(client, "guess", noise, fmt).status_code == 429


@override_settings(OPEN311_RATE_POST_PER_KEY="2/h")
def test_posts_past_the_per_key_limit_are_429_from_any_address(client, county, key, noise):
    for n in range(2):
        response = client.post(
            f"{BASE}/requests.json",
            {"api_key": key, "service_code": noise, "description": "吵", **INSIDE_OWN},
            REMOTE_ADDR=f"10.0.0.{n}",
        )
        assert response.status_code == 201
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "service_code": noise, "description": "吵", **INSIDE_OWN},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 3600
    _other, other_key = services.client_create(actor=SYSTEM, bureau=county.bureau, name="另一个App")
    assert submit(client, other_key, noise).status_code == 201


@override_settings(OPEN311_RATE_GET_PER_IP="3/m")
def test_reads_are_limited_per_address(client, county):
    for _ in range(3):
        assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.xml").status_code == 429


def test_control_characters_in_a_description_still_give_well_formed_xml(client, key, noise):
    data = created(client, key, noise, description="铃声\x07响\x0b了")
    code = data["service_request_id"]
    item = body(client.get(f"{BASE}/requests/{code}.xml"), "xml").find("request")
    assert item.findtext("description") == "铃声响了"
    assert body(client.get(f"{BASE}/requests/{code}.json"))[0]["description"] == "铃声\x07响\x0b了"
