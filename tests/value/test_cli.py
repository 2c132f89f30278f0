"""`tajriba value summary|fit|predict` on files, as an analyst would run them."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from tajriba.cli import app

from .conftest import CLV

runner = CliRunner()


def _tx_file(tmp_path, cdnow_transactions):  # type: ignore[no-untyped-def]
    path = tmp_path / "tx.csv"
    frame = cdnow_transactions[["customer_id", "date", "dollars"]].copy()
    frame["date"] = frame["date"].dt.strftime("%Y%m%d")  # compact dates, as the CDNOW files have them
    frame.to_csv(path, index=False)
    return path


def test_summary_cli_reproduces_the_cdnow_summary(tmp_path, cdnow_transactions, cdnow_summary):
    path = _tx_file(tmp_path, cdnow_transactions)
    out = tmp_path / "summary.csv"
    result = runner.invoke(
        app,
        ["value", "summary", str(path), "--customer", "customer_id", "--datetime", "date", "--amount", "dollars",
         "--observation-end", "1997-09-30", "--unit", "week", "--output", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    s = pd.read_csv(out).sort_values("customer_id").reset_index(drop=True)
    assert (s["frequency"] == cdnow_summary["frequency"]).all()
    assert (s["recency"] - cdnow_summary["recency"]).abs().max() < 0.005


def test_fit_cli_prints_parameters_standard_errors_and_log_likelihood_as_json():
    result = runner.invoke(
        app,
        ["value", "fit", "bgnbd", "--input", str(CLV / "cdnow_customers_summary.csv"), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert round(data["log_likelihood"], 1) == -9582.4
    params = {p["parameter"]: p for p in data["parameters"]}
    assert round(params["r"]["estimate"], 3) == 0.243 and params["r"]["std_error"] > 0
    assert params["alpha"]["ci_low"] < params["alpha"]["estimate"] < params["alpha"]["ci_high"]


def test_fit_cli_fits_each_sbg_cohort_and_bgbb_patterns():
    result = runner.invoke(
        app, ["value", "fit", "sbg", "--input", str(CLV / "sbg_paper_individual.csv"), "--format", "json"]
    )
    cohorts = {c["cohort"]: c for c in json.loads(result.output)}
    assert round(cohorts["regular"]["parameters"][0]["estimate"], 3) == 0.704
    result = runner.invoke(app, ["value", "fit", "bgbb", "--input", str(CLV / "donations.csv")])
    assert result.exit_code == 0 and "bgbb  n=11,104" in result.output


def test_predict_cli_writes_clv_and_p_alive_per_customer(tmp_path):
    out = tmp_path / "pred.parquet"
    result = runner.invoke(
        app,
        ["value", "predict", "--input", str(CLV / "cdnow_customers_summary_with_transactions.csv"), "--interval",
         "--output", str(out), "--format", "parquet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pred = pd.read_parquet(out)
    assert len(pred) == 2357 and {
        "p_alive",
        "churn_risk",
        "expected_purchases",
        "clv",
        "clv_low",
        "clv_high",
    } <= set(pred)
    assert pred["p_alive"].between(0, 1).all() and (pred["clv_low"] <= pred["clv"]).all()


def test_cli_errors_name_the_problem_and_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("c,d,v\n1,2024-01-01,5\n2,soon,3\n", encoding="utf-8")
    for args, message in (
        (
            [
                "value",
                "summary",
                str(bad),
                "--customer",
                "c",
                "--datetime",
                "d",
                "--observation-end",
                "2024-02-01",
            ],
            "row 2: 'd' must be a date",
        ),
        (["value", "fit", "bgnbd", "--input", str(bad)], "needs a column named frequency or x"),
        (["value", "fit", "kaplan", "--input", str(CLV / "donations.csv")], "MODEL must be one of"),
    ):
        result = runner.invoke(app, args, standalone_mode=False)
        assert result.exception is not None and message in str(result.exception), (args, result.exception)
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tajriba.cli import main; main()",
            "value",
            "fit",
            "bgnbd",
            "--input",
            str(bad),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "error: the input needs a column" in proc.stderr
