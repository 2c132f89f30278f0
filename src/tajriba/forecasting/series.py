"""Series to forecast, from a file (CSV, TSV, XLSX, JSONL, Parquet: a contact centre's export) or from rows.

`from_rows` is the one way in: rows of (series, time, count) become a daily `History` or an `Intraday`
matrix. Counts in the same day or interval are added. A day with no row at all is unknown (closed or not
recorded); inside a day that has rows, an interval with none had no contacts. Bad rows are refused with
their row number, never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.forecasting import daily, intraday
from tajriba.forecasting.features import Overrides
from tajriba.i18n import _

FREQS = {"D": 0, "5min": 5, "10min": 10, "15min": 15, "30min": 30, "60min": 60, "1h": 60}
MAX_SERIES = 5_000
MAX_DAYS = 20 * 366
MAX_ROWS = 20_000_000
MAX_CELLS = 20_000_000  # series x days (x intervals of the day) held in memory


@dataclass(frozen=True)
class Shape:
    freq: str = "D"
    country: str = "SA"
    overrides: Overrides | None = None
    levels: tuple[int, ...] = daily.LEVELS


def check_freq(freq: str) -> int:
    """Minutes per interval (0 for days)."""
    if freq not in FREQS:
        raise Invalid(f"freq must be one of {', '.join(FREQS)}", field="freq")
    return FREQS[freq]


def from_file(path: Path, *, time_column: str, value_column: str, series_column: str | None,
              shape: Shape) -> daily.History | intraday.Intraday:  # fmt: skip
    """Read the three columns of a file (streaming, with the import's limits) and build the series."""
    from tajriba.ingest.imports.service import read_file

    wanted = [c for c in (time_column, value_column, series_column) if c]
    parts: list[pd.DataFrame] = []
    count = 0
    for batch in read_file(path):
        missing = [c for c in wanted if c not in batch.column_names]
        if missing:
            raise Invalid(f"{path.name}: no column {missing[0]!r} (columns: {', '.join(batch.column_names[:-1])})",
                          field="time_column" if missing[0] == time_column else "value_column")  # fmt: skip
        count += batch.num_rows
        if count > MAX_ROWS:
            raise Invalid(f"{path.name}: more than {MAX_ROWS:,} rows; aggregate it first", field="file")
        parts.append(batch.select([*wanted, "__row"]).to_pandas())
    if not parts:
        raise Invalid(f"{path.name}: no rows", field="file")
    frame = pd.concat(parts, ignore_index=True)
    series = (
        frame[series_column].fillna("").astype(str) if series_column else pd.Series("", index=frame.index)
    )
    return from_rows(series, frame[time_column], frame[value_column], frame["__row"], shape)


def from_rows(series: pd.Series, times: pd.Series, values: pd.Series, rows: pd.Series,
              shape: Shape) -> daily.History | intraday.Intraday:  # fmt: skip
    """Series from parallel columns; `rows` numbers them for the errors."""
    minutes = check_freq(shape.freq)
    when = pd.to_datetime(times, errors="coerce", format="mixed")
    if when.dt.tz is not None:
        when = when.dt.tz_localize(None)
    refuse(
        when.isna(),
        rows,
        "time_column",
        lambda i: _("{value} is not a date or time").format(value=repr(times.iloc[i])),
    )
    count = pd.to_numeric(values, errors="coerce")
    bad = count.isna() | (count < 0) | ~np.isfinite(count.fillna(0))
    refuse(bad, rows, "value_column",
           lambda i: _("{value} is not a count (a number, 0 or more)").format(value=repr(values.iloc[i])))  # fmt: skip
    names = sorted(series.unique().tolist())
    if len(names) > MAX_SERIES:
        raise Invalid(f"{len(names)} series; at most {MAX_SERIES:,} at once", field="series_column")
    days = pd.date_range(when.min().normalize(), when.max().normalize(), freq="D")
    if len(days) > MAX_DAYS:
        raise Invalid(f"the times span {len(days):,} days; at most {MAX_DAYS:,}", field="time_column")
    width = 1 if minutes == 0 else 24 * 60 // minutes
    if len(names) * len(days) * width > MAX_CELLS:
        raise Invalid(f"{len(names)} series x {len(days):,} days x {width} intervals is more than "
                      f"{MAX_CELLS:,} values; forecast fewer series or a shorter history at once", field="file")  # fmt: skip
    which = pd.Categorical(series, categories=names).codes
    day = ((when.dt.normalize() - days[0]) // pd.Timedelta(days=1)).to_numpy()
    if minutes == 0:
        out = np.full((len(names), len(days)), np.nan)
        out[which, day] = 0.0  # a day with any row is known
        np.add.at(out, (which, day), count.to_numpy(float))
        return daily.History(names, days, out, shape.country, shape.overrides, shape.levels).check()
    return _intraday(names, days, which, day, when, count, minutes, shape)


def _intraday(names, days, which, day, when, count, minutes, shape) -> intraday.Intraday:
    slot_of_day = ((when - when.dt.normalize()) // pd.Timedelta(minutes=minutes)).to_numpy()
    seen = np.unique(slot_of_day)
    slots = [f"{(s * minutes) // 60:02d}:{(s * minutes) % 60:02d}" for s in seen]
    column = np.searchsorted(seen, slot_of_day)
    out = np.full((len(names), len(days), len(seen)), np.nan)
    out[which, day, :] = 0.0  # a day with any row: its intervals without one had no contacts
    np.add.at(out, (which, day, column), count.to_numpy(float))
    item = intraday.Intraday(names, days, slots, out, shape.country, shape.overrides, shape.levels)
    item.totals()  # checks the daily history
    return item


def refuse(bad: Any, numbers: pd.Series, field: str, say: Callable[[int], str]) -> None:
    """Refuse a file by its first bad row: its number (from `numbers`), `say(position)` for what is wrong with
    it, and how many more rows are bad; the one way the forecasting domain names a bad row."""
    flags = pd.Series(bad).fillna(False).astype(bool).to_numpy()
    if flags.any():
        found = np.flatnonzero(flags)
        more = _(" (and {count} more rows)").format(count=len(found) - 1) if len(found) > 1 else ""
        problem = say(int(found[0]))
        raise Invalid(
            _("row {row}: {problem}").format(row=numbers.iloc[found[0]], problem=problem) + more, field=field
        )
