"""The transition table, every allowed and every refused (state, action) pair, and the guards:
each transition writes its timeline row and its audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.matters import services
from cunjing.matters.models import Action, Level, Matter, MatterEvent, State
from tests.matters import new_matter, public_matter

EXPECTED = {
    (State.NEW, Action.ACCEPT): State.ACCEPTED,
    (State.NEW, Action.REPLY): State.NEW,
    (State.ACCEPTED, Action.REPLY): State.ACCEPTED,
    (State.RESOLVED, Action.REPLY): State.RESOLVED,
    (State.REFERRED, Action.REPLY): State.REFERRED,
    (State.ACCEPTED, Action.RESOLVE): State.RESOLVED,
    (State.NEW, Action.ESCALATE): State.NEW,
    (State.ACCEPTED, Action.ESCALATE): State.NEW,
    (State.NEW, Action.REFER): State.REFERRED,
    (State.ACCEPTED, Action.REFER): State.REFERRED,
    (State.NEW, Action.MERGE): State.MERGED,
    (State.ACCEPTED, Action.MERGE): State.MERGED,
    (State.RESOLVED, Action.CONFIRM): State.CLOSED,
    (State.RESOLVED, Action.REOPEN): State.ACCEPTED,
    (State.RESOLVED, Action.CLOSE): State.CLOSED,
    (State.RESOLVED, Action.RATE): State.RESOLVED,
    (State.CLOSED, Action.RATE): State.CLOSED,
    (State.MERGED, Action.RATE): State.MERGED,
    (State.MERGED, Action.REOPEN): State.ACCEPTED,
    (State.NEW, Action.OVERDUE): State.NEW,
    (State.ACCEPTED, Action.OVERDUE): State.ACCEPTED,
    (State.NEW, Action.CASE): State.NEW,
    (State.ACCEPTED, Action.CASE): State.ACCEPTED,
    (State.RESOLVED, Action.CASE): State.RESOLVED,
    (State.CLOSED, Action.CASE): State.CLOSED,
    (State.REFERRED, Action.CASE): State.REFERRED,
}


def test_the_table_is_exactly_the_documented_one():
    assert services.TRANSITIONS == EXPECTED
    # a merged matter takes only its reporter's rating and reopening; closed and referred only
    # take a rating / a reply / a case
    assert {k[1] for k in services.TRANSITIONS if k[0] == State.MERGED} == {
        Action.RATE,
        Action.REOPEN,
    }


def _at(county, state: str) -> Matter:
    """A resident's matter (the reporter's actions go by its code) brought into ``state``
    through the services."""
    beat = county.user("beat")
    m = public_matter(county)
    if state == State.NEW:
        return m
    if state in (State.REFERRED,):
        return services.matter_refer(actor=beat, matter=m, body="乡政府")
    if state == State.MERGED:
        # merged into a matter since resolved: its reporter may rate and reopen
        other = public_matter(county)
        merged = services.matter_merge(actor=beat, matter=m, target_id=other.pk)
        services.matter_accept(actor=beat, matter=other)
        services.matter_reply(actor=beat, matter=other, channel="phone", text="已处理")
        services.matter_resolve(actor=beat, matter=other, resolution="修好了")
        return Matter.objects.get(pk=merged.pk)
    services.matter_accept(actor=beat, matter=m)
    if state == State.ACCEPTED:
        return Matter.objects.get(pk=m.pk)
    services.matter_reply(actor=beat, matter=m, channel="phone", text="已处理")
    services.matter_resolve(actor=beat, matter=m, resolution="修好了")
    if state == State.RESOLVED:
        return Matter.objects.get(pk=m.pk)
    return services.matter_confirm(bureau_id=m.bureau_id, tracking_code=m.tracking_code)


def _apply(county, matter: Matter, action: str):
    beat = county.user("beat")
    code = {"bureau_id": matter.bureau_id, "tracking_code": matter.tracking_code}
    match action:
        case Action.ACCEPT:
            return services.matter_accept(actor=beat, matter=matter)
        case Action.REPLY:
            return services.matter_reply(actor=beat, matter=matter, channel="sms", text="收到")
        case Action.RESOLVE:
            return services.matter_resolve(actor=beat, matter=matter, resolution="好了")
        case Action.ESCALATE:
            return services.matter_escalate(actor=beat, matter=matter, reason="处理不了")
        case Action.REFER:
            return services.matter_refer(actor=beat, matter=matter, body="供电所")
        case Action.MERGE:
            target = new_matter(county, description="另一件事")
            return services.matter_merge(actor=beat, matter=matter, target_id=target.pk)
        case Action.CONFIRM:
            return services.matter_confirm(**code)
        case Action.REOPEN:
            return services.matter_reopen(**code, reason="又坏了")
        case Action.RATE:
            return services.matter_rate(**code, score=5, comment="满意")
        case Action.CASE:
            matter.kind = "lead"
            Matter.objects.filter(pk=matter.pk).update(kind="lead")
            return services.matter_mark_case(actor=beat, matter=matter, case_number="A2014-1")
    raise AssertionError(action)


SYSTEM_ACTIONS = (Action.CREATE, Action.CLOSE, Action.OVERDUE)
PUBLIC_ACTIONS = [a for a in Action.values if a not in SYSTEM_ACTIONS]


@pytest.mark.parametrize(("state", "action"), list(itertools.product(State.values, PUBLIC_ACTIONS)))
def test_every_pair_is_allowed_or_refused_as_the_table_says(county, state, action):
    matter = _at(county, state)
    events = MatterEvent.objects.filter(matter=matter).count()
    audits = AuditEvent.objects.filter(object_type="matters.matter", object_id=str(matter.pk))
    audits_before = audits.count()
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(ValidationError) as caught:
            _apply(county, matter, action)
        assert "state" in caught.value.message_dict
        assert MatterEvent.objects.filter(matter=matter).count() == events
        assert audits.count() == audits_before
        assert Matter.objects.get(pk=matter.pk).state == state
        return
    _apply(county, matter, action)
    after = Matter.objects.get(pk=matter.pk)
    assert after.state == expected
    row = MatterEvent.objects.filter(matter=matter).order_by("-id").first()
    assert MatterEvent.objects.filter(matter=matter).count() == events + 1
    assert (row.action, row.from_state, row.to_state) == (action, state, expected)
    assert audits.count() == audits_before + 1
    assert audits.first().action == f"matter.{action}"


def test_a_matter_starts_new_at_the_workstation_serving_its_area(county):
    m = new_matter(county)
    assert (m.state, m.level, m.handling_unit, m.entry_unit) == (
        State.NEW,
        Level.WORKSTATION,
        county.units["ws_own"],
        county.units["ws_own"],
    )
    assert len(m.tracking_code) == 12 and m.tracking_code.isalnum()
    assert m.reply_due_at - m.created_at == dt.timedelta(hours=24)
    assert m.resolve_due_at - m.created_at == dt.timedelta(hours=72)
    (row,) = MatterEvent.objects.filter(matter=m)
    assert (row.action, row.to_state, row.to_level) == ("create", "new", "workstation")


def test_a_community_without_workstation_starts_at_its_office(county):
    m = new_matter(county, persona="office_leader", area="community_a", source="hotline")
    assert (m.level, m.handling_unit) == (Level.OFFICE, county.units["office_a"])


def test_escalation_goes_exactly_one_level_up_and_restarts_the_clocks(county):
    m = new_matter(county)
    leader = county.user("commander")
    seen = [m.level]
    for expected_unit in ("office_a", "station_a", "bureau"):
        m = services.matter_escalate(actor=leader, matter=m, reason="升级")
        seen.append(m.level)
        assert m.handling_unit == county.units[expected_unit]
        assert m.state == State.NEW
    assert seen == ["workstation", "office", "station", "bureau"]
    with pytest.raises(ValidationError) as caught:
        services.matter_escalate(actor=leader, matter=m, reason="再升")
    assert "level" in caught.value.message_dict


def test_closing_needs_a_reply_when_the_reporter_is_known(county):
    beat = county.user("beat")
    m = public_matter(county, reporter_name="李大爷", reporter_phone="13903750001")
    services.matter_accept(actor=beat, matter=m)
    services.matter_resolve(actor=beat, matter=m, resolution="处理完毕")
    with pytest.raises(ValidationError):
        services.matter_confirm(bureau_id=m.bureau_id, tracking_code=m.tracking_code)
    later = timezone.now() + dt.timedelta(days=8)
    assert services.close_resolved(now=later) == 0
    assert Matter.objects.get(pk=m.pk).state == State.RESOLVED
    services.matter_reply(actor=beat, matter=m, channel="phone", text="已修好")
    assert services.close_resolved(now=later) == 1
    assert Matter.objects.get(pk=m.pk).state == State.CLOSED


def test_an_anonymous_matter_closes_without_a_reply(county):
    beat = county.user("beat")
    m = new_matter(county, reporter_name="", reporter_phone="")
    services.matter_accept(actor=beat, matter=m)
    services.matter_resolve(actor=beat, matter=m, resolution="处理完毕")
    assert services.close_resolved(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert services.close_resolved(now=timezone.now() + dt.timedelta(days=7, minutes=1)) == 1


def test_reopen_only_within_seven_days_and_rating_only_once(county, monkeypatch):
    m = _at(county, State.RESOLVED)
    code = {"bureau_id": m.bureau_id, "tracking_code": m.tracking_code.lower()}
    services.matter_rate(**code, score=4)
    with pytest.raises(ValidationError) as caught:
        services.matter_rate(**code, score=5)
    assert "rating" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.matter_rate(**{**code, "tracking_code": m.tracking_code}, score=9)
    late = timezone.now() + dt.timedelta(days=7, hours=1)
    monkeypatch.setattr(timezone, "now", lambda: late)
    with pytest.raises(ValidationError):
        services.matter_reopen(**code, reason="没修好")
    monkeypatch.undo()
    m = services.matter_reopen(**code, reason="没修好")
    assert (m.state, m.level, m.reopen_count, m.resolved_at) == (
        State.ACCEPTED,
        "workstation",
        1,
        None,
    )


def test_an_unknown_tracking_code_is_not_found(county):
    with pytest.raises(Matter.DoesNotExist):
        services.matter_confirm(bureau_id=county.bureau.pk, tracking_code="ABCDEFGHJKLM")


def test_merge_targets_must_be_visible_unmerged_and_not_itself(county):
    beat = county.user("beat")
    m = new_matter(county)
    theirs = new_matter(county, persona="other", area="other")
    for target in (m.pk, theirs.pk, 10**9):
        with pytest.raises(ValidationError) as caught:
            services.matter_merge(actor=beat, matter=m, target_id=target)
        assert "target" in caught.value.message_dict
    first = new_matter(county)
    second = new_matter(county)
    services.matter_merge(actor=beat, matter=first, target_id=second.pk)
    with pytest.raises(ValidationError):
        services.matter_merge(actor=beat, matter=m, target_id=first.pk)
    m = services.matter_merge(actor=beat, matter=m, target_id=second.pk)
    assert (m.state, m.merged_into_id) == (State.MERGED, second.pk)


def test_only_leads_lead_to_cases_once(county):
    beat = county.user("beat")
    m = new_matter(county)
    with pytest.raises(ValidationError) as caught:
        services.matter_mark_case(actor=beat, matter=m, case_number="X1")
    assert "kind" in caught.value.message_dict
    lead = new_matter(county, kind="lead", description="有人收购来路不明的电动车")
    lead = services.matter_mark_case(actor=beat, matter=lead, case_number="武公刑立字〔2015〕12号")
    assert lead.case_number == "武公刑立字〔2015〕12号"
    assert AuditEvent.objects.filter(action="matter.case", object_id=str(lead.pk)).exists()
    with pytest.raises(ValidationError):
        services.matter_mark_case(actor=beat, matter=lead, case_number="X2")


@pytest.mark.parametrize(
    ("persona", "level_steps", "allowed"),
    [
        ("beat", 0, True),
        ("beat", 1, False),  # at the office the beat officer no longer acts
        ("aide", 0, False),
        ("inspector", 0, False),
        ("office_leader", 0, True),
        ("office_leader", 1, True),
        ("office_leader", 2, False),
        ("station_leader", 2, True),
        ("station_leader", 3, False),
        ("commander", 3, True),
    ],
)
def test_who_acts_at_which_level(county, persona, level_steps, allowed):
    m = new_matter(county)
    for _ in range(level_steps):
        m = services.matter_escalate(actor=county.user("commander"), matter=m, reason="升级")
    user = county.user(persona)
    if allowed:
        assert services.matter_accept(actor=user, matter=m).state == State.ACCEPTED
    else:
        with pytest.raises((PermissionDenied, Matter.DoesNotExist)):
            services.matter_accept(actor=user, matter=m)


def test_out_of_scope_is_not_found(county):
    m = new_matter(county)
    with pytest.raises(Matter.DoesNotExist):
        services.matter_accept(actor=county.user("sibling"), matter=m)
