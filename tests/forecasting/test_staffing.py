"""Erlang C and Erlang A against the reference tables (tests/data/forecast/ERLANG_REFERENCE.md, to the printed
digits), the search for the agents needed against a linear search, and the `tajriba staffing` contract."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from tajriba.errors import Invalid
from tajriba.forecasting import staffing
from tests.test_cli import run

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "forecast" / "ERLANG_REFERENCE.md"
TEXTBOOK = staffing.Load(contacts=100, interval_seconds=1800, aht_seconds=180)


def _tables() -> list[list[list[str]]]:
    """The markdown tables of the reference file, each as rows of cells (header and rule left out)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                current.append(cells)
        elif current:
            tables.append(current[1:])
            current = []
    if current:
        tables.append(current[1:])
    return tables


def _number(cell: str) -> float:
    return float(re.sub(r"[^0-9.]", "", cell))


def _digits(cell: str) -> int:
    return len(cell.split(".")[1]) if "." in cell else 0


def test_the_reference_file_is_in_the_repository() -> None:
    assert REFERENCE.exists(), (
        f"{REFERENCE} is missing: copy it from ../shared/data/forecast/ (see SOURCE.md)"
    )
    c_table, a_table = _tables()
    assert len(c_table) == 4 and len(a_table) == 5


def test_erlang_c_matches_the_reference_table_to_the_printed_digits() -> None:
    c_table, _ = _tables()
    for agents, p_wait, level, asa, occupancy in c_table:
        got = staffing.erlang_c(TEXTBOOK, int(agents), target_seconds=20)
        for cell, value in ((p_wait, got.p_wait), (level, got.service_level), (asa, got.average_speed_of_answer),
                            (occupancy, got.occupancy)):  # fmt: skip
            assert value is not None and round(value, _digits(cell)) == _number(cell), (agents, cell, value)


def test_agents_needed_for_80_in_20_and_with_shrinkage() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    needed, scheduled = (
        int(x) for x in re.search(r"Agents needed for 80/20: (\d+); with 30% shrinkage (\d+)", text).groups()
    )  # type: ignore[union-attr]
    got = staffing.agents_needed(TEXTBOOK, target_level=0.8, target_seconds=20)
    assert got.agents == needed == 14
    assert staffing.scheduled(got.agents, 0.3) == scheduled == 20


def test_erlang_a_matches_the_reference_table_to_the_printed_digits() -> None:
    _, a_table = _tables()
    for patience, agents, p_wait, p_abandon, level in a_table:
        got = staffing.erlang_a(TEXTBOOK, int(agents), target_seconds=20, patience_seconds=_number(patience))
        for cell, value in ((p_wait, got.p_wait), (p_abandon, got.p_abandon), (level, got.service_level)):
            assert value is not None and round(value, _digits(cell)) == _number(cell), (
                patience,
                agents,
                cell,
                value,
            )


def test_erlang_a_with_very_patient_callers_is_erlang_c() -> None:
    c = staffing.erlang_c(TEXTBOOK, 13, target_seconds=20)
    a = staffing.erlang_a(TEXTBOOK, 13, target_seconds=20, patience_seconds=1e9)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.average_speed_of_answer == pytest.approx(c.average_speed_of_answer, rel=1e-4)
    assert a.p_abandon == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("contacts", [3, 40, 250, 1200])
@pytest.mark.parametrize("patience", [None, 45, 300])
def test_the_search_finds_the_fewest_agents_a_linear_search_finds(
    contacts: int, patience: float | None
) -> None:
    load = staffing.Load(contacts=contacts, interval_seconds=1800, aht_seconds=240)

    def level(n: int) -> float:
        if patience is None:
            return staffing.erlang_c(load, n, 20).service_level
        return staffing.erlang_a(load, n, 20, patience).service_level

    linear = next(n for n in range(1, 1000) if level(n) >= 0.9)
    assert staffing.agents_needed(load, target_level=0.9, patience_seconds=patience).agents == linear


def test_occupancy_cap_and_asa_target_add_agents() -> None:
    plain = staffing.agents_needed(TEXTBOOK).agents
    capped = staffing.agents_needed(TEXTBOOK, max_occupancy=0.65)
    assert capped.agents > plain and capped.occupancy <= 0.65
    fast = staffing.agents_needed(TEXTBOOK, target_level=None, target_asa=5)
    assert fast.average_speed_of_answer is not None and fast.average_speed_of_answer <= 5
    assert staffing.erlang_c(TEXTBOOK, fast.agents - 1, 20).average_speed_of_answer > 5  # type: ignore[operator]


