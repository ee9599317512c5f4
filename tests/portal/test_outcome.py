"""件件有回声: what the resident reads at each step of every closing path (resolve and confirm,
refer, merge, close after 7 days), on the portal's tracking page and through Open311's
``requests/{id}`` — the same status and the same notes, the outcome included, internal notes and
a crime lead's outcome never."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from cunjing.matters import selectors as matter_selectors
from cunjing.matters import services
from cunjing.matters.models import Matter, State
from cunjing.open311.selectors import status_of
from tests.portal.conftest import submit

TRACK = "/portal/track/"
INTERNAL = "内部备注"


def page(client, code: str) -> str:
    response = client.post(TRACK, {"code": code})
    assert response.status_code == 200
    return response.content.decode()


def open311(client, code: str) -> dict:
    response = client.get(f"/open311/v2/requests/{code}.json")
    assert response.status_code == 200
    (row,) = json.loads(response.content)
    return row


def read(client, matter: Matter) -> tuple[str, dict]:
    """The portal page and the Open311 row of ``matter``, checked to agree: the status the page
    shows is Open311's status, and every line of ``status_notes`` is on the page."""
    html = page(client, matter.tracking_code)
    row = open311(client, matter.tracking_code)
    shown = re.search(r'data-carrier-state="([a-z]+)"', html).group(1)
    assert status_of(shown) == row["status"]
    for line in (row["status_notes"] or "").splitlines():
        # the outcome line whole; a reply as its text (the page shows time and unit apart)
        text = (
            line if not re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d ", line) else line.split(": ", 1)[1]
        )
        assert text in html, text
    for leaked in (INTERNAL, "张伟", "13903750001"):
        assert leaked not in html and leaked not in json.dumps(row, ensure_ascii=False)
    return html, row


@pytest.fixture
def beat(county):
    return county.user("beat")


def reported(county, **values) -> Matter:
    return submit(county, reporter_phone="13903750001", **values)


def test_resolve_then_confirm(client, county, beat):
    m = reported(county)
    html, row = read(client, m)
    assert row["status"] == "open" and row["status_notes"] is None
    assert 'id="pt-outcome"' not in html

    services.matter_accept(actor=beat, matter=m, note=f"{INTERNAL}：先联系供电所")
    services.matter_reply(actor=beat, matter=m, channel="phone", text="已联系供电所，明天处理")
    html, row = read(client, m)
    assert row["status_notes"].endswith("已联系供电所，明天处理")
    assert "已联系供电所，明天处理" in html

    services.matter_resolve(actor=beat, matter=m, resolution="已会同供电所扶正电线杆")
    html, row = read(client, m)
    assert row["status"] == "closed"
    assert row["status_notes"].splitlines()[0] == "处理结果：已会同供电所扶正电线杆"
    assert "处理结果：已会同供电所扶正电线杆" in html
    assert 'id="pt-confirm-form"' in html  # asked to confirm, with the outcome before them

    services.matter_confirm(bureau_id=county.bureau.pk, tracking_code=m.tracking_code)
    html, row = read(client, m)
    assert row["status"] == "closed"
    assert "处理结果：已会同供电所扶正电线杆" in html and 'id="pt-confirm-form"' not in html


def test_refer(client, county, beat):
    m = reported(county)
    services.matter_accept(actor=beat, matter=m)
    services.matter_reply(actor=beat, matter=m, channel="sms", text="此事归镇司法所管辖")
    services.matter_refer(actor=beat, matter=m, body="镇司法所", note=f"{INTERNAL}：土地纠纷")
    html, row = read(client, m)
    assert row["status"] == "closed"
    assert row["status_notes"].splitlines()[0] == "已转交镇司法所，由其负责处理。"
    assert "此事归镇司法所管辖" in row["status_notes"] and "此事归镇司法所管辖" in html


def test_close_after_seven_days(client, county, beat):
    m = reported(county)
    services.matter_accept(actor=beat, matter=m)
    services.matter_reply(actor=beat, matter=m, channel="phone", text="已上门查看")
    services.matter_resolve(actor=beat, matter=m, resolution="已修好路灯")
    assert services.close_resolved(now=timezone.now() + dt.timedelta(days=8)) == 1
    assert Matter.objects.get(pk=m.pk).state == State.CLOSED
    html, row = read(client, m)
    assert row["status"] == "closed"
    assert "处理结果：已修好路灯" in html and row["status_notes"].startswith("处理结果：已修好路灯")


