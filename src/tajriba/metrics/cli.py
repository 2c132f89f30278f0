"""`tajriba metrics FILE`: the metrics module on any file, for checking against a spreadsheet."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import numpy as np


def metrics_command(
    file: Annotated[
        Path, typer.Argument(help="CSV, TSV, XLSX, JSONL or Parquet file with one answer per row.")
    ],
    metric: Annotated[str, typer.Option("--metric", help="nps, csat or ces")],
    score_column: Annotated[str, typer.Option("--score-column", help="Column with the score.")] = "score",
    scale: Annotated[
        int | None, typer.Option("--scale", help="Top of the CSAT scale: 5 (1-5) or 10 (1-10).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Group by this column.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="day, week, month, quarter or year (needs --time-column).")
    ] = None,
    time_column: Annotated[
        str | None, typer.Option("--time-column", help="Column with the answer's time.")
    ] = None,
    calendar: Annotated[
        str, typer.Option(help="Months and years in gregorian, hijri or jalali.")
    ] = "gregorian",
    week_start: Annotated[str, typer.Option("--week-start", help="monday, saturday or sunday.")] = "monday",
    timezone: Annotated[
        str, typer.Option("--timezone", help="Zone of times written without an offset, and of the periods.")
    ] = "UTC",
    level: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    min_n: Annotated[int, typer.Option("--min-n", help="Hide figures of groups with fewer answers.")] = 1,
    output_format: Annotated[str, typer.Option("--format", help="text, json or jsonl")] = "text",
) -> None:
    """NPS, CSAT or CES per group (and period) with n, value, interval and standard error."""
    result = compute_file(
        file,
        metric=metric,
        score_column=score_column,
        scale=scale,
        by=by,
        period=period,
        time_column=time_column,
        calendar=calendar,
        week_start=week_start,
        timezone=timezone,
        level=level,
        min_n=min_n,
    )
    if result["skipped"]:
        typer.echo(f"{result['skipped']} row(s) without a score were left out", err=True)
    rows = result["rows"]
    if output_format == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif output_format == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif output_format == "text":
        _print_table(metric, rows)
    else:
        from tajriba.errors import Invalid

        raise Invalid("--format must be text, json or jsonl", field="format")


def compute_file(
    file: Path,
    *,
    metric: str,
    score_column: str = "score",
    scale: int | None = None,
    by: str | None = None,
    period: str | None = None,
    time_column: str | None = None,
    calendar: str = "gregorian",
    week_start: str = "monday",
    timezone: str = "UTC",
    level: float = 0.95,
    min_n: int = 1,
) -> dict[str, Any]:
    """Read the file, check every score, and summarise per group: {"rows": [...], "skipped": n}."""
    import numpy as np

    from tajriba import periods
    from tajriba.ingest.imports import service as imports
    from tajriba.metrics import scores

    span = _check_options(metric, scale, period, time_column, calendar, week_start, timezone, level, min_n)
    columns = _Columns(score_column, by, time_column if period else None, timezone)
    parts = [_batch(file.name, table, columns) for table in imports.read_batches(imports.open_source(file))]
    s = np.concatenate([p.values for p in parts]) if parts else np.zeros(0)
    scores.check_scores(metric, s, span, np.concatenate([p.rows for p in parts]) if parts else None)
    keys: list[np.ndarray] = []
    if by:
        keys.append(np.concatenate([p.groups for p in parts]) if parts else np.zeros(0, dtype=object))
    if period:
        d = np.concatenate([p.days for p in parts]) if parts else np.zeros(0, dtype="datetime64[D]")
        keys.append(periods.labels(d, period, calendar, week_start))
    out = _summarise(metric, s, keys, span, level=level, min_n=min_n, by=by, period=period)
    return {"rows": out, "skipped": sum(p.skipped for p in parts)}


def _check_options(
    metric: str,
    scale: int | None,
    period: str | None,
    time_column: str | None,
    calendar: str,
    week_start: str,
    timezone: str,
    level: float,
    min_n: int,
) -> tuple[int, int]:
    """Every option checked before the file is read; the score scale (low, high)."""
    from tajriba import periods
    from tajriba.errors import Invalid
    from tajriba.metrics import scores

    scores.check_metric(metric)
    span = scores.default_scale(metric) if scale is None else (0 if metric == "nps" else 1, scale)
    scores.check_scale(metric, span)
    if period is not None:
        periods.check(period, calendar, week_start)
        if time_column is None:
            raise Invalid("--period needs --time-column", field="time_column")
    if not 0.5 <= level < 1:
        raise Invalid("--level must be at least 0.5 and below 1", field="level")
    if min_n < 1:
        raise Invalid("--min-n must be 1 or more", field="min_n")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception:
        raise Invalid(f"unknown time zone {timezone!r}", field="timezone") from None
    return span


@dataclass(frozen=True)
class _Columns:
    score: str
    by: str | None
    time: str | None  # only when cutting by period
    timezone: str


@dataclass(frozen=True)
class _Part:
    """What one batch of the file gives: its scores, their file rows, groups and local days."""

    values: Any  # numpy arrays (numpy is imported when a file is read, not when the CLI starts)
    rows: Any
    groups: Any
    days: Any
    skipped: int


def _batch(name: str, table: Any, columns: _Columns) -> _Part:
    """One batch's scores (an empty cell is skipped, anything else must be a number) with their groups and
    local days; the first bad cell is an error naming its row and column."""
    import numpy as np
    import pyarrow.compute as pc

    from tajriba.errors import Invalid
    from tajriba.ingest.imports import service as imports

    wanted = [c for c in (columns.score, columns.by, columns.time) if c]
    missing = [c for c in wanted if c not in table.column_names]
    if missing:
        raise Invalid(
            f"{name}: no column {missing[0]!r}; the columns are {', '.join(table.column_names[:-1])}",
            field=missing[0],
        )
    raw = table[columns.score]
    number = imports.to_float(raw)
    bad = np.flatnonzero(pc.and_(raw.is_valid(), number.is_null()).to_numpy(zero_copy_only=False))
    bad = bad[[bool(str(raw[int(i)].as_py() or "").strip()) for i in bad]]
    rows = table["__row"].to_numpy()
    if bad.size:
        i = int(bad[0])
        raise Invalid(
            f"row {rows[i]}, column {columns.score!r}: {raw[i].as_py()!r} is not a number",
            field=columns.score,
        )
    present = number.is_valid().to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(present)
    groups = np.zeros(0, dtype=object)
    if columns.by:
        col = table[columns.by].to_pylist()
        groups = np.array(["" if col[i] is None else str(col[i]).strip() for i in keep], dtype=object)
    days = np.zeros(0, dtype="datetime64[D]")
    if columns.time:
        stamp = imports.to_timestamp(table[columns.time], tz=columns.timezone).to_numpy(zero_copy_only=False)[
            keep
        ]
        missing_time = np.flatnonzero(np.isnat(stamp))
        if missing_time.size:
            i = int(missing_time[0])
            given = table[columns.time][int(keep[i])].as_py()
            raise Invalid(
                f"row {rows[keep[i]]}, column {columns.time!r}: {given!r} is not a date or time",
                field=columns.time,
            )
        days = _local_days(stamp, columns.timezone)
    values = number.to_numpy(zero_copy_only=False)[keep].astype(float)
    return _Part(values, rows[keep], groups, days, int((~present).sum()))


def _summarise(
    metric: str,
    s: np.ndarray,
    keys: list[np.ndarray],
    span: tuple[int, int],
    *,
    level: float,
    min_n: int,
    by: str | None,
    period: str | None,
) -> list[dict[str, Any]]:
    """The metric per group (and period), from the scores and their keys."""
    import numpy as np

    from tajriba.metrics import scores

    if not keys:
        keys.append(np.full(s.size, "all", dtype=object))
    combined = (
        keys[0]
        if len(keys) == 1
        else np.array([f"{a}\x00{b}" for a, b in zip(*keys, strict=True)], dtype=object)
    )
    labels, index = (
        np.unique(combined.astype(str), return_inverse=True) if s.size else (np.array([]), np.zeros(0, int))
    )
    sums = scores.sums_from_scores(metric, s, index, len(labels), span)
    out = scores.rows(metric, [str(x).split("\x00")[0] for x in labels], sums, level=level, min_n=min_n)
    if by and period:
        for row, lab in zip(out, labels, strict=True):
            row["period"] = str(lab).split("\x00")[1]
    elif period:
        for row in out:
            row["period"] = row["group"]
            row["group"] = "all"
    return out


def _local_days(stamp: Any, timezone: str) -> Any:
    """UTC times (naive) -> the calendar day in `timezone`."""
    import pandas as pd

    local = pd.DatetimeIndex(stamp).tz_localize("UTC").tz_convert(timezone).tz_localize(None)
    return local.to_numpy().astype("datetime64[D]")


def _print_table(metric: str, rows: list[dict[str, Any]]) -> None:
    extra = {"nps": ["promoters", "passives", "detractors"], "csat": ["top2_box"], "ces": ["easy"]}[metric]
    head = ["group", *(["period"] if rows and "period" in rows[0] else []), "n", "value", "ci_low", "ci_high"]
    head += ["std_error", *extra]
    typer.echo("\t".join(head))
    for row in rows:
        cells = []
        for key in head:
            v = row.get(key)
            cells.append("" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v))
        typer.echo("\t".join(cells))