def test_too_few_agents_wait_forever_and_bad_input_names_its_field() -> None:
    overloaded = staffing.erlang_c(TEXTBOOK, 10, 20)
    assert (
        overloaded.p_wait == 1.0
        and overloaded.service_level == 0.0
        and overloaded.average_speed_of_answer is None
    )
    for load, field in (
        (staffing.Load(-1, 1800, 180), "contacts"),
        (staffing.Load(10, 0, 180), "interval_seconds"),
        (staffing.Load(10, 1800, math.nan), "aht_seconds"),
        (staffing.Load(10**9, 1800, 180), "contacts"),
    ):
        with pytest.raises(Invalid) as exc:
            staffing.agents_needed(load)
        assert exc.value.field == field
    with pytest.raises(Invalid) as exc:
        staffing.scheduled(14, 1.0)
    assert exc.value.field == "shrinkage"
    with pytest.raises(Invalid) as exc:
        staffing.erlang_a(TEXTBOOK, 12, 20, patience_seconds=0)
    assert exc.value.field == "patience_seconds"


def test_the_staffing_command_contract() -> None:
    out = run("staffing", "erlang-c", "--contacts", "100", "--interval-seconds", "1800", "--aht-seconds", "180",
              "--target-level", "0.8", "--target-seconds", "20", "--shrinkage", "0.3", "--format", "json")  # fmt: skip
    body = json.loads(out.stdout)
    assert (body["model"], body["erlangs"], body["agents"], body["scheduled"]) == ("erlang_c", 10.0, 14, 20)
    assert [r["agents"] for r in body["rows"]] == [12, 13, 14, 15, 16]
    assert body["rows"][1] == {
        "agents": 13, "p_wait": 0.2853, "service_level": 0.7956, "average_speed_of_answer": 17.1162,
        "occupancy": 0.7692, "p_abandon": None,
    }  # fmt: skip
    out = run("staffing", "erlang-a", "--contacts", "100", "--interval-seconds", "1800", "--aht-seconds", "180",
              "--patience-seconds", "180", "--format", "json")  # fmt: skip
    body = json.loads(out.stdout)
    assert body["model"] == "erlang_a" and body["agents"] == 12
    row = next(r for r in body["rows"] if r["agents"] == 12)
    assert (row["p_wait"], row["p_abandon"], row["service_level"]) == (0.3032, 0.0531, 0.8023)
    bad = run(
        "staffing",
        "erlang-c",
        "--contacts",
        "100",
        "--interval-seconds",
        "0",
        "--aht-seconds",
        "180",
        check=False,
    )
    assert bad.returncode == 2 and "interval_seconds" in bad.stderr


def test_a_plan_interval_by_interval_with_the_gap_to_a_schedule() -> None:
    rows = staffing.plan(
        [100, 50, 0, 130],
        interval_seconds=1800,
        aht_seconds=180,
        shrinkage=0.3,
        scheduled_agents=[20, 10, 0, 18],
    )
    assert [(r["agents"], r["scheduled_needed"], r["gap"]) for r in rows] == [
        (14, 20, 0),
        (8, 12, -2),
        (0, 0, 0),
        (17, 25, -7),
    ]
    # 20 scheduled at 30 % shrinkage put 14 on the phones: the reference's 14-agent service level
    assert round(rows[0]["service_level"], 4) == 0.8884
    # 10 scheduled put 7 on the phones for 5 Erlangs
    assert rows[1]["service_level"] == pytest.approx(
        staffing.erlang_c(staffing.Load(50, 1800, 180), 7, 20).service_level
    )
    assert rows[2]["service_level"] == 1.0  # nobody called
    silent = staffing.Load(0, 1800, 180)
    assert staffing.erlang_a(silent, 3, 20, 60).as_dict() == staffing.erlang_c(silent, 3, 20).as_dict() | {
        "p_abandon": 0.0
    }
    assert staffing.agents_needed(silent, patience_seconds=60).agents == 0
    assert rows[3]["service_level"] == staffing.erlang_c(staffing.Load(130, 1800, 180), 12, 20).service_level
    patient = staffing.plan(
        [100], interval_seconds=1800, aht_seconds=180, patience_seconds=180, scheduled_agents=[12]
    )
    assert patient[0]["agents"] == 12 and round(patient[0]["p_abandon"], 4) == 0.0531
    with pytest.raises(Invalid) as exc:
        staffing.plan([1, 2], interval_seconds=1800, aht_seconds=180, scheduled_agents=[1])
    assert exc.value.field == "scheduled_agents"
