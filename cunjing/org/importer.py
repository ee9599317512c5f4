"""Import a bureau's organisation from an Excel workbook, all or nothing.

The workbook has up to five sheets, each with a header row: ``units``, ``areas``, ``coverage``,
``officers`` and ``beats`` (or their Chinese names 单位, 区划, 服务范围, 民警, 包村社). Any other
sheet — the template's ``说明 README`` — is ignored. A row may refer to a row of the same workbook
or to an existing row of the bureau: units by code, areas by division code, officers by badge
number. Row order does not matter: parents are written before their children.

Every row is written through the org services (which validate it and write its audit event), each
in its own savepoint, so one run reports as many row errors as it can find. If there is any error,
the whole transaction is rolled back and nothing is saved; the result lists every error with the
sheet, the row number as Excel shows it, the column and a message. Existing rows are never updated:
a key that already exists is a row error.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunjing.core import audit
from cunjing.core.errors import field_errors
from cunjing.core.roles import Capability, has_capability, is_system
from cunjing.core.validators import DIVISION_CODE_RE
from cunjing.org import services
from cunjing.org.models import Area, AreaKind, Bureau, Officer, Unit, UnitKind

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000  # data rows per sheet
MAX_ERRORS = 500  # errors reported per run; the run stops once it has this many
MAX_UNPACKED_FACTOR = 30  # an .xlsx is a zip: refuse one that unpacks past 30 × the size limit
TEMPLATE_README = "说明 README"  # Excel forbids "/" in sheet names


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
    created: dict[str, int] = field(default_factory=dict)  # sheet key → rows created
    errors: list[RowError] = field(default_factory=list)
    truncated: bool = False  # more errors than MAX_ERRORS: only the first are listed

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    def created_rows(self) -> list[tuple[str, str, int]]:
        """``(key, label, count)`` for every sheet, in workbook order (for pages and output)."""
        return [(s.key, str(s.label), self.created.get(s.key, 0)) for s in SHEETS]


class _TooManyErrors(Exception):
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
                gettext_lazy("Badge number, unique in the bureau"),
                ("警号",),
                text=True,
            ),
            Column("name", True, gettext_lazy("Name"), ("姓名",)),
            Column(
                "unit_code",
                True,
                gettext_lazy("Code of the officer's unit"),
                ("单位代码",),
                text=True,
            ),
            Column("title", False, gettext_lazy("Title"), ("职务",)),
            Column("phone", True, gettext_lazy("Phone"), ("电话", "手机"), text=True),
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
)


# --- Cell values -------------------------------------------------------------------------------


class _CellError(Exception):
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
        raise _CellError(_("Enter a number."))
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _CellError(_("Enter a number.")) from None
    if not math.isfinite(number):
        raise _CellError(_("Enter a number."))
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
    raise _CellError(_("Enter a date as YYYY-MM-DD."))


def cell_flag(value: Any) -> bool:
    text = cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise _CellError(_("Enter 是 or 否 (yes or no)."))


def cell_choice(value: Any, choices: dict[str, str]) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = choices.get(text.lower())
    if found is None:
        raise _CellError(
            _("“%(value)s” is not a valid kind: use one of %(choices)s.")
            % {"value": text[:40], "choices": ", ".join(choices)}
        )
    return found


def cell_division_code(value: Any) -> str:
    text = cell_text(value)
    if text and not DIVISION_CODE_RE.match(text):
        raise _CellError(_("The division code must be 12 digits."))
    return text


# --- Reading the workbook ----------------------------------------------------------------------


@dataclass
class _SheetData:
    spec: Sheet
    title: str  # as the workbook names it
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _file_error(message: str) -> ImportResult:
    return ImportResult(errors=[RowError(sheet="", row=None, column="", message=message)])


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


def _read_sheet(ws, spec: Sheet, errors: list[RowError]) -> _SheetData | None:
    data = _SheetData(spec=spec, title=ws.title)
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


def _read_workbook(raw: bytes) -> tuple[dict[str, _SheetData], list[RowError]]:
    """Parse the bytes into the known sheets; any structural problem is a file error."""
    import openpyxl

    limit = settings.IMPORT_MAX_BYTES
    not_xlsx = _("This file is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return {}, [RowError("", None, "", not_xlsx)]
    if unpacked > limit * MAX_UNPACKED_FACTOR:
        return {}, [RowError("", None, "", _("The workbook is too large once unpacked."))]

    errors: list[RowError] = []
    sheets: dict[str, _SheetData] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                for ws in wb.worksheets:
                    spec = _match_sheet(ws.title)
                    if spec is None:
                        continue  # the README sheet and any notes of the user's own
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
        return {}, [RowError("", None, "", not_xlsx)]
    if not errors and not sheets:
        errors.append(
            RowError(
                "",
                None,
                "",
                _("The workbook has none of the sheets %(names)s.")
                % {"names": ", ".join(f"{s.key} ({s.alias})" for s in SHEETS)},
            )
        )
    return sheets, errors


# --- Writing -----------------------------------------------------------------------------------


class _Run:
    """State of one import: what exists, what was created, which workbook keys failed."""

    def __init__(self, *, actor, bureau: Bureau, result: ImportResult):
        self.actor = actor
        self.bureau = bureau
        self.result = result
        self.root = services.bureau_root_unit(bureau)
        self.units: dict[str, Unit] = {
            u.code: u for u in Unit.objects.filter(bureau=bureau).exclude(code="")
        }
        self.units.setdefault(bureau.code, self.root)  # the bureau answers to its own code
        self.areas: dict[str, Area] = {
            a.division_code: a for a in Area.objects.filter(bureau=bureau)
        }
        self.officers: dict[str, Officer] = {
            o.badge_number: o for o in Officer.objects.filter(bureau=bureau)
        }
        # keys defined by a workbook row that could not be written
        self.failed: dict[str, set[str]] = {"units": set(), "areas": set(), "officers": set()}

    def error(self, sheet: _SheetData, row: int, column: str, message: str) -> None:
        if len(self.result.errors) >= MAX_ERRORS:
            self.result.truncated = True
            raise _TooManyErrors
        self.result.errors.append(RowError(sheet.title, row, column, str(message)))


class _Row:
    """One data row: typed getters that record a cell error instead of raising."""

    def __init__(self, run: _Run, sheet: _SheetData, number: int, values: dict[str, Any]):
        self.run, self.sheet, self.number, self.values = run, sheet, number, values
        self.ok = True

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.run.error(self.sheet, self.number, column, message)

    def get(self, key: str, convert: Callable[[Any], Any] = cell_text) -> Any:
        try:
            value = convert(self.values.get(key))
        except _CellError as exc:
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
        if key in self.run.failed[what]:
            self.error(
                column, _("“%(key)s” is on a row with errors; fix that row first.") % {"key": key}
            )
        else:
            self.error(
                column,
                _("“%(key)s” is neither in this bureau nor in this workbook.") % {"key": key},
            )
        return None

    def write(self, fields: dict[str, str], fn: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a service in a savepoint; its validation errors become errors of this row."""
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
            self.error("", str(exc) or _("You do not have permission to do this."))
        except DatabaseError:
            logger.warning("import row failed", exc_info=True)
            self.error("", _("This row could not be saved."))
        return None


