"""Value benchmarks: customer summary, BG/NBD fit with standard errors, 12-month CLV, CDNOW fit.

Each task runs in a fresh subprocess (peak RSS measured there), for tajriba and, when installed
(`pip install -e ".[bench]"`), for lifetimes 0.11.3 on the same inputs, BLAS pinned to one thread.

    .venv/bin/python benchmarks/value_bench.py [--transactions 10000000] [--customers 1000000] [--lifetimes]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "clv" / "cdnow_customers_summary.csv"

TASKS = {
    # name: code run in the child; `data` is the prepared file, the result is the seconds of the timed part
    ("summary", "tajriba"): """
import pandas as pd
from tajriba.value.summary import summarize
tx = pd.read_parquet(data)
t0 = time.perf_counter()
s = summarize(tx, customer="customer_id", datetime="datetime", amount="amount", observation_end="2025-12-31", unit="week")
seconds = time.perf_counter() - t0
extra = {"customers": len(s)}
""",
    ("summary-file", "tajriba"): """
from pathlib import Path
from tajriba.value.summary import summarize_file
t0 = time.perf_counter()
s = summarize_file(Path(data), customer="customer_id", datetime="datetime", amount="amount",
                   observation_end="2025-12-31", unit="week")
seconds = time.perf_counter() - t0
extra = {"customers": len(s)}
""",
    ("summary", "lifetimes"): """
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
tx = pd.read_parquet(data)
t0 = time.perf_counter()
s = summary_data_from_transaction_data(tx, "customer_id", "datetime", monetary_value_col="amount",
                                       observation_period_end="2025-12-31", freq="W")
seconds = time.perf_counter() - t0
extra = {"customers": len(s)}
""",
    ("fit", "tajriba"): """
import pandas as pd
from tajriba.value.bgnbd import BetaGeoModel
d = pd.read_parquet(data)
t0 = time.perf_counter()
m = BetaGeoModel().fit(d["frequency"], d["recency"], d["T"])
seconds = time.perf_counter() - t0
extra = {"params": m.params_, "se_r": m.std_errors_["r"]}
""",
    ("fit", "lifetimes"): """
import pandas as pd
from lifetimes import BetaGeoFitter
d = pd.read_parquet(data)
t0 = time.perf_counter()
m = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
se = m.summary["se(coef)"]
seconds = time.perf_counter() - t0
extra = {"params": m.params_.to_dict(), "se_r": float(se["r"])}
""",
    ("clv", "tajriba"): """
import numpy as np, pandas as pd
from tajriba.value.bgnbd import BetaGeoModel
from tajriba.value.gammagamma import GammaGammaModel
from tajriba.value.clv import ClvSettings, customer_lifetime_value
d = pd.read_parquet(data)
bg = BetaGeoModel(); bg.params_ = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}; bg.covariance_ = np.eye(4) * 1e-4
gg = GammaGammaModel(); gg.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44}; gg.covariance_ = np.eye(3) * 1e-4
t0 = time.perf_counter()
c = customer_lifetime_value(bg, gg, d["frequency"], d["recency"], d["T"], d["monetary_value"],
                            settings=ClvSettings(horizon_months=12, discount_rate=0.01, unit="week"))
seconds = time.perf_counter() - t0
extra = {"mean_clv": float(c["clv"].mean())}
""",
    ("clv", "lifetimes"): """
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
d = pd.read_parquet(data)
bg = BetaGeoFitter(); bg.params_ = pd.Series({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5})
bg.predict = bg.conditional_expected_number_of_purchases_up_to_time  # what fit() would set
gg = GammaGammaFitter(); gg.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
t0 = time.perf_counter()
c = gg.customer_lifetime_value(bg, d["frequency"], d["recency"], d["T"], d["monetary_value"], time=12,
                               discount_rate=0.01, freq="W")
seconds = time.perf_counter() - t0
extra = {"mean_clv": float(c.mean())}
""",
    ("cdnow", "tajriba"): """
import pandas as pd
from tajriba.value.bgnbd import BetaGeoModel
d = pd.read_csv(data)
BetaGeoModel().fit(d["frequency"], d["recency"], d["T"])
runs = []
for _ in range(20):
    t0 = time.perf_counter(); BetaGeoModel().fit(d["frequency"], d["recency"], d["T"]); runs.append(time.perf_counter() - t0)
seconds = sorted(runs)[len(runs) // 2]
extra = {}
""",
    ("cdnow", "lifetimes"): """
import pandas as pd
from lifetimes import BetaGeoFitter
d = pd.read_csv(data)
BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
runs = []
for _ in range(5):
    t0 = time.perf_counter(); BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"]); runs.append(time.perf_counter() - t0)
seconds = sorted(runs)[len(runs) // 2]
extra = {}
""",
}

CHILD = """
import json, resource, sys, time
data = sys.argv[1]
{code}
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, **extra}}, default=float))
"""


def run(task: str, impl: str, data: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(code=TASKS[(task, impl)]), data],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def prepare(folder: str, transactions_n: int, customers_n: int) -> None:
    from tajriba.value.simulate import bgnbd_customers, transactions

    transactions(transactions_n // 10, per_customer=10.0, seed=1).to_parquet(f"{folder}/tx.parquet")
    cust = bgnbd_customers(customers_n, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=1)
    cust["monetary_value"] = (cust["frequency"] > 0) * 35.0
    cust.to_parquet(f"{folder}/customers.parquet")


def time_value_page(data_dir: str, repeat: int = 10, path: str = "/w/demo/value") -> dict:
    """Median and worst time of GET `path` on a built demo (in-process client, demo login)."""
    import re
    import statistics

    from fastapi.testclient import TestClient

    from tajriba.app import create_app
    from tajriba.config import load_settings

    app = create_app(load_settings(data_dir=Path(data_dir), worker=False), start_worker=False)
    with TestClient(app) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/login",
            data={
                "email": "demo@tajriba.example",
                "password": "tajriba-demo",
                "csrf_token": token,
                "next": "/",
            },
        )
        client.get(path)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            assert client.get(path).status_code == 200
            times.append(time.perf_counter() - t0)
    return {"median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lifetimes", action="store_true", help="also run lifetimes 0.11.3 (bench extra)")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument(
        "--demo-dir", help="also time the Value page of a demo built there (tajriba demo --no-serve)"
    )
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.transactions, args.customers)
        return
    if args.demo_dir:
        print(json.dumps({"task": "value page", **time_value_page(args.demo_dir)}), flush=True)
    impls = ["tajriba", "lifetimes"] if args.lifetimes else ["tajriba"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        # in a child process: Linux keeps a process's peak RSS across exec, so the parent stays small
        subprocess.run(
            [sys.executable, __file__, "--prepare", tmp, "--transactions", str(args.transactions),
             "--customers", str(args.customers)],
            check=True,
        )  # fmt: skip
        print(f"data prepared in {time.perf_counter() - t0:.1f} s", flush=True)
        plan = [
            ("summary", f"{tmp}/tx.parquet"),
            ("summary-file", f"{tmp}/tx.parquet"),
            ("fit", f"{tmp}/customers.parquet"),
            ("clv", f"{tmp}/customers.parquet"),
        ]
        if CDNOW.exists():
            plan.append(("cdnow", str(CDNOW)))
        for task, data in plan:
            for impl in impls:
                if (task, impl) not in TASKS:
                    continue
                result = run(task, impl, data)
                print(json.dumps({"task": task, "impl": impl, **result}, default=float), flush=True)


if __name__ == "__main__":
    main()
