"""Events and the CSV loader.

An event is a time (a date, optionally with an hour), a type and a WGS-84 position. Times are kept
as written (the wall-clock date in whatever offset the file uses); forecasting works on weeks, so an
offset of a few hours matters only at the boundary of a week.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_EPOCH = dt.date(1970, 1, 1).toordinal()

# An optional time after the date: ``T``/space, ``H:MM[:SS[.fff]]``, an optional AM/PM and an
# optional offset (kept as written: only the wall-clock date and hour are used).
_TIME = (
    r"(?:(?:[T ]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Year first: 2024-03-05, 2024/3/5, 2024.03.05 and 2024年3月5日.
_YMD_RE = re.compile(
    r"^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日)" + _TIME + "$"
)
# Year last: 03/05/2024 (month first, as US open-data portals write it) or 05.03.2024 (day
# first). The order is settled per file, see ``_slash_order``.
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME + "$")

REQUIRED_COLUMNS = ("occurred_at", "type", "lat", "lon")


def date_to_day(value: dt.date) -> int:
    """Days since 1970-01-01."""
    return value.toordinal() - _EPOCH


def day_to_date(day: int) -> dt.date:
    return dt.date.fromordinal(int(day) + _EPOCH)


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` (used by the CLI for --start / --week)."""
    return dt.date.fromisoformat(text.strip())


@dataclass
class Events:
    """Columnar events: ``day`` is days since 1970-01-01, ``hour`` is -1 when unknown."""

    day: np.ndarray
    hour: np.ndarray
    type: np.ndarray  # object array of stripped type strings
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return int(self.day.shape[0])

    @classmethod
    def from_arrays(cls, day, lat, lon, types=None, hour=None) -> Events:
        day = np.asarray(day, dtype=np.int64)
        n = day.shape[0]
        if types is None:
            types = np.full(n, "event", dtype=object)
        if hour is None:
            hour = np.full(n, -1, dtype=np.int8)
        return cls(
            day=day,
            hour=np.asarray(hour, dtype=np.int8),
            type=np.asarray(types, dtype=object),
            lat=np.asarray(lat, dtype=np.float64),
            lon=np.asarray(lon, dtype=np.float64),
        )

    def select(self, keep: np.ndarray) -> Events:
        return Events(
            day=self.day[keep],
            hour=self.hour[keep],
            type=self.type[keep],
            lat=self.lat[keep],
            lon=self.lon[keep],
        )

    def filter_types(self, types: list[str] | tuple[str, ...] | None) -> Events:
        """Keep events whose type matches one of ``types`` (case-insensitive, after strip)."""
        if not types:
            return self
        wanted = {t.strip().casefold() for t in types}
        uniq, inverse = np.unique(self.type.astype(str), return_inverse=True)
        ok = np.array([u.strip().casefold() in wanted for u in uniq], dtype=bool)
        return self.select(ok[inverse] if len(uniq) else np.zeros(len(self), dtype=bool))

    def type_counts(self) -> dict[str, int]:
        uniq, counts = np.unique(self.type.astype(str), return_counts=True)
        return {str(u): int(c) for u, c in zip(uniq, counts, strict=True)}


@dataclass
class LoadReport:
    """What the loader read: rows accepted, and rejected rows counted by reason."""

    rows: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, int] = field(default_factory=dict)  # reason -> first line number
    date_order: str = ""  # how day-month-year dates were read: "month first", "day first", ...

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, reason: str, line: int) -> None:
        self.rejected[reason] += 1
        first = self.examples.get(reason)
        if first is None or line < first:
            self.examples[reason] = line

    def summary(self) -> str:
        text = f"read {self.rows} rows: {self.accepted} accepted, {self.rejected_total} rejected"
        if self.rejected:
            parts = [
                f"{reason}={count} (first at line {self.examples[reason]})"
                for reason, count in sorted(self.rejected.items())
            ]
            text += " — " + ", ".join(parts)
        if self.date_order:
            text += f"; day-month-year dates read {self.date_order}"
        return text

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": dict(sorted(self.rejected.items())),
            **({"date_order": self.date_order} if self.date_order else {}),
        }


class CSVFormatError(ValueError):
    """The file cannot be read as an events CSV at all (e.g. required columns missing)."""


