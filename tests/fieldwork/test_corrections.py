"""A saved record can be corrected (更正) and voided (作废), never deleted: within the bureau's
window by its recorder or a leader above it, after the window through a correction request a
leader decides. Every change is audited with the reason, and the counters follow in the same
transaction — checked against a recount of the rows after every step."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import selectors, services
from cunjing.fieldwork.models import (
    Assistance,
    CorrectionRequest,
    CorrectionState,
    FloatingResident,
    FollowUp,
    FollowUpState,
    HouseholdVisit,
    Volunteer,
)
from cunjing.org.models import Bureau
from cunjing.stats.models import DailyCount, MonthlyCount
from cunjing.stats.services import recount

DAY = dt.date(2014, 10, 8)


def counters(bureau) -> tuple[dict, dict]:
    daily = {
        (r.unit_id, r.day, r.figure): r.value
        for r in DailyCount.objects.filter(bureau=bureau)
        if r.value
    }
    monthly = {
        (r.unit_id, r.month, r.figure): r.value
        for r in MonthlyCount.objects.filter(bureau=bureau)
        if r.value
    }
    return daily, monthly


def assert_counters_equal_a_recount(bureau) -> None:
    daily, monthly = recount(bureau)
    assert counters(bureau) == (daily, monthly)


def visit(county, persona="beat", area="own", **fields) -> HouseholdVisit:
    values = {"household": "李家", "purpose": "routine", "occurred_on": DAY, **fields}
    return services.visit_create(
        actor=county.user(persona), area=county.areas[area], client_uuid=uuid.uuid4(), **values
    )


def floating(county) -> FloatingResident:
    return services.floating_resident_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        name="王小明",
        id_number="410481199001010014",
        phone="13903751001",
        origin="河南省南阳市",
        arrived_on=DAY,
        residence="瓦房沟村3组",
    )


def age(record, days: int) -> None:
    """Make ``record`` look saved ``days`` days ago."""
    type(record).objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )


# --- Within the window -------------------------------------------------------------------------


def test_the_recorder_corrects_a_visit_and_the_counters_move_with_it(county):
    beat = county.user("beat")
    v = visit(county)
    assert_counters_equal_a_recount(county.bureau)
    corrected = services.record_correct(
        actor=beat,
        record=v,
        changes={"occurred_on": DAY - dt.timedelta(days=40), "contact_card_given": True},
        reason="日期填错，联系卡实际已发放",
    )
    assert corrected.occurred_on == DAY - dt.timedelta(days=40)
    assert corrected.contact_card_given and corrected.updated_at is not None
    assert_counters_equal_a_recount(county.bureau)  # moved to another month, card counted
    event = AuditEvent.objects.get(action="fieldwork.visit.correct")
    assert event.before == {"occurred_on": "2014-10-08", "contact_card_given": False}
    assert event.after == {
        "occurred_on": "2014-08-29",
        "contact_card_given": True,
        "reason": "日期填错，联系卡实际已发放",
    }
    assert event.actor == beat


def test_an_office_leader_corrects_a_record_of_their_office(county):
    v = visit(county)
    corrected = services.record_correct(
        actor=county.user("office_leader"), record=v, changes={"household": "李四家"}, reason="户名"
    )
    assert corrected.household == "李四家"


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("sibling", HouseholdVisit.DoesNotExist),  # another beat: outside their scope, 404
        ("other", HouseholdVisit.DoesNotExist),
        ("aide", PermissionDenied),  # sees the village, records no visits
        ("commander", PermissionDenied),  # reads, does not correct
        ("inspector", PermissionDenied),
    ],
)
def test_who_may_not_correct(county, persona, error):
    v = visit(county)
    with pytest.raises(error):
        services.record_correct(
            actor=county.user(persona), record=v, changes={"household": "张家"}, reason="改"
        )
    with pytest.raises(error):
        services.record_void(actor=county.user(persona), record=v, reason="重复")
    v.refresh_from_db()
    assert v.household == "李家" and v.voided_at is None


def test_another_beat_officer_of_the_area_may_not_correct_what_the_first_recorded(county):
    """A record is its recorder's (or a leader's) to correct: the office leader records one,
    the beat officer of the village sees it but may not change it."""
    v = visit(county, persona="office_leader")
    with pytest.raises(PermissionDenied):
        services.record_correct(
            actor=county.user("beat"), record=v, changes={"household": "张家"}, reason="改"
        )


def test_every_error_of_a_correction_at_once_and_nothing_changed(county):
    r = floating(county)
    with pytest.raises(ValidationError) as caught:
        services.record_correct(
            actor=county.user("beat"),
            record=r,
            changes={"phone": "hello", "id_number": "410481199001010015", "arrived_on": "昨天"},
            reason="更正",
        )
    assert set(caught.value.message_dict) == {"phone", "id_number", "arrived_on"}
    r.refresh_from_db()
    assert (r.phone, r.id_number) == ("+8613903751001", "410481199001010014")
    assert not AuditEvent.objects.filter(action__endswith=".correct").exists()


def test_what_cannot_be_corrected(county):
    v = visit(county)
    beat = county.user("beat")
    for changes in ({"area": county.areas["sibling"].pk}, {"recorded_by": 1}, {"unit": 1}):
        with pytest.raises(ValidationError) as caught:
            services.record_correct(actor=beat, record=v, changes=changes, reason="改")
        assert set(caught.value.message_dict) == set(changes)
    with pytest.raises(ValidationError) as caught:
        services.record_correct(actor=beat, record=v, changes={}, reason="改")
    assert caught.value.error_dict["__all__"][0].code == "no_change"
    with pytest.raises(ValidationError) as caught:
        services.record_correct(actor=beat, record=v, changes={"household": "张家"}, reason=" ")
    assert set(caught.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError) as caught:  # a future date
        services.record_correct(
            actor=beat,
            record=v,
            changes={"occurred_on": timezone.localdate() + dt.timedelta(days=1)},
            reason="改",
        )
    assert set(caught.value.message_dict) == {"occurred_on"}


def test_a_phone_is_normalised_and_masked_in_the_trail(county):
    r = services.record_correct(
        actor=county.user("beat"),
        record=floating(county),
        changes={"phone": "139 0375 1002", "id_number": "410481199001010022"},
        reason="号码更正",
    )
    assert r.phone == "+8613903751002"
    event = AuditEvent.objects.get(action="fieldwork.floating_resident.correct")
    assert "13903751002" not in str(event.after) and "1002" in event.after["phone"]["masked"]
    assert "19900101" not in str(event.after)


def test_void_takes_the_figures_back_and_keeps_the_row(county):
    beat = county.user("beat")
    v = visit(county, contact_card_given=True)
    voided = services.record_void(actor=beat, record=v, reason="重复录入")
    assert (voided.voided_by, voided.void_reason) == (beat, "重复录入")
    assert HouseholdVisit.objects.filter(pk=v.pk).exists()
    assert_counters_equal_a_recount(county.bureau)
    daily, _monthly = counters(county.bureau)
    assert not any(k[2] in ("visits", "contact_cards") for k in daily)
    with pytest.raises(ValidationError) as caught:
        services.record_void(actor=beat, record=v, reason="再作废")
    assert caught.value.error_dict["__all__"][0].code == "voided"
    with pytest.raises(ValidationError):
        services.record_correct(actor=beat, record=v, changes={"household": "张"}, reason="改")
    event = AuditEvent.objects.get(action="fieldwork.visit.void")
    assert event.after["reason"] == "重复录入" and event.after["void_reason"] == "重复录入"


def test_follow_ups_keep_in_step(county):
    beat = county.user("beat")
    flagged = visit(county, follow_up_needed=True)
    services.record_correct(
        actor=beat, record=flagged, changes={"follow_up_needed": False}, reason="无需回访"
    )
    follow_up = flagged.follow_ups.get()
    assert follow_up.state == FollowUpState.DROPPED and "无需回访" in follow_up.reason

    plain = visit(county)
    services.record_correct(
        actor=beat, record=plain, changes={"follow_up_needed": True}, reason="需回访"
    )
    assert plain.follow_ups.get().state == FollowUpState.OPEN

    help_ = services.assistance_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        household="孙家",
        people=2,
        hardship_kind="illness",
        help_given="送米面油",
        next_revisit_on=DAY + dt.timedelta(days=30),
    )
    services.record_correct(
        actor=beat,
        record=help_,
        changes={"next_revisit_on": DAY + dt.timedelta(days=10), "people": 4},
        reason="人数和回访日期更正",
    )
    assert help_.follow_ups.get().due_on == DAY + dt.timedelta(days=10)
    assert_counters_equal_a_recount(county.bureau)

    services.record_void(actor=beat, record=Assistance.objects.get(pk=help_.pk), reason="重复")
    assert help_.follow_ups.get().state == FollowUpState.DROPPED


def test_voiding_the_return_visit_opens_its_follow_up_again(county):
    beat = county.user("beat")
    follow_up = visit(county, follow_up_needed=True).follow_ups.get()
    done = services.follow_up_done(
        actor=beat,
        follow_up=follow_up,
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        notes="已回访",
    )
    services.record_void(actor=beat, record=done.return_visit, reason="回访记错了户")
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.return_visit, follow_up.closed_at) == (
        FollowUpState.OPEN,
        None,
        None,
    )


def test_a_voided_volunteer_cannot_be_named_in_an_activity(county):
    beat = county.user("beat")
    volunteer = services.volunteer_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        name="赵大爷",
        phone="13903751009",
    )
    services.record_void(actor=beat, record=volunteer, reason="本人不愿参加")
    with pytest.raises(ValidationError) as caught:
        services.prevention_create(
            actor=beat,
            area=county.areas["own"],
            occurred_on=DAY,
            client_uuid=uuid.uuid4(),
            kind="patrol",
            description="夜间巡逻",
            participants=3,
            volunteers=[volunteer.pk],
        )
    assert set(caught.value.message_dict) == {"volunteers"}
    assert Volunteer.objects.filter(pk=volunteer.pk).exists()


# --- After the window ----------------------------------------------------------------------------


def test_after_the_window_a_request_goes_to_a_leader(county):
    beat, leader = county.user("beat"), county.user("office_leader")
    v = visit(county)
    age(v, 8)
    with pytest.raises(ValidationError) as caught:
        services.record_correct(actor=beat, record=v, changes={"household": "张家"}, reason="改")
    assert caught.value.error_dict["__all__"][0].code == "window_closed"
    with pytest.raises(ValidationError) as caught:
        services.record_void(actor=beat, record=v, reason="重复")
    assert caught.value.error_dict["__all__"][0].code == "window_closed"

    request = services.correction_request(
        actor=beat,
        record=v,
        action="correct",
        changes={"household": "张家", "contact_card_given": True},
        reason="户名写错",
    )
    assert request.state == CorrectionState.PENDING and request.changes == {
        "household": "张家",
        "contact_card_given": True,
    }
    with pytest.raises(ValidationError) as caught:  # one waits at a time
        services.correction_request(actor=beat, record=v, action="void", reason="重复")
    assert caught.value.error_dict["__all__"][0].code == "pending"
    with pytest.raises(PermissionDenied):  # the requester does not decide
        services.correction_decide(actor=beat, request=request, approve=True)
    with pytest.raises(CorrectionRequest.DoesNotExist):  # another station's leader: 404
        services.correction_decide(actor=county.user("other"), request=request, approve=True)
    with pytest.raises(PermissionDenied):  # reads, does not decide
        services.correction_decide(actor=county.user("commander"), request=request, approve=True)

    decided = services.correction_decide(actor=leader, request=request, approve=True, note="同意")
    assert (decided.state, decided.decided_by) == (CorrectionState.APPROVED, leader)
    v.refresh_from_db()
    assert (v.household, v.contact_card_given) == ("张家", True)
    assert_counters_equal_a_recount(county.bureau)
    event = AuditEvent.objects.get(action="fieldwork.visit.correct")
    assert event.actor == leader and event.after["correction_request"] == request.pk
    with pytest.raises(ValidationError) as caught:
        services.correction_decide(actor=leader, request=request, approve=False, note="不同意")
    assert caught.value.error_dict["__all__"][0].code == "decided"


def test_a_rejected_request_says_why_and_changes_nothing(county):
    beat, leader = county.user("beat"), county.user("station_leader")
    v = visit(county)
    age(v, 30)
    request = services.correction_request(actor=beat, record=v, action="void", reason="重复")
    with pytest.raises(ValidationError) as caught:
        services.correction_decide(actor=leader, request=request, approve=False, note="")
    assert set(caught.value.message_dict) == {"note"}
    decided = services.correction_decide(
        actor=leader, request=request, approve=False, note="走访确有其事，不应作废"
    )
    assert decided.state == CorrectionState.REJECTED
    v.refresh_from_db()
    assert v.voided_at is None
    # Rejected, the record may be asked about again.
    again = services.correction_request(actor=beat, record=v, action="void", reason="确认重复")
    services.correction_decide(actor=leader, request=again, approve=True)
    v.refresh_from_db()
    assert v.voided_at is not None and v.void_reason == "确认重复"
    assert_counters_equal_a_recount(county.bureau)


def test_a_request_is_checked_when_it_is_made(county):
    beat = county.user("beat")
    r = floating(county)
    age(r, 8)
    with pytest.raises(ValidationError) as caught:
        services.correction_request(
            actor=beat, record=r, action="correct", changes={"phone": "hello"}, reason="改"
        )
    assert set(caught.value.message_dict) == {"phone"}
    assert not CorrectionRequest.objects.exists()
    fresh = visit(county)
    with pytest.raises(ValidationError) as caught:
        services.correction_request(actor=beat, record=fresh, action="void", reason="重复")
    assert caught.value.error_dict["__all__"][0].code == "window_open"
    with pytest.raises(ValidationError) as caught:
        services.correction_request(actor=beat, record=r, action="delete", reason="删")
    assert set(caught.value.message_dict) == {"action"}


def test_the_phone_of_a_request_is_masked_in_the_trail(county):
    r = floating(county)
    age(r, 8)
    services.correction_request(
        actor=county.user("beat"),
        record=r,
        action="correct",
        changes={"phone": "13903751002"},
        reason="号码更正",
    )
    event = AuditEvent.objects.get(action="fieldwork.correction.request")
    assert "13903751002" not in str(event.after)


def test_the_bureau_sets_the_window(county):
    beat = county.user("beat")
    v = visit(county)
    age(v, 8)
    Bureau.objects.filter(pk=county.bureau.pk).update(correction_window_days=10)
    assert services.correction_window_open(v.__class__.objects.get(pk=v.pk))
    services.record_correct(actor=beat, record=v, changes={"household": "张家"}, reason="改")
    Bureau.objects.filter(pk=county.bureau.pk).update(correction_window_days=0)
    with pytest.raises(ValidationError):  # 0: every correction by request
        services.record_correct(
            actor=beat, record=visit(county), changes={"notes": "x"}, reason="改"
        )


def test_the_leaders_list_of_requests(county):
    beat = county.user("beat")
    v = visit(county)
    age(v, 8)
    request = services.correction_request(actor=beat, record=v, action="void", reason="重复")
    leader = county.user("office_leader")
    assert list(selectors.correction_list(leader, state="pending")) == [request]
    assert selectors.corrections_to_decide(leader) == 1
    assert selectors.corrections_to_decide(beat) == 0  # not theirs to decide
    assert list(selectors.correction_list(county.user("other"))) == []
    assert selectors.pending_correction(leader, v) == request


# --- Whatever the sequence, the counters equal a recount ----------------------------------------

STEP = st.one_of(
    st.tuples(st.just("correct_card"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("correct_day"), st.integers(0, 2), st.integers(-45, 0)),
    st.tuples(st.just("void"), st.integers(0, 2), st.none()),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=6))
def test_any_sequence_of_corrections_keeps_the_counters_equal_to_a_recount(county, steps):
    beat = county.user("beat")
    visits = [visit(county, contact_card_given=bool(i % 2)) for i in range(3)]
    for action, index, value in steps:
        record = HouseholdVisit.objects.get(pk=visits[index].pk)
        try:
            if action == "void":
                services.record_void(actor=beat, record=record, reason="作废")
            elif action == "correct_card":
                services.record_correct(
                    actor=beat, record=record, changes={"contact_card_given": value}, reason="改"
                )
            else:
                day = DAY + dt.timedelta(days=value)
                services.record_correct(
                    actor=beat, record=record, changes={"occurred_on": day}, reason="改"
                )
        except ValidationError as exc:  # only a voided record refuses
            assert record.voided_at is not None, exc
        assert_counters_equal_a_recount(county.bureau)
    FollowUp.objects.filter(bureau=county.bureau).delete()
    HouseholdVisit.objects.filter(bureau=county.bureau).delete()
    DailyCount.objects.filter(bureau=county.bureau).delete()
    MonthlyCount.objects.filter(bureau=county.bureau).delete()
