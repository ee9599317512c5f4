"""Submitting a matter from the portal: the code page, field errors in Chinese with nothing
lost, the attachment checks, anonymity, and nothing kept in the session."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cunjing.matters.models import Matter, MatterAttachment, MatterCategory
from cunjing.matters.services import ATTACHMENT_MAX_BYTES

URL = "/portal/submit/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def form(county, **values) -> dict:
    data = {
        "area": county.areas["own"].pk,
        "kind": "request",
        "category": "",
        "description": "村口路灯坏了三天",
        "reporter_name": "",
        "reporter_phone": "",
    }
    data.update(values)
    return data


def code_of(response) -> str:
    return re.search(r'id="pt-code">([^<]+)<', response.content.decode()).group(1)


def errors_for(response, field: str) -> str:
    match = re.search(
        rf'data-errors-for="{field}">(.*?)</div>\s*</div>', response.content.decode(), re.S
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def test_the_url_is_the_one_the_card_links_to():
    assert reverse("portal:submit") == URL


def test_the_form_opens_for_the_village(client, county, categories):
    response = client.get(URL, {"area": county.areas["own"].pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="pt-submit-form"' in body and "瓦房沟村" in body
    # the categories come grouped by kind
    assert "噪音扰民" in body and "<optgroup" in body


@pytest.mark.parametrize("area", ["", "abc", "999999999", "-1", "9" * 30])
def test_without_a_valid_village_the_page_asks_to_find_one(client, county, area):
    response = client.get(URL, {"area": area})
    assert response.status_code == 200
    assert 'id="pt-submit-form"' not in response.content.decode()
    assert 'action="/portal/"' in response.content.decode()


def test_a_township_is_not_a_village(client, county):
    response = client.get(URL, {"area": county.areas["township_a"].pk})
    assert 'id="pt-submit-form"' not in response.content.decode()


def test_submit_gives_a_tracking_code(client, county, categories):
    category = MatterCategory.objects.get(bureau=county.bureau, kind="request", name="噪音扰民")
    response = client.post(
        URL,
        form(
            county,
            category=category.pk,
            reporter_name="李大妈",
            reporter_phone="13903750001",
        ),
    )
    assert response.status_code == 201
    code = code_of(response)
    matter = Matter.objects.get(bureau=county.bureau, tracking_code=code)
    assert (matter.source, matter.area, matter.kind, matter.category) == (
        "portal",
        county.areas["own"],
        "request",
        category,
    )
    assert (matter.reporter_name, matter.reporter_phone) == ("李大妈", "+8613903750001")
    assert matter.handling_unit == county.units["ws_own"]
    assert matter.created_by is None
    body = response.content.decode()
    assert "瓦房沟警务工作站" in body
    # the next step posts the code; no URL carries it
    assert f'value="{code}"' in body and f"/{code}" not in body and f"={code}" not in body
    # the code is 12 characters of the unambiguous alphabet
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{12}", code)


def test_anonymous_submission(client, county):
    response = client.post(URL, form(county))
    assert response.status_code == 201
    matter = Matter.objects.get(tracking_code=code_of(response))
    assert (matter.reporter_name, matter.reporter_phone) == ("", "")


def test_the_session_keeps_nothing_of_the_matter(client, county):
    response = client.post(URL, form(county))
    code = code_of(response)
    session = client.session
    assert dict(session.items()) == {}
    assert code not in str(client.cookies)
    # the tracking page, opened again on the same phone, knows nothing
    body = client.get("/portal/track/").content.decode()
    assert code not in body and "村口路灯" not in body


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"description": ""}, "description", "请填写这一项。"),
        ({"description": "   "}, "description", "请填写这一项。"),
        (
            {"reporter_phone": "12345"},
            "reporter_phone",
            "请填写手机号（如 13903750001）或固定电话（如 0375-1234567）。",
        ),
        ({"kind": "nonsense"}, "kind", "选择一个有效的选项"),
        ({"area": ""}, "area", "请选择行政村或社区。"),
        ({"area": "99999999"}, "area", "请选择行政村或社区。"),
        ({"description": "长" * 2001}, "description", "2000"),
    ],
)
def test_field_errors_in_chinese_and_nothing_lost(client, county, values, field, message):
    data = form(county, reporter_name="王大爷", **values)
    response = client.post(URL, data)
    assert response.status_code == 422
    assert message in errors_for(response, field)
    assert Matter.objects.count() == 0
    body = response.content.decode()
    if field != "area":  # the form comes back with what was typed
        assert 'value="王大爷"' in body
        if field != "description":
            assert "村口路灯坏了三天" in body


def test_a_category_of_another_kind_is_refused(client, county, categories):
    category = MatterCategory.objects.get(bureau=county.bureau, kind="hazard", name="消防隐患")
    response = client.post(URL, form(county, category=category.pk))
    assert response.status_code == 422
    assert "请选择该类型下启用的类别。" in errors_for(response, "category")
    assert Matter.objects.count() == 0


def test_a_photo_is_attached(client, county):
    upload = SimpleUploadedFile("路灯.png", PNG, content_type="image/png")
    response = client.post(URL, {**form(county), "attachment": upload})
    assert response.status_code == 201
    matter = Matter.objects.get(tracking_code=code_of(response))
    (attachment,) = MatterAttachment.objects.filter(matter=matter)
    assert (attachment.content_type, attachment.uploaded_by) == ("image/png", None)


def test_an_attachment_of_the_wrong_type_is_refused(client, county):
    upload = SimpleUploadedFile("x.png", b"<html>not an image</html>", content_type="image/png")
    response = client.post(URL, {**form(county), "attachment": upload})
    assert response.status_code == 422
    assert "只能上传 JPEG、PNG 和 PDF 文件。" in errors_for(response, "attachment")
    assert Matter.objects.count() == 0 and MatterAttachment.objects.count() == 0
    assert "村口路灯坏了三天" in response.content.decode()


def test_an_attachment_too_big_is_refused(client, county):
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * ATTACHMENT_MAX_BYTES)
    response = client.post(URL, {**form(county), "attachment": upload})
    assert response.status_code == 422
    assert "文件超过 5 MB。" in errors_for(response, "attachment")
    assert Matter.objects.count() == 0 and MatterAttachment.objects.count() == 0


def test_the_language_is_chinese_by_default_and_english_on_request(client, county):
    zh = client.get(URL, {"area": county.areas["own"].pk})
    assert zh["Content-Language"] == "zh-hans"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.post(URL, form(county, description=""))
    assert en["Content-Language"] == "en"
    assert "Please fill this in." in errors_for(en, "description")
    assert "What happened?" in en.content.decode()