def _rows(run: _Run, sheet: _SheetData | None) -> Iterator[_Row]:
    if sheet is not None:
        for number, values in sheet.rows:
            yield _Row(run, sheet, number, values)


Keyed = list[tuple[_Row, str, dict[str, Any]]]


def _dedupe(run: _Run, what: str, keyed: Keyed, column: str, existing: dict, exists: str) -> Keyed:
    """The rows that may be written: valid so far, key neither repeated nor already in the bureau.
    New keys of the others go to ``run.failed`` so that references to them say why."""
    first: dict[str, int] = {}
    kept: Keyed = []
    for row, key, data in keyed:
        if key in first:
            row.error(column, _("This value is already used on row %(row)d.") % {"row": first[key]})
        elif key in existing:
            row.error(column, exists)
        else:
            first[key] = row.number
            if row.ok:
                kept.append((row, key, data))
            else:
                run.failed[what].add(key)
    return kept


def _parents_first(run: _Run, what: str, keyed: Keyed, parent_column: str) -> Keyed:
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


def _import_units(run: _Run, sheet: _SheetData | None) -> int:
    keyed: Keyed = []
    for row in _rows(run, sheet):
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
    exists = _("A unit with this code already exists.")
    keyed = _dedupe(run, "units", keyed, "code", run.units, exists)
    created = 0
    for row, code, data in _parents_first(run, "units", keyed, "parent_code"):
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
            created += 1
    return created


def _import_areas(run: _Run, sheet: _SheetData | None) -> int:
    keyed: Keyed = []
    for row in _rows(run, sheet):
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
    exists = _("An area with this division code already exists.")
    keyed = _dedupe(run, "areas", keyed, "division_code", run.areas, exists)
    created = 0
    for row, code, data in _parents_first(run, "areas", keyed, "parent_division_code"):
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
            created += 1
    return created


