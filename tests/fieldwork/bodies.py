"""Valid request bodies of each field-work kind, and what each adds to the results table."""

from __future__ import annotations

import uuid

from cunjing.fieldwork.models import (
    Assistance,
    FloatingResident,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    Service,
    Volunteer,
)

DAY = "2014-10-08"
# A valid resident ID number of 舞钢市 (410481), born 1990-01-01.
ID_NUMBER = "410481199001010030"


def bodies(area_id: int) -> dict[str, dict]:
    common = {"area": area_id, "occurred_on": DAY}
    return {
        "visits": {
            **common,
            "household": "瓦房沟村3组 李家",
            "purpose": "routine",
            "notes": "家中老人身体好",
            "contact_card_given": True,
        },
        "floating-residents": {
            **common,
            "name": "周建国",
            "id_number": ID_NUMBER,
            "phone": "13903751234",
            "origin": "河南省平顶山市",
            "arrived_on": "2014-09-20",
            "residence": "瓦房沟村5组12号",
            "employer": "舞钢钢厂",
            "expected_stay_days": 180,
        },
        "services": {
            **common,
            "kind": "household_registration",
            "beneficiary": "朱老汉",
            "description": "代为办理户口",
            "outcome": "已办结",
        },
        "assistance": {
            **common,
            "household": "瓦房沟村2组 王家",
            "people": 4,
            "hardship_kind": "illness",
            "help_given": "送米面油",
            "next_revisit_on": "2014-11-08",
        },
        "outreach": {
            **common,
            "venue_kind": "school",
            "venue": "瓦房沟小学",
            "topic": "防电信诈骗",
            "audience_size": 320,
        },
        "volunteers": {
            **common,
            "name": "孙志强",
            "phone": "13903755678",
            "skills": "驾驶",
        },
        "prevention": {
            **common,
            "kind": "patrol",
            "description": "夜间巡逻",
            "participants": 6,
        },
    }


MODELS = {
    "visits": HouseholdVisit,
    "floating-residents": FloatingResident,
    "services": Service,
    "assistance": Assistance,
    "outreach": OutreachEvent,
    "volunteers": Volunteer,
    "prevention": PreventionActivity,
}

ACTIONS = {
    "visits": "fieldwork.visit.create",
    "floating-residents": "fieldwork.floating_resident.create",
    "services": "fieldwork.service.create",
    "assistance": "fieldwork.assistance.create",
    "outreach": "fieldwork.outreach.create",
    "volunteers": "fieldwork.volunteer.create",
    "prevention": "fieldwork.prevention.create",
}

# What one record of each body above adds to the figures (the rest stay 0).
FIGURES = {
    "visits": {"visits": 1, "contact_cards": 1},
    "floating-residents": {"floating_residents": 1},
    "services": {"services": 1},
    "assistance": {"assisted_households": 1, "assisted_people": 4},
    "outreach": {},
    "volunteers": {"volunteers": 1},
    "prevention": {},
}

KINDS = list(MODELS)


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}
