"""Property tests over random action sequences (hypothesis stateful): whatever handlers, the
reporter and the system do, in whatever order,

* no matter with a reporter reaches closed without a recorded reply;
* levels are never skipped (each level change is exactly one step up);
* every transition has its timeline row and its audit event.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cunjing.core.models import AuditEvent
from cunjing.matters import services
from cunjing.matters.models import LEVEL_ORDER, Matter, MatterEvent, State

# Handlers more often than the others, and the steps towards closing more often than the rest.
PERSONAS = ["beat", "beat", "commander", "office_leader", "station_leader", "aide", "sibling"]
ACTIONS = [
    "accept",
    "accept",
    "reply",
    "resolve",
    "resolve",
    "confirm",
    "escalate",
    "refer",
    "merge",
    "confirm",
    "reopen",
    "rate",
    "close",
    "overdue",
]


def test_random_action_sequences_keep_the_invariants(county):
    class Matters(RuleBasedStateMachine):
        @initialize(anonymous=st.booleans())
        def start(self, anonymous):
            self.now = timezone.now()
            fields = (
                {"reporter_name": "", "reporter_phone": ""}
                if anonymous
                else {"reporter_phone": "13903750001"}
            )
            self.matters = [
                services.matter_create(
                    actor=county.user("beat"),
                    area=county.areas["own"],
                    kind=kind,
                    description=f"第{i}件事：路灯坏了",
                    client_uuid=uuid.uuid4(),
                    **fields,
                ).pk
                for i, kind in enumerate(["request", "lead"])
            ]
            self.transitions = 0

        @rule(
            index=st.integers(0, 1),
            action=st.sampled_from(ACTIONS),
            persona=st.sampled_from(PERSONAS),
            hours=st.integers(0, 400),
        )
        def act(self, index, action, persona, hours):
            matter = Matter.objects.get(pk=self.matters[index])
            user = county.user(persona)
            code = {"bureau_id": matter.bureau_id, "tracking_code": matter.tracking_code}
            self.now += dt.timedelta(hours=hours)
            events = MatterEvent.objects.count()
            try:
                match action:
                    case "accept":
                        services.matter_accept(actor=user, matter=matter)
                    case "reply":
                        services.matter_reply(
                            actor=user, matter=matter, channel="phone", text="答复"
                        )
                    case "resolve":
                        services.matter_resolve(actor=user, matter=matter, resolution="已解决")
                    case "escalate":
                        services.matter_escalate(actor=user, matter=matter, reason="上报")
                    case "refer":
                        services.matter_refer(actor=user, matter=matter, body="乡政府")
                    case "merge":
                        other = self.matters[1 - index]
                        services.matter_merge(actor=user, matter=matter, target_id=other)
                    case "confirm":
                        services.matter_confirm(**code)
                    case "reopen":
                        services.matter_reopen(**code, reason="没解决")
                    case "rate":
                        services.matter_rate(**code, score=3)
                    case "close":
                        services.close_resolved(now=self.now)
                    case "overdue":
                        services.escalate_overdue(now=self.now)
            except (ValidationError, PermissionDenied, Matter.DoesNotExist):
                assert MatterEvent.objects.count() == events  # a refusal writes nothing
            self.transitions += MatterEvent.objects.count() - events

        @invariant()
        def closed_only_after_a_reply(self):
            for m in Matter.objects.filter(pk__in=self.matters, state=State.CLOSED):
                assert not m.has_reporter or m.first_reply_at is not None
                assert m.replies.exists() or not m.has_reporter

        @invariant()
        def levels_are_never_skipped(self):
            for row in MatterEvent.objects.filter(matter_id__in=self.matters).exclude(
                from_level=""
            ):
                step = LEVEL_ORDER.index(row.to_level) - LEVEL_ORDER.index(row.from_level)
                assert step == (1 if row.action == "escalate" else 0), row

        @invariant()
        def every_transition_has_its_row_and_audit_event(self):
            for pk in self.matters:
                m = Matter.objects.get(pk=pk)
                rows = list(MatterEvent.objects.filter(matter=m).order_by("id"))
                audits = AuditEvent.objects.filter(
                    object_type="matters.matter", object_id=str(pk)
                ).count()
                assert len(rows) == audits
                assert rows[0].action == "create"
                # the rows chain: each starts where the previous ended, the last is now
                for before, after in itertools.pairwise(rows):
                    assert (after.from_state, after.from_level) == (
                        before.to_state,
                        before.to_level,
                    )
                assert (rows[-1].to_state, rows[-1].to_level) == (m.state, m.level)

    Matters.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    # Each example runs in a savepoint rolled back afterwards, on the one test county.
    from django.db import transaction

    original_init = Matters.__init__

    def init(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        original_init(self)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    Matters.__init__ = init
    Matters.teardown = teardown
    Matters.TestCase().runTest()