def _import_coverage(run: _Run, sheet: _SheetData | None) -> int:
    created = 0
    for row in _rows(run, sheet):
        unit_code = row.get("unit_code")
        division_code = row.get("division_code", cell_division_code)
        if not row.ok:
            continue
        unit = row.resolve(unit_code, "unit_code", run.units, "units")
        area = row.resolve(division_code, "division_code", run.areas, "areas")
        if unit is None or area is None:
            continue
        fields = {"unit": "unit_code", "area": "division_code"}
        if row.write(fields, services.coverage_create, unit=unit, area=area) is not None:
            created += 1
    return created


def _import_officers(run: _Run, sheet: _SheetData | None) -> int:
    keyed: Keyed = []
    for row in _rows(run, sheet):
        data = {
            "badge_number": row.get("badge_number"),
            "name": row.get("name"),
            "unit_code": row.get("unit_code"),
            "title": row.get("title"),
            "phone": row.get("phone"),
        }
        if data["badge_number"]:
            keyed.append((row, data["badge_number"], data))
    exists = _("An officer with this badge number exists.")
    created = 0
    for row, badge, data in _dedupe(run, "officers", keyed, "badge_number", run.officers, exists):
        unit = row.resolve(data["unit_code"], "unit_code", run.units, "units")
        officer = None
        if unit is not None:
            officer = row.write(
                {"unit": "unit_code"},
                services.officer_create,
                unit=unit,
                name=data["name"],
                badge_number=badge,
                phone=data["phone"],
                title=data["title"] or "",
            )
        if officer is None:
            run.failed["officers"].add(badge)
        else:
            run.officers[badge] = officer
            created += 1
    return created


def _import_beats(run: _Run, sheet: _SheetData | None) -> int:
    rows: list[tuple[_Row, dict[str, Any]]] = []
    lead_rows: dict[tuple[str, dt.date], int] = {}
    for row in _rows(run, sheet):
        data = {
            "badge_number": row.get("badge_number"),
            "division_code": row.get("division_code", cell_division_code),
            "start_date": row.get("start_date", cell_date),
            "lead": row.get("lead", cell_flag),
        }
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
            rows.append((row, data))
    created = 0
    fields = {
        "officer": "badge_number",
        "area": "division_code",
        "is_lead": "lead",
        "end_date": "start_date",  # handing the lead over ends the previous lead's beat then
    }
    # Chronological, so that lead handovers happen in the order they did.
    for row, data in sorted(rows, key=lambda item: (item[1]["start_date"], item[0].number)):
        officer = row.resolve(data["badge_number"], "badge_number", run.officers, "officers")
        area = row.resolve(data["division_code"], "division_code", run.areas, "areas")
        if officer is None or area is None:
            continue
        beat = row.write(
            fields,
            services.beat_assign,
            officer=officer,
            area=area,
            start_date=data["start_date"],
            is_lead=bool(data["lead"]),
        )
        if beat is not None:
            created += 1
    return created


