"""`tajriba staffing erlang-c|erlang-a`: the agents an interval's contacts need, and what each head count gives;
`tajriba forecast FILE`: forecasts of the counts in a file, with the backtest that chose each series' model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tajriba.commands import echo_json

staffing_app = typer.Typer(
    help="Staffing: agents needed per interval (Erlang C, Erlang A).", no_args_is_help=True
)

Contacts = Annotated[float, typer.Option("--contacts", help="Contacts arriving in the interval.")]
Interval = Annotated[
    float, typer.Option("--interval-seconds", help="Length of the interval (1800 = 30 min).")
]
Aht = Annotated[float, typer.Option("--aht-seconds", help="Average handle time of a contact.")]
Level = Annotated[float, typer.Option("--target-level", help="Share to answer within the target time.")]
Seconds = Annotated[float, typer.Option("--target-seconds", help="The target time to answer.")]
Shrinkage = Annotated[float, typer.Option("--shrinkage", help="Share of scheduled time away from the queue.")]
Occupancy = Annotated[
    float | None, typer.Option("--max-occupancy", help="Busiest agents may be (e.g. 0.85).")
]
Asa = Annotated[float | None, typer.Option("--target-asa", help="Average speed of answer to stay under (s).")]
Format = Annotated[str, typer.Option("--format", help="json or text.")]


@staffing_app.command("erlang-c")
def erlang_c_cmd(
    contacts: Contacts,
    interval_seconds: Interval,
    aht_seconds: Aht,
    target_level: Level = 0.8,
    target_seconds: Seconds = 20,
    shrinkage: Shrinkage = 0.0,
    max_occupancy: Occupancy = None,
    target_asa: Asa = None,
    fmt: Format = "json",
) -> None:
    """Agents needed when callers wait as long as it takes, and P(wait), service level, ASA and occupancy
    for the head counts around it."""
    targets = (target_level, target_seconds, target_asa, max_occupancy, shrinkage)
    _report(contacts, interval_seconds, aht_seconds, targets, patience_seconds=None, fmt=fmt)


@staffing_app.command("erlang-a")
def erlang_a_cmd(
    contacts: Contacts,
    interval_seconds: Interval,
    aht_seconds: Aht,
    patience_seconds: Annotated[float, typer.Option("--patience-seconds", help="Callers' mean patience.")],
    target_level: Level = 0.8,
    target_seconds: Seconds = 20,
    shrinkage: Shrinkage = 0.0,
    max_occupancy: Occupancy = None,
    target_asa: Asa = None,
    fmt: Format = "json",
) -> None:
    """Agents needed when callers hang up after an exponential patience, with P(abandon) beside the rest."""
    targets = (target_level, target_seconds, target_asa, max_occupancy, shrinkage)
    _report(contacts, interval_seconds, aht_seconds, targets, patience_seconds=patience_seconds, fmt=fmt)


def _report(
    contacts: float,
    interval_seconds: float,
    aht_seconds: float,
    targets: tuple[float, float, float | None, float | None, float],
    *,
    patience_seconds: float | None,
    fmt: str,
) -> None:
    from tajriba.errors import Invalid
    from tajriba.forecasting import service
    from tajriba.forecasting.staffing import Targets

    if fmt not in ("json", "text"):
        raise Invalid("--format is json or text", field="format")
    out = service.staffing(
        contacts, interval_seconds, aht_seconds, Targets(*targets), patience_seconds=patience_seconds
    )
    if fmt == "json":
        echo_json(out)
        return
    typer.echo(f"{out['erlangs']} Erlangs: {out['agents']} agents needed, {out['scheduled']} to schedule")
    for r in out["rows"]:
        abandon = f"  P(abandon) {r['p_abandon']:.4f}" if r["p_abandon"] is not None else ""
        asa = "-" if r["average_speed_of_answer"] is None else f"{r['average_speed_of_answer']:.2f} s"
        typer.echo(
            f"{r['agents']:>6}  P(wait) {r['p_wait']:.4f}  service level {r['service_level']:.4f}  "
            f"ASA {asa}  occupancy {r['occupancy']:.3f}{abandon}"
        )


def forecast_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV, TSV, XLSX, JSONL or Parquet: one row per time (and series).")
    ],
    time_column: Annotated[str, typer.Option("--time-column", help="The column of dates or times.")],
    value_column: Annotated[str, typer.Option("--value-column", help="The column of counts.")],
    horizon: Annotated[int, typer.Option("--horizon", help="Steps ahead: days, or intervals of --freq.")],
    freq: Annotated[str, typer.Option("--freq", help="D, 5min, 10min, 15min, 30min or 60min.")] = "D",
    series_column: Annotated[
        str | None, typer.Option("--series-column", help="The column naming each series (team, channel...).")
    ] = None,
    country: Annotated[
        str, typer.Option("--country", help="Calendar and holidays: SA, AE, EG, IR...")
    ] = "SA",
    level: Annotated[
        list[str] | None, typer.Option("--level", help="Interval levels: --level 80 --level 95 (or 80,95).")
    ] = None,
    backtest: Annotated[
        int | None, typer.Option("--backtest", help="Backtest windows; prints each model's scores.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
) -> None:
    """Forecast contact volume (or any count) from a file, each series' model chosen by rolling-origin backtest."""
    from tajriba.errors import Invalid
    from tajriba.forecasting import series, service

    if fmt not in ("json", "csv"):
        raise Invalid("--format is json or csv", field="format")
    levels = _levels(level or ["80", "95"])
    shape = series.Shape(freq=freq, country=country.upper(), levels=levels)
    item = series.from_file(file, time_column=time_column, value_column=value_column,
                            series_column=series_column, shape=shape)  # fmt: skip
    result, steps = service.run(item, horizon, 3 if backtest is None else backtest)
    rows = service.forecast_rows(result, steps)
    table = service.backtest_rows(result) if backtest else None
    if fmt == "json":
        out: dict[str, Any] = {"freq": freq, "horizon": horizon, "levels": list(levels), "forecast": rows}
        if table is not None:
            out["backtest"] = table
        echo_json(out)
        return
    _csv(rows)
    if table is not None:
        typer.echo("")
        _csv(table)


def _levels(raw: list[str]) -> tuple[int, ...]:
    from tajriba.errors import Invalid

    out = []
    for part in ",".join(raw).split(","):
        try:
            out.append(int(part.strip()))
        except ValueError:
            raise Invalid(
                f"--level {part!r}: expected a whole percentage such as 80 or 95", field="level"
            ) from None
    return tuple(sorted(set(out)))


def _csv(rows: list[dict[str, Any]]) -> None:
    import csv
    import io

    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    typer.echo(buffer.getvalue(), nl=False)
