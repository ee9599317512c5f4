"""Deadlines and the periodic escalation: a breached matter goes exactly one level up, is
flagged, its unit gets a breach row, the timeline says "system"; a second run does nothing.
The management command and the huey task run the same service. Also: duplicate suggestion,
the results-table figure, attachments and the SLA policy."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.matters import selectors, services, tasks
from cunjing.matters.models import Matter, MatterBreach, MatterEvent, SlaPolicy
from cunjing.stats import selectors as stats
from tests.matters import new_matter, public_matter


def test_a_breached_matter_is_escalated_exactly_once(county):
    m = new_matter(county)
    assert services.escalate_overdue(now=m.created_at + dt.timedelta(hours=23)) == 0
    later = m.created_at + dt.timedelta(hours=25)
    assert services.escalate_overdue(now=later) == 1
    m.refresh_from_db()
    assert (m.level, m.handling_unit, m.overdue, m.state) == (
        "office",
        county.units["office_a"],
        True,
        "new",
    )
    (breach,) = MatterBreach.objects.filter(matter=m)
    assert (breach.unit, breach.kind, breach.level) == (
        county.units["ws_own"],
        "reply",
        "workstation",
    )
    row = MatterEvent.objects.filter(matter=m).order_by("-id").first()
    assert (row.action, row.actor_name, row.actor, row.from_level, row.to_level) == (
        "escalate",
        "system",
        None,
        "workstation",
        "office",
    )
    assert AuditEvent.objects.filter(action="matter.escalate", object_id=str(m.pk)).count() == 1
    # the office's clocks start at the escalation: the same run again does nothing
    assert services.escalate_overdue(now=later) == 0
    assert MatterEvent.objects.filter(matter=m).count() == 2
    assert m.reply_due_at == later + dt.timedelta(hours=24)


def test_a_replied_matter_breaches_on_resolution_only(county):
    m = new_matter(county)
    services.matter_reply(actor=county.user("beat"), matter=m, channel="phone", text="收到")
    assert services.escalate_overdue(now=m.created_at + dt.timedelta(hours=30)) == 0
    assert services.escalate_overdue(now=m.created_at + dt.timedelta(hours=73)) == 1
    assert list(MatterBreach.objects.filter(matter=m).values_list("kind", flat=True)) == ["resolve"]


def test_at_the_bureau_a_breach_is_flagged_once(county):
    m = new_matter(county)
    for _ in range(3):
        m = services.matter_escalate(actor=county.user("commander"), matter=m, reason="上报")
    later = timezone.now() + dt.timedelta(days=30)
    assert services.escalate_overdue(now=later) == 1
    m.refresh_from_db()
    assert (m.level, m.overdue, m.reply_due_at, m.resolve_due_at) == ("bureau", True, None, None)
    assert MatterEvent.objects.filter(matter=m, action="overdue").count() == 1
    assert services.escalate_overdue(now=later + dt.timedelta(days=1)) == 0


def test_closed_and_resolved_matters_are_not_escalated(county):
    m = new_matter(county)
    beat = county.user("beat")
    services.matter_accept(actor=beat, matter=m)
    services.matter_resolve(actor=beat, matter=m, resolution="好了")
    assert services.escalate_overdue(now=timezone.now() + dt.timedelta(days=5)) == 0


def test_the_command_and_the_task_run_the_same_service(county, monkeypatch):
    m = new_matter(county)
    later = m.created_at + dt.timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)
    out = io.StringIO()
    call_command("escalate_overdue", stdout=out)
    assert out.getvalue().strip() == "escalated 1, closed 0"
    call_command("escalate_overdue", stdout=out)
    assert Matter.objects.get(pk=m.pk).level == "office"
    result = tasks.escalate_overdue_matters.call_local()
    assert result == {"escalated": 0, "closed": 0}
    assert MatterBreach.objects.filter(matter=m).count() == 1


def test_the_bureau_policy_sets_the_deadlines(county):
    commander = county.user("commander")
    services.sla_policy_set(
        actor=commander, level="workstation", kind="hazard", reply_hours=2, resolve_hours=10
    )
    m = new_matter(county, kind="hazard", description="桥栏杆断了")
    assert m.reply_due_at - m.created_at == dt.timedelta(hours=2)
    assert m.resolve_due_at - m.created_at == dt.timedelta(hours=10)
    lead = new_matter(county, kind="lead", description="线索")
    assert lead.reply_due_at - lead.created_at == dt.timedelta(hours=12)
    policy = services.sla_policy_set(
        actor=county.user("sysadmin"),
        level="workstation",
        kind="hazard",
        reply_hours=4,
        resolve_hours=12,
    )
    assert SlaPolicy.objects.get(pk=policy.pk).reply_hours == 4
    assert AuditEvent.objects.filter(action="matter.sla.update").count() == 1
    with pytest.raises(ValidationError) as caught:
        services.sla_policy_set(
            actor=commander, level="office", kind="lead", reply_hours=10, resolve_hours=5
        )
    assert "resolve_hours" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.sla_policy_set(
            actor=county.user("station_leader"),
            level="office",
            kind="lead",
            reply_hours=1,
            resolve_hours=5,
        )


# --- Duplicates ----------------------------------------------------------------------------------


def test_similarity_of_chinese_text():
    assert services.similarity("村口路灯坏了，晚上很黑", "村口路灯坏了晚上很黑！") == 1.0
    assert services.similarity("村口路灯坏了", "有人偷电动车") == 0.0
    assert 0.5 <= services.similarity("村口的路灯坏了，晚上很黑", "村口路灯坏了，晚上黑") < 1
    assert services.similarity("", "abc") == 0.0


def test_possible_duplicates_same_area_kind_week_and_similar_text(county):
    first = new_matter(county, description="村口路灯坏了，晚上很黑")
    new_matter(county, description="有人在河边电鱼")  # not similar
    new_matter(county, kind="hazard", description="村口路灯坏了，晚上很黑")  # other kind
    new_matter(county, persona="sibling", area="sibling", description="村口路灯坏了，晚上很黑")
    old = new_matter(county, description="村口路灯坏了，晚上很黑")
    Matter.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    second = new_matter(county, description="村口的路灯坏了，晚上很黑")
    found = selectors.possible_duplicates(county.user("beat"), second)
    assert [m.pk for m, _score in found] == [first.pk]
    # the sibling officer cannot see 瓦房沟村's matters: nothing suggested to them
    assert selectors.possible_duplicates(county.user("sibling"), second) == []


def test_matters_collected_feed_the_results_table(county):
    day = timezone.localdate()
    before = stats.totals(
        county.user("commander"), unit=county.units["bureau"], date_from=day, date_to=day
    )
    new_matter(county)
    new_matter(county, persona="office_leader", area="community_a", source="hotline")
    for unit, expected in (("ws_own", 1), ("office_a", 2), ("station_a", 2), ("bureau", 2)):
        got = stats.totals(
            county.user("commander"), unit=county.units[unit], date_from=day, date_to=day
        )
        assert got["matters"] - (before["matters"] if unit == "bureau" else 0) == expected


# --- Attachments ---------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("content", "expected"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")]
)
def test_attachments_are_typed_by_content(county, media, content, expected):
    m = new_matter(county)
    upload = SimpleUploadedFile("photo.txt", content)  # the name lies; the bytes decide
    attachment = services.attachment_add(actor=county.user("beat"), matter=m, upload=upload)
    assert attachment.content_type == expected
    assert attachment.file.name.startswith(f"matters/{m.bureau_id}/")
    assert (media / attachment.file.name).read_bytes() == content


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 10,
        b"<html><script>",
        b"",
        b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024),
    ],
)
def test_other_files_are_refused(county, media, content):
    m = new_matter(county)
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(
            actor=county.user("beat"), matter=m, upload=SimpleUploadedFile("a.jpg", content)
        )
    assert "file" in caught.value.message_dict
    assert not m.attachments.exists()


def test_tracking_codes_are_unguessable_and_unique(county):
    codes = {new_matter(county, description=f"事{i}").tracking_code for i in range(20)}
    assert len(codes) == 20
    assert all(len(c) == 12 and set(c) <= set(services.TRACKING_ALPHABET) for c in codes)
    m = public_matter(county)
    assert (
        selectors.matter_by_code(bureau_id=m.bureau_id, tracking_code=m.tracking_code.lower()) == m
    )


def test_default_categories_once_per_bureau(county):
    out = io.StringIO()
    call_command("matter_categories", stdout=out)
    first = int(re.findall(r"\d+", out.getvalue())[-1])
    assert first == sum(len(v) for v in services.DEFAULT_CATEGORIES.values())
    out = io.StringIO()
    call_command("matter_categories", stdout=out)
    assert re.findall(r"\d+", out.getvalue()) == ["0"]
    lead = county.bureau.pk
    from cunjing.matters.models import MatterCategory

    theft = MatterCategory.objects.get(bureau_id=lead, kind="lead", name="盗窃")
    m = new_matter(county, kind="lead", description="有人偷牛", category=theft)
    assert m.category == theft
    with pytest.raises(ValidationError) as caught:
        new_matter(county, kind="request", description="噪音", category=theft)
    assert "category" in caught.value.message_dict
