"""四有 over the API: the beat officer's weekly analysis and monthly summary, and the leaders'
supervision — persona × operation → status as explicit tables, validation in Chinese, audit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services
from cunjing.fieldwork.models import OfficerReport, Supervision
from tests.fieldwork.bodies import key
from tests.fieldwork.test_permissions import client_for

ANALYSIS = {
    "kind": "analysis",
    "period_start": "2014-10-06",
    "situation": "本周辖区治安平稳，走访12户。",
    "problems": "夜间巡逻力量不足",
    "measures": "下周组织治保人员夜巡两次",
}

# fmt: off
MATRIX = {
    #                  POST reports  GET reports (rows of the beat officer's one report)
    #                                               POST supervisions (of that report)
    "beat":           (201,          1,             403),
    "sibling":        (201,          0,             404),
    "other":          (201,          0,             404),
    "aide":           (403,          0,             404),
    "office_leader":  (403,          1,             201),
    "station_leader": (403,          1,             201),
    "commander":      (403,          1,             201),
    "inspector":      (403,          1,             201),
    "sysadmin":       (403,          None,          403),
    "secadmin":       (403,          None,          403),
    "auditor":        (403,          None,          403),
    "anonymous":      (401,          None,          401),
}
# fmt: on


def _report(county) -> OfficerReport:
    report, _ = services.report_upsert(
        actor=county.user("beat"),
        kind="analysis",
        period_start=dt.date(2014, 10, 6),
        situation="平稳",
        client_uuid=uuid.uuid4(),
    )
    return report


def test_the_table_covers_every_persona():
    from tests.conftest import PERSONAS

    assert list(MATRIX) == [*PERSONAS, "anonymous"]


@pytest.mark.parametrize(("persona", "status"), [(p, s[0]) for p, s in MATRIX.items()])
def test_post_report(county, persona, status):
    response = client_for(county, persona).post("/api/fieldwork/reports", ANALYSIS, headers=key())
    assert response.status_code == status, response.json()
    assert OfficerReport.objects.count() == (1 if status == 201 else 0)
    assert AuditEvent.objects.filter(action="fieldwork.report.create").count() == (
        1 if status == 201 else 0
    )


@pytest.mark.parametrize(("persona", "rows"), [(p, s[1]) for p, s in MATRIX.items()])
def test_list_reports(county, persona, rows):
    _report(county)
    response = client_for(county, persona).get("/api/fieldwork/reports")
    if rows is None:
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 200
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize(("persona", "status"), [(p, s[2]) for p, s in MATRIX.items()])
def test_supervise_report(county, persona, status):
    report = _report(county)
    body = {"report": report.pk, "verdict": "satisfactory", "comment": "分析到位"}
    response = client_for(county, persona).post("/api/fieldwork/supervisions", body)
    assert response.status_code == status, response.json()
    assert Supervision.objects.count() == (1 if status == 201 else 0)
    assert AuditEvent.objects.filter(action="fieldwork.supervision.create").count() == (
        1 if status == 201 else 0
    )


def test_rewriting_a_period_replaces_it_and_a_retry_replays(county):
    beat = client_for(county, "beat")
    headers = key()
    first = beat.post("/api/fieldwork/reports", ANALYSIS, headers=headers)
    replay = beat.post("/api/fieldwork/reports", ANALYSIS, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert first.json()["period_end"] == "2014-10-12"
    second = beat.post(
        "/api/fieldwork/reports", {**ANALYSIS, "situation": "发生一起盗窃"}, headers=key()
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert OfficerReport.objects.get().situation == "发生一起盗窃"
    summary = beat.post(
        "/api/fieldwork/reports",
        {**ANALYSIS, "kind": "summary", "period_start": "2014-10-01"},
        headers=key(),
    )
    assert summary.status_code == 201 and summary.json()["period_end"] == "2014-10-31"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"period_start": "2014-10-07"}, "period_start", "星期一"),
        ({"kind": "summary", "period_start": "2014-10-06"}, "period_start", "1日"),
        ({"period_start": "2099-01-05"}, "period_start", "晚于今天"),
        ({"situation": ""}, "situation", ""),
        ({"kind": "yearly"}, "kind", ""),
    ],
)
def test_bad_reports_get_field_errors_in_chinese(county, change, field, words):
    response = client_for(county, "beat").post(
        "/api/fieldwork/reports", {**ANALYSIS, **change}, headers=key()
    )
    assert response.status_code == 422, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert OfficerReport.objects.count() == 0


def test_a_supervised_report_is_closed(county):
    report = _report(county)
    services.supervise(
        actor=county.user("office_leader"),
        report_id=report.pk,
        verdict="satisfactory",
        comment="好",
    )
    response = client_for(county, "beat").post(
        "/api/fieldwork/reports", {**ANALYSIS, "situation": "改"}, headers=key()
    )
    assert response.status_code == 422
    report.refresh_from_db()
    assert report.situation == "平稳"


def test_supervision_needs_exactly_one_target(county):
    report = _report(county)
    leader = client_for(county, "office_leader")
    both = leader.post(
        "/api/fieldwork/supervisions",
        {"report": report.pk, "worklog": 1, "verdict": "satisfactory", "comment": "好"},
    )
    neither = leader.post(
        "/api/fieldwork/supervisions", {"verdict": "satisfactory", "comment": "好"}
    )
    assert both.status_code == neither.status_code == 422
    assert Supervision.objects.count() == 0
