"""`tajriba staffing erlang-c|erlang-a`: the agents an interval's contacts need, and what each head count gives."""

from __future__ import annotations

from dataclasses import dataclass
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
SPREAD = 2  # head counts shown on each side of the one needed


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
    targets = Targets(target_level, target_seconds, target_asa, max_occupancy, shrinkage)
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
    targets = Targets(target_level, target_seconds, target_asa, max_occupancy, shrinkage)
    _report(contacts, interval_seconds, aht_seconds, targets, patience_seconds=patience_seconds, fmt=fmt)


@dataclass(frozen=True)
class Targets:
    level: float
    seconds: float
    asa: float | None
    max_occupancy: float | None
    shrinkage: float


def _report(
    contacts: float,
    interval_seconds: float,
    aht_seconds: float,
    targets: Targets,
    *,
    patience_seconds: float | None,
    fmt: str,
) -> None:
    from tajriba.errors import Invalid
    from tajriba.forecasting import staffing

    if fmt not in ("json", "text"):
        raise Invalid("--format is json or text", field="format")
    load = staffing.Load(contacts, interval_seconds, aht_seconds).check()
    needed = staffing.agents_needed(
        load,
        target_level=targets.level,
        target_seconds=targets.seconds,
        target_asa=targets.asa,
        max_occupancy=targets.max_occupancy,
        patience_seconds=patience_seconds,
    )
    rows = []
    for n in range(max(1, needed.agents - SPREAD), needed.agents + SPREAD + 1):
        if patience_seconds is None:
            rows.append(staffing.erlang_c(load, n, targets.seconds).as_dict())
        else:
            rows.append(staffing.erlang_a(load, n, targets.seconds, patience_seconds).as_dict())
    out: dict[str, Any] = {
        "model": "erlang_c" if patience_seconds is None else "erlang_a",
        "erlangs": round(load.erlangs, 4),
        "agents": needed.agents,
        "scheduled": staffing.scheduled(needed.agents, targets.shrinkage),
        "rows": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
    }
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
