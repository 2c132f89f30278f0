"""A contact centre's interval history (its ACD or chat platform's export) into the warehouse's contact_intervals.

Rows: team, channel, start (the interval's local date and time in the workspace's time zone), minutes, offered,
and optionally answered, abandoned, answered_within, handle_seconds, wait_seconds, csat, csat_n. A row that
cannot be read refuses the whole file by its number; a file sent again replaces the same intervals (upsert on
team, channel and start).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.forecasting.series import refuse
from tajriba.i18n import N_, _
from tajriba.periods import zone_of
from tajriba.warehouse import Warehouse

COUNTS = ("offered", "answered", "abandoned", "answered_within", "csat_n")
MEANS = ("handle_seconds", "wait_seconds", "csat")
MAX_ROWS = 500_000  # a CSV of 32 MiB holds about 400,000 intervals


def store(wh: Warehouse, workspace: Any, rows: pd.DataFrame) -> int:
    """Check and store the rows (with `row`, their numbers for errors); return how many intervals were stored."""
    if len(rows) > MAX_ROWS:
        raise Invalid(
            _("at most {count} contact intervals at once").format(count=f"{MAX_ROWS:,}"), field="file"
        )
    for column in ("team", "start", "offered"):
        if column not in rows.columns:
            raise Invalid(
                _("the column {column} is missing (team, channel, start, minutes, offered...)").format(
                    column=column
                ),
                field=column,
            )
    out = pd.DataFrame(index=rows.index)
    out["workspace_id"] = workspace.id
    for name in ("team", "channel"):
        text = (
            rows[name].fillna("").astype(str).str.strip()
            if name in rows.columns
            else pd.Series("", index=rows.index)
        )
        _refuse(text.str.len() > 200, rows, name, N_("is longer than 200 characters"))
        out[name] = text
    _refuse(out["team"] == "", rows, "team", N_("has no team"))
    local = pd.to_datetime(rows["start"], errors="coerce", format="mixed")
    _refuse(local.isna(), rows, "start", N_("is not a date and time"))
    if local.dt.tz is not None:
        local = local.dt.tz_convert(zone_of(workspace)).dt.tz_localize(None)
    utc = local.dt.tz_localize(zone_of(workspace), ambiguous="NaT", nonexistent="NaT")
    _refuse(utc.isna(), rows, "start", N_("does not exist in the workspace's time zone (a clock change)"))
    out["starts_at"] = utc.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    minutes = _numbers(rows, "minutes", whole=True, default=30)
    _refuse(~minutes.isin([5, 10, 15, 30, 60]), rows, "minutes", N_("is not 5, 10, 15, 30 or 60"))
    out["minutes"] = minutes.astype("int32")
    for name in COUNTS:
        out[name] = _numbers(rows, name, whole=True).astype("Int32")
    for name in MEANS:
        out[name] = _numbers(rows, name, whole=False)
    _refuse(out["offered"].isna(), rows, "offered", N_("has no count of contacts offered"))
    answered = out["answered"].fillna(0)
    _refuse(answered > out["offered"], rows, "answered", N_("is more than the contacts offered"))
    _refuse(out["answered_within"].fillna(0) > out["answered"].fillna(np.iinfo(np.int32).max), rows,
            "answered_within", N_("is more than the contacts answered"))  # fmt: skip
    out["source"] = "import"
    return wh.upsert("contact_intervals", out.reset_index(drop=True))


def _numbers(rows: pd.DataFrame, name: str, *, whole: bool, default: float | None = None) -> pd.Series:
    if name not in rows.columns:
        return pd.Series(default, index=rows.index, dtype="float64")
    raw = rows[name]
    empty = raw.isna() | (raw.astype(str).str.strip() == "")
    value = pd.to_numeric(raw.where(~empty), errors="coerce")
    bad = (~empty & value.isna()) | (value < 0) | (value > 1e9)
    if whole:
        bad |= value.notna() & (value != value.round())
    _refuse(
        bad,
        rows,
        name,
        N_("is not a whole number of 0 or more") if whole else N_("is not a number of 0 or more"),
    )
    return value.fillna(default) if default is not None else value


def _refuse(bad: pd.Series, rows: pd.DataFrame, field: str, what: str) -> None:
    """Refuse the file by its first row whose `field` is bad: "row N: field 'value' what"."""

    def say(i: int) -> str:
        value = rows[field].iloc[i] if field in rows.columns else ""
        return f"{field} {value!r} {_(what)}"

    refuse(bad, rows["row"], field, say)
