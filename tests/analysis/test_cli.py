from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cunjing.analysis import synthetic
from cunjing.analysis.__main__ import main
from cunjing.analysis.events import write_csv

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2022, 1, 3)


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    ev = synthetic.generate(seed=9, years=1.5, events_per_year=6000, start=START)
    path = tmp_path_factory.mktemp("cli") / "events.csv"
    write_csv(path, ev)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("not-a-date,theft,30.2,120.1\n2022-05-01,theft,95,120.1\n")
    return path


def test_evaluate_json_shape(csv_path, capsys):
    rc = main(
        [
            "evaluate",
            "--csv",
            str(csv_path),
            "--type",
            " THEFT",
            "--type",
            "burglary",
            "--start",
            "2022-10-03",
            "--weeks",
            "6",
            "--json",
        ]
    )
    assert rc == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)  # exactly one JSON object
    assert doc["default"] == "blend"
    assert doc["weeks"] == 6
    assert isinstance(doc["events"], int) and doc["events"] > 0
    expected = {"uniform", "recent4w", "year52w", "allhist", "kde52w", "prospective", "blend"}
    assert set(doc["methods"]) == expected
    for metrics in doc["methods"].values():
        assert {"hit_rate", "pai", "pei_star"} <= set(metrics)
        for name in ("hit_rate", "pai", "pei_star"):
            assert set(metrics[name]) == {"0.01", "0.05", "0.10"}
            assert all(isinstance(v, float) for v in metrics[name].values())
    assert set(doc["wilcoxon"]["vs"]) == expected - {"blend"}
    assert "seed=0" in doc["tie_break"]
    # bad rows are reported on stderr, progress too
    assert "bad_date=1" in err and "lat_out_of_range=1" in err
    assert "week 6/6" in err


def test_evaluate_table(csv_path, capsys):
    assert (
        main(
            [
                "evaluate",
                "--csv",
                str(csv_path),
                "--type",
                "theft",
                "--start",
                "2022-10-03",
                "--weeks",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for name in ("uniform", "recent4w", "year52w", "allhist", "kde52w", "prospective", "blend*"):
        assert name in out
    assert "Wilcoxon" in out


def test_forecast_top_cells(csv_path, capsys):
    assert (
        main(
            [
                "forecast",
                "--csv",
                str(csv_path),
                "--type",
                "theft",
                "--week",
                "2022-10-03",
                "--top",
                "5",
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["top"]) == 5
    risks = [row["risk"] for row in doc["top"]]
    assert risks == sorted(risks, reverse=True)
    assert all(29 < row["lat"] < 31 and 119 < row["lon"] < 121 for row in doc["top"])
    assert (
        main(
            [
                "forecast",
                "--csv",
                str(csv_path),
                "--type",
                "theft",
                "--week",
                "2022-10-03",
                "--top",
                "3",
            ]
        )
        == 0
    )
    assert "lat" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv", "/nonexistent/x.csv", "--type", "theft", "--start", "2022-10-03"], "no such"),
        (["--type", "robbery", "--start", "2022-10-03"], "no events of type"),
        (["--type", "theft", "--start", "2021-06-01"], "no history"),
        (["--type", "theft", "--start", "2022-01-03"], "no history"),
        (["--type", "theft", "--start", "2022-13-01"], "not a date"),
    ],
)
def test_clear_errors_exit_2(csv_path, capsys, args, message):
    if "--csv" not in args:
        args = ["--csv", str(csv_path), *args]
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", *args, "--weeks", "2"])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_module_entry_point_runs(csv_path):
    proc = subprocess.run(  # noqa: S603 — fixed argv, our own interpreter
        [
            sys.executable,
            "-m",
            "cunjing.analysis",
            "evaluate",
            "--csv",
            str(csv_path),
            "--type",
            "theft",
            "--start",
            "2022-10-03",
            "--weeks",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["weeks"] == 1


def test_evaluate_with_mask_polygon(csv_path, tmp_path, capsys):
    poly = tmp_path / "area.txt"
    # the synthetic city is centred on (30.27, 120.15), ~12 km across; take its middle ~4 km
    poly.write_text("120.13,30.25\n120.17,30.25\n120.17,30.29\n120.13,30.29\n")
    args = ["evaluate", "--csv", str(csv_path), "--start", "2022-10-03", "--weeks", "3"]
    assert main([*args, "--mask-polygon", str(poly), "--json"]) == 0
    inside = json.loads(capsys.readouterr().out)
    assert main([*args, "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert 0 < inside["mask_cells"] < whole["mask_cells"]
    assert 0 < inside["test_events"] < whole["test_events"]
    with pytest.raises(SystemExit):
        main([*args, "--mask-polygon", str(tmp_path / "missing.txt")])
