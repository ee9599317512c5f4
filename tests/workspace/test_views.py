"""The phone workspace's pages: who may open them, what the Today page and the quick-add forms
show (scoped to the user), the service worker and the manifest, and pinned query counts."""

from __future__ import annotations

import datetime as dt
import json
import re
import struct
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunjing.fieldwork import services
from cunjing.fieldwork.models import HouseholdVisit
from cunjing.workspace import views
from cunjing.workspace.kinds import KINDS, NOT_FORM_FIELDS

ALL_KINDS = list(KINDS)
RECORD_KINDS = [kind for kind in ALL_KINDS if kind != "worklogs"]
TODAY_URL = "/m/"


def login(client, county, persona):
    client.force_login(county.user(persona))
    return client


def today() -> dt.date:
    return timezone.localdate()


def visit(county, persona="beat", area="own", *, days_ago=0, follow_up=False, household="李家"):
    return services.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=today() - dt.timedelta(days=days_ago),
        client_uuid=uuid.uuid4(),
        household=household,
        purpose="routine",
        follow_up_needed=follow_up,
    )


def assistance(county, *, revisit_in: int | None, household: str, persona="beat"):
    return services.assistance_create(
        actor=county.user(persona),
        area=county.areas["own"],
        occurred_on=today(),
        client_uuid=uuid.uuid4(),
        household=household,
        people=3,
        hardship_kind="illness",
        help_given="送米面油",
        next_revisit_on=None if revisit_in is None else today() + dt.timedelta(days=revisit_in),
    )


# --- who may open what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, kinds",
    [
        ("beat", ALL_KINDS),
        ("sibling", ALL_KINDS),
        ("aide", ["prevention"]),
        ("office_leader", RECORD_KINDS),
        ("station_leader", RECORD_KINDS),
    ],
)
def test_the_quick_add_buttons_are_the_kinds_the_user_may_record(client, county, persona, kinds):
    response = login(client, county, persona).get(TODAY_URL)
    assert response.status_code == 200
    assert [kind.path for kind in response.context["kinds"]] == kinds
    html = response.content.decode()
    for kind in ALL_KINDS:
        assert (f'href="/m/add/{kind}/"' in html) == (kind in kinds), kind
    config = response.context["config"]
    assert config["pages"] == [TODAY_URL] + [f"/m/add/{kind}/" for kind in kinds]
    assert config["user"] == county.user(persona).pk


@pytest.mark.parametrize("persona", ["commander", "inspector", "sysadmin", "secadmin", "auditor"])
def test_who_records_nothing_has_no_workspace(client, county, persona):
    login(client, county, persona)
    assert client.get(TODAY_URL).status_code == 403
    assert client.get("/m/add/prevention/").status_code == 403


