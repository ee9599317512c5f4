"""Helpers of the disputes tests: a dispute, a round, moved through the services."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from cunjing.core.roles import SYSTEM
from cunjing.disputes import services
from cunjing.disputes.models import DisputeKind

ID_NUMBER = "410481199001010030"


def a_dispute(county, *, persona="beat", area="own", kind=None, **fields):
    """A dispute recorded by ``persona`` in the relation's village ten days ago, with two
    parties."""
    if kind is None:
        kind = DisputeKind.objects.get(bureau=county.bureau, code="neighbour")
    values = {
        "source": "visit",
        "facts": "两户邻居因宅基地边界争执",
        "place": "工业园附近",
        "parties": [
            {"role": "applicant", "name": "王大", "id_number": ID_NUMBER, "phone": "13903750001"},
            {"role": "respondent", "name": "李二"},
        ],
        "client_uuid": uuid.uuid4(),
        "reported_at": timezone.now() - dt.timedelta(days=10),
        **fields,
    }
    return services.dispute_create(
        actor=county.user(persona), area=county.areas[area], kind=kind, **values
    )


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def known_ids(county) -> dict[str, list[int]]:
    """Disputes (瓦房沟村, 杨庄村), a screening round with a hazard and a kind: the ids of the
    disputes API's path parameters, for schemathesis (tests/api/test_fuzz.py)."""
    services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
    kinds = {k.code: k for k in DisputeKind.objects.filter(bureau=county.bureau)}
    own, other = a_dispute(county), a_dispute(county, persona="other", area="other")
    beat = county.user("beat")
    services.dispute_mediate(actor=beat, dispute=own)
    round_ = services.screening_create(
        actor=beat,
        area=county.areas["own"],
        screened_on=dt.date(2014, 12, 9),
        households_visited=3,
        places_visited=1,
        client_uuid=uuid.uuid4(),
        hazards=[{"description": "聚集", "flags": ["group_incident"]}],
    )
    return {
        "dispute_id": [own.pk, other.pk],
        "screening_id": [round_.pk],
        "hazard_id": [round_.hazards.get().pk],
        "kind_id": [kinds["other"].pk],
    }
