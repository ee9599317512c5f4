"""The home page of each role and the audit trail page."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone, translation

from cunjing.core import audit
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM, Role
from cunjing.org import services as org
from cunjing.org.models import Beat
from tests.county import build_county
from tests.org.test_views import grow

UTC = dt.UTC


def login(client, county, persona):
    client.force_login(county.user(persona))
    return client


def make_event(bureau, when: dt.datetime, **fields) -> AuditEvent:
    """An audit row at a chosen time (the trail is append-only: rows are inserted, never edited)."""
    values = {
        "actor_name": "sysadmin",
        "role": "sysadmin",
        "unit_id": None,
        "action": "area.update",
        "object_type": "org.area",
        "object_id": "1",
        "object_repr": "瓦房沟村",
        "before": None,
        "after": None,
        "request_id": "req-0000000001",
        "ip": "10.0.0.1",
        "channel": "web",
        **fields,
    }
    return audit.append(AuditEvent(bureau=bureau, **values), at=when)


def lock_out(username: str, failures: int = 5, minutes_ago: int = 1) -> None:
    AccessAttempt.objects.create(
        username=username,
        ip_address="10.0.0.9",
        user_agent=f"ua-{username}",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=failures,
    )
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


# --- home --------------------------------------------------------------------------------------


def test_home_needs_sign_in(client, county):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("persona", "area", "officer"),
    [("beat", "瓦房沟村", "张伟"), ("sibling", "刘沟村", "王芳"), ("aide", "瓦房沟村", "张伟")],
)
def test_home_of_beat_officer_and_aide_shows_their_contact_cards(
    client, county, persona, area, officer
):
    response = login(client, county, persona).get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert response.context["panel"] == "areas"
    cards = response.context["cards"]
    assert [(c.area.name, c.officer.name) for c in cards] == [(area, officer)]
    html = response.content.decode()
    assert reverse("org:area_detail", args=[cards[0].area.pk]) in html
    assert cards[0].officer_phone in html


def test_home_contact_card_has_post_and_others(client, county):
    org.beat_assign(
        actor=SYSTEM,
        officer=county.officers["community_a"],
        area=county.areas["own"],
        start_date=dt.date(2015, 1, 1),
    )
    response = login(client, county, "beat").get(reverse("dashboard:home"))
    card = response.context["cards"][0]
    assert card.unit == county.units["ws_own"]
    assert card.address == "甲乡瓦房沟村村委会"
    assert [o.name for o in card.others] == ["赵敏"]
    assert "甲乡瓦房沟村村委会" in response.content.decode()


def test_home_contact_card_leaves_out_an_officer_no_longer_active(client, county):
    """The same card as the portal's (``org.selectors.contact_cards``): an officer marked no
    longer active is off it while their beat is open; the workstation stays."""
    officer = county.officers["own"]
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    card = login(client, county, "aide").get(reverse("dashboard:home")).context["cards"][0]
    assert card.officer is None and card.others == []
    assert card.unit == county.units["ws_own"]


def test_home_of_office_and_station_leaders_sums_their_subtree(client, county):
    office = login(client, county, "office_leader").get(reverse("dashboard:home"))
    assert office.context["panel"] == "unit"
    s = office.context["summary"]
    assert (s.areas["community"], s.areas["village"]) == (1, 2)
    assert (s.officers, s.officers_on_beats, s.beat_areas, s.covered, s.uncovered) == (
        3,
        3,
        3,
        3,
        0,
    )
    html = office.content.decode()
    assert reverse("org:unit_tree") in html and reverse("org:coverage") in html

    # End 刘沟村's only beat: the station leader sees one uncovered area.
    org.beat_end(
        actor=SYSTEM,
        beat=Beat.objects.get(officer=county.officers["sibling"]),
        end_date=dt.date(2015, 1, 1),
    )
    station = login(client, county, "station_leader").get(reverse("dashboard:home"))
    s = station.context["summary"]
    assert s.units["station"] == 1 and s.units["workstation"] == 2
    assert (s.officers, s.officers_on_beats, s.covered, s.uncovered) == (3, 2, 2, 1)


@pytest.mark.parametrize("persona", ["commander", "inspector"])
def test_home_of_bureau_command_counts_the_bureau(client, county, persona):
    response = login(client, county, persona).get(reverse("dashboard:home"))
    assert response.context["panel"] == "bureau"
    s = response.context["summary"]
    assert (s.units["station"], s.units["office"], s.units["workstation"]) == (2, 2, 3)
    assert (s.areas["community"], s.areas["village"]) == (2, 3)
    assert (s.officers_on_beats, s.covered, s.uncovered) == (5, 5, 0)


def test_home_of_sysadmin_links_maintenance(client, county):
    response = login(client, county, "sysadmin").get(reverse("dashboard:home"))
    html = response.content.decode()
    for name in ["org:unit_tree", "org:area_list", "org:import", "org:coverage"]:
        assert f'href="{reverse(name)}"' in html


def test_home_of_secadmin_counts_accounts_and_lists_lockouts(client, county):
    other = build_county(code="410500", name="另一县公安局", prefix="x-")
    lock_out("other")  # locked: at the limit, recent
    lock_out("sibling", failures=4)  # below the limit
    lock_out("commander", failures=9, minutes_ago=90)  # the cool-off is over
    lock_out("nobody-here", failures=9)  # no such account
    lock_out("x-beat", failures=9)  # another bureau's account
    response = login(client, county, "secadmin").get(reverse("dashboard:home"))
    assert response.context["panel"] == "accounts"
    accounts = response.context["accounts"]
    counts = {role: n for role, _label, n in accounts.users_by_role}
    assert counts["beat_officer"] == 3 and counts["aide"] == 1 and counts["auditor"] == 1
    assert sum(counts.values()) == 11  # the other bureau's accounts are not counted
    assert accounts.locked_out == ["other"]
    assert other.users["beat"].username not in accounts.locked_out


def test_home_of_auditor_lists_latest_events(client, county):
    make_event(
        county.bureau,
        timezone.now() + dt.timedelta(seconds=5),
        action="test.latest",
        object_repr="最新的事件",
    )
    response = login(client, county, "auditor").get(reverse("dashboard:home"))
    events = response.context["events"]
    assert len(events) == 10
    assert events[0].action == "test.latest"
    html = response.content.decode()
    assert "最新的事件" in html and reverse("dashboard:audit") in html


@pytest.mark.parametrize(
    ("persona", "queries"),
    [
        # base: session, user with its unit, officer and aide, session save (savepoint,
        # update, release) = 5
        # + areas, their active beats, serving units; the to-do: queue counts, matters
        # waiting, follow-up counts, follow-ups due
        ("beat", 12),
        ("aide", 8),  # (no to-do)
        # + unit, units by kind, areas by kind and coverage, officers; the to-do: queue counts,
        # matters waiting, follow-up counts, overdue per officer, reports and their count,
        # correction requests to decide (office and station leaders only)
        ("office_leader", 15),
        ("commander", 14),
        ("sysadmin", 5),
        ("secadmin", 9),  # + accounts by role, lockouts, sign-in bursts, accounts to review
        ("auditor", 6),  # + latest events
    ],
)
def test_home_query_counts_are_pinned(client, county, django_assert_num_queries, persona, queries):
    login(client, county, persona)
    with django_assert_num_queries(queries):
        assert client.get(reverse("dashboard:home")).status_code == 200
    grow(county, 6)
    for name in ["other", "sibling", "office-leader"]:
        lock_out(name, failures=6)
    with django_assert_num_queries(queries):
        assert client.get(reverse("dashboard:home")).status_code == 200


# --- audit trail -------------------------------------------------------------------------------


def audit_get(client, **params):
    return client.get(reverse("dashboard:audit"), params)


def test_audit_page_shows_every_field_escaped(client, county):
    event = make_event(
        county.bureau,
        dt.datetime(2015, 3, 1, 15, 30, 5, tzinfo=UTC),
        actor_name="sysadmin",
        role="sysadmin",
        unit_id=county.units["bureau"].pk,
        action="area.update",
        object_type="org.area",
        object_id=str(county.areas["own"].pk),
        object_repr="瓦房沟村",
        before={"name": "<script>alert(1)</script>"},
        after={"name": "瓦房沟新村", "latitude": 33.5},
        request_id="req-abcdef123456",
        ip="10.1.2.3",
    )
    response = login(client, county, "auditor").get(
        reverse("dashboard:audit"),
        {"object_type": "org.area", "object_id": event.object_id, "action": "area.update"},
    )
    assert response.status_code == 200
    assert [e.pk for e in response.context["events"]] == [event.pk]
    html = response.content.decode()
    with translation.override("zh-hans"):
        role_label = str(Role.SYSADMIN.label)
    for expected in [
        "area.update",
        "sysadmin",
        role_label,
        f"#{county.units['bureau'].pk}",
        "org.area",
        f"#{event.object_id}",
        "瓦房沟村",
        "req-abcdef123456",
        "10.1.2.3",
        "2015-03-01 23:30:05",  # shown in Asia/Shanghai
        "&quot;瓦房沟新村&quot;",
        "&quot;latitude&quot;: 33.5",
    ]:
        assert expected in html, expected
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_audit_page_is_read_only(client, county):
    login(client, county, "auditor")
    assert client.post(reverse("dashboard:audit"), {}).status_code == 405
    html = audit_get(client).content.decode()
    # Only the header's language switch and sign-out forms post anything.
    assert len(re.findall(r'method="post"', html)) == 2


def test_audit_page_shows_only_the_own_bureau(client, county):
    other = build_county(code="410500", name="另一县公安局", prefix="x-")
    make_event(other.bureau, timezone.now(), action="test.foreign")
    response = audit_get(login(client, county, "auditor"), action="test.foreign")
    assert response.context["events"] == []
    # The other bureau's auditor sees it, and not ours.
    client.force_login(other.users["auditor"])
    assert [e.action for e in audit_get(client, action="test.").context["events"]] == [
        "test.foreign"
    ]


def walk(client, **params) -> list[list[int]]:
    """Follow the "older" links from the first page; the ids of each page."""
    pages = []
    response = audit_get(client, **params)
    while True:
        assert response.status_code == 200
        pages.append([e.pk for e in response.context["events"]])
        next_query = response.context["next_query"]
        if not next_query:
            return pages
        assert "before=" in next_query and "page=" not in next_query
        response = client.get(reverse("dashboard:audit") + "?" + next_query)


def test_audit_keyset_pages_cover_everything_once_newest_first(client, county):
    base = dt.datetime(2015, 3, 1, 8, 0, tzinfo=UTC)
    for i in range(120):
        # Pairs of events share a timestamp: the id breaks the tie.
        make_event(county.bureau, base + dt.timedelta(seconds=i // 2), action="test.page")
    expected = list(
        AuditEvent.objects.filter(bureau=county.bureau)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    pages = walk(login(client, county, "auditor"))
    assert [len(p) for p in pages[:-1]] == [50] * (len(pages) - 1)
    assert list(itertools.chain(*pages)) == expected
    # With a filter the cursor keeps the filter.
    pages = walk(client, action="test.page")
    assert [len(p) for p in pages] == [50, 50, 20]
    assert len(set(itertools.chain(*pages))) == 120


def test_audit_filters(client, county):
    shanghai_day = [
        make_event(county.bureau, dt.datetime(2015, 2, 28, 16, 10, tzinfo=UTC)),  # 03-01 00:10
        make_event(county.bureau, dt.datetime(2015, 3, 1, 15, 30, tzinfo=UTC)),  # 03-01 23:30
    ]
    make_event(county.bureau, dt.datetime(2015, 3, 1, 16, 30, tzinfo=UTC))  # 03-02 00:30
    make_event(county.bureau, dt.datetime(2015, 2, 28, 15, 50, tzinfo=UTC))  # 02-28 23:50
    make_event(
        county.bureau,
        dt.datetime(2015, 3, 1, 3, 0, tzinfo=UTC),
        action="beat.end",
        actor_name="station-leader",
        object_type="org.beat",
        object_id="x77",
    )
    login(client, county, "auditor")

    def ids(**params):
        response = audit_get(client, **params)
        assert response.status_code == 200
        return {e.pk for e in response.context["events"]}

    day = ids(date_from="2015-03-01", date_to="2015-03-01", action="area")
    assert day == {e.pk for e in shanghai_day}
    assert len(ids(action="beat.end", date_from="2015-03-01", date_to="2015-03-01")) == 1
    assert len(ids(actor="station-leader")) == 1
    assert len(ids(object_type="org.beat", object_id="x77")) == 1
    assert ids(object_type="org.beat", object_id="x78") == set()
    area_updates = ids(action="area.update")
    assert shanghai_day[0].pk in area_updates
    assert all(e.action.startswith("area") for e in AuditEvent.objects.filter(pk__in=area_updates))
    assert len(ids(date_from="2015-03-02", date_to="2015-03-02")) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"before": "garbage"}, "before"),
        ({"before": "2015-03-01T08:00:00.000000Z,abc"}, "before"),
        ({"before": "2015-13-01T08:00:00.000000Z,5"}, "before"),
        ({"date_from": "2015-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2015-03-02", "date_to": "2015-03-01"}, "date_to"),
        ({"action": "a" * 65}, "action"),
        ({"actor": "u" * 151}, "actor"),
    ],
)
def test_audit_bad_filter_is_422(client, county, params, field):
    response = audit_get(login(client, county, "auditor"), **params)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert response.context["events"] == []


def test_audit_extreme_dates_do_not_crash(client, county):
    login(client, county, "auditor")
    assert audit_get(client, date_from="0001-01-01", date_to="9999-12-31").status_code == 200
    assert audit_get(client, before="0001-01-01T00:00:00.000000Z,1").status_code == 200


def test_audit_needs_the_audit_capability(client, county):
    assert client.get(reverse("dashboard:audit")).status_code == 302
    for persona in ["commander", "sysadmin", "secadmin", "inspector", "beat"]:
        assert login(client, county, persona).get(reverse("dashboard:audit")).status_code == 403


def test_audit_query_count_is_pinned(client, county, django_assert_num_queries):
    login(client, county, "auditor")
    with django_assert_num_queries(6):  # base 5 + one page of events (51 rows)
        assert audit_get(client).status_code == 200
    base = dt.datetime(2015, 3, 1, 8, 0, tzinfo=UTC)
    for i in range(150):
        make_event(county.bureau, base + dt.timedelta(seconds=i))
    with django_assert_num_queries(6):
        response = audit_get(client)
    assert len(response.context["events"]) == 50
    with django_assert_num_queries(6):
        assert client.get(reverse("dashboard:audit") + "?" + response.context["next_query"])


def test_error_pages_use_the_site_layout(client, county):
    client.force_login(county.user("auditor"))
    forbidden = client.get("/org/coverage/")
    assert forbidden.status_code == 403
    assert "无权" in forbidden.content.decode() or "权限" in forbidden.content.decode()
    client.force_login(county.user("beat"))
    missing = client.get(f"/org/areas/{county.areas['other'].pk}/")
    assert missing.status_code == 404
    assert "管辖" in missing.content.decode()