@pytest.mark.parametrize(
    "persona, kind", [("aide", "visits"), ("aide", "worklogs"), ("office_leader", "worklogs")]
)
def test_a_form_of_a_kind_the_user_may_not_record_is_forbidden(client, county, persona, kind):
    assert login(client, county, persona).get(f"/m/add/{kind}/").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (TODAY_URL, "/m/add/visits/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(slug=st.from_regex(r"\A[a-z0-9_-]{1,40}\Z"))
def test_an_unknown_kind_is_not_found(client, county, slug):
    login(client, county, "beat")
    status = client.get(f"/m/add/{slug}/").status_code
    assert status == (200 if slug in KINDS else 404)


# --- the Today page ------------------------------------------------------------------------------


def area_names(response) -> list[str]:
    return [area.name for area in response.context["areas"]]


@pytest.mark.parametrize(
    "persona, names",
    [
        ("beat", ["瓦房沟村"]),
        ("sibling", ["刘沟村"]),
        ("aide", ["瓦房沟村"]),
        ("office_leader", ["甲社区", "瓦房沟村", "刘沟村"]),
    ],
)
def test_my_areas(client, county, persona, names):
    response = login(client, county, persona).get(TODAY_URL)
    assert sorted(area_names(response)) == sorted(names)


def test_my_records_today_are_mine_and_of_today(client, county):
    visit(county, household="今天的李家")
    visit(county, household="早先的王家", days_ago=3)  # recorded today, about an earlier day
    old = visit(county, household="昨天录的赵家", days_ago=1)
    HouseholdVisit.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    visit(county, persona="office_leader", household="所长录的孙家")  # in the beat's area
    visit(county, persona="sibling", area="sibling", household="邻村周家")
    services.worklog_upsert(
        actor=county.user("beat"), day=today(), text="上午走访", client_uuid=uuid.uuid4()
    )
    response = login(client, county, "beat").get(TODAY_URL)
    summaries = [row.summary for row in response.context["rows"]]
    summaries = [re.sub(r"^\d\d:\d\d ", "", s) for s in summaries]  # the log's entry stamp
    assert sorted(summaries) == sorted(["今天的李家", "早先的王家", "上午走访"])
    assert summaries[0] == "上午走访"  # newest first
    html = response.content.decode()
    assert "今天的李家" in html
    assert "昨天录的赵家" not in html


def test_what_needs_follow_up(client, county):
    visit(county, household="要回访的李家", days_ago=10, follow_up=True)
    visit(county, household="太久的王家", days_ago=40, follow_up=True)
    visit(county, household="无需回访的赵家", days_ago=2)
    visit(county, persona="sibling", area="sibling", household="邻村周家", follow_up=True)
    assistance(county, revisit_in=3, household="快到期的钱家")
    assistance(county, revisit_in=-10, household="过期的孙家")
    assistance(county, revisit_in=20, household="还早的吴家")
    assistance(county, revisit_in=-40, household="很久以前的郑家")
    assistance(county, revisit_in=None, household="不回访的冯家")
    response = login(client, county, "beat").get(TODAY_URL)
    # Every open follow-up due within a week, the earliest due first: old ones stay until
    # they are closed (a visit's is due 7 days after it).
    households = [f.household for f in response.context["follow_ups"]]
    assert households == [
        "很久以前的郑家",
        "太久的王家",
        "过期的孙家",
        "要回访的李家",
        "快到期的钱家",
    ]
    html = response.content.decode()
    assert html.count('class="list-group-item list-group-item-action ws-follow-up"') == 5
    # The sibling officer sees their own follow-up, not the beat officer's.
    response = login(client, county, "sibling").get(TODAY_URL)
    assert [f.household for f in response.context["follow_ups"]] == ["邻村周家"]


@pytest.mark.parametrize("persona, queries", [("beat", 15), ("aide", 8), ("office_leader", 14)])
def test_today_query_count_is_pinned(client, county, django_assert_num_queries, persona, queries):
    login(client, county, persona)
    with django_assert_num_queries(queries):
        assert client.get(TODAY_URL).status_code == 200
    for i in range(5):
        visit(county, household=f"李家{i}", follow_up=True)
        assistance(county, revisit_in=1, household=f"王家{i}")
        services.prevention_create(
            actor=county.user("aide"),
            area=county.areas["own"],
            occurred_on=today(),
            client_uuid=uuid.uuid4(),
            kind="patrol",
            description=f"巡逻{i}",
            participants=3,
        )
    with django_assert_num_queries(queries):
        assert client.get(TODAY_URL).status_code == 200


# --- the quick-add forms -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_form_has_the_fields_of_the_api(client, county, kind):
    response = login(client, county, "beat").get(f"/m/add/{kind}/")
    assert response.status_code == 200
    found = KINDS[kind]
    expected = [name for name in found.schema_in.model_fields if name not in NOT_FORM_FIELDS]
    assert [f.name for f in response.context["fields"]] == expected
    html = response.content.decode()
    for name in expected:
        assert f'name="{name}"' in html, name
    for field in response.context["fields"]:
        model_field = found.model._meta.get_field(field.name)
        if field.widget == "select":
            assert [value for value, _ in field.choices] == [v for v, _ in model_field.choices]
            for value, _ in model_field.choices:
                assert f'<option value="{value}">' in html
    assert 'data-type="uuid"' in html


def test_number_fields_carry_the_model_bounds(client, county):
    response = login(client, county, "beat").get("/m/add/assistance/")
    people = next(f for f in response.context["fields"] if f.name == "people")
    assert (people.widget, people.min_value, people.max_value) == ("number", 1, 50)
    assert 'name="people" min="1" max="50"' in response.content.decode()


@pytest.mark.parametrize(
    "persona, names",
    [("beat", ["瓦房沟村"]), ("office_leader", ["甲社区", "瓦房沟村", "刘沟村"])],
)
def test_the_area_choices_are_the_users_areas(client, county, persona, names):
    response = login(client, county, persona).get("/m/add/visits/")
    assert sorted(area_names(response)) == sorted(names)
    html = response.content.decode()
    assert "杨庄村" not in html


# --- offline: service worker and manifest ---------------------------------------------------


def test_the_service_worker_is_public_and_never_cached(client):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == TODAY_URL
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert f'const VERSION = "{views.cache_version()}";' in body
    assert "{{" not in body
    assert "{%" not in body


def test_every_file_the_worker_precaches_is_served(client):
    """One missing file fails the worker's whole install (``cache.addAll``)."""
    body = client.get("/m/sw.js").content.decode()
    urls = json.loads(body.split("const STATIC_URLS = ", 1)[1].split(";\n", 1)[0])
    assert "/static/workspace/app.js" in urls
    assert "/static/vendor/tabler/css/tabler.min.css" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest(client):
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["start_url"] == data["scope"] == TODAY_URL
    assert data["display"] == "standalone"
    assert data["theme_color"].startswith("#")
    assert data["name"]
    sizes = []
    for icon in data["icons"]:
        icon_response = client.get(icon["src"])
        assert icon_response.status_code == 200
        image = b"".join(icon_response.streaming_content)
        width, height = png_size(image)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.append(width)
    assert sorted(sizes) == [192, 512]


def test_the_pages_link_the_manifest_and_load_the_script(client, county):
    html = login(client, county, "beat").get(TODAY_URL).content.decode()
    assert '<link rel="manifest" href="/m/manifest.webmanifest">' in html
    assert 'src="/static/workspace/app.js"' in html
    assert 'id="ws-config"' in html


# --- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, linked",
    [("beat", True), ("aide", True), ("office_leader", True), ("commander", False)],
)
def test_the_nav_links_the_workspace_for_those_who_record(client, county, persona, linked):
    html = login(client, county, persona).get(reverse("dashboard:home")).content.decode()
    assert ('class="nav-link" href="/m/"' in html) == linked


