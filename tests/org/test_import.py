"""Importing the organisation from a workbook: the service, the command and the page."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.org import importer
from cunjing.org import services as org
from cunjing.org.importer import RowError, import_org
from cunjing.org.models import Area, Beat, Coverage, Officer, Unit
from tests.conftest import PERSONAS

HEADERS = {
    "units": [
        "code",
        "name",
        "kind",
        "parent_code",
        "address",
        "phone",
        "latitude",
        "longitude",
    ],
    "areas": ["division_code", "name", "kind", "parent_division_code", "latitude", "longitude"],
    "coverage": ["unit_code", "division_code"],
    "officers": ["badge_number", "name", "unit_code", "title", "phone"],
    "beats": ["badge_number", "division_code", "start_date", "lead"],
}


def xlsx(sheets: dict[str, list[list]], headers: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with one sheet per key (title = key), the header row, then the rows."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        key = {
            "单位": "units",
            "区划": "areas",
            "服务范围": "coverage",
            "民警": "officers",
            "包村社": "beats",
        }.get(title, title)
        head = (headers or {}).get(title) or HEADERS.get(key)
        if head:
            ws.append(head)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Unit, Area, Coverage, Officer, Beat, AuditEvent))


def run(county, data: bytes, actor="sysadmin"):
    return import_org(
        actor=actor if actor is SYSTEM else county.user(actor),
        bureau=county.bureau,
        file=io.BytesIO(data),
    )


def where(result) -> set[tuple[str, int | None, str]]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


# A workbook that touches every sheet: rows out of order (children first), Chinese sheet names
# and labels, numeric code cells, date cells and text dates, references to rows of this workbook
# and to rows already in the county (410499200000 甲乡, 410499200201 瓦房沟村, badge 041001).
GOOD = {
    "单位": [
        ["C-WS", "丙警务工作站", "警务工作站", "C-OFF", None, "0375-8123401", None, None],
        ["C-OFF", "丙中心警务室", "office", "C-STA", "丙镇中心路", None, "33.3", 113.5],
        ["C-STA", "丙派出所", "派出所", None, "丙镇", 3758123402, 33.31, 113.51],
    ],
    "区划": [
        [410499300201.0, "丙村", "村", 410499300000, None, None],
        ["410499300000", "丙镇", "镇", "410499000000", 33.3, 113.5],
        [" 410499200003 ", " 甲新社区 ", "社区", 410499200000, None, None],
    ],
    "服务范围": [
        ["C-STA", "410499300000"],
        ["C-WS", 410499300201],
        ["C-OFF", "410499200003"],
    ],
    "民警": [
        [41101, "孙丽", "C-WS", "民警", 13803751101],
        ["041102", "周杰", "C-OFF", None, "13803751102"],
    ],
    "包村社": [
        ["41101", "410499300201", dt.datetime(2015, 1, 5), "是"],
        ["041001", "410499300201", "2015-03-01", "否"],
        ["041102", "410499200201", "2015/02/01", 0],
        ["041102", "410499200003", dt.date(2015, 2, 1), "yes"],
    ],
}


def test_good_workbook_imports_every_sheet_with_audit_events(county):
    before = counts()
    result = run(county, xlsx(GOOD))
    assert result.errors == []
    assert result.created == {
        "units": 3,
        "areas": 3,
        "coverage": 3,
        "officers": 2,
        "aides": 0,
        "beats": 4,
    }
    assert result.total_updated == 0 and result.total_unchanged == 0
    after = counts()
    assert [a - b for a, b in zip(after[:5], before[:5], strict=True)] == [3, 3, 3, 2, 4]
    # one event per row created, plus the import itself
    assert after[5] - before[5] == 15 + 1

    bureau = county.bureau
    station = Unit.objects.get(bureau=bureau, code="C-STA")
    office = Unit.objects.get(bureau=bureau, code="C-OFF")
    ws = Unit.objects.get(bureau=bureau, code="C-WS")
    assert station.get_parent() == county.units["bureau"]
    assert office.get_parent() == station and ws.get_parent() == office
    assert (office.kind, office.latitude, office.longitude) == ("office", 33.3, 113.5)
    assert station.phone == "+863758123402" and ws.phone == "+863758123401"

    village = Area.objects.get(bureau=bureau, division_code="410499300201")
    town = Area.objects.get(bureau=bureau, division_code="410499300000")
    community = Area.objects.get(bureau=bureau, division_code="410499200003")
    assert village.get_parent() == town and town.get_parent() == county.areas["county"]
    assert community.get_parent() == county.areas["township_a"]
    assert (community.name, village.kind, town.kind) == ("甲新社区", "village", "town")
    assert Coverage.objects.filter(unit=ws, area=village).exists()

    sun = Officer.objects.get(bureau=bureau, badge_number="41101")
    assert (sun.unit, sun.phone, sun.title) == (ws, "+8613803751101", "民警")
    beats = Beat.objects.filter(area=village, end_date__isnull=True)
    assert {(b.officer.badge_number, b.start_date, b.is_lead) for b in beats} == {
        ("41101", dt.date(2015, 1, 5), True),
        ("041001", dt.date(2015, 3, 1), False),
    }
    assert Beat.objects.get(
        officer__badge_number="041102", area=county.areas["own"]
    ).start_date == (dt.date(2015, 2, 1))

    actions = list(
        AuditEvent.objects.order_by("-id").values_list("action", flat=True)[: after[5] - before[5]]
    )
    assert actions[0] == "org.import"
    assert sorted(actions[1:]) == sorted(
        ["unit.create"] * 3
        + ["area.create"] * 3
        + ["coverage.create"] * 3
        + ["officer.create"] * 2
        + ["beat.create"] * 4
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event.actor == county.user("sysadmin")
    assert event.after["created"]["beats"] == 4


def test_errors_on_several_rows_and_sheets_save_nothing(county):
    sheets = {
        "units": [
            ["D-STA", "丁派出所", "派出所", None, None, None, None, None],  # row 2: fine
            ["D-BAD", "坏单位", "大队", None, None, None, None, None],  # row 3: kind
            ["D-WS", "丁工作站", "警务工作站", "D-STA", None, None, "北纬", None],  # 4: latitude
            ["D-STA", "重复", "派出所", None, None, None, None, None],  # row 5: repeated code
            ["D-OFF", "丁警务室", "中心警务室", "NOPE", None, None, None, None],  # 6: parent
        ],
        "areas": [
            ["4104993", "短代码村", "村", "410499200000", None, None],  # row 2: code
            ["410499200201", "瓦房沟村", "村", "410499200000", None, None],  # row 3: exists
            ["410499400201", "孤村", "村", "410499400000", None, None],  # row 4: no parent
            ["410499500000", "丁镇", "镇", "410499000000", None, None],  # row 5: fine
            ["410499500201", "丁村", "县城", "410499500000", None, None],  # row 6: kind
        ],
        "coverage": [
            ["D-STA", "410499500000"],  # row 2: fine
            ["D-BAD", "410499500000"],  # row 3: that unit's row failed
            ["D-STA", "410499200201"],  # row 4: a station cannot serve a village
        ],
        "officers": [
            ["042001", "钱七", "D-STA", None, "12345"],  # row 2: phone
            ["042001", "钱七", "D-STA", None, "13803752001"],  # row 3: badge repeated
            ["042003", None, "D-STA", None, "13803752003"],  # row 4: name missing
        ],
        "beats": [
            ["041001", "410499200202", "2015-13-01", "是"],  # row 2: date
            ["999999", "410499200202", "2015-01-01", "否"],  # row 3: unknown officer
            ["041001", "410499200202", "2015-01-01", "也许"],  # row 4: lead
            ["041002", "410499100000", "2015-01-01", "否"],  # row 5: a town is not a beat area
        ],
    }
    before = counts()
    with translation.override("en"):
        result = run(county, xlsx(sheets))
    assert counts() == before
    assert result.created == dict.fromkeys(importer.ORG_SHEETS, 0)
    assert where(result) == {
        ("units", 3, "kind"),
        ("units", 4, "latitude"),
        ("units", 5, "code"),
        ("units", 6, "parent_code"),
        ("areas", 2, "division_code"),
        ("areas", 3, "division_code"),
        ("areas", 4, "parent_division_code"),
        ("areas", 6, "kind"),
        ("coverage", 3, "unit_code"),
        ("coverage", 4, "division_code"),
        ("officers", 2, "phone"),
        ("officers", 3, "badge_number"),
        ("officers", 4, "name"),
        ("beats", 2, "start_date"),
        ("beats", 3, "badge_number"),
        ("beats", 4, "lead"),
        ("beats", 5, "division_code"),
    }
    messages = {(e.sheet, e.row): e.message for e in result.errors}
    assert messages[("areas", 2)] == "The division code must be 12 digits."
    assert messages[("areas", 3)].startswith(
        "This row already exists with other values (latitude, longitude). Edit it on its page"
    )
    assert messages[("units", 5)] == "This value is already used on row 2."
    assert "NOPE" in messages[("units", 6)]
    assert "row with errors" in messages[("coverage", 3)]
    assert messages[("officers", 3)] == "This value is already used on row 2."
    assert messages[("beats", 2)] == "Enter a date as YYYY-MM-DD."


def test_duplicate_sheet_rows_and_loops_are_row_errors(county):
    sheets = {
        "units": [
            ["L1", "环一", "派出所", "L2", None, None, None, None],
            ["L2", "环二", "派出所", "L1", None, None, None, None],
            ["L3", "环下", "中心警务室", "L1", None, None, None, None],
        ],
        "beats": [
            ["041001", "410499200202", "2015-01-01", "是"],
            ["041003", "410499200202", "2015-01-01", "是"],
        ],
    }
    result = run(county, xlsx(sheets))
    assert where(result) == {
        ("units", 2, "parent_code"),
        ("units", 3, "parent_code"),
        ("units", 4, "parent_code"),
        ("beats", 3, "lead"),
    }


def test_row_numbers_are_excel_rows_with_blank_rows_skipped(county):
    sheets = {"areas": [[None] * 6, ["bad", "某村", "村", "410499200000", None, None]]}
    result = run(county, xlsx(sheets))
    assert where(result) == {("areas", 3, "division_code")}


def test_lead_handover_in_the_workbook_follows_the_start_dates(county):
    own = county.areas["own"].division_code
    sheets = {"beats": [["041002", own, "2016-01-01", "是"]]}
    result = run(county, xlsx(sheets))
    assert result.ok, result.errors
    lead = Beat.objects.get(area=county.areas["own"], end_date__isnull=True, is_lead=True)
    assert lead.officer.badge_number == "041002"


def test_the_bureau_answers_to_its_code_and_lead_history_is_replayed_in_order(county):
    sibling = county.areas["sibling"].division_code
    sheets = {
        "officers": [["042001", "钱七", "410499", "副局长", "13803752001"]],
        "beats": [  # 041002 has led 刘沟村 since 2014-09-01; two later handovers, rows reversed
            ["041003", sibling, "2017-01-01", "是"],
            ["042001", sibling, "2016-01-01", "是"],
        ],
    }
    result = run(county, xlsx(sheets))
    assert result.ok, result.errors
    assert Officer.objects.get(badge_number="042001").unit == county.units["bureau"]
    leads = Beat.objects.filter(area=county.areas["sibling"], is_lead=True).order_by("start_date")
    assert [(b.officer.badge_number, b.end_date) for b in leads] == [
        ("041002", dt.date(2016, 1, 1)),
        ("042001", dt.date(2017, 1, 1)),
        ("041003", None),
    ]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"name,code\n\xe7\x94\xb2,1\n", "not an Excel workbook"),
        (b"PK\x03\x04 not really a zip", "not an Excel workbook"),
    ],
)
def test_bad_files_are_clear_errors(county, data, fragment):
    before = counts()
    with translation.override("en"):
        result = run(county, data)
    assert counts() == before
    assert len(result.errors) == 1
    assert result.errors[0].row is None and fragment in result.errors[0].message


def test_a_zip_that_is_not_a_workbook_is_refused(county):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with translation.override("en"):
        result = run(county, buffer.getvalue())
    assert "not an Excel workbook" in result.errors[0].message


def test_too_big_file_is_refused(county, settings):
    settings.IMPORT_MAX_BYTES = 1000
    with translation.override("en"):
        result = run(county, xlsx(GOOD))
    messages = [e.message.replace("\xa0", " ") for e in result.errors]
    assert messages == ["The file is larger than the limit of 1000 bytes."]


def test_missing_required_columns_and_unknown_sheets(county):
    data = xlsx(
        {"notes": [["anything"]], "officers": [["042001", "钱七"]]},
        headers={"officers": ["badge_number", "name"]},
    )
    with translation.override("en"):
        result = run(county, data)
    assert where(result) == {("officers", 1, "unit_code"), ("officers", 1, "phone")}
    assert {e.message for e in result.errors} == {"This required column is missing."}
    with translation.override("en"):
        result = run(county, xlsx({"notes": [["anything"]]}))
    assert "none of the sheets" in result.errors[0].message


def test_a_sheet_given_twice_is_refused(county):
    result = run(county, xlsx({"units": [], "单位": []}))
    assert where(result) == {("单位", None, "")}


def test_too_many_rows_are_refused(county, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    rows = [[f"41049920{n:04d}", f"村{n}", "村", "410499200000", None, None] for n in range(4)]
    result = run(county, xlsx({"areas": rows}))
    assert where(result) == {("areas", 5, "")}
    assert Area.objects.filter(name="村0").count() == 0


def test_errors_are_capped(county, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ERRORS", 5)
    rows = [["bad", f"村{n}", "村", "410499200000", None, None] for n in range(10)]
    result = run(county, xlsx({"areas": rows}))
    assert len(result.errors) == 5 and result.truncated


def test_only_import_capability_may_import(county):
    with pytest.raises(PermissionDenied):
        run(county, xlsx(GOOD), actor="commander")


def test_system_import_as_the_system_actor(county):
    result = run(county, xlsx(GOOD), actor=SYSTEM)
    assert result.ok
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.role) == ("org.import", None, "system")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (410481100201, "410481100201"),
        (410481100201.0, "410481100201"),
        (" 410481100201 ", "410481100201"),
        (3.5, "3.5"),
        (None, ""),
        (dt.datetime(2015, 1, 5), "2015-01-05"),
    ],
)
def test_cell_text(value, text):
    assert importer.cell_text(value) == text


# --- The template ------------------------------------------------------------------------------


def test_template_examples_import_cleanly_into_the_county(county, client):
    client.cookies["django_language"] = "en"
    client.force_login(county.user("sysadmin"))
    response = client.get(reverse("org:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    data = b"".join(response.streaming_content) if response.streaming else response.content
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == [
        importer.TEMPLATE_README,
        "units",
        "areas",
        "coverage",
        "officers",
        "aides",
        "beats",
        "accounts",
    ]
    readme = " ".join(
        str(v) for row in wb[importer.TEMPLATE_README].iter_rows(values_only=True) for v in row if v
    )
    assert "EXAMPLES" in readme and "never imported" in readme
    for spec in importer.SHEETS:
        header = next(wb[spec.key].iter_rows(values_only=True))
        assert list(header) == [c.key for c in spec.columns]
    wb.close()

    before = counts()
    result = run(county, data)
    assert result.ok, result.errors
    assert result.created == {
        "units": 1,
        "areas": 2,
        "coverage": 1,
        "officers": 1,
        "aides": 1,
        "beats": 1,
    }
    assert result.ignored == ["accounts"]  # the security admin's
    assert counts()[0] == before[0] + 1
    # only the data sheets' example rows were imported; a second template picks fresh keys
    response = client.get(reverse("org:import_template"))
    assert run(county, response.content).ok


def test_template_for_a_fresh_bureau_creates_its_county(db):
    bureau = org.bureau_create(actor=SYSTEM, name="新县公安局", code="410588")
    data = importer.build_template(bureau)
    result = import_org(actor=SYSTEM, bureau=bureau, file=io.BytesIO(data))
    assert result.ok, result.errors
    assert Area.objects.get(bureau=bureau, depth=1).division_code == "410588000000"


# --- The command -------------------------------------------------------------------------------


def test_command_imports_and_prints_progress(county, tmp_path):
    path = tmp_path / "org.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_org", str(path), "--bureau", "410499", stdout=out)
    text = out.getvalue()
    assert "单位: 3 rows" in text and "包村社: 4 rows" in text
    assert "Imported: 15 created, 0 updated, 0 unchanged." in text
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.channel) == ("org.import", "command")
    # The same file again changes nothing, and says so.
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_org", str(path), "--bureau", "410499", stdout=out)
    assert "Imported: 0 created, 0 updated, 15 unchanged." in out.getvalue()


def test_command_uses_the_only_bureau_by_default(county, tmp_path):
    path = tmp_path / "org.xlsx"
    path.write_bytes(xlsx({"units": [GOOD["单位"][2]]}))
    call_command("import_org", str(path), stdout=io.StringIO())
    assert Unit.objects.filter(code="C-STA").exists()


def test_command_failure_lists_errors_and_exits_non_zero(county, tmp_path, settings):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx({"areas": [["4104993", "短代码村", "村", "410499200000", None, None]]}))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 error"):
        call_command("import_org", str(path), stdout=io.StringIO(), stderr=err)
    assert "areas, row 2, division_code: The division code must be 12 digits." in err.getvalue()

    for data, message in [
        (b"not a workbook", "not an Excel workbook"),
        (b"", "The file is empty."),
        (xlsx(GOOD), "larger than the limit"),
    ]:
        settings.IMPORT_MAX_BYTES = 1000
        path.write_bytes(data)
        err = io.StringIO()
        with translation.override("en"), pytest.raises(CommandError, match="1 error"):
            call_command("import_org", str(path), stdout=io.StringIO(), stderr=err)
        assert message in err.getvalue()
    assert not Unit.objects.filter(code="C-STA").exists()
    with pytest.raises(CommandError):
        call_command("import_org", str(tmp_path / "missing.xlsx"), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_org", str(path), "--bureau", "999999", stdout=io.StringIO())


def test_command_needs_a_bureau_when_there_are_several(county, tmp_path):
    org.bureau_create(actor=SYSTEM, name="另一县公安局", code="410500")
    path = tmp_path / "org.xlsx"
    path.write_bytes(xlsx(GOOD))
    with pytest.raises(CommandError):
        call_command("import_org", str(path), stdout=io.StringIO())


# --- The page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "sysadmin"])
@pytest.mark.parametrize("name", ["org:import", "org:import_template"])
def test_page_is_for_the_system_admin_only(county, client, persona, name):
    client.force_login(county.user(persona))
    assert client.get(reverse(name)).status_code == 403
    if name == "org:import":
        upload = SimpleUploadedFile("org.xlsx", xlsx(GOOD))
        before = counts()
        assert client.post(reverse(name), {"file": upload}).status_code == 403
        assert counts() == before


@pytest.mark.parametrize("name", ["org:import", "org:import_template"])
def test_page_sends_anonymous_users_to_sign_in(county, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_page_get_for_the_system_admin(county, client, django_assert_num_queries):
    client.force_login(county.user("sysadmin"))
    # session, user, then the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(5):
        response = client.get(reverse("org:import"))
    assert response.status_code == 200
    assert reverse("org:import_template").encode() in response.content
    assert b'enctype="multipart/form-data"' in response.content


def test_page_post_good_workbook_shows_counts(county, client):
    client.force_login(county.user("sysadmin"))
    upload = SimpleUploadedFile("org.xlsx", xlsx(GOOD))
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        response = client.post(reverse("org:import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["result"].created["units"] == 3
    assert Unit.objects.filter(code="C-STA").exists()
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.channel, event.after["file"]) == ("org.import", "web", "org.xlsx")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"hello", b"not an Excel workbook"),
        (b"", None),  # an empty upload is a form error
        (None, None),  # no file at all
    ],
)
def test_page_post_bad_file_is_422(county, client, data, fragment):
    client.cookies["django_language"] = "en"
    client.force_login(county.user("sysadmin"))
    payload = {} if data is None else {"file": SimpleUploadedFile("org.xlsx", data)}
    before = counts()
    response = client.post(reverse("org:import"), payload)
    assert response.status_code == 422
    assert counts() == before
    if fragment:
        assert fragment in response.content


def test_page_post_too_big_is_422(county, client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(county.user("sysadmin"))
    upload = SimpleUploadedFile("org.xlsx", xlsx(GOOD))
    response = client.post(reverse("org:import"), {"file": upload})
    assert response.status_code == 422
    assert len(response.context["result"].errors) == 1


def test_page_post_row_errors_render_the_error_table(county, client):
    client.force_login(county.user("sysadmin"))
    data = xlsx({"areas": [["4104993", "短代码村", "村", "410499200000", None, None]]})
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("org:import"),
        {"file": SimpleUploadedFile("org.xlsx", data)},
    )
    assert response.status_code == 422
    assert response.context["result"].errors == [
        RowError("areas", 2, "division_code", response.context["result"].errors[0].message)
    ]
    assert b'id="import-errors"' in response.content
    assert b"table-responsive" in response.content


# --- Properties --------------------------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["410499200000", "410499000000", "村", "镇", "社区", "county", "是", ""]),
)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=7), min_size=1, max_size=4))
def test_any_cells_in_the_areas_sheet_are_row_errors_or_rows(county, rows):
    data = xlsx({"areas": rows})
    with transaction.atomic():
        result = run(county, data)
        transaction.set_rollback(True)
    for error in result.errors:
        assert error.sheet == "areas" and error.row is not None and error.message
    assert result.ok or sum(result.created.values()) == 0


@hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.one_of(st.binary(max_size=300), st.just(b"PK\x03\x04").map(lambda b: b + b"\0" * 40))
)
def test_any_bytes_are_a_file_error_never_an_exception(county, data):
    result = run(county, data)
    assert not result.ok and result.errors[0].row is None


def test_areas_may_carry_a_geojson_boundary(county):
    import json

    from tests.county import square

    headers = {"区划": [*HEADERS["areas"], "边界"]}
    good = xlsx(
        {
            "区划": [
                ["410499300000", "丙镇", "镇", "410499000000", 33.3, 113.5, None],
                ["410499300201", "丙村", "村", "410499300000", 33.31, 113.51,
                 json.dumps(square(33.30, 113.50))],
            ]
        },
        headers,
    )  # fmt: skip
    result = run(county, good)
    assert result.errors == []
    village = Area.objects.get(bureau=county.bureau, division_code="410499300201")
    assert village.boundary == square(33.30, 113.50)
    assert (village.bbox_min_lat, village.bbox_max_lon) == (33.30, 113.52)
    bad = xlsx(
        {"区划": [["410499300202", "丁村", "村", "410499300000", None, None, "{not json"]]},
        headers,
    )
    result = run(county, bad)
    assert where(result) == {("区划", 2, "boundary")}
    assert not Area.objects.filter(division_code="410499300202").exists()
