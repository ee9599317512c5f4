"""The resident's timeline tells the system's escalation of a missed deadline ("not handled in
time") from a handler passing the matter up."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from cunjing.matters import services
from cunjing.matters.models import Action
from cunjing.portal import selectors
from tests.portal.conftest import submit


def _escalation(county, matter):
    with translation.override("en"):
        public = selectors.public_matter(
            selectors.matter_by_code(county.bureau, matter.tracking_code)
        )
    (label,) = [e.label for e in public.events if e.escalation]
    return public.escalated_automatically, label


def test_a_missed_deadline_is_an_automatic_escalation(county):
    m = submit(county)
    assert services.escalate_overdue(now=m.created_at + dt.timedelta(hours=25)) == 1
    automatic, label = _escalation(county, m)
    assert automatic
    assert label == "Not handled in time: automatically escalated to 甲中心警务室"


def test_a_handlers_escalation_is_not(county):
    m = submit(county)
    services.matter_escalate(actor=county.user("beat"), matter=m, reason="涉及多个村")
    automatic, label = _escalation(county, m)
    assert not automatic
    assert label == "Passed up to 甲中心警务室"
    assert m.events.filter(action=Action.ESCALATE).count() == 1
