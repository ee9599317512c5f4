"""Import a bureau's organisation from an Excel workbook, all or nothing.

The workbook has up to seven sheets, each with a header row: ``units``, ``areas``, ``coverage``,
``officers``, ``aides``, ``beats`` and ``accounts`` (or their Chinese names 单位, 区划, 服务范围,
民警, 辅助人员, 包村社, 账号). Any other sheet — the template's ``说明 README`` — is ignored. A row
may refer to a row of the same workbook or to an existing row of the bureau: units by code, areas
by division code, officers by badge number. Row order does not matter: parents are written
before their children.

:func:`import_org` (the system admin's) writes the first six sheets; the accounts sheet is the
security admin's (三权分立): ``cunjing.accounts.importer`` reads the same workbook with the
machinery of this module (:class:`Sheet`, :func:`load`, :class:`Run`, :class:`Row`,
:class:`ImportResult`) and writes only that sheet. Each import ignores the other's sheets and
says so in its result.

Create or update, so that the same workbook imported twice changes nothing the second time:

- officers are found by badge number, aides by phone (among active aides). A new key is
  created; an existing one is updated with the columns that differ (``officer_update`` /
  ``aide_update``), and an officer whose unit differs is transferred to it from today
  (``officer_transfer``). A row equal to what is stored is unchanged: no write, no audit event;
- units, areas, coverage and beats are only created: a row whose key exists with the same
  values is unchanged (skipped); with other values it is a row error (the row is to be edited on
  its page, not by import).

A column left out of a sheet's header is neither compared nor changed; a column present with an
empty cell means empty. The result counts, per sheet, the rows created, updated and unchanged.

Every write goes through the org services (which validate it and write its audit event), each
in its own savepoint, so one run reports as many row errors as it can find. If there is any error,
the whole transaction is rolled back and nothing is saved; the result lists every error with the
sheet, the row number as Excel shows it, the column and a message. A run that saves writes one
summary audit event (``org.import``) with the counts.

:func:`build_template` writes the matching template, with one worked example per sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunjing.core import audit
from cunjing.core.errors import field_errors
from cunjing.core.roles import Capability, Role, has_capability, is_system
from cunjing.core.validators import DIVISION_CODE_RE, normalize_phone
from cunjing.org import geo, services
from cunjing.org.models import (
    Aide,
    AideKind,
    AideSubtype,
    Area,
    AreaKind,
    Beat,
    Bureau,
    Coverage,
    Officer,
    Unit,
    UnitKind,
)

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000  # data rows per sheet
MAX_ERRORS = 500  # errors reported per run; the run stops once it has this many
MAX_UNPACKED_FACTOR = 30  # an .xlsx is a zip: refuse one that unpacks past 30 × the size limit
TEMPLATE_README = "说明 README"  # Excel forbids "/" in sheet names

# The sheets :func:`import_org` writes, in the order it writes them.
ORG_SHEETS = ("units", "areas", "coverage", "officers", "aides", "beats")
ACCOUNTS = "accounts"  # the security admin's sheet (cunjing.accounts.importer)


# --- Result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` is the row number Excel shows (None for the file as a whole)."""

    sheet: str
    row: int | None
    column: str
    message: str


@dataclass
class ImportResult:
    """What a run did, per sheet key (in the order written), or why it saved nothing."""

    created: dict[str, int] = field(default_factory=dict)  # sheet key → rows created
    errors: list[RowError] = field(default_factory=list)
    truncated: bool = False  # more errors than MAX_ERRORS: only the first are listed
    updated: dict[str, int] = field(default_factory=dict)  # sheet key → rows updated
    unchanged: dict[str, int] = field(default_factory=dict)  # sheet key → rows equal to the data
    ignored: list[str] = field(default_factory=list)  # sheet titles another import writes

    @classmethod
    def for_sheets(cls, keys: Iterable[str], **kwargs: Any) -> ImportResult:
        keys = list(keys)
        return cls(
            created=dict.fromkeys(keys, 0),
            updated=dict.fromkeys(keys, 0),
            unchanged=dict.fromkeys(keys, 0),
            **kwargs,
        )

    @classmethod
    def failed(cls, errors: list[RowError]) -> ImportResult:
        return cls(errors=errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    @property
    def total_unchanged(self) -> int:
        return sum(self.unchanged.values())

    def count(self, key: str, outcome: str) -> None:
        """One more row of sheet ``key`` with ``outcome``: created, updated or unchanged."""
        counts = getattr(self, outcome)
        counts[key] = counts.get(key, 0) + 1

    def clear_counts(self) -> None:
        """Nothing was saved after all (the run is rolled back)."""
        for counts in (self.created, self.updated, self.unchanged):
            for key in counts:
                counts[key] = 0

    def created_rows(self) -> list[tuple[str, str, int]]:
        """``(key, label, created)`` for every sheet of the run, in workbook order."""
        return [(key, label, self.created.get(key, 0)) for key, label, *_rest in self.sheet_rows()]

    def sheet_rows(self) -> list[tuple[str, str, int, int, int]]:
        """``(key, label, created, updated, unchanged)`` for every sheet of the run."""
        return [
            (
                key,
                str(SHEET_BY_KEY[key].label),
                self.created.get(key, 0),
                self.updated.get(key, 0),
                self.unchanged.get(key, 0),
            )
            for key in self.created
        ]

    def summary(self) -> dict[str, Any]:
        """The counts, for the run's summary audit event."""
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "ignored": list(self.ignored),
        }


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class TooManyErrors(Exception):
    pass


# --- Workbook layout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    required: bool  # the column must be present and every row must fill it
    help: Any  # lazy text for the README
    aliases: tuple[str, ...] = ()
    text: bool = False  # written as text in the template (codes keep their leading zeros)


@dataclass(frozen=True)
class Sheet:
    key: str
    alias: str
    label: Any
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