def test_merge_follows_the_surviving_matter(client, county, beat):
    first = reported(county, description="村口路灯不亮")
    second = submit(county, description="村口的路灯坏了好几天")
    services.matter_accept(actor=beat, matter=first)
    services.matter_reply(actor=beat, matter=first, channel="phone", text="张先生您好，已记录")
    services.matter_merge(actor=beat, matter=second, target_id=first.pk, note=INTERNAL)

    html, row = read(client, second)
    assert row["status"] == "open"  # the surviving matter is still being handled
    assert row["status_notes"] == "已与反映同一问题的其他事项合并办理。正在办理中。"
    assert 'id="pt-merged"' in html and 'id="pt-carrier-timeline"' in html
    assert "张先生您好" not in html  # the other reporter's answers are theirs
    assert 'id="pt-rate-form"' not in html and 'id="pt-reopen-form"' not in html

    services.matter_resolve(actor=beat, matter=first, resolution="已更换灯泡")
    html, row = read(client, second)
    assert row["status"] == "closed"
    assert row["status_notes"] == "已与反映同一问题的其他事项合并办理。处理结果：已更换灯泡"
    assert "处理结果：已更换灯泡" in html
    # the merged matter's reporter may still rate, and reopen theirs
    assert 'id="pt-rate-form"' in html and 'id="pt-reopen-form"' in html
    assert 'id="pt-confirm-form"' not in html
    response = client.post(
        "/portal/track/rate/", {"code": second.tracking_code, "score": "4", "comment": "快"}
    )
    assert response.status_code == 200
    assert Matter.objects.get(pk=second.pk).rating == 4
    assert Matter.objects.get(pk=first.pk).rating is None
    response = client.post(
        "/portal/track/reopen/", {"code": second.tracking_code, "reason": "我家门口还是黑的"}
    )
    assert response.status_code == 200
    again = Matter.objects.get(pk=second.pk)
    assert again.state == State.ACCEPTED and again.merged_into_id is None
    assert again.reply_due_at is not None  # its reporter has had no answer of their own
    html, row = read(client, again)
    assert row["status"] == "open" and row["status_notes"] is None
    assert 'id="pt-merged"' not in html


def test_merge_chains_are_followed(client, county, beat):
    a, b, c = (reported(county, description=f"路灯坏了{n}") for n in range(3))
    services.matter_merge(actor=beat, matter=a, target_id=b.pk)
    services.matter_merge(actor=beat, matter=b, target_id=c.pk)
    services.matter_accept(actor=beat, matter=c)
    services.matter_reply(actor=beat, matter=c, channel="phone", text="收到")
    services.matter_resolve(actor=beat, matter=c, resolution="路灯已修")
    a.refresh_from_db()
    assert matter_selectors.reporter_view(a).carrier.pk == c.pk
    _html, row = read(client, a)
    assert row["status_notes"].endswith("处理结果：路灯已修")


def test_a_leads_outcome_is_never_public(client, county, beat):
    m = reported(county, kind="lead", description="有人在村东头收购来路不明的电动车")
    services.matter_accept(actor=beat, matter=m)
    services.matter_reply(actor=beat, matter=m, channel="phone", text="感谢您提供线索")
    services.matter_resolve(actor=beat, matter=m, resolution="抓获嫌疑人2名")
    html, row = read(client, m)
    assert "抓获嫌疑人" not in html and "抓获嫌疑人" not in json.dumps(row, ensure_ascii=False)
    assert row["status_notes"].splitlines()[0] == "已办结。违法犯罪线索的处理结果不予公开。"
    assert "感谢您提供线索" in html


def test_merging_joins_only_reports_of_the_same_problem(county, beat):
    from django.core.exceptions import ValidationError

    light = submit(county, kind="hazard", description="路灯坏了")
    quarrel = submit(county, kind="request", description="邻居吵架")
    elsewhere = submit(county, area=county.areas["sibling"], kind="hazard", description="路灯坏了")
    for target in (quarrel, elsewhere):
        with pytest.raises(ValidationError) as refused:
            services.matter_merge(
                actor=county.user("station_leader"), matter=light, target_id=target.pk
            )
        assert "target" in refused.value.message_dict
    assert Matter.objects.get(pk=light.pk).state == State.NEW


def test_the_merge_form_offers_only_qualifying_matters(client, county, beat):
    light = submit(county, kind="hazard", description="路灯坏了")
    same = submit(county, kind="hazard", description="路灯又坏了")
    quarrel = submit(county, kind="request", description="邻居吵架")
    client.force_login(beat)
    html = client.get(f"/matters/{light.pk}/").content.decode()
    merge = html.split('name="target"', 1)[1].split("</select>", 1)[0]
    assert f'value="{same.pk}"' in merge
    assert f'value="{quarrel.pk}"' not in merge and f'value="{light.pk}"' not in merge
    response = client.post(f"/matters/{light.pk}/merge/", {"target": quarrel.pk})
    assert response.status_code == 422
    assert Matter.objects.get(pk=light.pk).state == State.NEW