@pytest.mark.parametrize("persona, linked", [("beat", True), ("aide", True), ("sysadmin", False)])
def test_the_home_page_opens_the_workspace(client, county, persona, linked):
    html = login(client, county, persona).get(reverse("dashboard:home")).content.decode()
    assert ('id="open-workspace"' in html) == linked


def test_the_work_log_form_shows_todays_text_and_adds_an_entry(client, county):
    login(client, county, "beat")
    assert client.get("/m/add/worklogs/").context["log_text"] == ""
    services.worklog_upsert(
        actor=county.user("beat"),
        day=today() - dt.timedelta(days=1),
        text="昨天的日志",
        client_uuid=uuid.uuid4(),
    )
    services.worklog_upsert(
        actor=county.user("sibling"), day=today(), text="王芳的日志", client_uuid=uuid.uuid4()
    )
    assert client.get("/m/add/worklogs/").context["log_text"] == ""
    services.worklog_upsert(
        actor=county.user("beat"), day=today(), text="上午走访3户", client_uuid=uuid.uuid4()
    )
    html = client.get("/m/add/worklogs/").content.decode()
    # what is written so far is shown, not put into the box a save would replace
    shown = html.split('id="ws-log-so-far"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "上午走访3户" in shown
    box = html.split('id="f-text"', 1)[1].split("</textarea>", 1)[0]
    assert box.endswith(">")  # empty


def test_the_visit_form_offers_the_dwellings_of_my_areas(client, county):
    from tests.registry.data import build_registry

    registry = build_registry(county)
    login(client, county, "beat")
    page = client.get(reverse("workspace:add", args=["visits"]))
    assert page.status_code == 200
    assert [d.pk for d in page.context["dwellings"]] == [registry.dwellings["own"].pk]
    html = page.content.decode()
    assert 'name="dwelling"' in html and "建设路" in html and "刘沟大街" not in html
