"""The security admin imports accounts from the organisation's workbook (issue 12): created with
a one-time password shown once, updated where they exist, unchanged when equal; the separation of
the three admin roles holds row by row; all or nothing; the page is the security admin's."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cunjing.accounts import importer
from cunjing.accounts import services as account_services
from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM, Role
from cunjing.org import importer as org_importer
from cunjing.org import services as org
from cunjing.org.models import Aide, Officer, Unit
from tests.conftest import PERSONAS
from tests.county import PASSWORD

HEADER = ["username", "full_name", "role", "unit_code", "badge_number", "aide_phone"]


def xlsx(sheets: dict[str, list[list]], header: list[str] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(header or HEADER if title in ("accounts", "账号") else ["code", "name", "kind"])
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(county, data: bytes, actor="secadmin", filename=""):
    return importer.import_accounts(
        actor=county.user(actor), bureau=county.bureau, file=io.BytesIO(data), filename=filename
    )


def where(result) -> set[tuple[str, int | None, str]]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def table_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (User, Officer, Aide, Unit, AuditEvent))


@pytest.fixture
def coded(county):
    """The county with unit codes and an aide who has no account yet."""
    for key, code in [("station_a", "A-STA"), ("office_a", "A-OFF"), ("office_b", "B-OFF")]:
        org.unit_update(actor=SYSTEM, unit=county.units[key], code=code)
    county.aides["new"] = org.aide_create(
        actor=SYSTEM,
        area=county.areas["own"],
        name="蒋巡",
        kind="patroller",
        phone="13703759001",
    )
    return county


ROWS = [
    ["zhao-min", None, "包村社民警", None, "041004", None],  # the officer's unit (office_a)
    ["jiang-xun", "", "两员", "", None, "137 0375 9001"],  # the unit serving the aide's area
    ["qian-ke", "钱科", "中心警务室负责人", "A-OFF", None, None],
    ["sun-ju", "孙局", "commander", 410499, None, None],
    ["shen-ji", "审计二", "Audit admin", "410499", None, None],  # another admin role: allowed
]


def test_accounts_are_created_with_one_time_passwords_shown_once(coded):
    county = coded
    mark = last_event_id()
    result = run(county, xlsx({"账号": ROWS}), filename="accounts.xlsx")
    assert result.errors == []
    assert result.created == {"accounts": 5}
    assert [(p.username, p.name) for p in result.passwords] == [
        ("zhao-min", "赵敏"),
        ("jiang-xun", "蒋巡"),
        ("qian-ke", "钱科"),
        ("sun-ju", "孙局"),
        ("shen-ji", "审计二"),
    ]
    users = {u.username: u for u in User.objects.filter(username__in=[r[0] for r in ROWS])}
    for entry in result.passwords:
        user = users[entry.username]
        assert user.check_password(entry.password) and user.must_change_password
    zhao, jiang = users["zhao-min"], users["jiang-xun"]
    assert (zhao.role, zhao.officer, zhao.unit) == (
        Role.BEAT_OFFICER,
        county.officers["community_a"],
        county.units["office_a"],
    )
    assert (jiang.role, jiang.aide, jiang.unit) == (
        Role.AIDE,
        county.aides["new"],
        county.units["ws_own"],
    )
    assert (users["qian-ke"].role, users["qian-ke"].unit) == (
        Role.OFFICE_LEADER,
        county.units["office_a"],
    )
    assert users["sun-ju"].unit == users["shen-ji"].unit == county.units["bureau"]
    assert users["shen-ji"].role == Role.AUDITOR

    events = new_events(mark)
    assert [e.action for e in events] == ["user.create"] * 5 + ["user.import"]
    summary = events[-1]
    assert summary.actor == county.user("secadmin")
    assert summary.after["file"] == "accounts.xlsx"
    assert summary.after["created"] == {"accounts": 5}
    trail = json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)
    assert not any(entry.password in trail for entry in result.passwords)
    assert result.passwords[0].password not in repr(result.passwords)  # nor in tracebacks

    # The same file again: nothing changes, no password is issued.
    mark = last_event_id()
    again = run(county, xlsx({"账号": ROWS}))
    assert again.errors == [] and again.passwords == []
    assert (again.created, again.updated, again.unchanged) == (
        {"accounts": 0},
        {"accounts": 0},
        {"accounts": 5},
    )
    assert [e.action for e in new_events(mark)] == ["user.import"]


def test_existing_accounts_are_updated_where_they_differ(coded):
    county = coded
    mark = last_event_id()
    rows = [
        # the office leader becomes the station leader of 甲派出所, with a name
        ["office-leader", "甲所长", "派出所领导", "A-STA", None, None],
        # the beat officer's row as it is: the officer's unit and name
        ["beat", None, "包村社民警", None, "041001", None],
        # the inspector keeps role and unit, gets a name
        ["inspector", "督察甲", "督察人员", "410499", None, None],
    ]
    result = run(county, xlsx({"accounts": rows}))
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (
        {"accounts": 0},
        {"accounts": 2},
        {"accounts": 1},
    )
    leader = User.objects.get(pk=county.user("office_leader").pk)
    assert (leader.role, leader.unit, leader.full_name) == (
        Role.STATION_LEADER,
        county.units["station_a"],
        "甲所长",
    )
    assert User.objects.get(pk=county.user("inspector").pk).full_name == "督察甲"
    events = new_events(mark)
    assert [e.action for e in events] == ["user.update", "user.update", "user.import"]
    assert events[0].before["role"] == "office_leader" and events[0].after["role"] == (
        "station_leader"
    )
    assert result.passwords == []


def test_an_officer_transferred_takes_the_account_along_when_the_unit_is_blank(coded):
    county = coded
    org.officer_transfer(
        actor=SYSTEM, officer=county.officers["own"], unit=county.units["ws_sibling"]
    )
    result = run(county, xlsx({"accounts": [["beat", "张伟", "包村社民警", "", "041001", ""]]}))
    assert result.errors == [] and result.updated == {"accounts": 1}
    assert User.objects.get(username="beat").unit == county.units["ws_sibling"]


def test_the_separation_of_the_admin_roles_holds_row_by_row(coded):
    county = coded
    before = table_counts()
    rows = [
        ["qian-ke", "钱科", "中心警务室负责人", "A-OFF", None, None],  # 2: fine
        ["sec-2", "安全二", "安全管理员", "410499", None, None],  # 3: own admin role
        ["secadmin", "安全一", "审计管理员", "410499", None, None],  # 4: own account
        ["auditor", None, "secadmin", "410499", None, None],  # 5: into own admin role
    ]
    with translation.override("en"):
        result = run(county, xlsx({"accounts": rows}))
    assert table_counts() == before
    assert result.passwords == [] and result.created == {"accounts": 0}
    assert where(result) == {
        ("accounts", 3, "role"),
        ("accounts", 4, "username"),
        ("accounts", 5, "role"),
    }
    messages = {e.row: e.message for e in result.errors}
    assert (
        messages[3]
        == messages[5]
        == ("An administrator cannot create or change an account of their own role.")
    )
    assert messages[4] == "You cannot administer your own account."
    assert not User.objects.filter(username="qian-ke").exists()
    # The system admin creates no account: not through this import either.
    with pytest.raises(PermissionDenied):
        run(county, xlsx({"accounts": rows[:1]}), actor="sysadmin")
    with pytest.raises(PermissionDenied):
        run(county, xlsx({"accounts": rows[:1]}), actor="commander")


def test_row_errors_are_listed_and_nothing_is_saved(coded):
    county = coded
    other = org.bureau_create(actor=SYSTEM, name="另一县公安局", code="410500")
    account_services.user_create(
        actor=SYSTEM,
        username="elsewhere",
        password=PASSWORD,
        role=Role.COMMANDER,
        unit=org.bureau_root_unit(other),
    )
    rows = [
        ["ok-1", "好人", "局指挥员", "410499", None, None],  # 2: fine
        ["bad-1", "某", "包村社民警", None, "999999", None],  # 3: no such officer
        ["bad-2", "某", "包村社民警", None, "041005", "13703759001"],  # 4: both
        ["bad-3", "某", "局指挥员", "NOPE", None, None],  # 5: no such unit
        ["bad-4", "某", "局长", "410499", None, None],  # 6: no such role
        ["ok-1", "重复", "局指挥员", "410499", None, None],  # 7: username repeated
        ["elsewhere", "某", "局指挥员", "410499", None, None],  # 8: another bureau's
        ["bad-5", "某", "包村社民警", "A-OFF", None, None],  # 9: a beat officer needs one
        ["beat", None, "包村社民警", None, "041002", None],  # 10: linked to another officer
        ["bad-6", "某", "中心警务室负责人", "A-STA", None, None],  # 11: a station
        ["bad-7", "某", "督察人员", None, None, None],  # 12: no unit at all
        ["bad-8", "某", "两员", None, None, "13903751009"],  # 13: that aide has an account
        [None, "某", "督察人员", "410499", None, None],  # 14: no username
    ]
    before = table_counts()
    with translation.override("en"):
        result = run(county, xlsx({"accounts": rows}))
    assert table_counts() == before
    assert where(result) == {
        ("accounts", 3, "badge_number"),
        ("accounts", 4, "aide_phone"),
        ("accounts", 5, "unit_code"),
        ("accounts", 6, "role"),
        ("accounts", 7, "username"),
        ("accounts", 8, "username"),
        ("accounts", 9, "badge_number"),
        ("accounts", 10, "badge_number"),
        ("accounts", 11, "unit_code"),
        ("accounts", 12, "unit_code"),
        ("accounts", 13, "aide_phone"),
        ("accounts", 14, "username"),
    }
    messages = {e.row: e.message for e in result.errors}
    assert "the system admin imports the officers first" in messages[3]
    assert messages[6].startswith("“局长” is not a valid choice: use one of 包村社民警")
    assert messages[7] == "This value is already used on row 2."
    assert messages[8] == "A user with that username already exists."
    assert messages[9] == "A beat officer's account must be linked to an officer."
    assert messages[11] == "This role cannot have this kind of unit as its jurisdiction."
    assert not User.objects.filter(username="ok-1").exists()


def test_the_organisations_workbook_serves_both_admins(coded):
    """The system admin imports the organisation's template (its accounts sheet ignored), then
    the security admin the same file (its organisation's sheets ignored)."""
    county = coded
    data = org_importer.build_template(county.bureau)
    org_result = org_importer.import_org(
        actor=county.user("sysadmin"), bureau=county.bureau, file=io.BytesIO(data)
    )
    assert org_result.ok and org_result.ignored == ["accounts"]
    before = User.objects.count()
    result = run(county, data)
    assert result.errors == [], result.errors
    assert result.created == {"accounts": 1}
    assert result.ignored == ["units", "areas", "coverage", "officers", "aides", "beats"]
    assert User.objects.count() == before + 1
    user = User.objects.get(username=result.passwords[0].username)
    officer = Officer.objects.get(bureau=county.bureau, badge_number__startswith="EX")
    assert (user.role, user.officer, user.unit) == (Role.STATION_LEADER, officer, officer.unit)
    # An accounts import of a workbook without an accounts sheet says what it looks for.
    with translation.override("en"):
        result = run(county, xlsx({"units": []}))
    assert "none of the sheets accounts (账号)" in result.errors[0].message


def test_the_accounts_template_imports_cleanly_as_it_is(coded):
    county = coded
    data = importer.build_template(county.bureau)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == [org_importer.TEMPLATE_README, "accounts"]
    assert list(next(wb["accounts"].iter_rows(values_only=True))) == HEADER
    wb.close()
    result = run(county, data)
    assert result.errors == [] and result.created == {"accounts": 1}
    assert User.objects.get(username="example-inspector").role == Role.INSPECTOR
    # a second template picks a fresh username
    assert run(county, importer.build_template(county.bureau)).created == {"accounts": 1}


# --- The page ----------------------------------------------------------------------------------


def sign_in(client, county, persona: str) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": county.user(persona).username, "password": PASSWORD},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "secadmin"])
def test_page_is_for_the_security_admin_only(coded, client, persona):
    county = coded
    sign_in(client, county, persona)
    assert client.get(reverse("accounts:import")).status_code == 403
    assert client.get(reverse("accounts:import_template")).status_code == 403
    before = table_counts()
    upload = SimpleUploadedFile("accounts.xlsx", xlsx({"accounts": ROWS}))
    assert client.post(reverse("accounts:import"), {"file": upload}).status_code == 403
    assert table_counts() == before


@pytest.mark.parametrize("name", ["accounts:import", "accounts:import_template"])
def test_page_sends_anonymous_users_to_sign_in(county, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_page_shows_the_one_time_passwords_once(coded, client):
    county = coded
    client.cookies["django_language"] = "en"
    sign_in(client, county, "secadmin")
    page = client.get(reverse("accounts:import"))
    assert page.status_code == 200
    assert reverse("accounts:import_template").encode() in page.content
    upload = SimpleUploadedFile("accounts.xlsx", xlsx({"accounts": ROWS}))
    response = client.post(reverse("accounts:import"), {"file": upload})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    result = response.context["result"]
    assert len(result.passwords) == 5
    assert 'id="one-time-passwords"' in html and "data-print" in html and "print.js" in html
    for entry in result.passwords:
        assert f"<td>{entry.name}</td>" in html and entry.password in html
    # They are nowhere else: not in the trail, and the next page shows none.
    trail = json.dumps(list(AuditEvent.objects.values_list("before", "after")))
    assert not any(entry.password in trail for entry in result.passwords)
    again = client.get(reverse("accounts:import"))
    assert not any(entry.password in again.content.decode() for entry in result.passwords)


def test_page_template_download(coded, client):
    sign_in(client, coded, "secadmin")
    response = client.get(reverse("accounts:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert run(coded, response.content).created == {"accounts": 1}


def test_page_row_errors_answer_422_with_the_error_table(coded, client):
    county = coded
    client.cookies["django_language"] = "en"
    sign_in(client, county, "secadmin")
    data = xlsx({"accounts": [*ROWS, ["sec-2", "安全二", "安全管理员", "410499", None, None]]})
    before = table_counts()
    response = client.post(
        reverse("accounts:import"), {"file": SimpleUploadedFile("accounts.xlsx", data)}
    )
    assert response.status_code == 422
    assert table_counts() == before
    html = response.content.decode()
    assert 'id="import-errors"' in html and 'id="one-time-passwords"' not in html
    assert "An administrator cannot create or change an account of their own role." in html
    assert where(response.context["result"]) == {("accounts", 7, "role")}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"name,role\nx,y\n", "not an Excel workbook"),
        (b"", None),  # an empty upload is a form error
        (None, None),  # no file at all
        ("big", "larger than the limit"),
    ],
)
def test_page_refuses_bad_uploads_with_422(coded, client, settings, payload, fragment):
    client.cookies["django_language"] = "en"
    sign_in(client, coded, "secadmin")
    if payload == "big":
        settings.IMPORT_MAX_BYTES = 1000
        payload = xlsx({"accounts": ROWS * 20})
    files = {} if payload is None else {"file": SimpleUploadedFile("a.xlsx", payload)}
    before = table_counts()
    response = client.post(reverse("accounts:import"), files)
    assert response.status_code == 422
    assert table_counts() == before
    if fragment:
        assert fragment in response.content.decode().replace("\xa0", " ")