UNIT_KINDS: dict[str, str] = {
    "station": UnitKind.STATION,
    "派出所": UnitKind.STATION,
    "office": UnitKind.OFFICE,
    "central office": UnitKind.OFFICE,
    "中心警务室": UnitKind.OFFICE,
    "workstation": UnitKind.WORKSTATION,
    "警务工作站": UnitKind.WORKSTATION,
}
AREA_KINDS: dict[str, str] = {
    "county": AreaKind.COUNTY,
    "县": AreaKind.COUNTY,
    "市": AreaKind.COUNTY,
    "县级市": AreaKind.COUNTY,
    "区": AreaKind.COUNTY,
    "township": AreaKind.TOWNSHIP,
    "乡": AreaKind.TOWNSHIP,
    "town": AreaKind.TOWN,
    "镇": AreaKind.TOWN,
    "subdistrict": AreaKind.SUBDISTRICT,
    "街道": AreaKind.SUBDISTRICT,
    "village": AreaKind.VILLAGE,
    "村": AreaKind.VILLAGE,
    "community": AreaKind.COMMUNITY,
    "社区": AreaKind.COMMUNITY,
}
AIDE_KINDS: dict[str, str] = {
    "巡防队员": AideKind.PATROLLER,
    "治保人员": AideKind.SECURITY_MEMBER,
    "patroller": AideKind.PATROLLER,
    "security_member": AideKind.SECURITY_MEMBER,
    "security member": AideKind.SECURITY_MEMBER,
}
AIDE_SUBTYPES: dict[str, str] = {
    "大学生村官": AideSubtype.GRADUATE_OFFICIAL,
    "驻村干部": AideSubtype.RESIDENT_CADRE,
    "治保主任": AideSubtype.SECURITY_DIRECTOR,
    "村干部": AideSubtype.VILLAGE_CADRE,
    "其他": AideSubtype.OTHER,
    **{subtype.value: subtype.value for subtype in AideSubtype},
    "graduate village official": AideSubtype.GRADUATE_OFFICIAL,
    "resident cadre": AideSubtype.RESIDENT_CADRE,
    "security director": AideSubtype.SECURITY_DIRECTOR,
    "village cadre": AideSubtype.VILLAGE_CADRE,
}
# The roles by their Chinese names, as the accounts sheet writes them (the values work too).
ROLE_NAMES: dict[str, str] = {
    "包村社民警": Role.BEAT_OFFICER,
    "两员": Role.AIDE,
    "中心警务室负责人": Role.OFFICE_LEADER,
    "派出所领导": Role.STATION_LEADER,
    "局指挥员": Role.COMMANDER,
    "督察人员": Role.INSPECTOR,
    "系统管理员": Role.SYSADMIN,
    "安全管理员": Role.SECADMIN,
    "审计管理员": Role.AUDITOR,
}
YES = frozenset({"是", "yes", "y", "true", "1", "√"})
NO = frozenset({"否", "no", "n", "false", "0", ""})

_CODE_HELP = gettext_lazy("12 digits, e.g. 410481100201")

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "units",
        "单位",
        gettext_lazy("Units"),
        (
            Column(
                "code",
                True,
                gettext_lazy("Unit code, unique in the bureau"),
                ("代码", "单位代码"),
                text=True,
            ),
            Column("name", True, gettext_lazy("Name"), ("名称", "单位名称")),
            Column(
                "kind",
                True,
                gettext_lazy("station / office / workstation (派出所 / 中心警务室 / 警务工作站)"),
                ("类型", "单位类型"),
            ),
            Column(
                "parent_code",
                False,
                gettext_lazy(
                    "Code of the parent unit; blank (or the bureau's 6-digit code) = the bureau"
                ),
                ("上级代码", "上级单位代码"),
                text=True,
            ),
            Column("address", False, gettext_lazy("Address"), ("地址",)),
            Column("phone", False, gettext_lazy("Phone"), ("电话",), text=True),
            Column("latitude", False, gettext_lazy("Latitude (WGS-84)"), ("纬度",)),
            Column("longitude", False, gettext_lazy("Longitude (WGS-84)"), ("经度",)),
        ),
    ),
    Sheet(
        "areas",
        "区划",
        gettext_lazy("Areas"),
        (
            Column("division_code", True, _CODE_HELP, ("区划代码",), text=True),
            Column("name", True, gettext_lazy("Name"), ("名称", "区划名称")),
            Column(
                "kind",
                True,
                gettext_lazy(
                    "county / township / town / subdistrict / village / community "
                    "(县 / 乡 / 镇 / 街道 / 村 / 社区)"
                ),
                ("类型", "区划类型"),
            ),
            Column(
                "parent_division_code",
                False,
                gettext_lazy("Division code of the parent area; blank only for the county"),
                ("上级区划代码",),
                text=True,
            ),
            Column("latitude", False, gettext_lazy("Latitude (WGS-84)"), ("纬度",)),
            Column("longitude", False, gettext_lazy("Longitude (WGS-84)"), ("经度",)),
            Column(
                "boundary",
                False,
                gettext_lazy(
                    "Boundary: a GeoJSON Polygon or MultiPolygon in WGS-84 (longitude, latitude)"
                ),
                ("边界",),
                text=True,
            ),
        ),
    ),
    Sheet(
        "coverage",
        "服务范围",
        gettext_lazy("Coverage"),
        (
            Column("unit_code", True, gettext_lazy("Code of the unit"), ("单位代码",), text=True),
            Column(
                "division_code",
                True,
                gettext_lazy("Division code of the area it serves"),
                ("区划代码",),
                text=True,
            ),
        ),
    ),
    Sheet(
        "officers",
        "民警",
        gettext_lazy("Officers"),
        (
            Column(
                "badge_number",
                True,
                gettext_lazy(
                    "Badge number, unique in the bureau: an existing officer is updated, "
                    "a new one created"
                ),
                ("警号",),
                text=True,
            ),
            Column("name", True, gettext_lazy("Name"), ("姓名",)),
            Column(
                "unit_code",
                True,
                gettext_lazy(
                    "Code of the officer's unit; another unit than today's transfers the "
                    "officer from today (their beats end)"
                ),
                ("单位代码",),
                text=True,
            ),
            Column("title", False, gettext_lazy("Title"), ("职务",)),
            Column("phone", True, gettext_lazy("Phone"), ("电话", "手机"), text=True),
        ),
    ),
    Sheet(
        "aides",
        "辅助人员",
        gettext_lazy("Aides"),
        (
            Column(
                "division_code",
                True,
                gettext_lazy("Division code of the aide's village or community"),
                ("区划代码",),
                text=True,
            ),
            Column("name", True, gettext_lazy("Name"), ("姓名",)),
            Column(
                "kind",
                True,
                gettext_lazy("巡防队员 / 治保人员 (patroller / security_member)"),
                ("类型", "人员类型"),
            ),
            Column(
                "subtype",
                False,
                gettext_lazy(
                    "A security member's subtype: 大学生村官 / 驻村干部 / 治保主任 / 村干部 / "
                    "其他; blank for a patroller"
                ),
                ("身份", "人员身份"),
            ),
            Column(
                "phone",
                True,
                gettext_lazy(
                    "Mobile number, unique among active aides: an aide with this number is "
                    "updated, else a new one created"
                ),
                ("手机", "电话", "手机号码"),
                text=True,
            ),
            Column(
                "started_on",
                False,
                gettext_lazy("First day of service: a date cell or YYYY-MM-DD"),
                ("开始日期", "上岗日期"),
            ),
        ),
    ),
    Sheet(
        "beats",
        "包村社",
        gettext_lazy("Beats"),
        (
            Column(
                "badge_number",
                True,
                gettext_lazy("Badge number of the officer"),
                ("警号",),
                text=True,
            ),
            Column(
                "division_code",
                True,
                gettext_lazy("Division code of the village or community"),
                ("区划代码",),
                text=True,
            ),
            Column(
                "start_date",
                True,
                gettext_lazy("First day on the beat: a date cell or YYYY-MM-DD"),
                ("开始日期",),
            ),
            Column(
                "lead",
                False,
                gettext_lazy("Lead officer of the area: 是 / 否 (yes / no, 1 / 0); blank = no"),
                ("主责", "是否主责"),
            ),
        ),
    ),
    Sheet(
        ACCOUNTS,
        "账号",
        gettext_lazy("Accounts"),
        (
            Column(
                "username",
                True,
                gettext_lazy(
                    "Username to sign in with: an existing account is updated, a new one "
                    "created with a one-time password"
                ),
                ("用户名", "账号"),
                text=True,
            ),
            Column(
                "full_name",
                False,
                gettext_lazy("Full name; blank = the officer's or the aide's name"),
                ("姓名",),
            ),
            Column(
                "role",
                True,
                gettext_lazy(
                    "Role: 包村社民警 / 两员 / 中心警务室负责人 / 派出所领导 / 局指挥员 / "
                    "督察人员 / 系统管理员 / 安全管理员 / 审计管理员 (or beat_officer, aide, "
                    "office_leader, station_leader, commander, inspector, sysadmin, secadmin, "
                    "auditor)"
                ),
                ("角色",),
            ),
            Column(
                "unit_code",
                False,
                gettext_lazy(
                    "Code of the unit the account sees (the bureau's 6-digit code for the bureau); "
                    "blank = the officer's unit, or the unit serving the aide's area"
                ),
                ("单位代码",),
                text=True,
            ),
            Column(
                "badge_number",
                False,
                gettext_lazy("For an officer's account: the officer's badge number"),
                ("警号",),
                text=True,
            ),
            Column(
                "aide_phone",
                False,
                gettext_lazy("For an aide's account: the aide's mobile number"),
                ("两员手机", "辅助人员手机"),
                text=True,
            ),
        ),
    ),
)
SHEET_BY_KEY: dict[str, Sheet] = {spec.key: spec for spec in SHEETS}

