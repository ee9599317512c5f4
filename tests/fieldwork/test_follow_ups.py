"""待跟进 closes what it opens: a visit flagged for follow-up and an assistance's next revisit open
a follow-up; it is done with its return visit (a visit record, counted) or set aside with a
reason, and then leaves every list; leaders see the overdue ones per officer."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import selectors, services
from cunjing.fieldwork.models import FollowUp, FollowUpState, HouseholdVisit
from cunjing.stats.selectors import totals

URL = "/fieldwork/follow-ups/"


def today() -> dt.date:
    return timezone.localdate()


def flagged(county, *, days_ago=0, household="李家", persona="beat", area="own") -> FollowUp:
    visit = services.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=today() - dt.timedelta(days=days_ago),
        client_uuid=uuid.uuid4(),
        household=household,
        purpose="routine",
        notes="老人独居，需再来看看",
        follow_up_needed=True,
    )
    return visit.follow_ups.get()


def test_a_flagged_visit_and_a_revisit_open_follow_ups(county):
    f = flagged(county, days_ago=2)
    assert (f.state, f.due_on, f.officer, f.area) == (
        FollowUpState.OPEN,
        today() + dt.timedelta(days=5),
        county.officers["own"],
        county.areas["own"],
    )
    help_ = services.assistance_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        occurred_on=today(),
        client_uuid=uuid.uuid4(),
        household="孙家",
        people=2,
        hardship_kind="illness",
        help_given="送米面油",
        next_revisit_on=today() + dt.timedelta(days=30),
    )
    assert help_.follow_ups.get().due_on == today() + dt.timedelta(days=30)
    assert AuditEvent.objects.filter(action="fieldwork.follow_up.open").count() == 2


def test_done_with_the_return_visit(county):
    f = flagged(county, days_ago=10)
    unit = county.units["ws_own"]
    leader = county.user("station_leader")
    before = totals(leader, unit=unit, date_from=today(), date_to=today())["visits"]
    done = services.follow_up_done(
        actor=county.user("beat"),
        follow_up=f,
        occurred_on=today(),
        client_uuid=uuid.uuid4(),
        notes="老人身体好转，儿子已回家照顾",
    )
    assert done.state == FollowUpState.DONE and done.closed_by == county.user("beat")
    returned = done.return_visit
    assert (returned.purpose, returned.household, returned.area) == (
        "return_visit",
        "李家",
        county.areas["own"],
    )
    assert totals(leader, unit=unit, date_from=today(), date_to=today())["visits"] == before + 1
    assert list(selectors.follow_up_list(county.user("beat"))) == []
    assert AuditEvent.objects.filter(action="fieldwork.follow_up.done").count() == 1
    with pytest.raises(ValidationError) as again:
        services.follow_up_drop(actor=county.user("beat"), follow_up=f, reason="重复")
    assert "state" in again.value.message_dict


def test_set_aside_needs_a_reason(county):
    f = flagged(county)
    with pytest.raises(ValidationError) as refused:
        services.follow_up_drop(actor=county.user("beat"), follow_up=f, reason="  ")
    assert "reason" in refused.value.message_dict
    assert FollowUp.objects.get(pk=f.pk).state == FollowUpState.OPEN
    services.follow_up_drop(actor=county.user("beat"), follow_up=f, reason="住户已搬离本村")
    f.refresh_from_db()
    assert (f.state, f.reason) == (FollowUpState.DROPPED, "住户已搬离本村")
    assert f.return_visit is None


def test_who_may_close(county):
    f = flagged(county)
    with pytest.raises(PermissionDenied):
        services.follow_up_drop(actor=county.user("aide"), follow_up=f, reason="不需要")
    with pytest.raises(FollowUp.DoesNotExist):  # outside their scope: a 404
        services.follow_up_drop(actor=county.user("sibling"), follow_up=f, reason="不需要")
    # the office leader above the beat may
    services.follow_up_drop(actor=county.user("office_leader"), follow_up=f, reason="已并案处理")


def test_a_refused_return_visit_stores_nothing(county):
    f = flagged(county)
    with pytest.raises(ValidationError):
        services.follow_up_done(
            actor=county.user("beat"),
            follow_up=f,
            occurred_on=today() + dt.timedelta(days=3),  # in the future
            client_uuid=uuid.uuid4(),
            notes="明天去",
        )
    assert FollowUp.objects.get(pk=f.pk).state == FollowUpState.OPEN
    assert HouseholdVisit.objects.count() == 1


def test_the_pages(client, county):
    f = flagged(county, days_ago=20, household="逾期的李家")
    flagged(county, household="新的王家")
    client.force_login(county.user("beat"))
    html = client.get(URL).content.decode()
    assert "逾期的李家" in html and "新的王家" in html
    assert 'id="overdue-by-officer"' not in html  # a beat officer has no per-officer table
    assert client.get(URL, {"view": "nope"}).status_code == 422
    detail = f"{URL}{f.pk}/"
    bad = client.post(detail, {"action": "done", "occurred_on": "", "notes": ""})
    assert bad.status_code == 422
    assert 'data-errors-for="notes"' in bad.content.decode() or "notes" in bad.content.decode()
    ok = client.post(
        detail,
        {
            "action": "done",
            "occurred_on": today().isoformat(),
            "notes": "已回访，一切正常",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert ok.status_code == 302
    assert "逾期的李家" not in client.get(URL).content.decode()
    assert "逾期的李家" in client.get(URL, {"view": "closed"}).content.decode()
    assert client.post(detail, {"action": "bogus"}).status_code == 404


def test_leaders_see_overdue_follow_ups_per_officer(client, county):
    flagged(county, days_ago=20, household="甲")
    flagged(county, days_ago=30, household="乙")
    flagged(county, household="丙")  # not overdue
    flagged(county, days_ago=15, household="丁", persona="sibling", area="sibling")
    rows = selectors.overdue_follow_ups_by_officer(county.user("office_leader"))
    assert [(r["officer__name"], r["overdue"]) for r in rows] == [("张伟", 2), ("王芳", 1)]
    assert rows[0]["oldest"] == today() - dt.timedelta(days=23)
    client.force_login(county.user("office_leader"))
    html = client.get(URL).content.decode()
    assert 'id="overdue-by-officer"' in html and "张伟" in html
