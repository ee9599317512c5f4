"""Every desk's home is its to-do list: matters waiting at the desk with their deadline and time
left (overdue in red), follow-ups due, and for leaders the overdue follow-ups per officer and the
reports to supervise; the matters queue shows deadlines and sorts by them."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.urls import reverse
from django.utils import timezone

from cunjing.fieldwork import services as fieldwork
from cunjing.matters.models import Matter
from tests.matters import new_matter

HOME = "/"


def home(client, county, persona: str) -> str:
    client.force_login(county.user(persona))
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    return response.content.decode()


def flagged(county, days_ago: int, household: str, persona="beat", area="own"):
    return fieldwork.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=timezone.localdate() - dt.timedelta(days=days_ago),
        client_uuid=uuid.uuid4(),
        household=household,
        purpose="routine",
        follow_up_needed=True,
    )


def test_the_beat_officers_home_starts_with_the_to_do(client, county):
    late = new_matter(county, description="过期的事")
    Matter.objects.filter(pk=late.pk).update(
        reply_due_at=timezone.now() - dt.timedelta(hours=30), overdue=True
    )
    soon = new_matter(county, description="快到期的事")
    flagged(county, 12, "逾期的李家")
    html = home(client, county, "beat")
    todo = html.index('id="todo"')
    assert todo < html.index("contact-card")  # the to-do comes before the cards
    matters = html.split('id="todo-matters"', 1)[1].split("</table>", 1)[0]
    # the most urgent first, with the time left (past due in red)
    assert matters.index(f"#{late.pk}") < matters.index(f"#{soon.pk}")
    assert 'data-overdue="1"' in matters and "超期" in matters
    assert re.search(r"剩 \d+ 小时", matters)
    assert "逾期的李家" in html.split('id="todo-follow-ups"', 1)[1]


def test_a_leaders_home_lists_what_to_supervise_and_who_is_late(client, county):
    flagged(county, 20, "甲")
    flagged(county, 3, "乙", persona="sibling", area="sibling")
    report, _ = fieldwork.report_upsert(
        actor=county.user("beat"),
        kind="analysis",
        period_start=timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday()),
        situation="本周平稳",
        client_uuid=uuid.uuid4(),
    )
    html = home(client, county, "office_leader")
    assert (
        html.index('id="todo"') < html.index("Your jurisdiction")
        if "Your jurisdiction" in (html)
        else html.index('id="todo"') < html.index("管辖情况")
    )
    follow = html.split('id="todo-follow-ups"', 1)[1].split("card-footer", 1)[0]
    assert "张伟" in follow and "王芳" not in follow  # only officers with overdue ones
    reports = html.split('id="todo-reports"', 1)[1]
    assert reverse("fieldwork:report_detail", args=[report.pk]) in reports
    fieldwork.supervise(
        actor=county.user("office_leader"),
        report_id=report.pk,
        verdict="satisfactory",
        comment="分析到位",
    )
    assert 'id="todo-reports"' not in home(client, county, "office_leader")


def test_nothing_waiting(client, county):
    html = home(client, county, "station_leader")
    assert 'id="todo-empty"' in html


def test_the_commander_is_led_to_the_county_figures(client, county):
    html = home(client, county, "commander")
    links = html.split('id="command-links"', 1)[1].split("</div>", 1)[0]
    assert reverse("stats:results") in links and reverse("matters:counts") in links


def test_the_queue_shows_deadlines_and_sorts_by_them(client, county):
    rows = [new_matter(county, description=f"事项{n}") for n in range(3)]
    now = timezone.now()
    for hours, m in zip((50, -2, 5), rows, strict=True):
        Matter.objects.filter(pk=m.pk).update(
            reply_due_at=None, resolve_due_at=now + dt.timedelta(hours=hours)
        )
    client.force_login(county.user("beat"))
    page = client.get(reverse("matters:queue"), {"sort": "deadline", "queue": "mine"})
    html = page.content.decode()
    order = [int(x) for x in re.findall(r'href="/matters/(\d+)/"', html)]
    assert order == [rows[1].pk, rows[2].pk, rows[0].pk]
    assert html.count("matter-deadline") == 3 and 'data-overdue="1"' in html
    # the API pages by deadline with a cursor of its own
    api = client.get("/api/matters", {"sort": "deadline", "limit": 2}).json()
    assert [i["id"] for i in api["items"]] == [rows[1].pk, rows[2].pk]
    rest = client.get("/api/matters", {"sort": "deadline", "limit": 2, "before": api["next"]})
    assert [i["id"] for i in rest.json()["items"]] == [rows[0].pk] and rest.json()["next"] is None
    bad = client.get(reverse("matters:queue"), {"sort": "deadline", "before": "2014-01-01"})
    assert bad.status_code == 422