# The drop-down lists of the template's choice columns.
TEMPLATE_CHOICES: dict[tuple[str, str], list[str]] = {
    ("units", "kind"): ["派出所", "中心警务室", "警务工作站"],
    ("areas", "kind"): ["县", "乡", "镇", "街道", "村", "社区"],
    ("aides", "kind"): ["巡防队员", "治保人员"],
    ("aides", "subtype"): ["大学生村官", "驻村干部", "治保主任", "村干部", "其他"],
    ("beats", "lead"): ["是", "否"],
    (ACCOUNTS, "role"): list(ROLE_NAMES),
}


# --- Cell values -------------------------------------------------------------------------------


class CellError(Exception):
    pass


def cell_text(value: Any) -> str:
    """A cell as stripped text; whole numbers lose their ``.0``: 410481100201.0 → "410481100201"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def cell_number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellError(_("Enter a number."))
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise CellError(_("Enter a number.")) from None
    if not math.isfinite(number):
        raise CellError(_("Enter a number."))
    return number


_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def cell_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = _DATE_RE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError(_("Enter a date as YYYY-MM-DD."))


def cell_flag(value: Any) -> bool:
    text = cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("Enter 是 or 否 (yes or no)."))


def cell_choice(
    value: Any, choices: dict[str, str], *, kind: bool = True, shown: Iterable[str] = ()
) -> str | None:
    """The value ``choices`` maps the cell to (keys in lower case), ``None`` for an empty cell.
    ``kind``: the message calls it a kind (else a choice); ``shown``: the names the message
    offers (default: every key)."""
    text = cell_text(value)
    if not text:
        return None
    found = choices.get(text.lower())
    if found is None:
        names = ", ".join(shown or choices)
        if kind:
            message = _("“%(value)s” is not a valid kind: use one of %(choices)s.")
        else:
            message = _("“%(value)s” is not a valid choice: use one of %(choices)s.")
        raise CellError(message % {"value": text[:40], "choices": names})
    return found


def cell_division_code(value: Any) -> str:
    text = cell_text(value)
    if text and not DIVISION_CODE_RE.match(text):
        raise CellError(_("The division code must be 12 digits."))
    return text


def cell_phone(value: Any) -> str:
    """A phone number in E.164 form (how phones are stored), "" for an empty cell."""
    text = cell_text(value)
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


# --- Reading the workbook ----------------------------------------------------------------------


@dataclass
class SheetData:
    spec: Sheet
    title: str  # as the workbook names it
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _read_bytes(file: Any) -> bytes:
    """The upload's bytes, at most IMPORT_MAX_BYTES + 1 of them (enough to tell it is too big)."""
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as fh:
            return fh.read(limit + 1)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    return data if isinstance(data, bytes) else bytes(data)


def _match_sheet(title: str) -> Sheet | None:
    name = title.strip().lower()
    for spec in SHEETS:
        if name in (spec.key, spec.alias):
            return spec
    return None


def _header_map(spec: Sheet, cells: tuple) -> tuple[dict[int, str], list[tuple[str, str]]]:
    names: dict[str, str] = {}
    for col in spec.columns:
        names[col.key] = col.key
        for alias in col.aliases:
            names[alias.lower()] = col.key
    mapping: dict[int, str] = {}
    problems: list[tuple[str, str]] = []
    for index, value in enumerate(cells):
        key = names.get(cell_text(value).lower())
        if key is None:
            continue
        if key in mapping.values():
            problems.append((key, _("This column appears more than once.")))
            continue
        mapping[index] = key
    for col in spec.columns:
        if col.required and col.key not in mapping.values():
            problems.append((col.key, _("This required column is missing.")))
    return mapping, problems


def _blank(cells: tuple) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)


