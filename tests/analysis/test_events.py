from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cunjing.analysis.events import CSVFormatError, Events, date_to_day, load_csv, write_csv


def _write(tmp_path, text: str):
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_accepts_every_documented_date_form(tmp_path):
    path = _write(
        tmp_path,
        "id,occurred_at,type,lat,lon,extra\n"
        "1,2024-03-05,Theft,30.1,120.2,x\n"
        "2,2024-03-05 13:45,theft,30.1,120.2,x\n"
        "3,2024-03-05 13:45:10,theft,30.1,120.2,x\n"
        "4,2024-03-05T23:59:59Z,theft,30.1,120.2,x\n"
        "5,2024-03-05T07:00:00+08:00,theft,30.1,120.2,x\n"
        "6, 2024-03-05T07:00:00.250-0500 ,theft,30.1,120.2,x\n",
    )
    events, report = load_csv(path)
    assert report.rows == 6 and report.accepted == 6 and report.rejected_total == 0
    assert (events.day == date_to_day(dt.date(2024, 3, 5))).all()
    assert events.hour.tolist() == [-1, 13, 13, 23, 7, 7]


def test_loader_counts_bad_rows_by_reason(tmp_path):
    path = _write(
        tmp_path,
        "occurred_at,type,lat,lon\n"
        "2024-01-01,theft,30.0,120.0\n"  # good
        "2024-13-01,theft,30.0,120.0\n"  # bad_date (month)
        "2024-02-30,theft,30.0,120.0\n"  # bad_date (day)
        "2024.01,theft,30.0,120.0\n"  # bad_date (format)
        "2024-01-01 25:00,theft,30.0,120.0\n"  # bad_date (hour)
        ",theft,30.0,120.0\n"  # bad_date (empty)
        "2024-01-01,  ,30.0,120.0\n"  # empty_type
        "2024-01-01,theft,abc,120.0\n"  # bad_lat
        "2024-01-01,theft,,120.0\n"  # bad_lat
        "2024-01-01,theft,30.0,nan\n"  # bad_lon
        "2024-01-01,theft,91.0,120.0\n"  # lat_out_of_range
        "2024-01-01,theft,30.0,-181\n"  # lon_out_of_range
        "2024-01-01,theft,0,0\n"  # zero_coordinates
        "2024-01-01,theft\n"  # short_row
        "\n"  # blank: skipped, not a row
        "2024-01-02,burglary,30.5,120.5\n",  # good
    )
    events, report = load_csv(path)
    assert len(events) == 2
    assert report.rows == 15
    assert report.accepted == 2
    assert dict(report.rejected) == {
        "bad_date": 5,
        "empty_type": 1,
        "bad_lat": 2,
        "bad_lon": 1,
        "lat_out_of_range": 1,
        "lon_out_of_range": 1,
        "zero_coordinates": 1,
        "short_row": 1,
    }
    assert report.accepted + report.rejected_total == report.rows
    assert report.examples["bad_date"] == 3
    assert "bad_lat=2" in report.summary()


def test_loader_reads_the_date_forms_of_open_data_portals(tmp_path):
    path = _write(
        tmp_path,
        "occurred_at,type,lat,lon\n"
        "2024/3/5,theft,30.1,120.2\n"
        "2024年3月5日 08:15,theft,30.1,120.2\n"
        "03/05/2024 11:30:00 PM,theft,30.1,120.2\n"
        "03/05/2024 12:10:00 AM,theft,30.1,120.2\n"
        "03/05/2024 12:10 pm,theft,30.1,120.2\n"
        "3/5/2024,theft,30.1,120.2\n"
        "03/05/2024 13:00 PM,theft,30.1,120.2\n",  # bad_date: 13 PM
    )
    events, report = load_csv(path)
    assert report.accepted == 6 and dict(report.rejected) == {"bad_date": 1}
    assert (events.day == date_to_day(dt.date(2024, 3, 5))).all()
    assert events.hour.tolist() == [-1, 8, 23, 0, 12, -1]
    assert report.date_order == "month first"
    assert "month first" in report.summary()


def test_loader_reads_day_first_files_by_their_numbers(tmp_path):
    # 13/03/2024 cannot be month first, so the whole file is day first: 05/03/2024 is 5 March.
    path = _write(
        tmp_path,
        "occurred_at,type,lat,lon\n05/03/2024,theft,30.1,120.2\n13.03.2024,theft,30.1,120.2\n"
        "31/02/2024,theft,30.1,120.2\n",  # bad_date: 31 February
    )
    events, report = load_csv(path)
    assert report.date_order == "day first"
    assert events.day.tolist() == [
        date_to_day(dt.date(2024, 3, 5)),
        date_to_day(dt.date(2024, 3, 13)),
    ]
    assert dict(report.rejected) == {"bad_date": 1} and report.examples["bad_date"] == 4
    assert report.accepted + report.rejected_total == report.rows


def test_loader_reads_a_mixed_file_date_by_date(tmp_path):
    path = _write(
        tmp_path,
        "occurred_at,type,lat,lon\n13/03/2024,a,30.1,120.2\n03/14/2024,a,30.1,120.2\n",
    )
    events, report = load_csv(path)
    assert report.date_order == "mixed"
    assert events.day.tolist() == [
        date_to_day(dt.date(2024, 3, 13)),
        date_to_day(dt.date(2024, 3, 14)),
    ]


def test_loader_requires_the_columns(tmp_path):
    with pytest.raises(CSVFormatError, match="lat"):
        load_csv(_write(tmp_path, "occurred_at,type,latitude,lon\n2024-01-01,a,1,2\n"))
    with pytest.raises(CSVFormatError):
        load_csv(_write(tmp_path, ""))


def test_filter_types_case_insensitive_after_strip():
    ev = Events.from_arrays(
        [0, 1, 2, 3], [1, 1, 1, 1], [2, 2, 2, 2], [" Theft", "theft ", "Burglary", "assault"]
    )
    assert len(ev.filter_types(["THEFT"])) == 2
    assert len(ev.filter_types([" theft", "burglary "])) == 3
    assert len(ev.filter_types(["robbery"])) == 0
    assert len(ev.filter_types([])) == 4


def test_round_trip_and_speed_of_a_large_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 50_000
    ev = Events.from_arrays(
        date_to_day(dt.date(2023, 1, 1)) + rng.integers(0, 365, n),
        30 + rng.uniform(0, 0.1, n),
        120 + rng.uniform(0, 0.1, n),
        rng.choice(["theft", "burglary"], n),
    )
    path = tmp_path / "big.csv"
    write_csv(path, ev)
    import time

    t = time.perf_counter()
    back, report = load_csv(path)
    elapsed = time.perf_counter() - t
    assert report.accepted == n and report.rejected_total == 0
    assert np.array_equal(back.day, ev.day)
    assert np.allclose(back.lat, ev.lat, atol=1e-6)
    assert elapsed < 5  # ~0.3 s here; 250k rows in well under 2 s
