"""Discovery equals the reference outputs (pm4py 2.7) on every log in ../shared/data/journey/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tajriba.errors import Invalid
from tajriba.journeys.discovery import discover
from tajriba.journeys.logs import load_log
from tests.conftest import SHARED

JOURNEY = SHARED / "data" / "journey"
REFERENCES = sorted((JOURNEY / "reference").glob("*.json"))


def assert_same(result: dict, reference: dict) -> None:
    key = [(d["source"], d["target"], d["count"]) for d in result["dfg"]]
    assert key == [(d["source"], d["target"], d["count"]) for d in reference["dfg"]]
    for ours, theirs in zip(result["dfg"], reference["dfg"], strict=True):
        for field in ("median_s", "mean_s", "min_s", "max_s"):
            assert abs(ours[field] - theirs[field]) <= 1e-6, (ours, theirs, field)
    assert result["start"] == reference["start"] and result["end"] == reference["end"]
    assert result["variants"] == reference["variants"]
    assert result["variants_total"] == reference["variants_total"]


def reference_events(ref: dict, *, with_order: bool = True):  # type: ignore[no-untyped-def]
    cols = ref["columns"]
    return load_log(
        JOURNEY / ref["events_file"],
        case=cols["case"],
        activity=cols["activity"],
        timestamp=cols["timestamp"],
        order=cols.get("order") if with_order else None,
    )


@pytest.mark.skipif(not REFERENCES, reason="shared journey data not present")
@pytest.mark.parametrize("reference", REFERENCES, ids=[p.stem for p in REFERENCES])
def test_every_reference_log_gives_the_reference_result(reference: Path) -> None:
    ref = json.loads(reference.read_text())
    assert_same(discover(reference_events(ref)), ref)


XES = {
    "running-example.xes": "running_example",
    "helpdesk.xes.gz": "helpdesk",
    "06_bpic2013_closed.xes.gz": "bpic2013_closed",
    "receipt.csv": "receipt",
}


@pytest.mark.parametrize(("name", "ref"), XES.items(), ids=list(XES))
def test_the_original_xes_and_csv_files_give_the_same_result(name: str, ref: str) -> None:
    path = JOURNEY / "xes" / name
    if not path.exists():
        pytest.skip("shared journey data not present")
    events = load_log(path, case="case:concept:name", activity="concept:name", timestamp="time:timestamp")
    assert_same(discover(events), json.loads((JOURNEY / "reference" / f"{ref}.json").read_text()))


def test_ties_follow_the_order_column_or_the_file_order(tmp_path: Path) -> None:
    csv = tmp_path / "log.csv"
    csv.write_text(
        "case,step,at,seq\n"
        "1,b,2026-01-01 10:00:00,2\n"
        "1,a,2026-01-01 10:00:00,1\n"
        "1,c,2026-01-01 10:05:30,3\n"
        "2,a,2026-01-01 09:00:00,1\n",
        encoding="utf-8",
    )
    by_file = discover(load_log(csv, case="case", activity="step", timestamp="at"))
    assert by_file["variants"] == [
        {"activities": ["a"], "count": 1},
        {"activities": ["b", "a", "c"], "count": 1},
    ]
    by_seq = discover(load_log(csv, case="case", activity="step", timestamp="at", order="seq"))
    assert by_seq["variants"][1]["activities"] == ["a", "b", "c"]
    assert by_seq["dfg"] == [
        {
            "source": "a",
            "target": "b",
            "count": 1,
            "median_s": 0.0,
            "mean_s": 0.0,
            "min_s": 0.0,
            "max_s": 0.0,
        },
        {
            "source": "b",
            "target": "c",
            "count": 1,
            "median_s": 330.0,
            "mean_s": 330.0,
            "min_s": 330.0,
            "max_s": 330.0,
        },
    ]
    assert by_seq["start"] == {"a": 2} and by_seq["end"] == {"a": 1, "c": 1}


def test_bad_files_and_columns_get_clear_errors(tmp_path: Path) -> None:
    csv = tmp_path / "log.csv"
    csv.write_text("case,step,at\n1,a,yesterday\n", encoding="utf-8")
    with pytest.raises(Invalid, match="no column 'activity' for --activity"):
        load_log(csv, case="case", activity="activity", timestamp="at")
    with pytest.raises(Invalid, match="row 1: at='yesterday' is not a date/time"):
        load_log(csv, case="case", activity="step", timestamp="at")
    with pytest.raises(Invalid, match="no file"):
        load_log(tmp_path / "missing.csv", case="c", activity="a", timestamp="t")


def test_cli_prints_the_documented_json(tmp_path: Path) -> None:
    ref_path = JOURNEY / "reference" / "running_example.json"
    if not ref_path.exists():
        pytest.skip("shared journey data not present")
    ref = json.loads(ref_path.read_text())
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tajriba.cli",
            "journeys",
            "discover",
            str(JOURNEY / ref["events_file"]),
            "--case",
            "case",
            "--activity",
            "activity",
            "--timestamp",
            "ts",
            "--order",
            "idx",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert set(result) >= {"dfg", "start", "end", "variants"}
    assert_same(result, ref)
    bad = subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "journeys", "discover", str(ref_path.parent / "nope.parquet")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no file" in bad.stderr


@pytest.mark.parametrize(("packed", "alphabet"), [(1, 6400), (2, 3)])
def test_long_paths_and_many_activities_take_the_slower_exact_paths(monkeypatch, packed, alphabet) -> None:
    import tajriba.journeys.discovery as module

    reference = JOURNEY / "reference" / "helpdesk.json"
    if not reference.exists():
        pytest.skip("shared journey data not present")
    monkeypatch.setattr(module, "PACKED_STEPS", packed)
    monkeypatch.setattr(module, "ALPHABET_SIZE", alphabet)
    ref = json.loads(reference.read_text())
    cols = ref["columns"]
    events = load_log(
        JOURNEY / ref["events_file"],
        case=cols["case"],
        activity=cols["activity"],
        timestamp=cols["timestamp"],
    )
    assert module.discover(events)["variants"] == ref["variants"]


def test_flow_keeps_the_top_paths_and_buckets_the_rest() -> None:
    from tajriba.journeys.discovery import flow

    variants = [
        {"activities": ["home", "cart", "pay"], "count": 5},
        {"activities": ["home", "search", "cart", "pay", "rate"], "count": 2},
    ]
    result = flow(variants, total_cases=10, max_steps=3)
    links = {(x["source"], x["target"]): x["count"] for x in result["links"]}
    assert links == {
        ("0:home", "1:cart"): 5,
        ("1:cart", "2:pay"): 5,
        ("2:pay", "3:end"): 5,
        ("0:home", "1:search"): 2,
        ("1:search", "2:cart"): 2,
        ("2:cart", "3:more"): 2,
    }
    nodes = {n["id"]: n["count"] for n in result["nodes"]}
    assert nodes["0:home"] == 7 and nodes["0:other"] == 3 and nodes["3:end"] == 5
    assert result["cases"] == 10 and result["cases_shown"] == 7
