"""`tajriba metrics FILE`: the contract per group, periods, any file format, and errors that name the row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tajriba.cli import app

runner = CliRunner()
KEYS = {"group", "n", "value", "ci_low", "ci_high", "std_error"}

CSV = """score,store,answered_at
10,Riyadh,2026-01-05 10:00
9,Riyadh,2026-01-31 23:30
7,Riyadh,2026-02-01 08:00
3,Jeddah,2026-02-03 12:00
,Jeddah,2026-02-04 12:00
٩,Jeddah,2026-02-10 12:00
"""


def _run(*args: str) -> list[dict]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["metrics", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_nps_per_group_and_month_with_shares(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(CSV, encoding="utf-8")
    rows = _run(
        str(path), "--metric", "nps", "--by", "store", "--period", "month", "--time-column", "answered_at"
    )
    assert [(r["group"], r["period"], r["n"]) for r in rows] == [
        ("Jeddah", "2026-02", 2),  # the empty score is left out; ٩ is read as 9
        ("Riyadh", "2026-01", 2),
        ("Riyadh", "2026-02", 1),
    ]
    assert all(KEYS | {"promoters", "passives", "detractors", "period"} <= set(r) for r in rows)
    jeddah = rows[0]
    assert jeddah["value"] == 0 and jeddah["promoters"] == 0.5 and jeddah["detractors"] == 0.5
    assert jeddah["std_error"] == pytest.approx(70.7107, abs=1e-4)  # 100 sqrt((0.5 + 0.5 - 0) / 2)
    overall = _run(str(path), "--metric", "nps")
    assert overall == [
        {
            "group": "all", "n": 5, "value": 40.0, "ci_low": pytest.approx(-29.7827, abs=1e-3),
            "ci_high": pytest.approx(79.7827, abs=1e-3), "std_error": pytest.approx(35.7771, abs=1e-3),
            "promoters": 0.6, "passives": 0.2, "detractors": 0.2,
        }
    ]  # fmt: skip


def test_times_are_read_in_the_given_zone_and_hijri_months(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("score,at\n5,2026-02-17T22:30:00Z\n4,2026-02-18 01:00\n", encoding="utf-8")
    # 22:30 UTC on 17 February is 01:30 on 18 February in Riyadh: 1 Ramadan 1447, like the second answer
    rows = _run(str(path), "--metric", "csat", "--period", "month", "--time-column", "at",
                "--timezone", "Asia/Riyadh", "--calendar", "hijri")  # fmt: skip
    assert [(r["period"], r["n"], r["value"], r["top2_box"]) for r in rows] == [("1447-09", 2, 4.5, 1.0)]
    utc = _run(str(path), "--metric", "csat", "--period", "day", "--time-column", "at")
    assert [r["period"] for r in utc] == ["2026-02-17", "2026-02-18"]


def test_xlsx_and_csat_on_ten_points_and_ces(tmp_path: Path) -> None:
    path = tmp_path / "answers.xlsx"
    pd.DataFrame({"rating": [10, 9, 8, 1], "effort": [7, 5, 4, 1]}).to_excel(path, index=False)
    csat = _run(str(path), "--metric", "csat", "--scale", "10", "--score-column", "rating")
    assert csat[0]["value"] == 7 and csat[0]["top2_box"] == 0.5
    ces = _run(str(path), "--metric", "ces", "--score-column", "effort")
    assert ces[0]["value"] == 4.25 and ces[0]["easy"] == 0.5


def test_min_n_hides_small_groups_and_text_output(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(CSV, encoding="utf-8")
    rows = _run(str(path), "--metric", "nps", "--by", "store", "--min-n", "3")
    assert (
        rows[0]["group"] == "Jeddah"
        and rows[0]["value"] is None
        and rows[0]["suppressed"] == "fewer than 3 answers"
    )
    assert rows[1]["n"] == 3 and rows[1]["value"] is not None
    text = runner.invoke(app, ["metrics", str(path), "--metric", "nps"])
    assert text.stdout.splitlines()[0].split("\t")[:6] == [
        "group",
        "n",
        "value",
        "ci_low",
        "ci_high",
        "std_error",
    ]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("score\n5\n12\n", ["--metric", "nps"], "row 2: nps score 12 is not a whole number from 0 to 10"),
        ("score\n5\nfive\n", ["--metric", "csat"], "row 2, column 'score': 'five' is not a number"),
        ("rating\n5\n", ["--metric", "csat"], "no column 'score'; the columns are rating"),
        ("score\n5\n", ["--metric", "csat", "--scale", "7"], "csat is answered on 1-5 or 1-10, not 1-7"),
        ("score\n5\n", ["--metric", "csat", "--period", "month"], "--period needs --time-column"),
        ("score,at\n5,yesterday\n", ["--metric", "csat", "--period", "month", "--time-column", "at"],
         "row 1, column 'at': 'yesterday' is not a date or time"),
        ("score\n5\n", ["--metric", "nsp"], "unknown metric 'nsp'"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_exit_code_2(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["metrics", str(path), *args])
    assert result.exit_code != 0 and message in str(result.exception)


def test_the_installed_command_exits_2_with_the_message(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("score\n11\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "metrics", str(path), "--metric", "nps"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "error: row 1: nps score 11" in done.stderr and done.stdout == ""
