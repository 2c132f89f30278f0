"""RFM scores (1-5) and the standard RFM segments, and how customers move between segments.

Scores are quintiles of the customers' ranks; tied customers share the score of the lowest rank among them
(so the many one-time buyers all get F = 1 rather than an arbitrary split): R from the days since the
last purchase (recent = 5), F from the number of purchase days, M from the mean spend per purchase day. The
segment comes from R and FM = round((F + M) / 2) through the grid below (one explicit table, so the rule is
auditable; docs/value.md shows it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.i18n import N_

SEGMENTS: dict[str, str] = {
    "champions": N_("Champions"),
    "loyal": N_("Loyal"),
    "potential_loyalist": N_("Potential Loyalist"),
    "new": N_("New"),
    "promising": N_("Promising"),
    "need_attention": N_("Need Attention"),
    "about_to_sleep": N_("About to Sleep"),
    "at_risk": N_("At Risk"),
    "cant_lose": N_("Can't Lose Them"),
    "hibernating": N_("Hibernating"),
    "lost": N_("Lost"),
}

#: GRID[R - 1][FM - 1] -> segment key; rows R = 1..5, columns FM = 1..5
GRID: tuple[tuple[str, ...], ...] = (
    ("lost", "lost", "hibernating", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "champions"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)


def quintile_scores(values: Any, *, higher_is_better: bool = True) -> np.ndarray:
    """1-5 by quintile of rank; equal values share the score of the lowest rank among them."""
    v = pd.Series(np.asarray(values, dtype=float))
    if v.isna().any():
        raise Invalid(
            f"row {int(v.isna().to_numpy().argmax()) + 1}: RFM needs a number for every customer",
            field="values",
        )
    if v.empty:
        return np.array([], dtype=int)
    below = v.rank(method="min", ascending=higher_is_better).to_numpy() - 1
    return np.clip(np.floor(below / len(v) * 5) + 1, 1, 5).astype(int)


def segment_of(r: int, fm: int) -> str:
    if not (1 <= r <= 5 and 1 <= fm <= 5):
        raise Invalid(f"RFM scores run from 1 to 5, got R={r}, FM={fm}", field="scores")
    return GRID[r - 1][fm - 1]


def rfm_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Scores and segments from a customer summary (columns customer_id, frequency, since_last, mean_spend).

    ``mean_spend`` is the mean spend per purchase day, first purchase included (not the Gamma-Gamma zbar).
    """
    need = {"customer_id", "frequency", "since_last", "mean_spend"}
    missing = need - set(summary.columns)
    if missing:
        raise Invalid(f"RFM needs the columns {', '.join(sorted(missing))}", field="summary")
    out = summary[["customer_id"]].copy()
    out["recency_score"] = quintile_scores(summary["since_last"], higher_is_better=False)
    out["frequency_score"] = quintile_scores(summary["frequency"])
    out["monetary_score"] = quintile_scores(summary["mean_spend"])
    fm = np.floor((out["frequency_score"] + out["monetary_score"]) / 2 + 0.5).astype(int)
    out["segment"] = [segment_of(int(r), int(f)) for r, f in zip(out["recency_score"], fm, strict=True)]
    out["rfm"] = (
        out["recency_score"].astype(str)
        + out["frequency_score"].astype(str)
        + out["monetary_score"].astype(str)
    )
    return out


def segment_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Customers per segment in the fixed segment order, zeros included."""
    counts = table["segment"].value_counts()
    total = max(int(counts.sum()), 1)
    return pd.DataFrame(
        [
            {"segment": k, "customers": int(counts.get(k, 0)), "share": counts.get(k, 0) / total}
            for k in SEGMENTS
        ]
    )


def movement(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Customers moving from each segment (rows) to each segment (columns); 'absent' for not yet customers."""
    merged = before[["customer_id", "segment"]].merge(
        after[["customer_id", "segment"]], on="customer_id", how="outer", suffixes=("_before", "_after")
    )
    merged = merged.fillna({"segment_before": "absent", "segment_after": "absent"})
    order = [*SEGMENTS, "absent"]
    table = pd.crosstab(merged["segment_before"], merged["segment_after"])
    return table.reindex(index=order, columns=order, fill_value=0).astype(int)
