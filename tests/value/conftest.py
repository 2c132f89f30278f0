"""CDNOW, donations and sBG data from ../shared/data/clv (redistribution unclear: read in place, never copied)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import SHARED

CLV = SHARED / "data" / "clv"


def _need(name: str) -> None:
    if not (CLV / name).exists():
        pytest.skip(f"{CLV / name} is not on this machine")


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    _need("cdnow_customers_summary.csv")
    return pd.read_csv(CLV / "cdnow_customers_summary.csv")


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    _need("CDNOW_sample.txt")
    raw = pd.read_csv(
        CLV / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "dollars"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


def cdnow_summary_at(transactions: pd.DataFrame, end: str) -> pd.DataFrame:
    """The CDNOW sample summarised in weeks to ``end`` (the papers' calibration end is 1997-09-30)."""
    from tajriba.value.summary import summarize

    return summarize(
        transactions,
        customer="customer_id",
        datetime="date",
        amount="dollars",
        observation_end=end,
        unit="week",
    )
