"""The state machine of disputes: the table, each action's effects (outcome, tier, counters,
follow-ups, timeline, audit), who acts, and what the database refuses whatever writes."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.disputes import services
from cunjing.disputes.models import (
    Action,
    Dispute,
    DisputeEvent,
    DisputeFollowUp,
    Outcome,
    State,
    Tier,
)
from cunjing.stats import selectors as stats
from tests.disputes.helpers import a_dispute, days_ago

ALL_ACTIONS = [a for a in Action.values if a != Action.CREATE]


def test_the_table_is_exactly_the_documented_one():
    assert services.TRANSITIONS == {
        ("reported", "mediate"): "mediating",
        ("reported", "refer"): "referred",
        ("mediating", "agree"): "agreed",
        ("mediating", "refer"): "referred",
        ("mediating", "fail"): "failed",
        ("agreed", "follow_up"): "follow_up",
        ("referred", "follow_up"): "follow_up",
        ("failed", "follow_up"): "follow_up",
        ("follow_up", "follow_up"): "follow_up",
        ("follow_up", "close"): "closed",
        ("follow_up", "reopen"): "mediating",
        ("closed", "reopen"): "mediating",
    }


# How to bring a new dispute to each state (the beat officer acts).
PATHS = {
    State.REPORTED: [],
    State.MEDIATING: ["mediate"],
    State.AGREED: ["mediate", "agree"],
    State.REFERRED: ["refer"],
    State.FAILED: ["mediate", "fail"],
    State.FOLLOW_UP: ["mediate", "fail", "follow_up"],
    State.CLOSED: ["mediate", "fail", "follow_up", "close"],
}


def apply(county, dispute, action: str, persona: str = "beat"):
    user = county.user(persona)
    match action:
        case "mediate":
            return services.dispute_mediate(actor=user, dispute=dispute)
        case "agree":
            return services.dispute_agree(actor=user, dispute=dispute, agreement="双方和解")
        case "refer":
            return services.dispute_refer(actor=user, dispute=dispute, body="court")
        case "fail":
            return services.dispute_fail(actor=user, dispute=dispute, reason="一方拒绝调解")
        case "follow_up":
            return services.follow_up_record(
                actor=user, dispute=dispute, done_on=timezone.localdate(), note="未再发生冲突"
            )
        case "close":
            return services.dispute_close(actor=user, dispute=dispute)
        case "reopen":
            return services.dispute_reopen(actor=user, dispute=dispute, reason="再次发生争吵")
    raise AssertionError(action)


def at(county, state: str) -> Dispute:
    dispute = a_dispute(county)
    for action in PATHS[state]:
        apply(county, dispute, action)
    dispute.refresh_from_db()
    assert dispute.state == state
    return dispute


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_pair_is_allowed_or_refused_as_the_table_says(county, kinds, state, action):
    dispute = at(county, state)
    events = DisputeEvent.objects.filter(dispute=dispute).count()
    audits = AuditEvent.objects.count()
    expected = services.TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises(ValidationError) as refused:
            apply(county, dispute, action)
        assert "state" in refused.value.message_dict
        assert DisputeEvent.objects.filter(dispute=dispute).count() == events
        assert AuditEvent.objects.count() == audits  # a refusal writes nothing
        return
    apply(county, dispute, action)
    dispute.refresh_from_db()
    assert dispute.state == expected
    last = DisputeEvent.objects.filter(dispute=dispute).order_by("id").last()
    assert (last.action, last.from_state, last.to_state) == (action, state, expected)


def test_a_dispute_starts_reported_at_the_unit_serving_its_area(county, kinds):
    dispute = a_dispute(county, risk_level="medium")
    assert dispute.state == State.REPORTED
    assert dispute.unit == county.units["ws_own"] == dispute.handling_unit
    assert dispute.level == "workstation"
    assert dispute.risk_level == "medium" and dispute.outcome == "" and dispute.tier == ""
    assert list(dispute.events.values_list("action", "to_state")) == [("create", "reported")]
    assert AuditEvent.objects.filter(action="dispute.create", object_id=str(dispute.pk)).exists()


def test_an_agreement_settles_counts_and_schedules_two_follow_ups(county, kinds):
    dispute = at(county, State.MEDIATING)
    day = days_ago(3)
    services.dispute_agree(
        actor=county.user("beat"), dispute=dispute, agreement="赔偿医药费500元", settled_on=day
    )
    dispute.refresh_from_db()
    assert (dispute.state, dispute.outcome, dispute.tier) == ("agreed", "agreed", "village")
    assert dispute.settled_on == day and dispute.agreement == "赔偿医药费500元"
    due = list(DisputeFollowUp.objects.filter(dispute=dispute).values_list("due_on", flat=True))
    assert due == [day + dt.timedelta(days=7), day + dt.timedelta(days=30)]
    got = stats.totals(
        county.user("commander"), unit=county.units["station_a"], date_from=day, date_to=day
    )
    assert got["disputes_mediated"] == 1 and got["disputes_settled_village"] == 1
    assert got["disputes_settled_township"] == got["disputes_escalated"] == 0


@pytest.mark.parametrize(
    ("persona", "tier"),
    [
        ("beat", Tier.VILLAGE),
        ("office_leader", Tier.TOWNSHIP),
        ("station_leader", Tier.TOWNSHIP),
        ("commander", Tier.ESCALATED),
    ],
)
def test_the_tier_of_an_agreement_follows_who_mediated_unless_said(county, kinds, persona, tier):
    dispute = at(county, State.MEDIATING)
    services.dispute_agree(actor=county.user(persona), dispute=dispute, agreement="和解")
    dispute.refresh_from_db()
    assert dispute.tier == tier
    other = at(county, State.MEDIATING)
    services.dispute_agree(
        actor=county.user(persona), dispute=other, agreement="村调委会调解", tier="village"
    )
    other.refresh_from_db()
    assert other.tier == Tier.VILLAGE


@pytest.mark.parametrize(
    ("body", "tier"),
    [
        ("township_mediation", Tier.TOWNSHIP),
        ("judicial_office", Tier.TOWNSHIP),
        ("court", Tier.ESCALATED),
        ("petition_office", Tier.ESCALATED),
    ],
)
def test_a_referral_settles_at_the_tier_of_its_body(county, kinds, body, tier):
    dispute = at(county, State.MEDIATING)
    services.dispute_refer(actor=county.user("station_leader"), dispute=dispute, body=body)
    dispute.refresh_from_db()
    assert (dispute.state, dispute.outcome, dispute.tier) == ("referred", "referred", tier)
    assert dispute.referred_to == body and not dispute.above_county
    assert not DisputeFollowUp.objects.filter(dispute=dispute).exists()


def test_a_referral_above_the_county_is_passed_up(county, kinds):
    dispute = at(county, State.REPORTED)
    services.dispute_refer(
        actor=county.user("beat"),
        dispute=dispute,
        body="petition_office",
        name="市信访局",
        above_county=True,
    )
    dispute.refresh_from_db()
    assert dispute.above_county and dispute.tier == Tier.ESCALATED
    today = timezone.localdate()
    got = stats.totals(
        county.user("commander"), unit=county.units["bureau"], date_from=today, date_to=today
    )
    assert got["disputes_passed_up"] == 1 and got["disputes_escalated"] == 1
    township = at(county, State.REPORTED)
    with pytest.raises(ValidationError) as refused:
        services.dispute_refer(
            actor=county.user("beat"), dispute=township, body="judicial_office", above_county=True
        )
    assert "above_county" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.dispute_refer(actor=county.user("beat"), dispute=township, body="other")
    assert "referred_to_name" in refused.value.message_dict


def test_agreement_text_and_failure_reason_are_required(county, kinds):
    dispute = at(county, State.MEDIATING)
    with pytest.raises(ValidationError) as refused:
        services.dispute_agree(actor=county.user("beat"), dispute=dispute, agreement="  ")
    assert "agreement" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.dispute_fail(actor=county.user("beat"), dispute=dispute, reason="")
    assert "reason" in refused.value.message_dict
    dispute.refresh_from_db()
    assert dispute.state == State.MEDIATING


def test_the_settlement_day_is_not_in_the_future_nor_before_the_report(county, kinds):
    dispute = a_dispute(county, reported_at=timezone.now() - dt.timedelta(days=2))
    services.dispute_mediate(actor=county.user("beat"), dispute=dispute)
    for bad in (days_ago(-1), days_ago(5)):
        with pytest.raises(ValidationError) as refused:
            services.dispute_agree(
                actor=county.user("beat"), dispute=dispute, agreement="和解", settled_on=bad
            )
        assert "settled_on" in refused.value.message_dict


def test_a_case_closes_only_when_no_visit_is_due(county, kinds):
    dispute = at(county, State.AGREED)
    beat = county.user("beat")
    services.follow_up_record(actor=beat, dispute=dispute, done_on=timezone.localdate(), note="好")
    dispute.refresh_from_db()
    assert dispute.state == State.FOLLOW_UP
    first, second = DisputeFollowUp.objects.filter(dispute=dispute).order_by("due_on")
    assert first.done_on == timezone.localdate() and second.done_on is None
    with pytest.raises(ValidationError) as refused:
        services.dispute_close(actor=beat, dispute=dispute)
    assert "state" in refused.value.message_dict
    assert not services.allowed(dispute, Action.CLOSE)
    services.follow_up_record(actor=beat, dispute=dispute, done_on=timezone.localdate(), note="好")
    services.dispute_close(actor=beat, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.state == State.CLOSED and dispute.outcome == Outcome.AGREED
    assert dispute.closed_at is not None


def test_a_visit_with_none_due_stands_on_its_own(county, kinds):
    dispute = at(county, State.REFERRED)
    services.follow_up_schedule(actor=county.user("beat"), dispute=dispute, due_on=days_ago(-10))
    services.follow_up_record(
        actor=county.user("beat"), dispute=dispute, done_on=timezone.localdate(), note="已起诉"
    )
    services.follow_up_record(
        actor=county.user("beat"), dispute=dispute, done_on=timezone.localdate(), note="已判决"
    )
    rows = list(DisputeFollowUp.objects.filter(dispute=dispute).order_by("id"))
    assert [r.note for r in rows] == ["已起诉", "已判决"]
    assert rows[0].due_on == days_ago(-10) and rows[1].due_on == timezone.localdate()
    actions = list(dispute.events.values_list("action", flat=True))
    assert actions.count("follow_up") == 2


def test_reopening_takes_the_settlement_back_and_cancels_the_visits_due(county, kinds):
    dispute = at(county, State.AGREED)
    beat = county.user("beat")
    settled = dispute.settled_on
    services.follow_up_record(actor=beat, dispute=dispute, done_on=timezone.localdate(), note="好")
    services.dispute_reopen(actor=beat, dispute=dispute, reason="又吵起来了")
    dispute.refresh_from_db()
    assert dispute.state == State.MEDIATING and dispute.reopen_count == 1
    assert (dispute.outcome, dispute.tier, dispute.settled_on, dispute.agreement) == (
        "",
        "",
        None,
        "",
    )
    done, cancelled = DisputeFollowUp.objects.filter(dispute=dispute).order_by("due_on")
    assert done.done_on is not None and cancelled.cancelled_on == timezone.localdate()
    got = stats.totals(
        county.user("commander"), unit=county.units["bureau"], date_from=settled, date_to=settled
    )
    assert got["disputes_mediated"] == 0 and got["disputes_settled_village"] == 0
    # Settled again: counted once, on the new day, at the new tier.
    services.dispute_refer(actor=beat, dispute=dispute, body="township_mediation")
    got = stats.totals(
        county.user("commander"),
        unit=county.units["bureau"],
        date_from=timezone.localdate(),
        date_to=timezone.localdate(),
    )
    assert got["disputes_mediated"] == 1 and got["disputes_settled_township"] == 1


def test_a_session_starts_the_mediation_and_is_refused_once_settled(county, kinds):
    dispute = at(county, State.REPORTED)
    beat = county.user("beat")
    session = services.session_add(
        actor=beat,
        dispute=dispute,
        held_on=timezone.localdate(),
        place="村委会",
        participants="民警张伟、治保主任陈静、村干部",
        outcome="双方各让一步",
    )
    dispute.refresh_from_db()
    assert dispute.state == State.MEDIATING and session.dispute_id == dispute.pk
    services.dispute_agree(actor=beat, dispute=dispute, agreement="和解")
    with pytest.raises(ValidationError) as refused:
        services.session_add(
            actor=beat,
            dispute=dispute,
            held_on=timezone.localdate(),
            place="村委会",
            participants="民警",
            outcome="再谈",
        )
    assert "state" in refused.value.message_dict


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("beat", "ok"),
        ("office_leader", "ok"),
        ("station_leader", "ok"),
        ("commander", "ok"),
        ("aide", "403"),  # sees it, records disputes, does not handle them
        ("inspector", "403"),
        ("sibling", "404"),  # another village: not found
        ("other", "404"),
        ("sysadmin", "403"),  # reads no dispute at all
        ("auditor", "403"),
    ],
)
def test_who_acts_on_a_dispute(county, kinds, persona, outcome):
    dispute = a_dispute(county)
    expected = {"ok": None, "403": PermissionDenied, "404": Dispute.DoesNotExist}[outcome]
    if expected is None:
        services.dispute_mediate(actor=county.user(persona), dispute=dispute)
        dispute.refresh_from_db()
        assert dispute.state == State.MEDIATING
    else:
        with pytest.raises(expected):
            services.dispute_mediate(actor=county.user(persona), dispute=dispute)
        assert Dispute.objects.get(pk=dispute.pk).state == State.REPORTED


def test_handler_actions_follow_the_table_and_the_role(county, kinds):
    dispute = at(county, State.MEDIATING)
    assert services.handler_actions(county.user("beat"), dispute) == ["agree", "fail", "refer"]
    assert services.handler_actions(county.user("aide"), dispute) == []
    closed = at(county, State.CLOSED)
    assert services.handler_actions(county.user("beat"), closed) == ["reopen"]


def test_every_transition_writes_one_timeline_row_and_one_audit_event(county, kinds):
    dispute = at(county, State.CLOSED)
    rows = list(dispute.events.order_by("id"))
    assert [r.action for r in rows] == ["create", "mediate", "fail", "follow_up", "close"]
    audited = AuditEvent.objects.filter(
        object_type="disputes.dispute", object_id=str(dispute.pk)
    ).values_list("action", flat=True)
    assert sorted(audited) == sorted(f"dispute.{r.action}" for r in rows)
    for before, after in itertools.pairwise(rows):
        assert after.from_state == before.to_state


@pytest.mark.parametrize(
    "change",
    [
        {"state": State.CLOSED, "closed_at": timezone.now()},  # closed without an outcome
        {"outcome": Outcome.AGREED},  # an outcome while reported
        {"sign_injury": True},  # a high-risk sign on a low-risk case
        {"state": State.MEDIATING, "tier": Tier.VILLAGE},  # a tier without a settlement
    ],
)
def test_the_database_refuses_what_the_table_forbids(county, kinds, change):
    dispute = a_dispute(county)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(**change)


def test_the_database_refuses_a_closed_case_without_its_closing_time(county, kinds):
    dispute = at(county, State.CLOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(closed_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(outcome="")