def _read_sheet(ws, spec: Sheet, errors: list[RowError]) -> SheetData | None:
    data = SheetData(spec=spec, title=ws.title)
    mapping: dict[int, str] | None = None
    ws.reset_dimensions()  # the stored dimensions may be wrong; read every row there is
    for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
        if _blank(cells):
            continue
        if mapping is None:
            mapping, problems = _header_map(spec, cells)
            errors.extend(RowError(ws.title, number, col, msg) for col, msg in problems)
            if problems:
                return None
            continue
        if len(data.rows) >= MAX_ROWS:
            errors.append(
                RowError(
                    ws.title,
                    number,
                    "",
                    _("This sheet has more than %(max)d rows; split the workbook.")
                    % {"max": MAX_ROWS},
                )
            )
            return None
        values = {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}
        data.rows.append((number, values))
    return data


def read_workbook(
    raw: bytes, wanted: Collection[str]
) -> tuple[dict[str, SheetData], list[str], list[RowError]]:
    """Parse the bytes into the sheets ``wanted`` (keys of :data:`SHEETS`): those sheets, the
    titles of the workbook's other known sheets (left to another import, not read), and the
    structural problems (file errors, or header errors of a wanted sheet)."""
    import openpyxl

    limit = settings.IMPORT_MAX_BYTES
    not_xlsx = _("This file is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return {}, [], [RowError("", None, "", not_xlsx)]
    if unpacked > limit * MAX_UNPACKED_FACTOR:
        return {}, [], [RowError("", None, "", _("The workbook is too large once unpacked."))]

    errors: list[RowError] = []
    sheets: dict[str, SheetData] = {}
    ignored: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                for ws in wb.worksheets:
                    spec = _match_sheet(ws.title)
                    if spec is None:
                        continue  # the README sheet and any notes of the user's own
                    if spec.key not in wanted:
                        ignored.append(ws.title)
                        continue
                    if spec.key in sheets:
                        errors.append(
                            RowError(
                                ws.title,
                                None,
                                "",
                                _("The workbook has two %(sheet)s sheets; keep one.")
                                % {"sheet": spec.key},
                            )
                        )
                        continue
                    data = _read_sheet(ws, spec, errors)
                    if data is not None:
                        sheets[spec.key] = data
            finally:
                wb.close()
    except Exception:  # a damaged workbook can fail anywhere inside openpyxl
        logger.info("unreadable workbook", exc_info=True)
        return {}, [], [RowError("", None, "", not_xlsx)]
    if not errors and not sheets:
        errors.append(
            RowError(
                "",
                None,
                "",
                _("The workbook has none of the sheets %(names)s.")
                % {"names": ", ".join(f"{s.key} ({s.alias})" for s in SHEETS if s.key in wanted)},
            )
        )
    return sheets, ignored, errors


def load(
    file: Any, wanted: Collection[str]
) -> tuple[dict[str, SheetData], list[str], list[RowError]]:
    """Read the upload ``file`` (a path, an upload or any binary file object) within the size
    limits, then its sheets ``wanted``: see :func:`read_workbook`."""
    limit = settings.IMPORT_MAX_BYTES
    try:
        raw = _read_bytes(file)
    except OSError:
        return {}, [], [RowError("", None, "", _("The file could not be read."))]
    if not raw:
        return {}, [], [RowError("", None, "", _("The file is empty."))]
    if len(raw) > limit:
        message = _("The file is larger than the limit of %(limit)s.") % {
            "limit": filesizeformat(limit)
        }
        return {}, [], [RowError("", None, "", message)]
    return read_workbook(raw, wanted)


# --- Rows --------------------------------------------------------------------------------------


class Run:
    """State of one import: its actor, bureau and result, and which workbook keys failed (per
    sheet key in ``failed``) so that references to them say why."""

    def __init__(self, *, actor, bureau: Bureau, result: ImportResult, failed: Iterable[str] = ()):
        self.actor = actor
        self.bureau = bureau
        self.result = result
        self.failed: dict[str, set[str]] = {key: set() for key in failed}

    def error(self, sheet: SheetData, row: int, column: str, message: str) -> None:
        if len(self.result.errors) >= MAX_ERRORS:
            self.result.truncated = True
            raise TooManyErrors
        self.result.errors.append(RowError(sheet.title, row, column, str(message)))


class Row:
    """One data row: typed getters that record a cell error instead of raising."""

    def __init__(self, run: Run, sheet: SheetData, number: int, values: dict[str, Any]):
        self.run, self.sheet, self.number, self.values = run, sheet, number, values
        self.ok = True

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.run.error(self.sheet, self.number, column, message)

    def has(self, key: str) -> bool:
        """Whether the sheet has the column ``key`` (a column left out is not compared)."""
        return key in self.values

    def get(self, key: str, convert: Callable[[Any], Any] = cell_text) -> Any:
        try:
            value = convert(self.values.get(key))
        except CellError as exc:
            self.error(key, str(exc))
            return None
        if value in (None, "") and self.sheet.spec.column(key).required:
            self.error(key, _("This value is required."))
            return None
        return value

    def resolve(self, key: str, column: str, found: dict, what: str) -> Any:
        """Find the row a reference names: created in this run or already in the bureau."""
        if key in found:
            return found[key]
        if key in self.run.failed.get(what, ()):
            self.error(
                column, _("“%(key)s” is on a row with errors; fix that row first.") % {"key": key}
            )
        else:
            self.error(
                column,
                _("“%(key)s” is neither in this bureau nor in this workbook.") % {"key": key},
            )
        return None

    def write(
        self, fields: dict[str, str], fn: Callable[..., Any], *, denied_column: str = "", **kwargs
    ) -> Any:
        """Call a service in a savepoint; its validation errors become errors of this row (on
        the column ``fields`` maps the service's field to), a refusal an error on
        ``denied_column``."""
        try:
            with transaction.atomic():
                return fn(actor=self.run.actor, **kwargs)
        except ValidationError as exc:
            for name, messages in field_errors(exc).items():
                column = fields.get(name, name)
                if column not in {c.key for c in self.sheet.spec.columns}:
                    column = ""
                for message in messages:
                    self.error(column, message)
        except PermissionDenied as exc:
            self.error(denied_column, str(exc) or _("You do not have permission to do this."))
        except DatabaseError:
            logger.warning("import row failed", exc_info=True)
            self.error("", _("This row could not be saved."))
        return None

    def exists_with_other_values(self, column: str, columns: Sequence[str]) -> None:
        """The row's key exists with other values in a sheet the import only adds to."""
        self.error(
            column,
            _(
                "This row already exists with other values (%(columns)s). Edit it on its page: "
                "the import does not change existing units, areas, coverage or beats."
            )
            % {"columns": ", ".join(columns)},
        )


def rows(run: Run, sheet: SheetData | None) -> Iterator[Row]:
    if sheet is not None:
        for number, values in sheet.rows:
            yield Row(run, sheet, number, values)


Keyed = list[tuple[Row, Any, dict[str, Any]]]


def dedupe(run: Run, what: str, keyed: Keyed, column: str) -> Keyed:
    """The rows that may be written: valid so far, key not repeated in the sheet. New keys of
    rows with errors go to ``run.failed[what]`` so that references to them say why."""
    first: dict[Any, int] = {}
    kept: Keyed = []
    for row, key, data in keyed:
        if key in first:
            row.error(column, _("This value is already used on row %(row)d.") % {"row": first[key]})
        else:
            first[key] = row.number
            if row.ok:
                kept.append((row, key, data))
            elif what in run.failed:
                run.failed[what].add(key)
    return kept


def same_text(value: str | None, stored: str) -> bool:
    return (value or "") == (stored or "")


def same_number(value: float | None, stored: float | None) -> bool:
    if value is None or stored is None:
        return value is None and stored is None
    return math.isclose(value, stored, rel_tol=0, abs_tol=1e-9)


def same_phone(value: str | None, stored: str) -> bool:
    """Whether a typed phone is the stored one (stored in E.164)."""
    if not value:
        return not stored
    try:
        return normalize_phone(value) == stored
    except ValidationError:
        return False


def differences(row: Row, checks: Iterable[tuple[str, bool]]) -> list[str]:
    """The columns (present in the sheet) whose value differs from what is stored."""
    return [column for column, same in checks if row.has(column) and not same]


# --- Writing the organisation ------------------------------------------------------------------


class OrgRun(Run):
    """An organisation import: what exists in the bureau (read once, up front), what this run
    created, which workbook keys failed."""

    def __init__(self, *, actor, bureau: Bureau, result: ImportResult, filename: str = ""):
        super().__init__(
            actor=actor, bureau=bureau, result=result, failed=("units", "areas", "officers")
        )
        units = list(Unit.objects.filter(bureau=bureau))
        self.unit_by_path: dict[str, Unit] = {u.path: u for u in units}
        self.root = next(u for u in units if u.depth == 1)
        self.units: dict[str, Unit] = {u.code: u for u in units if u.code}
        self.units.setdefault(bureau.code, self.root)  # the bureau answers to its own code
        self.areas: dict[str, Area] = {
            a.division_code: a for a in Area.objects.filter(bureau=bureau)
        }
        self.area_by_path: dict[str, Area] = {a.path: a for a in self.areas.values()}
        self.officers: dict[str, Officer] = {
            o.badge_number: o for o in Officer.objects.filter(bureau=bureau)
        }
        if filename:
            note = _("Imported from %(file)s") % {"file": filename}
        else:
            note = _("Imported from a workbook")
        self.note = note[:200]

    @staticmethod
    def parent_pk(node: Unit | Area, by_path: dict) -> int | None:
        """The parent of an existing node, from the nodes read up front (no query)."""
        if node.depth <= 1:
            return None
        parent = by_path.get(node.path[: -node.steplen])
        return parent.pk if parent is not None else None


def _parents_first(run: Run, what: str, keyed: Keyed, parent_column: str) -> Keyed:
    """Order rows so that a parent defined in the workbook comes before its children, whatever
    the row order. Rows whose parents form a loop are reported and left out."""
    parent_of = {key: data[parent_column] or "" for _row, key, data in keyed}
    row_of = {key: row for row, key, _data in keyed}
    depth: dict[str, int] = {}
    loop = -1
    for _row, start, _data in keyed:
        chain: list[str] = []
        node = start
        while node in parent_of and node not in depth and node not in chain:
            chain.append(node)
            node = parent_of[node]
        if node in chain:
            cut = chain.index(node)
            for key in chain[cut:]:
                depth[key] = loop
                run.failed[what].add(key)
                row_of[key].error(parent_column, _("The parents of this row form a loop."))
            chain = chain[:cut]
            base = 0  # below a loop: the parent has failed, the order no longer matters
        elif node in depth:
            base = depth[node] + 1 if depth[node] != loop else 0
        else:
            base = 0  # the parent is the root, an existing row or unknown
        for key in reversed(chain):
            depth[key] = base
            base += 1
    kept = [item for item in keyed if depth[item[1]] != loop]
    return sorted(kept, key=lambda item: (depth[item[1]], item[0].number))


def _import_units(run: OrgRun, sheet: SheetData) -> None:
    keyed: Keyed = []
    for row in rows(run, sheet):
        data = {
            "code": row.get("code"),
            "name": row.get("name"),
            "kind": row.get("kind", lambda v: cell_choice(v, UNIT_KINDS)),
            "parent_code": row.get("parent_code"),
            "address": row.get("address"),
            "phone": row.get("phone"),
            "latitude": row.get("latitude", cell_number),
            "longitude": row.get("longitude", cell_number),
        }
        if data["code"]:
            keyed.append((row, data["code"], data))
    new: Keyed = []
    for row, code, data in dedupe(run, "units", keyed, "code"):
        unit = run.units.get(code)
        if unit is None:
            new.append((row, code, data))
            continue
        expected = run.units.get(data["parent_code"]) if data["parent_code"] else run.root
        parent_pk = run.parent_pk(unit, run.unit_by_path)
        diff = differences(
            row,
            [
                ("name", same_text(data["name"], unit.name)),
                ("kind", data["kind"] == unit.kind),
                ("parent_code", expected is not None and expected.pk == parent_pk),
                ("address", same_text(data["address"], unit.address)),
                ("phone", same_phone(data["phone"], unit.phone)),
                ("latitude", same_number(data["latitude"], unit.latitude)),
                ("longitude", same_number(data["longitude"], unit.longitude)),
            ],
        )
        if diff:
            row.exists_with_other_values("code", diff)
        else:
            run.result.count("units", UNCHANGED)
    for row, code, data in _parents_first(run, "units", new, "parent_code"):
        parent = run.root
        if data["parent_code"]:
            parent = row.resolve(data["parent_code"], "parent_code", run.units, "units")
        unit = None
        if parent is not None:
            unit = row.write(
                {"parent": "parent_code"},
                services.unit_create,
                parent=parent,
                kind=data["kind"],
                name=data["name"],
                code=code,
                address=data["address"] or "",
                phone=data["phone"] or "",
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
            if unit is None:
                parent.refresh_from_db(fields=["numchild"])  # the savepoint rolled the tree back
        if unit is None:
            run.failed["units"].add(code)
        else:
            run.units[code] = unit
            run.result.count("units", CREATED)


def _same_boundary(text: str | None, stored: dict | None) -> bool:
    try:
        cleaned, _bbox = geo.clean_boundary(text or None)
    except ValidationError:
        return False
    return cleaned == stored


def _import_areas(run: OrgRun, sheet: SheetData) -> None:
    keyed: Keyed = []
    for row in rows(run, sheet):
        data = {
            "division_code": row.get("division_code", cell_division_code),
            "name": row.get("name"),
            "kind": row.get("kind", lambda v: cell_choice(v, AREA_KINDS)),
            "parent_division_code": row.get("parent_division_code", cell_division_code),
            "latitude": row.get("latitude", cell_number),
            "longitude": row.get("longitude", cell_number),
            "boundary": row.get("boundary"),
        }
        if data["division_code"]:
            keyed.append((row, data["division_code"], data))
    new: Keyed = []
    for row, code, data in dedupe(run, "areas", keyed, "division_code"):
        area = run.areas.get(code)
        if area is None:
            new.append((row, code, data))
            continue
        parent_code = data["parent_division_code"]
        expected = run.areas.get(parent_code) if parent_code else None
        parent_pk = run.parent_pk(area, run.area_by_path)
        diff = differences(
            row,
            [
                ("name", same_text(data["name"], area.name)),
                ("kind", data["kind"] == area.kind),
                (
                    "parent_division_code",
                    (expected.pk if expected is not None else None) == parent_pk
                    and (expected is not None or not parent_code),
                ),
                ("latitude", same_number(data["latitude"], area.latitude)),
                ("longitude", same_number(data["longitude"], area.longitude)),
                ("boundary", _same_boundary(data["boundary"], area.boundary)),
            ],
        )
        if diff:
            row.exists_with_other_values("division_code", diff)
        else:
            run.result.count("areas", UNCHANGED)
    for row, code, data in _parents_first(run, "areas", new, "parent_division_code"):
        parent_code = data["parent_division_code"]
        parent = None
        if parent_code:
            parent = row.resolve(parent_code, "parent_division_code", run.areas, "areas")
        area = None
        if parent is not None or not parent_code:
            area = row.write(
                {"parent": "parent_division_code"},
                services.area_create,
                bureau=run.bureau,
                parent=parent,
                kind=data["kind"],
                name=data["name"],
                division_code=code,
                latitude=data["latitude"],
                longitude=data["longitude"],
                boundary=data["boundary"] or None,
            )
            if area is None and parent is not None:
                parent.refresh_from_db(fields=["numchild"])
        if area is None:
            run.failed["areas"].add(code)
        else:
            run.areas[code] = area
            run.result.count("areas", CREATED)


def _import_coverage(run: OrgRun, sheet: SheetData) -> None:
    existing = set(Coverage.objects.filter(bureau=run.bureau).values_list("unit_id", "area_id"))
    first: dict[tuple[str, str], int] = {}
    for row in rows(run, sheet):
        unit_code = row.get("unit_code")
        division_code = row.get("division_code", cell_division_code)
        if not row.ok:
            continue
        pair = (unit_code, division_code)
        if pair in first:
            row.error(
                "division_code",
                _("This value is already used on row %(row)d.") % {"row": first[pair]},
            )
            continue
        first[pair] = row.number
        unit = row.resolve(unit_code, "unit_code", run.units, "units")
        area = row.resolve(division_code, "division_code", run.areas, "areas")
        if unit is None or area is None:
            continue
        if (unit.pk, area.pk) in existing:
            run.result.count("coverage", UNCHANGED)
            continue
        fields = {"unit": "unit_code", "area": "division_code"}
        if row.write(fields, services.coverage_create, unit=unit, area=area) is not None:
            run.result.count("coverage", CREATED)


def _officer_change(
    *, actor, officer: Officer, changes: dict[str, Any], unit: Unit | None, note: str
) -> Officer:
    """An existing officer's row: the columns that differ through ``officer_update``, a new
    unit through ``officer_transfer`` (from today). Runs in the row's savepoint."""
    if changes:
        officer = services.officer_update(actor=actor, officer=officer, **changes)
    if unit is not None:
        officer = services.officer_transfer(actor=actor, officer=officer, unit=unit, note=note)
    return officer


def _import_officers(run: OrgRun, sheet: SheetData) -> None:
    keyed: Keyed = []
    for row in rows(run, sheet):
        data = {
            "badge_number": row.get("badge_number"),
            "name": row.get("name"),
            "unit_code": row.get("unit_code"),
            "title": row.get("title"),
            "phone": row.get("phone"),
        }
        if data["badge_number"]:
            keyed.append((row, data["badge_number"], data))
    fields = {"unit": "unit_code", "on": "unit_code"}
    for row, badge, data in dedupe(run, "officers", keyed, "badge_number"):
        unit = row.resolve(data["unit_code"], "unit_code", run.units, "units")
        officer = run.officers.get(badge)
        if officer is None:
            created = None
            if unit is not None:
                created = row.write(
                    fields,
                    services.officer_create,
                    unit=unit,
                    name=data["name"],
                    badge_number=badge,
                    phone=data["phone"],
                    title=data["title"] or "",
                )
            if created is None:
                run.failed["officers"].add(badge)
            else:
                run.officers[badge] = created
                run.result.count("officers", CREATED)
            continue
        if unit is None:
            continue
        changes: dict[str, Any] = {}
        if not same_text(data["name"], officer.name):
            changes["name"] = data["name"]
        if row.has("title") and not same_text(data["title"], officer.title):
            changes["title"] = data["title"] or ""
        if not same_phone(data["phone"], officer.phone):
            changes["phone"] = data["phone"]
        transfer = unit if unit.pk != officer.unit_id else None
        if not changes and transfer is None:
            run.result.count("officers", UNCHANGED)
            continue
        updated = row.write(
            fields, _officer_change, officer=officer, changes=changes, unit=transfer, note=run.note
        )
        if updated is not None:
            run.officers[badge] = updated
            run.result.count("officers", UPDATED)


def _import_aides(run: OrgRun, sheet: SheetData) -> None:
    kinds = TEMPLATE_CHOICES[("aides", "kind")]
    subtypes = TEMPLATE_CHOICES[("aides", "subtype")]
    keyed: Keyed = []
    for row in rows(run, sheet):
        data = {
            "division_code": row.get("division_code", cell_division_code),
            "name": row.get("name"),
            "kind": row.get("kind", lambda v: cell_choice(v, AIDE_KINDS, shown=kinds)),
            "subtype": row.get(
                "subtype", lambda v: cell_choice(v, AIDE_SUBTYPES, kind=False, shown=subtypes)
            ),
            "phone": row.get("phone", cell_phone),
            "started_on": row.get("started_on", cell_date),
        }
        if data["phone"]:
            keyed.append((row, data["phone"], data))
    active = {a.phone: a for a in Aide.objects.filter(bureau=run.bureau, is_active=True)}
    fields = {"area": "division_code"}
    for row, phone, data in dedupe(run, "aides", keyed, "phone"):
        area = row.resolve(data["division_code"], "division_code", run.areas, "areas")
        if area is None:
            continue
        aide = active.get(phone)
        if aide is None:
            made = row.write(
                fields,
                services.aide_create,
                area=area,
                name=data["name"],
                kind=data["kind"],
                phone=phone,
                subtype=data["subtype"] or "",
                started_on=data["started_on"],
            )
            if made is not None:
                run.result.count("aides", CREATED)
            continue
        changes: dict[str, Any] = {}
        if area.pk != aide.area_id:
            changes["area"] = area
        if not same_text(data["name"], aide.name):
            changes["name"] = data["name"]
        if data["kind"] != aide.kind:
            changes["kind"] = data["kind"]
        if row.has("subtype") and not same_text(data["subtype"], aide.subtype):
            changes["subtype"] = data["subtype"] or ""
        if row.has("started_on") and data["started_on"] != aide.started_on:
            changes["started_on"] = data["started_on"]
        if not changes:
            run.result.count("aides", UNCHANGED)
        elif row.write(fields, services.aide_update, aide=aide, **changes) is not None:
            run.result.count("aides", UPDATED)


def _import_beats(run: OrgRun, sheet: SheetData) -> None:
    found: list[tuple[Row, dict[str, Any]]] = []
    lead_rows: dict[tuple[str, dt.date], int] = {}
    first: dict[tuple[str, str, dt.date], int] = {}
    for row in rows(run, sheet):
        data = {
            "badge_number": row.get("badge_number"),
            "division_code": row.get("division_code", cell_division_code),
            "start_date": row.get("start_date", cell_date),
            "lead": row.get("lead", cell_flag),
        }
        if row.ok:
            key = (data["badge_number"], data["division_code"], data["start_date"])
            earlier = first.setdefault(key, row.number)
            if earlier != row.number:
                row.error(
                    "start_date",
                    _("Row %(row)d has the same officer, area and start date.") % {"row": earlier},
                )
        if row.ok and data["lead"]:
            same_day = (data["division_code"], data["start_date"])
            earlier = lead_rows.setdefault(same_day, row.number)
            if earlier != row.number:
                row.error(
                    "lead",
                    _("Row %(row)d already makes another officer the lead of this area that day.")
                    % {"row": earlier},
                )
        if row.ok:
            found.append((row, data))
    # (officer, area, start date) → the lead flags of the beats that began so (ended or not)
    existing: dict[tuple[int, int, dt.date], set[bool]] = {}
    for officer_id, area_id, start, lead in Beat.objects.filter(bureau=run.bureau).values_list(
        "officer_id", "area_id", "start_date", "is_lead"
    ):
        existing.setdefault((officer_id, area_id, start), set()).add(lead)
    fields = {
        "officer": "badge_number",
        "area": "division_code",
        "is_lead": "lead",
        "end_date": "start_date",  # handing the lead over ends the previous lead's beat then
    }
    # Chronological, so that lead handovers happen in the order they did.
    for row, data in sorted(found, key=lambda item: (item[1]["start_date"], item[0].number)):
        officer = row.resolve(data["badge_number"], "badge_number", run.officers, "officers")
        area = row.resolve(data["division_code"], "division_code", run.areas, "areas")
        if officer is None or area is None:
            continue
        lead = bool(data["lead"])
        leads = existing.get((officer.pk, area.pk, data["start_date"]))
        if leads is not None:
            if lead in leads:
                run.result.count("beats", UNCHANGED)
            else:
                row.exists_with_other_values("lead", ["lead"])
            continue
        beat = row.write(
            fields,
            services.beat_assign,
            officer=officer,
            area=area,
            start_date=data["start_date"],
            is_lead=lead,
        )
        if beat is not None:
            run.result.count("beats", CREATED)


STEPS: tuple[tuple[str, Callable[[OrgRun, SheetData], None]], ...] = (
    ("units", _import_units),
    ("areas", _import_areas),
    ("coverage", _import_coverage),
    ("officers", _import_officers),
    ("aides", _import_aides),
    ("beats", _import_beats),
)


def import_org(
    *,
    actor,
    bureau: Bureau,
    file: Any,
    filename: str = "",
    on_sheet: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Import the workbook ``file`` (a path, an upload or any binary file object) into ``bureau``.

    All or nothing: the result lists every error found, or the rows created, updated and
    unchanged per sheet, and the sheets left to another import (accounts).
    ``on_sheet(sheet_title, rows)`` is called as each sheet starts to be written. ``actor`` is
    the acting user (who needs the import capability in this bureau) or ``SYSTEM``.
    """
    if not is_system(actor) and (
        not has_capability(actor, Capability.IMPORT_ORG) or actor.bureau_id != bureau.pk
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    sheets, ignored, errors = load(file, ORG_SHEETS)
    if errors:
        return ImportResult.failed(errors)

    result = ImportResult.for_sheets(ORG_SHEETS, ignored=ignored)
    with transaction.atomic():
        list(Bureau.objects.select_for_update().filter(pk=bureau.pk))  # one import at a time
        run = OrgRun(actor=actor, bureau=bureau, result=result, filename=filename)
        try:
            for key, step in STEPS:
                sheet = sheets.get(key)
                if sheet is None:
                    continue
                if on_sheet is not None:
                    on_sheet(sheet.title, len(sheet.rows))
                step(run, sheet)
        except TooManyErrors:
            pass
        if result.errors:
            transaction.set_rollback(True)
            result.clear_counts()
        else:
            audit.record(
                actor=actor,
                action="org.import",
                instance=bureau,
                bureau_id=bureau.pk,
                after={"file": filename[:200], **result.summary()},
            )
    return result


# --- The template ------------------------------------------------------------------------------


def free(candidates: Iterator[str], taken: Collection[str]) -> str:
    """The first candidate not taken."""
    return next(c for c in candidates if c not in taken)


def template_examples(bureau: Bureau) -> dict[str, list[list[Any]]]:
    """One worked example per sheet (and the county itself if the bureau has none yet), with keys
    chosen so that the examples import cleanly into ``bureau`` as they are: the organisation's
    sheets by the system admin, then the accounts sheet by the security admin."""
    county = Area.objects.filter(bureau=bureau, depth=1).first()
    codes = set(Area.objects.filter(bureau=bureau).values_list("division_code", flat=True))
    unit_codes = set(Unit.objects.filter(bureau=bureau).values_list("code", flat=True))
    badges = set(Officer.objects.filter(bureau=bureau).values_list("badge_number", flat=True))
    phones = set(Aide.objects.filter(bureau=bureau, is_active=True).values_list("phone", flat=True))
    county_code = county.division_code if county else f"{bureau.code}000000"
    prefix = county_code[:6]
    township = free(
        (f"{prefix}{n:03d}000" for n in range(999, 0, -1) if f"{prefix}{n:03d}201" not in codes),
        codes,
    )
    village = f"{township[:9]}201"
    station = free((f"EX-{n:02d}" for n in range(1, 1000)), unit_codes)
    badge = free((f"EX{n:04d}" for n in range(1, 10000)), badges)
    aide_phone = free((f"1390375{n:04d}" for n in range(9001, 10000)), {p[3:] for p in phones})
    usernames = get_user_model().objects.values_list("username", flat=True)
    username = free(
        (f"example-{badge.lower()}-{n}" if n else f"example-{badge.lower()}" for n in range(100)),
        set(usernames.filter(username__startswith=f"example-{badge.lower()}")),
    )
    areas: list[list[Any]] = []
    if county is None:
        areas.append(
            [county_code, bureau.name.removesuffix("公安局") or bureau.name, "县", "", None, None]
        )
    areas += [
        [township, _("Example township"), "乡", county_code, 33.30, 113.52],
        [village, _("Example village"), "村", township, 33.31, 113.53],
    ]
    today = timezone.localdate()
    return {
        "units": [
            [
                station,
                _("Example police station"),
                "派出所",
                "",
                _("1 Example Road"),
                "0375-8123400",
                33.30,
                113.52,
            ]
        ],
        "areas": areas,
        "coverage": [[station, township]],
        "officers": [[badge, _("Example officer"), station, _("Beat officer"), "13803759001"]],
        "aides": [[village, _("Example aide"), "治保人员", "治保主任", aide_phone, today]],
        "beats": [[badge, village, today, "是"]],
        # The officer's station leader account: the unit is the officer's (column left blank).
        ACCOUNTS: [[username, _("Example officer"), "派出所领导", "", badge, ""]],
    }


def readme_lines() -> list[str]:
    """The README of the organisation's template."""
    return [
        _("Importing the organisation of a bureau"),
        _(
            "Fill in the sheets units, areas, coverage, officers, aides, beats and accounts "
            "(the Chinese sheet names 单位, 区划, 服务范围, 民警, 辅助人员, 包村社, 账号 work "
            "too). Keep the header row of each sheet; leave out a sheet or an optional column "
            "you do not need. This README sheet is never imported."
        ),
        _(
            "A row may refer to a row of the same workbook or to an existing row of the bureau: "
            "units by code, areas by division code, officers by badge number. Row order does not "
            "matter: parents are created before their children."
        ),
        _(
            "Create or update: an officer is found by badge number and an aide by mobile "
            "number; if found, the columns that differ are updated (another unit transfers the "
            "officer from today), else the person is created. Units, areas, coverage and beats "
            "are only created: a row that exists with the same values is skipped, one that "
            "exists with other values is an error (edit it on its page). Importing the same "
            "workbook twice changes nothing the second time."
        ),
        _(
            "The accounts sheet is imported by the security admin, on the accounts import page "
            "(三权分立): it is ignored by the organisation import. An account is found by "
            "username: a new one gets a one-time password, shown once after the import."
        ),
        _(
            "The import is all or nothing: if any row has an error, nothing is saved and every "
            "error is listed with its sheet, row and column."
        ),
        _("Limits: one .xlsx file of at most %(size)s, at most %(rows)d rows per sheet.")
        % {"size": filesizeformat(settings.IMPORT_MAX_BYTES), "rows": MAX_ROWS},
        _(
            "EXAMPLES: the grey rows under the headers of the data sheets are examples (their "
            "names start with “Example”). They import cleanly as they are; replace or delete them "
            "before importing your own data."
        ),
    ]


def write_template(
    specs: Sequence[Sheet], examples: dict[str, list[list[Any]]], lines: list[str]
) -> bytes:
    """An import template as .xlsx bytes: a README sheet (``lines``, then every column of
    ``specs`` explained), then one sheet per spec with its header and its ``examples``."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    example = wb.add_format({"italic": True, "font_color": "#7F7F7F"})
    date = wb.add_format({"num_format": "yyyy-mm-dd", "italic": True, "font_color": "#7F7F7F"})

    readme = wb.add_worksheet(TEMPLATE_README)
    readme.set_column(0, 0, 16)
    readme.set_column(1, 1, 24)
    readme.set_column(2, 2, 10)
    readme.set_column(3, 3, 70)
    readme.write(0, 0, lines[0], title)
    for i, line in enumerate(lines[1:], start=2):
        readme.merge_range(i, 0, i, 3, line, wrap)
        readme.set_row(i, 60)
    top = len(lines) + 2
    for col, name in enumerate([_("Sheet"), _("Column"), _("Required"), _("Meaning")]):
        readme.write(top, col, name, header)
    r = top + 1
    for spec in specs:
        for column in spec.columns:
            readme.write(r, 0, f"{spec.key} ({spec.alias})", bold)
            aliases = ", ".join(column.aliases)
            readme.write(r, 1, f"{column.key} ({aliases})" if aliases else column.key)
            readme.write(r, 2, _("yes") if column.required else _("no"))
            readme.write(r, 3, str(column.help), wrap)
            r += 1

    for spec in specs:
        ws = wb.add_worksheet(spec.key)
        ws.freeze_panes(1, 0)
        for col, column in enumerate(spec.columns):
            ws.write(0, col, column.key, header)
            ws.set_column(col, col, 18, text if column.text else None)
            choices = TEMPLATE_CHOICES.get((spec.key, column.key))
            if choices:
                ws.data_validation(
                    1,
                    col,
                    MAX_ROWS,
                    col,
                    {"validate": "list", "source": choices, "error_type": "warning"},
                )
        for r, values in enumerate(examples.get(spec.key, []), start=1):
            for col, value in enumerate(values):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date)
                elif value is None or value == "":
                    continue
                elif spec.columns[col].text:
                    ws.write_string(r, col, str(value), example)
                else:
                    ws.write(r, col, value, example)
    wb.close()
    return buffer.getvalue()


def build_template(bureau: Bureau) -> bytes:
    """The organisation's import template as .xlsx bytes: a README sheet, then every sheet
    (the accounts sheet too: the security admin imports it from the same workbook) with its
    header and the examples of :func:`template_examples`."""
    return write_template(SHEETS, template_examples(bureau), readme_lines())
