"""Property tests over random action sequences (hypothesis stateful): whatever officers,
leaders, aides and outsiders do to disputes, in whatever order and on whatever days,

* no illegal state is reached: every state is the table's, and the state and the outcome agree
  (every case in follow-up or closed has an outcome; none while open);
* an agreement has its follow-up visits scheduled 7 and 30 days after it; a closed case has no
  visit still due;
* every change is one timeline row and one audit event, and the rows chain;
* a refusal writes nothing;
* the counters of the results table equal an independent recount of the settled disputes (each
  counted on its day, for the unit serving its area and every unit above it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cunjing.core.models import AuditEvent
from cunjing.disputes import services
from cunjing.disputes.models import (
    FOLLOW_UP_DAYS,
    Dispute,
    DisputeEvent,
    DisputeFollowUp,
    DisputeKind,
    Outcome,
    State,
    Tier,
)
from cunjing.stats.models import DailyCount

# Handlers more often than the others; the steps towards closing more often than the rest.
PERSONAS = ["beat", "beat", "beat", "station_leader", "commander", "aide", "sibling"]
ACTIONS = [
    "mediate",
    "agree",
    "agree",
    "refer",
    "fail",
    "visit",
    "visit",
    "visit",
    "schedule",
    "close",
    "close",
    "reopen",
    "session",
]
BODIES = ["township_mediation", "judicial_office", "court", "petition_office", "other"]
DISPUTE_FIGURES = set(services.DISPUTE_FIGURES)
REPORTED_DAYS_AGO = 90


def expected_counters(bureau, units) -> Counter:
    """The dispute figures the raw rows call for, per (unit, day, figure), recounted here from
    the disputes themselves: each settled case on its day, for its unit and every ancestor."""
    by_path = {u.path: u.pk for u in units}
    step = type(units[0]).steplen
    out: Counter = Counter()
    for d in Dispute.objects.filter(bureau=bureau, settled_on__isnull=False).select_related("unit"):
        names = ["disputes_mediated"]
        names.append(
            {
                Tier.VILLAGE: "disputes_settled_village",
                Tier.TOWNSHIP: "disputes_settled_township",
                Tier.ESCALATED: "disputes_escalated",
            }[d.tier]
        )
        if d.above_county:
            names.append("disputes_passed_up")
        for n in range(step, len(d.unit.path) + 1, step):
            for name in names:
                out[by_path[d.unit.path[:n]], d.settled_on, name] += 1
    return out


def stored_counters(bureau) -> Counter:
    rows = DailyCount.objects.filter(bureau=bureau, figure__in=DISPUTE_FIGURES).exclude(value=0)
    return Counter({(r.unit_id, r.day, r.figure): r.value for r in rows})


def test_random_action_sequences_keep_the_invariants(county, kinds):
    units = list(county.units.values())
    today = timezone.localdate()

    class Disputes(RuleBasedStateMachine):
        @initialize()
        def start(self):
            kind = DisputeKind.objects.get(bureau=county.bureau, code="neighbour")
            reported = timezone.now() - dt.timedelta(days=REPORTED_DAYS_AGO)
            self.disputes = [
                services.dispute_create(
                    actor=county.user("beat"),
                    area=county.areas["own"],
                    kind=kind,
                    source="visit",
                    facts=f"第{i}起纠纷：两家因排水沟争执",
                    reported_at=reported,
                    client_uuid=uuid.uuid4(),
                    parties=[{"name": "王大"}, {"name": "李二"}],
                ).pk
                for i in range(2)
            ]
            self.first_day = timezone.localdate(reported)

        def _day(self, offset: int) -> dt.date:
            return min(self.first_day + dt.timedelta(days=offset), today)

        @rule(
            index=st.integers(0, 1),
            action=st.sampled_from(ACTIONS),
            persona=st.sampled_from(PERSONAS),
            offset=st.integers(-5, REPORTED_DAYS_AGO + 5),
            tier=st.sampled_from([None, *Tier.values]),
            body=st.sampled_from(BODIES),
            above=st.booleans(),
        )
        def act(self, index, action, persona, offset, tier, body, above):
            dispute = Dispute.objects.get(pk=self.disputes[index])
            user = county.user(persona)
            day = self._day(offset)
            events, audits = DisputeEvent.objects.count(), AuditEvent.objects.count()
            counters = stored_counters(county.bureau)
            try:
                match action:
                    case "mediate":
                        services.dispute_mediate(actor=user, dispute=dispute)
                    case "agree":
                        services.dispute_agree(
                            actor=user, dispute=dispute, agreement="和解", tier=tier, settled_on=day
                        )
                    case "refer":
                        services.dispute_refer(
                            actor=user,
                            dispute=dispute,
                            body=body,
                            name="某机构",
                            above_county=above,
                            settled_on=day,
                        )
                    case "fail":
                        services.dispute_fail(actor=user, dispute=dispute, reason="拒绝调解")
                    case "visit":
                        services.follow_up_record(
                            actor=user, dispute=dispute, done_on=day, note="回访情况稳定"
                        )
                    case "schedule":
                        services.follow_up_schedule(
                            actor=user, dispute=dispute, due_on=day + dt.timedelta(days=3)
                        )
                    case "close":
                        services.dispute_close(actor=user, dispute=dispute)
                    case "reopen":
                        services.dispute_reopen(actor=user, dispute=dispute, reason="又发生争吵")
                    case "session":
                        services.session_add(
                            actor=user,
                            dispute=dispute,
                            held_on=day,
                            place="村委会",
                            participants="民警、调解员",
                            outcome="继续调解",
                        )
            except (ValidationError, PermissionDenied, Dispute.DoesNotExist):
                # A refusal writes nothing: no row, no audit event, no count.
                assert DisputeEvent.objects.count() == events
                assert AuditEvent.objects.count() == audits
                assert stored_counters(county.bureau) == counters

        @invariant()
        def no_illegal_state(self):
            for d in Dispute.objects.filter(pk__in=self.disputes):
                assert d.state in State.values
                if d.state in (State.REPORTED, State.MEDIATING):
                    assert d.outcome == "" and d.tier == "" and d.settled_on is None
                else:
                    assert d.outcome in Outcome.values
                if d.state in (State.AGREED, State.REFERRED, State.FAILED):
                    assert d.outcome == d.state
                if d.state == State.CLOSED:
                    assert d.outcome and d.closed_at is not None
                    assert not services.pending_follow_ups(d).exists()
                settled = d.outcome in (Outcome.AGREED, Outcome.REFERRED)
                assert settled == (d.settled_on is not None) == (d.tier != "")

        @invariant()
        def agreements_have_their_follow_ups(self):
            for d in Dispute.objects.filter(pk__in=self.disputes, outcome=Outcome.AGREED):
                due = set(
                    DisputeFollowUp.objects.filter(dispute=d).values_list("due_on", flat=True)
                )
                assert {d.settled_on + dt.timedelta(days=n) for n in FOLLOW_UP_DAYS} <= due

        @invariant()
        def every_change_has_its_row_and_audit_event(self):
            for pk in self.disputes:
                d = Dispute.objects.get(pk=pk)
                rows = list(DisputeEvent.objects.filter(dispute=d).order_by("id"))
                audits = AuditEvent.objects.filter(
                    object_type="disputes.dispute", object_id=str(pk)
                ).count()
                assert len(rows) == audits
                assert rows[0].action == "create"
                for before, after in itertools.pairwise(rows):
                    assert after.from_state == before.to_state
                    assert services.TRANSITIONS[after.from_state, after.action] == after.to_state
                assert rows[-1].to_state == d.state

        @invariant()
        def counters_equal_a_recount(self):
            assert stored_counters(county.bureau) == expected_counters(county.bureau, units)

    Disputes.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    # Each example runs in a savepoint rolled back afterwards, on the one test county.
    original_init = Disputes.__init__

    def init(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        original_init(self)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    Disputes.__init__ = init
    Disputes.teardown = teardown
    Disputes.TestCase().runTest()
