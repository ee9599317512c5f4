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

_DATE_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)

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

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, reason: str, line: int) -> None:
        self.rejected[reason] += 1
        self.examples.setdefault(reason, line)

    def summary(self) -> str:
        text = f"read {self.rows} rows: {self.accepted} accepted, {self.rejected_total} rejected"
        if self.rejected:
            parts = [
                f"{reason}={count} (first at line {self.examples[reason]})"
                for reason, count in sorted(self.rejected.items())
            ]
            text += " — " + ", ".join(parts)
        return text

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": dict(sorted(self.rejected.items())),
        }


class CSVFormatError(ValueError):
    """The file cannot be read as an events CSV at all (e.g. required columns missing)."""


def load_csv(path: str | Path) -> tuple[Events, LoadReport]:
    """Load ``occurred_at,type,lat,lon`` (header required, other columns ignored).

    Bad rows are counted by reason in the returned :class:`LoadReport`, never fatal:
    ``short_row``, ``bad_date``, ``empty_type``, ``bad_lat``/``bad_lon`` (not a number),
    ``lat_out_of_range``/``lon_out_of_range``, ``zero_coordinates`` (0,0 — a missing location).
    """
    report = LoadReport()
    days: list[int] = []
    hours: list[int] = []
    types: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    date_cache: dict[str, int] = {}
    match = _DATE_RE.match
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
            m = match(when)
            if m is None:
                report.reject("bad_date", line)
                continue
            date_text = m.group(1)
            day = date_cache.get(date_text)
            if day is None:
                try:
                    day = date_to_day(dt.date.fromisoformat(date_text))
                except ValueError:
                    report.reject("bad_date", line)
                    continue
                date_cache[date_text] = day
            hour = -1
            if m.group(2) is not None:
                hour = int(m.group(2))
                minute = int(m.group(3))
                second = int(m.group(4) or 0)
                if hour > 23 or minute > 59 or second > 60:
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
            days.append(day)
            hours.append(hour)
            types.append(kind)
            lats.append(lat)
            lons.append(lon)
    report.accepted = len(days)
    events = Events(
        day=np.array(days, dtype=np.int64),
        hour=np.array(hours, dtype=np.int8),
        type=np.array(types, dtype=object),
        lat=np.array(lats, dtype=np.float64),
        lon=np.array(lons, dtype=np.float64),
    )
    return events, report


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
