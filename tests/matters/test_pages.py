"""The staff pages of matters: entering one (with an attachment, once per form), acting on it,
errors on the form (422), the timeline and duplicates shown, the SLA and counts pages, output
escaped."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cunjing.matters.models import Matter, SlaPolicy
from tests.matters import new_matter


@pytest.fixture
def beat_client(client, county):
    client.force_login(county.user("beat"))
    return client


def _form(county, **extra):
    return {
        "area": county.areas["own"].pk,
        "kind": "request",
        "source": "officer",
        "description": "<script>alert(1)</script>村口路灯坏了",
        "reporter_name": "",
        "reporter_phone": "13903750001",
        "client_uuid": str(uuid.uuid4()),
        **extra,
    }


def test_enter_a_matter_with_an_attachment_once(beat_client, county, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    data = _form(county)
    data["attachment"] = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    response = beat_client.post(reverse("matters:new"), data)
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert response["Location"] == reverse("matters:detail", args=[matter.pk])
    assert matter.attachments.count() == 1
    data.pop("attachment")
    again = beat_client.post(reverse("matters:new"), data)
    assert again["Location"] == response["Location"] and Matter.objects.count() == 1
    page = beat_client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert reverse("matters:attachment", args=[matter.attachments.get().pk]) in page
    download = reverse("matters:attachment", args=[matter.attachments.get().pk])
    assert beat_client.get(download).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": ""}, "description"),
        ({"reporter_phone": "123"}, "reporter_phone"),
        ({"source": "portal"}, "source"),
        ({"area": "other"}, "area"),
    ],
)
def test_bad_input_answers_422_on_the_field(beat_client, county, change, field):
    if change.get("area") == "other":
        change = {"area": county.areas["other"].pk}
    response = beat_client.post(reverse("matters:new"), _form(county, **change))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert Matter.objects.count() == 0


def test_a_bad_attachment_is_refused_and_nothing_is_stored(beat_client, county, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    data = _form(county, attachment=SimpleUploadedFile("a.png", b"GIF89a....."))
    response = beat_client.post(reverse("matters:new"), data)
    assert response.status_code == 422
    assert "attachment" in response.context["form"].errors
    assert Matter.objects.count() == 0


def test_actions_on_the_detail_page(beat_client, county):
    m = new_matter(county)
    url = reverse("matters:detail", args=[m.pk])
    page = beat_client.get(url).content.decode()
    for action in ("accept", "reply", "escalate", "refer"):
        assert reverse("matters:act", args=[m.pk, action]) in page
    assert reverse("matters:act", args=[m.pk, "resolve"]) not in page
    # nothing of the same kind about the same village to merge into: no merge form
    assert reverse("matters:act", args=[m.pk, "merge"]) not in page
    new_matter(county, description="同一个问题")
    page = beat_client.get(url).content.decode()
    assert reverse("matters:act", args=[m.pk, "merge"]) in page
    bad = beat_client.post(reverse("matters:act", args=[m.pk, "resolve"]), {"resolution": "好"})
    assert bad.status_code == 422
    empty = {"channel": "phone", "text": ""}
    assert beat_client.post(reverse("matters:act", args=[m.pk, "reply"]), empty).status_code == 422
    ok = beat_client.post(reverse("matters:act", args=[m.pk, "accept"]), {"note": "受理"})
    assert ok.status_code == 302
    ok = beat_client.post(
        reverse("matters:act", args=[m.pk, "reply"]), {"channel": "phone", "text": "明天修"}
    )
    assert ok.status_code == 302
    page = beat_client.get(url).content.decode()
    assert "明天修" in page and "受理" in page
    assert beat_client.post(reverse("matters:act", args=[m.pk, "nonsense"])).status_code == 404


def test_duplicates_are_shown(beat_client, county):
    first = new_matter(county, description="村口路灯坏了，晚上很黑")
    second = new_matter(county, description="村口的路灯坏了，晚上很黑")
    page = beat_client.get(reverse("matters:detail", args=[second.pk])).content.decode()
    assert reverse("matters:detail", args=[first.pk]) in page


def test_queue_filters(beat_client, county):
    new_matter(county)
    assert beat_client.get(reverse("matters:queue"), {"queue": "mine"}).status_code == 200
    assert beat_client.get(reverse("matters:queue"), {"queue": "nope"}).status_code == 422
    assert beat_client.get(reverse("matters:queue"), {"before": "x"}).status_code == 422


def test_sla_page(client, county):
    client.force_login(county.user("commander"))
    data = {"level": "office", "kind": "lead", "reply_hours": 6, "resolve_hours": 3}
    assert client.post(reverse("matters:sla"), data).status_code == 422
    data["resolve_hours"] = 30
    assert client.post(reverse("matters:sla"), data).status_code == 302
    assert SlaPolicy.objects.get(level="office", kind="lead").resolve_hours == 30


def test_counts_page(beat_client, county):
    new_matter(county)
    response = beat_client.get(reverse("matters:counts"))
    assert response.status_code == 200
    assert response.context["data"]["total"]["collected"] == 1
    backwards = {"date_from": "2015-02-01", "date_to": "2015-01-01"}
    bad = beat_client.get(reverse("matters:counts"), backwards)
    assert bad.status_code == 422


def test_the_actions_the_state_allows_the_likely_one_first(beat_client, county):
    import re

    from cunjing.matters import services

    m = new_matter(county)  # with a reporter waiting for an answer
    url = reverse("matters:detail", args=[m.pk])

    def actions() -> list[tuple[str, bool]]:
        html = beat_client.get(url).content.decode()
        return [
            (name, bool(opened))
            for name, opened in re.findall(
                r'<details class="card mb-3 matter-action" data-action="([a-z]+)"( open)?', html
            )
        ]

    shown = actions()
    assert shown[0] == ("accept", True) and all(not opened for _, opened in shown[1:])
    assert "resolve" not in dict(shown)  # not allowed before it is taken up
    services.matter_accept(actor=county.user("beat"), matter=m)
    assert actions()[0] == ("reply", True)  # the reporter waits: answer first
    services.matter_reply(actor=county.user("beat"), matter=m, channel="phone", text="已受理")
    assert actions()[0] == ("resolve", True)
    page = beat_client.get(url).content.decode()
    assert "原始报道" not in page and "来源" in page  # the glossary's word for a source