STEPS: tuple[tuple[str, Callable[[_Run, _SheetData | None], int]], ...] = (
    ("units", _import_units),
    ("areas", _import_areas),
    ("coverage", _import_coverage),
    ("officers", _import_officers),
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

    All or nothing: the result lists every error found, or the rows created per sheet.
    ``on_sheet(sheet_title, rows)`` is called as each sheet starts to be written. ``actor`` is
    the acting user (who needs the import capability in this bureau) or ``SYSTEM``.
    """
    if not is_system(actor) and (
        not has_capability(actor, Capability.IMPORT_ORG) or actor.bureau_id != bureau.pk
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    limit = settings.IMPORT_MAX_BYTES
    try:
        raw = _read_bytes(file)
    except OSError:
        return _file_error(_("The file could not be read."))
    if not raw:
        return _file_error(_("The file is empty."))
    if len(raw) > limit:
        return _file_error(
            _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    sheets, errors = _read_workbook(raw)
    if errors:
        return ImportResult(errors=errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)

    result = ImportResult(created={key: 0 for key, _step in STEPS})
    with transaction.atomic():
        list(Bureau.objects.select_for_update().filter(pk=bureau.pk))  # one import at a time
        run = _Run(actor=actor, bureau=bureau, result=result)
        try:
            for key, step in STEPS:
                sheet = sheets.get(key)
                if sheet is not None and on_sheet is not None:
                    on_sheet(sheet.title, len(sheet.rows))
                result.created[key] = step(run, sheet)
        except _TooManyErrors:
            pass
        if result.errors:
            transaction.set_rollback(True)
            result.created = {key: 0 for key, _step in STEPS}
        else:
            audit.record(
                actor=actor,
                action="org.import",
                instance=bureau,
                bureau_id=bureau.pk,
                after={"file": filename[:200], "created": dict(result.created)},
            )
    return result


# --- The template ------------------------------------------------------------------------------


def _free(candidates: Iterator[str], taken: set[str]) -> str:
    return next(c for c in candidates if c not in taken)


def template_examples(bureau: Bureau) -> dict[str, list[list[Any]]]:
    """One worked example per sheet (and the county itself if the bureau has none yet), with keys
    chosen so that the examples import cleanly into ``bureau`` as they are."""
    county = Area.objects.filter(bureau=bureau, depth=1).first()
    codes = set(Area.objects.filter(bureau=bureau).values_list("division_code", flat=True))
    unit_codes = set(Unit.objects.filter(bureau=bureau).values_list("code", flat=True))
    badges = set(Officer.objects.filter(bureau=bureau).values_list("badge_number", flat=True))
    county_code = county.division_code if county else f"{bureau.code}000000"
    prefix = county_code[:6]
    township = _free(
        (f"{prefix}{n:03d}000" for n in range(999, 0, -1) if f"{prefix}{n:03d}201" not in codes),
        codes,
    )
    village = f"{township[:9]}201"
    station = _free((f"EX-{n:02d}" for n in range(1, 1000)), unit_codes)
    badge = _free((f"EX{n:04d}" for n in range(1, 10000)), badges)
    areas: list[list[Any]] = []
    if county is None:
        areas.append(
            [county_code, bureau.name.removesuffix("公安局") or bureau.name, "县", "", None, None]
        )
    areas += [
        [township, _("Example township"), "乡", county_code, 33.30, 113.52],
        [village, _("Example village"), "村", township, 33.31, 113.53],
    ]
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
        "beats": [[badge, village, timezone.localdate(), "是"]],
    }


def build_template(bureau: Bureau) -> bytes:
    """The import template as .xlsx bytes: a README sheet, then the five sheets with headers and
    the examples of :func:`template_examples`."""
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
    lines = [
        _("Importing the organisation of a bureau"),
        _(
            "Fill in the sheets units, areas, coverage, officers and beats (the Chinese "
            "sheet names 单位, 区划, 服务范围, 民警, 包村社 work too). Keep the header row of "
            "each sheet; leave out a sheet you do not need. This README sheet is never imported."
        ),
        _(
            "A row may refer to a row of the same workbook or to an existing row of the bureau: "
            "units by code, areas by division code, officers by badge number. Row order does not "
            "matter: parents are created before their children."
        ),
        _(
            "The import is all or nothing: if any row has an error, nothing is saved and every "
            "error is listed with its sheet, row and column. Rows that already exist are errors, "
            "not updates."
        ),
        _("Limits: one .xlsx file of at most %(size)s, at most %(rows)d rows per sheet.")
        % {"size": filesizeformat(settings.IMPORT_MAX_BYTES), "rows": MAX_ROWS},
        _(
            "EXAMPLES: the grey rows under the headers of the data sheets are examples (their "
            "names start with “Example”). They import cleanly as they are; replace or delete them "
            "before importing your own data."
        ),
    ]
    readme.write(0, 0, lines[0], title)
    for i, line in enumerate(lines[1:], start=2):
        readme.merge_range(i, 0, i, 3, line, wrap)
        readme.set_row(i, 45)
    top = len(lines) + 2
    for col, name in enumerate([_("Sheet"), _("Column"), _("Required"), _("Meaning")]):
        readme.write(top, col, name, header)
    r = top + 1
    for spec in SHEETS:
        for column in spec.columns:
            readme.write(r, 0, f"{spec.key} ({spec.alias})", bold)
            aliases = ", ".join(column.aliases)
            readme.write(r, 1, f"{column.key} ({aliases})" if aliases else column.key)
            readme.write(r, 2, _("yes") if column.required else _("no"))
            readme.write(r, 3, str(column.help), wrap)
            r += 1

    examples = template_examples(bureau)
    for spec in SHEETS:
        ws = wb.add_worksheet(spec.key)
        ws.freeze_panes(1, 0)
        for col, column in enumerate(spec.columns):
            ws.write(0, col, column.key, header)
            ws.set_column(col, col, 18, text if column.text else None)
            if column.key in ("kind", "lead"):
                choices = {
                    ("units", "kind"): ["派出所", "中心警务室", "警务工作站"],
                    ("areas", "kind"): ["县", "乡", "镇", "街道", "村", "社区"],
                    ("beats", "lead"): ["是", "否"],
                }[(spec.key, column.key)]
                ws.data_validation(
                    1,
                    col,
                    MAX_ROWS,
                    col,
                    {"validate": "list", "source": choices, "error_type": "warning"},
                )
        for r, values in enumerate(examples[spec.key], start=1):
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
