"""Recording disputes and screening rounds, the kinds of dispute, and the selectors the leaders
and the assessment read (risk list, follow-ups due, missed screenings, tier rates)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.disputes import selectors, services
from cunjing.disputes.models import (
    Dispute,
    DisputeKind,
    DisputeParty,
    Hazard,
    ScreeningRound,
)
from cunjing.org import services as org
from cunjing.org.models import Area
from cunjing.stats import selectors as stats
from tests.disputes.helpers import ID_NUMBER, a_dispute, days_ago

# --- Kinds -------------------------------------------------------------------------------------


def test_the_defaults_are_created_once(county):
    assert services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=county.bureau) == 9
    assert services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=county.bureau) == 0
    codes = list(
        DisputeKind.objects.filter(bureau=county.bureau)
        .order_by("position")
        .values_list("code", flat=True)
    )
    assert codes == [
        "neighbour",
        "family",
        "marriage",
        "land",
        "debt",
        "labour",
        "property_management",
        "traffic",
        "other",
    ]


def test_the_command_gives_every_bureau_its_defaults_once(county):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("dispute_kinds", stdout=out)
    call_command("dispute_kinds", stdout=out)
    assert DisputeKind.objects.filter(bureau=county.bureau).count() == 9
    assert AuditEvent.objects.filter(action="dispute.kind.create").count() == 9


def test_the_bureau_adds_renames_and_retires_kinds(county, kinds):
    commander = county.user("commander")
    kind = services.dispute_kind_create(actor=commander, name="征地拆迁纠纷")
    assert kind.position == 10 and kind.code == ""
    with pytest.raises(ValidationError) as refused:
        services.dispute_kind_create(actor=commander, name="邻里纠纷")
    assert "name" in refused.value.message_dict
    services.dispute_kind_update(actor=commander, kind=kinds["traffic"], active=False)
    with pytest.raises(ValidationError) as refused:
        a_dispute(county, kind=kinds["traffic"])
    assert "kind" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.dispute_kind_create(actor=county.user("beat"), name="别的")
    assert services.dispute_kind_update(
        actor=county.user("sysadmin"), kind=kind, name="拆迁纠纷"
    ).name == ("拆迁纠纷")


# --- Disputes ------------------------------------------------------------------------------------


def test_a_high_risk_sign_makes_the_dispute_high_risk(county, kinds):
    dispute = a_dispute(county, risk_level="low", risk_signs=["injury", "criminal"])
    assert dispute.risk_level == "high"
    assert dispute.signs == ["injury", "criminal"]
    assert list(selectors.risk_disputes(county.user("station_leader"))) == [dispute]
    assert list(selectors.risk_disputes(county.user("other"))) == []


def test_parties_are_stored_encrypted_and_audited_masked(county, kinds):
    dispute = a_dispute(county)
    first = DisputeParty.objects.get(dispute=dispute, role="applicant")
    assert first.id_number == ID_NUMBER and first.phone == "+8613903750001"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone FROM disputes_disputeparty WHERE id = %s", [first.pk]
        )
        stored = cursor.fetchone()
    assert ID_NUMBER not in stored[0] and "13903750001" not in stored[1]
    event = AuditEvent.objects.get(action="dispute.party.create", object_id=str(first.pk))
    assert event.object_repr == ""
    text = str(event.after)
    assert ID_NUMBER not in text and "13903750001" not in text and "王大" not in text
    facts = AuditEvent.objects.get(action="dispute.create", object_id=str(dispute.pk))
    assert "宅基地" not in str(facts.after)


def test_a_party_from_the_registry_takes_its_details(county, kinds):
    from tests.registry.data import OWN_ID, build_registry

    registry = build_registry(county)
    resident = registry.residents["own"]
    dispute = a_dispute(county, parties=[{"role": "applicant", "resident": resident.pk}])
    party = dispute.parties.get()
    assert (party.name, party.id_number, party.resident_id) == (
        resident.name,
        OWN_ID,
        resident.pk,
    )
    # A resident of another station's village is not one the beat officer can name.
    with pytest.raises(ValidationError) as refused:
        a_dispute(county, parties=[{"resident": registry.residents["other"].pk}])
    assert "parties" in refused.value.message_dict


@pytest.mark.parametrize(
    ("party", "field"),
    [
        ({"name": ""}, "parties"),
        ({"name": "甲", "id_number": "410481199001010031"}, "parties"),  # check digit
        ({"name": "甲", "phone": "12345"}, "parties"),
        ({"name": "甲", "role": "judge"}, "parties"),
    ],
)
def test_a_bad_party_is_a_field_error_and_stores_nothing(county, kinds, party, field):
    before = Dispute.objects.count()
    with pytest.raises(ValidationError) as refused:
        a_dispute(county, parties=[party])
    assert field in refused.value.message_dict
    assert Dispute.objects.count() == before


@pytest.mark.parametrize(
    ("persona", "area", "outcome"),
    [
        ("beat", "own", "ok"),
        ("aide", "own", "ok"),
        ("office_leader", "sibling", "ok"),
        ("station_leader", "own", "ok"),
        ("commander", "other", "ok"),
        ("inspector", "own", "403"),
        ("sysadmin", "own", "403"),
        ("beat", "sibling", "404"),
        ("aide", "sibling", "404"),
        ("office_leader", "other", "404"),
    ],
)
def test_who_records_a_dispute_where(county, kinds, persona, area, outcome):
    expected = {"ok": None, "403": PermissionDenied, "404": Area.DoesNotExist}[outcome]
    if expected is None:
        dispute = a_dispute(county, persona=persona, area=area)
        assert dispute.recorded_by == county.user(persona)
    else:
        with pytest.raises(expected):
            a_dispute(county, persona=persona, area=area)


def test_a_client_uuid_stores_one_dispute(county, kinds):
    key = uuid.uuid4()
    a_dispute(county, client_uuid=key)
    with pytest.raises(ValidationError) as refused:
        a_dispute(county, client_uuid=key)
    assert "client_uuid" in refused.value.message_dict
    assert Dispute.objects.filter(client_uuid=key).count() == 1


def test_a_report_cannot_come_from_the_future(county, kinds):
    with pytest.raises(ValidationError) as refused:
        a_dispute(county, reported_at=timezone.now() + dt.timedelta(days=1))
    assert "reported_at" in refused.value.message_dict


# --- Screening -----------------------------------------------------------------------------------


def a_round(county, persona="beat", area="own", day=None, **fields):
    values = {
        "households_visited": 12,
        "places_visited": 3,
        "note": "走访12户，发现隐患2处",
        "client_uuid": uuid.uuid4(),
        **fields,
    }
    return services.screening_create(
        actor=county.user(persona),
        area=county.areas[area],
        screened_on=day or timezone.localdate(),
        **values,
    )


def test_a_round_is_the_officers_and_counts_one_screening(county, kinds):
    round_ = a_round(
        county,
        hazards=[
            {"description": "两户因排水沟争执", "outcome": "dispute"},
            {
                "description": "工厂拖欠工资，工人聚集",
                "outcome": "none",
                "flags": ["group_incident", "special_interest_group"],
            },
        ],
    )
    assert round_.officer == county.officers["own"] and round_.unit == county.units["ws_own"]
    hazards = list(round_.hazards.order_by("id"))
    assert [h.flags for h in hazards] == [[], ["group_incident", "special_interest_group"]]
    today = timezone.localdate()
    got = stats.totals(
        county.user("commander"), unit=county.units["bureau"], date_from=today, date_to=today
    )
    assert got["screenings"] == 1
    assert list(selectors.flagged_hazards(county.user("station_leader"))) == [hazards[1]]
    assert list(selectors.flagged_hazards(county.user("other"))) == []
    # The dispute recorded from the first hazard is tied to it.
    dispute = a_dispute(county, source="screening", hazard=hazards[0].pk)
    hazards[0].refresh_from_db()
    assert hazards[0].dispute == dispute
    with pytest.raises(ValidationError) as refused:
        a_dispute(county, source="screening", hazard=hazards[0].pk)  # tied already
    assert "hazard" in refused.value.message_dict


def test_an_aides_round_is_counted_for_nobodys_week(county, kinds):
    round_ = a_round(county, persona="aide")
    assert round_.officer is None and round_.recorded_by == county.user("aide")


def test_one_round_per_area_and_day(county, kinds):
    a_round(county)
    with pytest.raises(ValidationError) as refused:
        a_round(county)
    assert "screened_on" in refused.value.message_dict
    a_round(county, day=days_ago(1))
    assert ScreeningRound.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"households_visited": -1}, "households_visited"),
        ({"places_visited": 10_001}, "places_visited"),
        ({"hazards": [{"description": ""}]}, "hazards"),
        ({"hazards": [{"description": "x", "flags": ["riot"]}]}, "hazards"),
        ({"hazards": [{"description": "x", "outcome": "none", "matter": 1}]}, "hazards"),
    ],
)
def test_a_bad_round_is_a_field_error_and_counts_nothing(county, kinds, fields, field):
    with pytest.raises(ValidationError) as refused:
        a_round(county, **fields)
    assert field in refused.value.message_dict
    assert not ScreeningRound.objects.exists() and not Hazard.objects.exists()


def test_a_future_round_is_refused(county, kinds):
    with pytest.raises(ValidationError) as refused:
        a_round(county, day=days_ago(-1))
    assert "screened_on" in refused.value.message_dict


def test_a_hazard_closes_once_by_a_handler(county, kinds):
    round_ = a_round(county, hazards=[{"description": "聚集", "flags": ["disorder_spot"]}])
    hazard = round_.hazards.get()
    with pytest.raises(PermissionDenied):
        services.hazard_close(actor=county.user("aide"), hazard=hazard)
    with pytest.raises(Hazard.DoesNotExist):
        services.hazard_close(actor=county.user("other"), hazard=hazard)
    services.hazard_close(actor=county.user("station_leader"), hazard=hazard, note="已疏导")
    with pytest.raises(ValidationError):
        services.hazard_close(actor=county.user("beat"), hazard=hazard)
    assert list(selectors.flagged_hazards(county.user("station_leader"))) == []


# --- Selectors ----------------------------------------------------------------------------------


def test_follow_ups_due_are_the_pending_ones_of_visible_disputes(county, kinds):
    dispute = a_dispute(county)
    beat = county.user("beat")
    services.dispute_mediate(actor=beat, dispute=dispute)
    services.dispute_agree(actor=beat, dispute=dispute, agreement="和解", settled_on=days_ago(8))
    due = list(selectors.follow_ups_due(beat, due_by=timezone.localdate()))
    assert [f.due_on for f in due] == [days_ago(1)]
    assert len(selectors.follow_ups_due(beat)) == 2
    assert list(selectors.follow_ups_due(county.user("sibling"))) == []
    assert list(selectors.follow_ups_due(county.user("sysadmin"))) == []


def test_admins_read_no_dispute_whatever_their_jurisdiction(county, kinds):
    a_dispute(county)
    for persona in ("sysadmin", "secadmin", "auditor"):
        assert not selectors.visible(county.user(persona)).exists()
    assert selectors.visible(county.user("inspector")).count() == 1


def _monday(weeks_back: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks_back)


def test_screening_weeks_say_who_screened_who_missed_and_who_was_off_beat(county, kinds):
    weeks = selectors.iso_weeks(_monday(2), timezone.localdate())
    assert len(weeks) == 3
    a_round(county, day=_monday(2) + dt.timedelta(days=2))  # week 1: screened
    a_round(county, persona="aide", day=_monday(1))  # week 2: an aide's round counts not
    a_round(county, persona="sibling", area="sibling", day=_monday(1))
    # A new officer at the sibling workstation whose beat starts this week.
    new = org.officer_create(
        actor=SYSTEM,
        unit=county.units["ws_sibling"],
        name="孙丽",
        badge_number="041099",
        phone="13803751099",
    )
    org.beat_assign(actor=SYSTEM, officer=new, area=county.areas["sibling"], start_date=_monday(0))
    rows = {
        r.name: r
        for r in selectors.screening_weeks(
            county.user("office_leader"), county.units["office_a"], weeks
        )
    }
    assert set(rows) == {"张伟", "王芳", "赵敏", "孙丽"}
    w1, w2, w3 = weeks
    assert rows["张伟"].weeks == {w1: True, w2: False, w3: False}
    assert rows["张伟"].missed == [w2, w3]
    assert rows["王芳"].weeks == {w1: False, w2: True, w3: False}
    assert rows["孙丽"].weeks == {w1: None, w2: None, w3: False}
    # A beat officer sees their own workstation's officers only; another station none of these.
    mine = selectors.screening_weeks(county.user("beat"), county.units["ws_own"], weeks)
    assert [r.name for r in mine] == ["张伟"]
    with pytest.raises(type(county.units["ws_own"]).DoesNotExist):
        selectors.screening_weeks(county.user("other"), county.units["office_a"], weeks)


def test_screening_weeks_read_in_four_queries(county, kinds, django_assert_num_queries):
    weeks = selectors.iso_weeks(_monday(10), timezone.localdate())
    for n in range(3):
        a_round(county, day=_monday(n))
    leader = county.user("commander")
    selectors.screening_weeks(leader, county.units["bureau"], weeks)  # the scope, once
    with django_assert_num_queries(4):
        rows = selectors.screening_weeks(leader, county.units["bureau"], weeks)
    assert len(rows) == 5


def test_tier_rates_come_from_the_counters(county, kinds, django_assert_num_queries):
    beat, station = county.user("beat"), county.user("station_leader")
    day = days_ago(2)
    outcomes = [
        (beat, "agree", {"tier": "village"}),
        (beat, "agree", {"tier": "village"}),
        (station, "agree", {"tier": "township"}),
        (station, "refer", {"body": "court", "above_county": True}),
        (beat, "fail", {}),
    ]
    for actor, action, extra in outcomes:
        dispute = a_dispute(county)
        services.dispute_mediate(actor=actor, dispute=dispute)
        if action == "agree":
            services.dispute_agree(
                actor=actor, dispute=dispute, agreement="和解", settled_on=day, **extra
            )
        elif action == "refer":
            services.dispute_refer(actor=actor, dispute=dispute, settled_on=day, **extra)
        else:
            services.dispute_fail(actor=actor, dispute=dispute, reason="不同意")
    commander = county.user("commander")
    selectors.tier_rates(commander, county.units["bureau"], day, day)
    with django_assert_num_queries(2):
        rates = selectors.tier_rates(commander, county.units["station_a"], day, day)
    assert (rates.settled, rates.village, rates.township, rates.escalated, rates.passed_up) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert (rates.village_rate, rates.township_rate, rates.county_rate) == (0.5, 0.75, 0.75)
    empty = selectors.tier_rates(commander, county.units["station_b"], day, day)
    assert empty.settled == 0 and empty.village_rate is None
