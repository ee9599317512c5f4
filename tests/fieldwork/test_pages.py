"""The field-work pages: recording each kind from a form, lists and details within the user's
scope, the work log of a day with its records listed, analyses and summaries, supervision, and
the results table page."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services
from cunjing.fieldwork.models import (
    HouseholdVisit,
    OfficerReport,
    ReportKind,
    Supervision,
    WorkLog,
)
from tests.fieldwork.bodies import ACTIONS, KINDS, MODELS, bodies

D = dt.date
OCT8 = dt.date(2014, 10, 8)


def form_data(county, kind: str) -> dict:
    """The API body of ``kind`` as a posted form: booleans as checkboxes, a fresh UUID."""
    data = {}
    for name, value in bodies(county.areas["own"].pk)[kind].items():
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = str(value)
    data["client_uuid"] = str(uuid.uuid4())
    return data


def login(client, county, persona: str):
    client.force_login(county.user(persona))
    return client


@pytest.mark.parametrize("kind", KINDS)
def test_the_beat_officer_records_each_kind_from_its_form(client, county, kind):
    login(client, county, "beat")
    url = reverse("fieldwork:record_new", args=[kind])
    page = client.get(url)
    assert page.status_code == 200
    assert "瓦房沟村" in page.content.decode()
    data = form_data(county, kind)
    response = client.post(url, data)
    model = MODELS[kind]
    record = model.objects.get(bureau=county.bureau)
    assert response.status_code == 302
    assert response["Location"] == reverse("fieldwork:record_detail", args=[kind, record.pk])
    assert AuditEvent.objects.filter(action=ACTIONS[kind], object_id=str(record.pk)).count() == 1
    # The same form posted again (a double tap) stores nothing new and shows the record.
    again = client.post(url, data)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert model.objects.filter(bureau=county.bureau).count() == 1
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "瓦房沟村" in detail.content.decode()


def test_bad_id_number_phone_and_future_date_get_field_errors_in_chinese(client, county):
    login(client, county, "beat")
    data = form_data(county, "floating-residents")
    data["id_number"] = "410481199001010031"  # wrong check digit
    data["phone"] = "1234"
    data["occurred_on"] = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("fieldwork:record_new", args=["floating-residents"]), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) >= {"id_number", "phone", "occurred_on"}, errors
    assert "身份证" in " ".join(errors["id_number"]), errors["id_number"]
    assert "晚于今天" in " ".join(errors["occurred_on"]), errors["occurred_on"]
    assert MODELS["floating-residents"].objects.count() == 0


def test_an_area_outside_the_scope_is_not_a_choice(client, county):
    login(client, county, "beat")
    data = form_data(county, "visits")
    data["area"] = str(county.areas["other"].pk)
    response = client.post(reverse("fieldwork:record_new", args=["visits"]), data)
    assert response.status_code == 422
    assert "area" in response.context["form"].errors
    assert HouseholdVisit.objects.count() == 0


def test_aides_record_prevention_only(client, county):
    login(client, county, "aide")
    assert client.get(reverse("fieldwork:record_new", args=["visits"])).status_code == 403
    assert client.get(reverse("fieldwork:record_new", args=["prevention"])).status_code == 200
    response = client.post(
        reverse("fieldwork:record_new", args=["prevention"]), form_data(county, "prevention")
    )
    assert response.status_code == 302


def _visit(county, persona="beat", area="own", day=OCT8, **extra):
    return services.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=day,
        client_uuid=uuid.uuid4(),
        household="李家",
        purpose="routine",
        **extra,
    )


def test_lists_and_details_follow_the_scope(client, county):
    own = _visit(county)
    other = _visit(county, persona="other", area="other")
    login(client, county, "beat")
    listing = client.get(reverse("fieldwork:record_list", args=["visits"]))
    assert listing.status_code == 200
    assert [r["record"].pk for r in listing.context["rows"]] == [own.pk]
    assert (
        client.get(reverse("fieldwork:record_detail", args=["visits", own.pk])).status_code == 200
    )
    assert (
        client.get(reverse("fieldwork:record_detail", args=["visits", other.pk])).status_code == 404
    )
    login(client, county, "commander")
    listing = client.get(reverse("fieldwork:record_list", args=["visits"]))
    assert {r["record"].pk for r in listing.context["rows"]} == {own.pk, other.pk}


def test_list_filters_reject_bad_input_with_422(client, county):
    login(client, county, "beat")
    url = reverse("fieldwork:record_list", args=["visits"])
    assert client.get(url, {"date_from": "2014-13-40"}).status_code == 422
    assert client.get(url, {"area": str(county.areas["other"].pk)}).status_code == 422
    assert client.get(url, {"before": "nonsense"}).status_code == 422
    assert client.get(reverse("fieldwork:record_list", args=["nokind"])).status_code == 404


def test_list_pages_with_a_keyset_cursor(client, county):
    for i in range(55):
        _visit(county, day=D(2014, 10, 1) + dt.timedelta(days=i % 20))
    login(client, county, "beat")
    url = reverse("fieldwork:record_list", args=["visits"])
    first = client.get(url)
    assert len(first.context["rows"]) == 50 and first.context["next_cursor"]
    second = client.get(url, {"before": first.context["next_cursor"]})
    seen = {r["record"].pk for r in first.context["rows"]} | {
        r["record"].pk for r in second.context["rows"]
    }
    assert len(second.context["rows"]) == 5 and len(seen) == 55


def test_masked_personal_data_in_lists_and_none_for_aides(client, county):
    data = bodies(county.areas["own"].pk)["floating-residents"]
    resident = services.floating_resident_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        client_uuid=uuid.uuid4(),
        **{
            k: (D.fromisoformat(v) if k in ("occurred_on", "arrived_on") else v)
            for k, v in data.items()
            if k != "area"
        },
    )
    login(client, county, "beat")
    page = client.get(reverse("fieldwork:record_list", args=["floating-residents"]))
    html = page.content.decode()
    assert "410481199001010030" not in html and "410481********0030" in html
    assert "13903751234" not in html
    detail_url = reverse("fieldwork:record_detail", args=["floating-residents", resident.pk])
    detail = client.get(detail_url).content.decode()
    assert "410481********0030" in detail
    # The blind indexes of the encrypted ID number and phone are derived, never shown.
    assert resident.id_number_index and resident.id_number_index not in detail
    assert resident.phone_index and resident.phone_index not in detail
    login(client, county, "aide")
    html = client.get(detail_url).content.decode()
    assert "410481" not in html and "身份证" not in html
    listing = client.get(reverse("fieldwork:record_list", args=["floating-residents"]))
    assert "410481" not in listing.content.decode()


def test_the_work_log_lists_the_days_records(client, county):
    today = timezone.localdate()
    visit = _visit(county, day=today, follow_up_needed=True)
    login(client, county, "beat")
    url = reverse("fieldwork:worklog_mine")
    page = client.get(url)
    assert page.status_code == 200
    groups = {g["kind"].slug: g["count"] for g in page.context["groups"]}
    assert groups["visits"] == 1
    assert reverse("fieldwork:record_detail", args=["visits", visit.pk]) in page.content.decode()
    response = client.post(
        f"{url}?day={today.isoformat()}",
        {"text": "走访李家，了解情况。", "client_uuid": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    log = WorkLog.objects.get(officer=county.officers["own"], day=today)
    assert re.fullmatch(r"\d\d:\d\d 走访李家，了解情况。", log.text)
    # A second entry goes after the first; editing the whole log is explicit (?edit=1) and
    # refused when the log changed since the edit began.
    client.post(
        f"{url}?day={today.isoformat()}", {"text": "下午巡逻", "client_uuid": str(uuid.uuid4())}
    )
    log.refresh_from_db()
    assert log.text.splitlines()[1].endswith("下午巡逻") and "走访李家" in log.text
    page = client.get(f"{url}?day={today.isoformat()}&edit=1")
    base = page.context["form"].initial["base"]
    edit = {"text": "全天走访", "base": base, "client_uuid": str(uuid.uuid4())}
    client.post(
        f"{url}?day={today.isoformat()}", {"text": "傍晚", "client_uuid": str(uuid.uuid4())}
    )
    stale = client.post(f"{url}?day={today.isoformat()}&edit=1", edit)
    assert stale.status_code == 422 and "傍晚" in WorkLog.objects.get(pk=log.pk).text
    fresh = client.get(f"{url}?day={today.isoformat()}&edit=1").context["form"].initial["base"]
    ok = client.post(f"{url}?day={today.isoformat()}&edit=1", {**edit, "base": fresh})
    assert ok.status_code == 302
    log.refresh_from_db()
    assert log.text == "全天走访"
    # A leader reads it and supervises it; the officer sees the verdict.
    login(client, county, "office_leader")
    detail = client.get(reverse("fieldwork:worklog_detail", args=[log.pk]))
    assert detail.status_code == 200 and detail.context["supervise_form"] is not None
    response = client.post(
        reverse("fieldwork:supervise", args=["worklog", log.pk]),
        {"verdict": "needs_improvement", "comment": "请补充走访发现的问题。"},
    )
    assert response.status_code == 302
    assert Supervision.objects.get(worklog=log).supervised_by == county.user("office_leader")
    login(client, county, "beat")
    assert "请补充走访发现的问题。" in client.get(url).content.decode()


def test_work_logs_are_the_officers_own(client, county):
    today = timezone.localdate()
    log, _ = services.worklog_upsert(
        actor=county.user("beat"), day=today, text="日志", client_uuid=uuid.uuid4()
    )
    for persona, status in [
        ("beat", 200),
        ("sibling", 404),
        ("other", 404),
        ("aide", 404),
        ("office_leader", 200),
        ("station_leader", 200),
        ("commander", 200),
    ]:
        login(client, county, persona)
        got = client.get(reverse("fieldwork:worklog_detail", args=[log.pk])).status_code
        assert got == status, persona
    # Only leaders supervise; another station's leader cannot even see it.
    login(client, county, "beat")
    url = reverse("fieldwork:supervise", args=["worklog", log.pk])
    body = {"verdict": "satisfactory", "comment": "好"}
    assert client.post(url, body).status_code == 403
    login(client, county, "sibling")
    assert client.post(url, body).status_code == 404
    login(client, county, "office_leader")
    assert client.post(url, {"verdict": "bogus", "comment": ""}).status_code == 422
    assert Supervision.objects.count() == 0


def test_weekly_analysis_and_monthly_summary(client, county):
    login(client, county, "beat")
    url = reverse("fieldwork:report_edit")
    page = client.get(url, {"kind": "summary"})
    assert page.status_code == 200
    assert page.context["form"].initial["period_start"] == timezone.localdate().replace(day=1)
    tuesday = D(2014, 10, 7)
    bad = client.post(
        url,
        {
            "kind": "analysis",
            "period_start": tuesday.isoformat(),
            "situation": "本周辖区平稳",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert bad.status_code == 422
    assert "星期一" in " ".join(bad.context["form"].errors["period_start"])
    good = {
        "kind": "analysis",
        "period_start": "2014-10-06",
        "situation": "本周辖区平稳",
        "problems": "夜间巡逻不足",
        "measures": "增加巡逻",
        "client_uuid": str(uuid.uuid4()),
    }
    response = client.post(url, good)
    report = OfficerReport.objects.get(officer=county.officers["own"])
    assert response.status_code == 302 and report.kind == ReportKind.ANALYSIS
    # Rewriting the same week updates the one report.
    client.post(url, {**good, "situation": "本周发生一起盗窃", "client_uuid": str(uuid.uuid4())})
    report.refresh_from_db()
    assert report.situation == "本周发生一起盗窃"
    assert OfficerReport.objects.count() == 1
    assert client.get(reverse("fieldwork:report_list")).status_code == 200
    # Once supervised it is closed to edits.
    services.supervise(
        actor=county.user("station_leader"),
        report_id=report.pk,
        verdict="satisfactory",
        comment="分析到位",
    )
    locked = client.post(url, {**good, "client_uuid": str(uuid.uuid4())})
    assert locked.status_code == 422
    login(client, county, "sibling")
    assert client.get(reverse("fieldwork:report_detail", args=[report.pk])).status_code == 404
    assert client.get(url).status_code == 200  # a beat officer: writes their own
    login(client, county, "aide")
    assert client.get(url).status_code == 403


def test_the_results_page_reads_the_counters(client, county):
    _visit(county, contact_card_given=True)
    _visit(county, persona="other", area="other")
    login(client, county, "commander")
    url = reverse("stats:results")
    response = client.get(
        url,
        {
            "unit": county.units["bureau"].pk,
            "date_from": "2014-10-01",
            "date_to": "2014-10-31",
        },
    )
    assert response.status_code == 200
    rows = dict(response.context["rows"])
    assert rows["入户走访"] == 2 and rows["发放警民联系卡"] == 1, rows
    station = client.get(
        url,
        {
            "unit": county.units["station_a"].pk,
            "date_from": "2014-10-01",
            "date_to": "2014-10-31",
        },
    )
    assert dict(station.context["rows"])["入户走访"] == 1
    assert client.get(url, {"date_from": "2014-10-31", "date_to": "2014-10-01"}).status_code == 422
    login(client, county, "beat")
    assert client.get(url, {"unit": county.units["station_b"].pk}).status_code == 422


def _count_queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("persona", "name", "args"),
    [
        ("beat", "fieldwork:record_list", ["visits"]),
        ("station_leader", "fieldwork:record_list", ["visits"]),
        ("beat", "fieldwork:worklog_mine", []),
        ("office_leader", "fieldwork:worklog_list", []),
        ("commander", "stats:results", []),
    ],
)
def test_page_query_counts_do_not_grow_with_rows(client, county, persona, name, args):
    login(client, county, persona)
    url = reverse(name, args=args)
    today = timezone.localdate()
    _visit(county, day=today)
    services.worklog_upsert(
        actor=county.user("beat"), day=today, text="日志", client_uuid=uuid.uuid4()
    )
    before = _count_queries(client, url)
    for i in range(30):
        _visit(county, day=today - dt.timedelta(days=i % 3))
        services.worklog_upsert(
            actor=county.user("beat"),
            day=today - dt.timedelta(days=i),
            text="日志",
            client_uuid=uuid.uuid4(),
        )
    assert _count_queries(client, url) == before
    assert before <= 16, before