def load_csv(path: str | Path) -> tuple[Events, LoadReport]:
    """Load ``occurred_at,type,lat,lon`` (header required, other columns ignored).

    ``occurred_at`` is a date, optionally with a time: year first (``2024-03-05``, ``2024/3/5``,
    ``2024年3月5日``, ISO 8601 with ``T``, fractions and an offset) or year last (``03/05/2024
    11:30:00 PM``, month first as US open-data portals write it, or day first when the file's
    numbers show it — see ``LoadReport.date_order``).

    Bad rows are counted by reason in the returned :class:`LoadReport`, never fatal:
    ``short_row``, ``bad_date``, ``empty_type``, ``bad_lat``/``bad_lon`` (not a number),
    ``lat_out_of_range``/``lon_out_of_range``, ``zero_coordinates`` (0,0 — a missing location).
    """
    report = LoadReport()
    hours: list[int] = []
    types: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    keys: list[tuple] = []  # the date of each accepted row, settled after the whole file
    key_lines: list[int] = []
    ymd, dmy = _YMD_RE.match, _DMY_RE.match
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise CSVFormatError("empty file (a header row is required)") from None
        names = [h.strip().casefold() for h in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise CSVFormatError(
                f"missing column(s) {', '.join(missing)}; header must include "
                + ",".join(REQUIRED_COLUMNS)
            )
        i_t, i_ty, i_la, i_lo = (names.index(c) for c in REQUIRED_COLUMNS)
        need = max(i_t, i_ty, i_la, i_lo) + 1
        for line, row in enumerate(reader, start=2):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            report.rows += 1
            if len(row) < need:
                report.reject("short_row", line)
                continue
            when = row[i_t].strip()
            m = ymd(when)
            if m is not None:
                g = m.groups()
                key = (int(g[0]), int(g[1] or g[3]), int(g[2] or g[4]))
                t = g[5:]
            else:
                m = dmy(when)
                if m is None:
                    report.reject("bad_date", line)
                    continue
                g = m.groups()
                key = (None, int(g[0]), int(g[1]), int(g[2]))
                t = g[3:]
            hour = _hour(*t)
            if hour is None:
                report.reject("bad_date", line)
                continue
            kind = row[i_ty].strip()
            if not kind:
                report.reject("empty_type", line)
                continue
            try:
                lat = float(row[i_la])
            except ValueError:
                report.reject("bad_lat", line)
                continue
            try:
                lon = float(row[i_lo])
            except ValueError:
                report.reject("bad_lon", line)
                continue
            if not math.isfinite(lat):
                report.reject("bad_lat", line)
                continue
            if not math.isfinite(lon):
                report.reject("bad_lon", line)
                continue
            if not -90.0 <= lat <= 90.0:
                report.reject("lat_out_of_range", line)
                continue
            if not -180.0 <= lon <= 180.0:
                report.reject("lon_out_of_range", line)
                continue
            if lat == 0.0 and lon == 0.0:
                report.reject("zero_coordinates", line)
                continue
            keys.append(key)
            key_lines.append(line)
            hours.append(hour)
            types.append(kind)
            lats.append(lat)
            lons.append(lon)
    day_of = _settle_dates(set(keys), report)
    days = [day_of[k] for k in keys]
    keep = np.array([d is not None for d in days], dtype=bool)
    for line, ok in zip(key_lines, keep.tolist(), strict=True):
        if not ok:
            report.reject("bad_date", line)
    events = Events(
        day=np.array([d if d is not None else 0 for d in days], dtype=np.int64),
        hour=np.array(hours, dtype=np.int8),
        type=np.array(types, dtype=object),
        lat=np.array(lats, dtype=np.float64),
        lon=np.array(lons, dtype=np.float64),
    )
    if not keep.all():
        events = events.select(keep)
    report.accepted = len(events)
    return events, report


def _hour(hh, mm, ss, ampm) -> int | None:
    """The hour of a time (-1 when there is none); None when the time is impossible."""
    if hh is None:
        return -1
    hour, minute, second = int(hh), int(mm), int(ss or 0)
    if minute > 59 or second > 60:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        return hour % 12 + (12 if ampm[0] in "Pp" else 0)
    return hour if hour <= 23 else None


def _slash_order(keys: set[tuple]) -> str:
    """How to read ``a/b/yyyy`` dates in one file: month first (03/05/2024, the US open-data
    convention) unless some first number is above 12 and no second one is (then day first).
    When both occur the file mixes conventions and each date is read by its own numbers."""
    firsts = any(k[1] > 12 for k in keys if k[0] is None)
    seconds = any(k[2] > 12 for k in keys if k[0] is None)
    if firsts and seconds:
        return "mixed"
    return "day first" if firsts else "month first"


def _settle_dates(keys: set[tuple], report: LoadReport) -> dict[tuple, int | None]:
    """Days since 1970 for every distinct date key of a file (None for an impossible date)."""
    order = ""
    if any(k[0] is None for k in keys):
        order = _slash_order(keys)
        report.date_order = order
    out: dict[tuple, int | None] = {}
    for k in keys:
        if k[0] is not None:
            y, mo, d = k
        else:
            _, a, b, y = k
            day_first = order == "day first" or (order == "mixed" and a > 12)
            d, mo = (a, b) if day_first else (b, a)
        try:
            out[k] = date_to_day(dt.date(y, mo, d))
        except ValueError:
            out[k] = None
    return out


def write_csv(path: str | Path, events: Events) -> None:
    """Write events in the loader's format (used by the benchmark and tests)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REQUIRED_COLUMNS)
        for i in range(len(events)):
            d = day_to_date(events.day[i]).isoformat()
            h = int(events.hour[i])
            when = d if h < 0 else f"{d} {h:02d}:00"
            w.writerow((when, events.type[i], f"{events.lat[i]:.6f}", f"{events.lon[i]:.6f}"))
