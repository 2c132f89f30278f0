"""`tajriba journeys discover`: journey discovery on a workspace's events from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

journeys_app = typer.Typer(help="Journey analytics.", no_args_is_help=True)


@journeys_app.command("discover")
def journeys_discover(
    file: Annotated[
        Path, typer.Argument(help="Event log: Parquet, CSV, TSV, XLSX, JSONL or XES (.xes, .xes.gz).")
    ],
    case: Annotated[
        str, typer.Option(help="Case column (a customer, session, ticket).")
    ] = "case:concept:name",
    activity: Annotated[str, typer.Option(help="Activity column (touchpoint, event).")] = "concept:name",
    timestamp: Annotated[str, typer.Option(help="Timestamp column.")] = "time:timestamp",
    order: Annotated[
        str | None, typer.Option(help="Column ordering events with equal timestamps (default: file order).")
    ] = None,
    timestamp_format: Annotated[
        str, typer.Option(help="iso (default), a strptime pattern, hijri or jalali (text timestamps).")
    ] = "iso",
    max_variants: Annotated[int | None, typer.Option(help="Print only the most frequent variants.")] = None,
    output: Annotated[str, typer.Option("--format", help="json (default) or text.")] = "json",
) -> None:
    """Directly-follows graph (counts and times), start and end activities and variants of an event log."""
    from tajriba.errors import Invalid
    from tajriba.journeys.discovery import discover
    from tajriba.journeys.logs import load_log

    if output not in ("json", "text"):
        raise Invalid("--format must be json or text", field="format")
    events = load_log(
        file,
        case=case,
        activity=activity,
        timestamp=timestamp,
        order=order,
        timestamp_format=timestamp_format,
    )
    result = discover(events, max_variants=max_variants)
    if output == "json":
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{len(result['dfg'])} transitions, {result['variants_total']} variants")
    typer.echo("start: " + ", ".join(f"{a} ({n})" for a, n in result["start"].items()))
    typer.echo("end:   " + ", ".join(f"{a} ({n})" for a, n in result["end"].items()))
    for edge in result["dfg"]:
        typer.echo(
            f"{edge['count']:>9,}  {edge['source']} -> {edge['target']}  median {edge['median_s']:,.0f} s, "
            f"mean {edge['mean_s']:,.0f} s"
        )
    for variant in result["variants"][:20]:
        typer.echo(f"{variant['count']:>9,}  " + " > ".join(variant["activities"]))
