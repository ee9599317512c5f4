"""The people side of the organisation (issue 12): officers transferred and retired, aides
edited and ended, units renamed, moved and closed — the services' rules, what each change does
to the jurisdiction, and the system admin's pages.

Who may open which page is tabled in ``tests/test_permission_matrix_pages.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.fieldwork import services as fieldwork
from cunjing.fieldwork.models import HouseholdVisit as Visit
from cunjing.fieldwork.models import WorkLog
from cunjing.org import selectors
from cunjing.org import services as org
from cunjing.org.models import Aide, Area, Beat, Coverage, Officer, OrgChange, Unit

TODAY = timezone.localdate


def fresh(user) -> User:
    """The account read again as a request would (unit, officer and aide with it)."""
    return User.objects.select_related("unit", "officer", "aide").get(pk=user.pk)


# --- Officers: transfer and retirement ---------------------------------------------------------


def test_a_transfer_ends_the_beats_moves_the_officer_and_keeps_history(county):
    admin = county.user("sysadmin")
    officer = county.officers["own"]
    org.officer_transfer(
        actor=admin, officer=officer, unit=county.units["ws_other"], note="工作需要"
    )
    officer.refresh_from_db()
    assert officer.unit_id == county.units["ws_other"].pk
    assert not Beat.objects.active().filter(officer=officer).exists()
    assert Beat.objects.get(officer=officer).end_date == TODAY()
    change = OrgChange.objects.get(officer=officer)
    assert change.unit_id == county.units["ws_own"].pk
    assert change.detail["from"] == "瓦房沟警务工作站"
    assert change.detail["to"] == "杨庄警务工作站"
    event = AuditEvent.objects.get(action="officer.transfer", object_id=str(officer.pk))
    assert event.before == {"unit_id": county.units["ws_own"].pk}
    assert event.after["unit_id"] == county.units["ws_other"].pk


@pytest.mark.parametrize(
    "unit_key, on, field",
    [
        ("ws_own", None, "unit"),  # where the officer already works
        ("ws_other", dt.timedelta(days=-400), "on"),
        ("ws_other", dt.timedelta(days=40), "on"),
    ],
)
def test_a_transfer_refuses_bad_input_with_a_field_error(county, unit_key, on, field):
    with pytest.raises(ValidationError) as exc:
        org.officer_transfer(
            actor=county.user("sysadmin"),
            officer=county.officers["own"],
            unit=county.units[unit_key],
            on=TODAY() + on if on else None,
        )
    assert field in exc.value.message_dict
    assert Officer.objects.get(pk=county.officers["own"].pk).unit_id == county.units["ws_own"].pk


def test_only_the_system_admin_changes_people(county):
    for persona in ("station_leader", "commander", "secadmin", "beat"):
        with pytest.raises(PermissionDenied):
            org.officer_transfer(
                actor=county.user(persona),
                officer=county.officers["own"],
                unit=county.units["ws_sibling"],
            )
        with pytest.raises(PermissionDenied):
            org.aide_end(actor=county.user(persona), aide=county.aides["own"])


def test_a_transferred_officer_keeps_seeing_what_they_wrote(county):
    beat = county.user("beat")
    visit = fieldwork.visit_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=TODAY(),
        client_uuid=uuid.uuid4(),
        household="王家",
        purpose="routine",
    )
    log, _created = fieldwork.worklog_upsert(
        actor=beat, day=TODAY(), text="走访王家", client_uuid=uuid.uuid4()
    )
    org.officer_transfer(
        actor=county.user("sysadmin"), officer=county.officers["own"], unit=county.units["ws_other"]
    )
    beat = fresh(beat)
    # Their beats ended: the village is no longer theirs …
    assert not Area.objects.visible_to(beat).filter(pk=county.areas["own"].pk).exists()
    # … but what they wrote stays theirs.
    assert Visit.objects.visible_to(beat).filter(pk=visit.pk).exists()
    assert WorkLog.objects.visible_to(beat).filter(pk=log.pk).exists()
    # Their old leaders still see the records by jurisdiction; the new station's do not.
    office = fresh(county.user("office_leader"))
    assert Visit.objects.visible_to(office).filter(pk=visit.pk).exists()
    # A sibling officer does not.
    assert not Visit.objects.visible_to(fresh(county.user("sibling"))).filter(pk=visit.pk).exists()


def test_a_retired_officers_account_sees_nothing(county):
    org.officer_leave(actor=county.user("sysadmin"), officer=county.officers["own"], note="退休")
    officer = Officer.objects.get(pk=county.officers["own"].pk)
    assert not officer.is_active and officer.left_on == TODAY()
    assert not Beat.objects.active().filter(officer=officer).exists()
    beat = fresh(county.user("beat"))
    assert not Unit.objects.visible_to(beat).exists()
    assert not Area.objects.visible_to(beat).exists()
    assert not WorkLog.objects.visible_to(beat).exists()
    with pytest.raises(ValidationError):  # once only
        org.officer_leave(actor=county.user("sysadmin"), officer=officer)
    with pytest.raises(ValidationError):  # and no new beat
        org.beat_assign(actor=SYSTEM, officer=officer, area=county.areas["own"])


def test_officer_edit_checks_the_badge_number_and_keeps_initials(county):
    admin = county.user("sysadmin")
    with pytest.raises(ValidationError) as exc:
        org.officer_update(actor=admin, officer=county.officers["own"], badge_number="041002")
    assert "badge_number" in exc.value.message_dict
    org.officer_update(actor=admin, officer=county.officers["own"], name="张卫")
    officer = Officer.objects.get(pk=county.officers["own"].pk)
    assert officer.pinyin_initials == "zw"
    with pytest.raises(ValidationError) as exc:
        org.officer_update(actor=admin, officer=officer, unit=county.units["ws_other"])
    assert "unit" in exc.value.message_dict  # a change of unit is a transfer


# --- Aides ------------------------------------------------------------------------------------


def test_aides_of_both_kinds_with_the_new_subtypes(county):
    admin = county.user("sysadmin")
    village = county.areas["sibling"]
    cadre = org.aide_create(
        actor=admin,
        area=village,
        name="刘村干",
        kind="security_member",
        subtype="village_cadre",
        phone="13903752001",
    )
    patroller = org.aide_create(
        actor=admin, area=village, name="刘巡防", kind="patroller", phone="13903752002"
    )
    assert (cadre.subtype, patroller.subtype) == ("village_cadre", "")
    with pytest.raises(ValidationError) as exc:
        org.aide_create(
            actor=admin, area=village, name="重号", kind="patroller", phone="13903752002"
        )
    assert "phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        org.aide_create(
            actor=admin,
            area=village,
            name="缺类",
            kind="security_member",
            phone="13903752003",
        )
    assert "subtype" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        org.aide_create(
            actor=admin,
            area=county.areas["township_a"],
            name="乡里",
            kind="patroller",
            phone="13903752004",
        )
    assert "area" in exc.value.message_dict


def test_an_ended_aide_frees_the_phone_and_their_account_sees_nothing(county):
    admin = county.user("sysadmin")
    aide = county.aides["own"]
    assert Area.objects.visible_to(fresh(county.user("aide"))).exists()
    org.aide_end(actor=admin, aide=aide, note="合同到期")
    aide.refresh_from_db()
    assert not aide.is_active and aide.ended_on == TODAY()
    assert not Area.objects.visible_to(fresh(county.user("aide"))).exists()
    change = OrgChange.objects.get(aide=aide)
    assert change.unit_id == county.units["ws_own"].pk
    # The phone may serve a new aide now.
    org.aide_create(
        actor=admin, area=county.areas["own"], name="新人", kind="patroller", phone=aide.phone
    )
    with pytest.raises(ValidationError):
        org.aide_update(actor=admin, aide=aide, name="改名")


def test_an_aide_moved_to_another_village_takes_their_account_along(county):
    org.aide_update(
        actor=county.user("sysadmin"), aide=county.aides["own"], area=county.areas["sibling"]
    )
    areas = Area.objects.visible_to(fresh(county.user("aide")))
    assert list(areas.values_list("name", flat=True)) == ["刘沟村"]


# --- Units ------------------------------------------------------------------------------------


def test_a_rename_is_kept_in_the_units_history(county):
    unit = county.units["ws_own"]
    org.unit_update(actor=county.user("sysadmin"), unit=unit, name="瓦房沟警务室")
    change = OrgChange.objects.get(unit=unit, action="unit_rename")
    assert change.detail == {"from": "瓦房沟警务工作站", "to": "瓦房沟警务室"}


def test_moving_a_workstation_moves_its_jurisdiction(county):
    admin = county.user("sysadmin")
    ws = county.units["ws_sibling"]
    with pytest.raises(ValidationError) as exc:  # a workstation sits under an office
        org.unit_move(actor=admin, unit=ws, parent=county.units["station_b"])
    assert "parent" in exc.value.message_dict
    org.unit_move(actor=admin, unit=ws, parent=county.units["office_b"])
    ws.refresh_from_db()
    assert ws.path.startswith(county.units["office_b"].path)
    leader_a, leader_b = fresh(county.user("station_leader")), None
    assert not Unit.objects.visible_to(leader_a).filter(pk=ws.pk).exists()
    assert not Area.objects.visible_to(leader_a).filter(pk=county.areas["sibling"].pk).exists()
    assert Unit.objects.filter(bureau=county.bureau).count() == len(county.units)
    assert OrgChange.objects.get(unit=ws, action="unit_move").detail["from"] == "甲中心警务室"
    del leader_b


def test_a_unit_closes_only_when_nothing_hangs_on_it(county):
    admin = county.user("sysadmin")
    ws = county.units["ws_sibling"]
    with pytest.raises(ValidationError) as exc:
        org.unit_close(actor=admin, unit=ws)
    messages = " ".join(exc.value.message_dict["successor"])
    assert "1" in messages  # one officer, one area
    assert selectors.unit_close_blockers(ws) == {"children": 0, "officers": 1, "areas": 1}
    org.officer_transfer(
        actor=admin, officer=county.officers["sibling"], unit=county.units["ws_own"]
    )
    with pytest.raises(ValidationError):  # a successor of another kind
        org.unit_close(actor=admin, unit=ws, successor=county.units["office_a"])
    org.unit_close(actor=admin, unit=ws, successor=county.units["ws_own"], note="合并")
    ws.refresh_from_db()
    assert ws.closed_on == TODAY()
    assert Coverage.objects.get(area=county.areas["sibling"]).unit_id == county.units["ws_own"].pk
    # The sibling officer's account, still on the closed unit, sees nothing.
    assert not Unit.objects.visible_to(fresh(county.user("sibling"))).exists()
    # Nothing new goes under or to a closed unit.
    with pytest.raises(ValidationError):
        org.officer_create(
            actor=admin, unit=ws, name="新", badge_number="049999", phone="13803759999"
        )
    with pytest.raises(ValidationError):
        org.unit_update(actor=admin, unit=ws, name="再改")
    with pytest.raises(ValidationError):  # the bureau never closes
        org.unit_close(actor=admin, unit=county.units["bureau"])


# --- Pages ------------------------------------------------------------------------------------


def login(client, county, persona):
    client.force_login(county.user(persona))
    return client


def test_officer_list_searches_by_pinyin_initials_and_badge(client, county):
    login(client, county, "sysadmin")
    response = client.get(reverse("org:officer_list"), {"q": "zw"})
    assert [o.name for o in response.context["rows"]] == ["张伟"]
    response = client.get(reverse("org:officer_list"), {"q": "04100"})
    assert len(response.context["rows"]) == 5
    response = client.get(reverse("org:officer_list"), {"unit": county.units["station_b"].pk})
    assert {o.name for o in response.context["rows"]} == {"李强", "刘洋"}
    response = client.get(reverse("org:officer_list"), {"state": "bogus"})
    assert response.status_code == 422


def test_a_station_leader_sees_their_officers_and_cannot_change_them(client, county):
    login(client, county, "station_leader")
    response = client.get(reverse("org:officer_list"))
    assert {o.name for o in response.context["rows"]} == {"张伟", "王芳", "赵敏"}
    assert b"officer-new" not in response.content
    url = reverse("org:officer_transfer", args=[county.officers["own"].pk])
    assert client.get(url).status_code == 403
    other = reverse("org:officer_detail", args=[county.officers["other"].pk])
    assert client.get(other).status_code == 404


def test_the_system_admin_transfers_an_officer_on_the_page(client, county):
    login(client, county, "sysadmin")
    url = reverse("org:officer_transfer", args=[county.officers["own"].pk])
    bad = client.post(url, {"unit": county.units["ws_other"].pk, "on": "2001-01-01"})
    assert bad.status_code == 422
    assert "日期早于一年前" in bad.content.decode() or "year" in bad.content.decode()
    response = client.post(
        url, {"unit": county.units["ws_other"].pk, "on": TODAY().isoformat(), "note": "轮岗"}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "杨庄警务工作站" in detail.content.decode()
    assert detail.context["changes"][0].note == "轮岗"


def test_a_new_officer_and_a_duplicate_badge(client, county):
    login(client, county, "sysadmin")
    url = reverse("org:officer_new")
    data = {
        "name": "孙磊",
        "badge_number": "041001",
        "title": "民警",
        "phone": "13803758888",
        "unit": county.units["ws_own"].pk,
    }
    response = client.post(url, data)
    assert response.status_code == 422
    assert response.context["form"].errors["badge_number"]
    response = client.post(url, {**data, "badge_number": "041099"})
    assert response.status_code == 302
    assert Officer.objects.get(badge_number="041099").pinyin_initials == "sl"


def test_aide_pages_mask_the_phone_and_keep_it_when_left_empty(client, county):
    login(client, county, "sysadmin")
    aide = county.aides["own"]
    stored = aide.phone
    listed = client.get(reverse("org:aide_list"), {"q": "cj"}).content.decode()
    assert "陈静" in listed and "13903751009" not in listed and "139****1009" in listed
    url = reverse("org:aide_edit", args=[aide.pk])
    page = client.get(url).content.decode()
    assert "13903751009" not in page
    response = client.post(
        url,
        {
            "name": "陈静",
            "kind": "security_member",
            "subtype": "graduate_official",
            "phone": "",
            "area": county.areas["own"].pk,
        },
    )
    assert response.status_code == 302
    aide.refresh_from_db()
    assert (aide.subtype, aide.phone) == ("graduate_official", stored)
    response = client.post(
        url,
        {
            "name": "陈静",
            "kind": "patroller",
            "subtype": "graduate_official",
            "phone": "",
            "area": county.areas["own"].pk,
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["subtype"]


def test_the_close_page_lists_what_hangs_on_the_unit(client, county):
    login(client, county, "sysadmin")
    url = reverse("org:unit_close", args=[county.units["office_a"].pk])
    response = client.get(url)
    assert response.context["blockers"] == {"children": 2, "officers": 1, "areas": 1}
    response = client.post(url, {"on": TODAY().isoformat()})
    assert response.status_code == 422
    assert Unit.objects.get(pk=county.units["office_a"].pk).closed_on is None


def test_the_coverage_page_names_areas_without_aides(client, county):
    login(client, county, "commander")
    report = client.get(reverse("org:coverage")).context["report"]
    names = [row.area.name for row in report.rows]
    assert "瓦房沟村" in names
    without = [n for n in names if n != "瓦房沟村"]
    assert [a.name for a in report.without_security_member] == without
    assert len(report.without_patroller) == report.areas_total
    assert report.areas_complete == 0
    page = client.get(reverse("org:coverage")).content.decode()
    assert "没有巡防队员" in page or "no patroller" in page
    org.aide_create(
        actor=SYSTEM,
        area=county.areas["own"],
        name="巡防甲",
        kind="patroller",
        phone="13903753001",
    )
    report = client.get(reverse("org:coverage")).context["report"]
    assert report.areas_complete == 1
    assert "瓦房沟村" not in [a.name for a in report.without_patroller]


def test_aide_ids_outside_scope_are_not_found(client, county):
    other_aide = Aide.objects.create(
        bureau=county.bureau,
        area=county.areas["other"],
        name="杨巡防",
        kind="patroller",
        phone="13903754001",
    )
    login(client, county, "station_leader")
    assert client.get(reverse("org:aide_detail", args=[other_aide.pk])).status_code == 404
    assert client.get(reverse("org:aide_detail", args=[county.aides["own"].pk])).status_code == 200


# --- The security admin's to-do: accounts whose person changed -------------------------------


def test_the_security_admin_is_told_which_accounts_no_longer_match(client, county):
    admin = county.user("sysadmin")
    org.officer_transfer(actor=admin, officer=county.officers["own"], unit=county.units["ws_other"])
    org.officer_leave(actor=admin, officer=county.officers["sibling"])
    org.aide_end(actor=admin, aide=county.aides["own"])
    client.force_login(county.user("secadmin"))
    response = client.get(reverse("dashboard:home"))
    rows = {r.account.username: r for r in response.context["accounts"].to_review}
    assert set(rows) == {"beat", "sibling", "aide"}
    assert rows["beat"].reason == "officer_moved"
    assert rows["beat"].new_unit == county.units["ws_other"]
    assert (rows["sibling"].reason, rows["aide"].reason) == ("officer_left", "aide_ended")
    assert "杨庄警务工作站" in response.content.decode()
    # Leaders whose account sits above their officer's unit are as intended: not listed.
    assert "office_leader" not in rows


def test_the_security_admin_opens_an_account_from_the_aides_page(client, county):
    aide = org.aide_create(
        actor=SYSTEM,
        area=county.areas["sibling"],
        name="刘巡防",
        kind="patroller",
        phone="13903755001",
    )
    client.force_login(county.user("secadmin"))
    page = client.get(reverse("org:aide_detail", args=[aide.pk])).content.decode()
    new_url = f"{reverse('accounts:account_new')}?aide={aide.pk}"
    assert new_url.replace("&", "&amp;") in page or new_url in page
    form = client.get(new_url).context["form"]
    assert form.initial["aide"] == aide.pk
    assert form.initial["unit"] == county.units["ws_sibling"].pk
    assert form.initial["role"] == "aide"
    # The system admin, who does not keep accounts, gets no such button.
    client.force_login(county.user("sysadmin"))
    assert (
        "person-account"
        not in client.get(reverse("org:aide_detail", args=[aide.pk])).content.decode()
    )


def test_no_account_for_a_person_who_has_left(county):
    from cunjing.accounts import services as accounts

    org.officer_leave(actor=county.user("sysadmin"), officer=county.officers["community_b"])
    with pytest.raises(ValidationError) as exc:
        accounts.account_create(
            actor=county.user("secadmin"),
            username="liu-yang",
            role="beat_officer",
            unit=county.units["office_b"],
            officer=Officer.objects.get(pk=county.officers["community_b"].pk),
        )
    assert "officer" in exc.value.message_dict
