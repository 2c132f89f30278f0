"""Ordered funnels: how many customers go through chosen steps, in order, within a conversion window.

Definitions (docs/journeys.md has them with examples):

- events of a case are ordered by time, then `ord`, as in discovery; a step is matched by a later event
  than the previous step's (so the same activity may appear twice in a funnel, and two events with the
  same timestamp count in their order);
- an attempt starts at an event of the first step; each next step is the earliest later event with that
  activity, no later than the start plus the conversion window (earliest matching is optimal: it can
  never reach fewer steps than a later choice);
- a case counts once, with its attempt that reaches the most steps (the earliest such attempt);
- time to convert is measured from the start of that attempt; the breakdown (`by`) is the value of that
  column on the attempt's first event.

All of it is one Ibis query (the steps, not the events, are looped over in Python to build it).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from tajriba.errors import Invalid


def funnel_expr(
    events: ir.Table, *, steps: list[str], window_seconds: float | None = None, by: str | None = None
) -> ir.Table:
    """One row per case that entered the first step: `case_id`, `group`, `depth`, `t1`..`tk` (the step times)."""
    if len(steps) < 2:
        raise Invalid("a funnel needs at least two steps", field="steps")
    if len(steps) > 20:
        raise Invalid("a funnel has at most 20 steps", field="steps")
    if window_seconds is not None and window_seconds <= 0:
        raise Invalid("the conversion window must be positive", field="window")
    if by is not None and by not in events.columns:
        raise Invalid(f"cannot break down by {by!r}; available: {', '.join(events.columns)}", field="by")
    t = events.filter(events.activity.isin(sorted(set(steps))))
    t = t.mutate(pos=ibis.row_number().over(group_by=t.case_id, order_by=[t.ts, t.ord]))
    first = t.filter(t.activity == steps[0])
    att = first.select(
        case_id=first.case_id,
        start_pos=first.pos,
        group=(first[by].cast("string") if by else ibis.literal(None, type="string")),
        last_pos=first.pos,
        t1=first.ts,
    )
    for j, step in enumerate(steps[1:], start=2):
        cand = t.filter(t.activity == step).select(c_case=t.case_id, c_pos=t.pos, c_ts=t.ts)
        cond = [att.case_id == cand.c_case, cand.c_pos > att.last_pos]
        if window_seconds is not None:
            cond.append(cand.c_ts <= att.t1 + ibis.interval(microseconds=int(round(window_seconds * 1e6))))
        joined = att.left_join(cand, cond)
        carried = {c: joined[c].min() for c in att.columns if c not in ("case_id", "start_pos")}
        att = joined.group_by(["case_id", "start_pos"]).aggregate(
            next_pos=joined.c_pos.min(), next_ts=joined.c_ts.argmin(joined.c_pos), **carried
        )
        att = att.mutate(last_pos=att.next_pos).rename({f"t{j}": "next_ts"}).drop("next_pos")
    times = [f"t{j}" for j in range(1, len(steps) + 1)]
    depth = sum((att[c].notnull().ifelse(1, 0) for c in times[1:]), ibis.literal(1, type="int64"))
    # the attempt reaching the most steps, the earliest among those: a hash aggregate, no sort
    att = att.mutate(depth=depth, score=depth * (1 << 40) - att.start_pos)
    best = {c: att[c].argmax(att.score) for c in ["group", *times]}
    return att.group_by("case_id").aggregate(depth=att.depth.max(), **best)


def funnel(
    events: ir.Table, *, steps: list[str], window_seconds: float | None = None, by: str | None = None
) -> dict[str, Any]:
    """Entered, conversion and drop-off per step, and times between steps, overall and per group."""
    cases = funnel_expr(events, steps=steps, window_seconds=window_seconds, by=by)
    k = len(steps)
    aggs: dict[str, Any] = {"cases": cases.count()}
    for j in range(2, k + 1):
        reached = cases[f"t{j}"].notnull()
        aggs[f"n{j}"] = reached.sum()
        prev = cases[f"t{j}"].delta(cases[f"t{j - 1}"], unit="microsecond").cast("float64") / 1e6
        start = cases[f"t{j}"].delta(cases["t1"], unit="microsecond").cast("float64") / 1e6
        # the times are null for cases that did not reach step j, so the aggregates skip them (no `where=`:
        # Ibis's PySpark backend writes a median with one as a percentile Spark rejects)
        aggs[f"prev_median{j}"] = prev.median()
        aggs[f"prev_mean{j}"] = prev.mean()
        aggs[f"start_median{j}"] = start.median()
        aggs[f"start_mean{j}"] = start.mean()
    overall = cases.aggregate(**aggs).mutate(group=ibis.literal(None, type="string"))
    rows = overall.to_pyarrow().to_pylist()
    groups = []
    if by is not None:
        per = cases.group_by("group").aggregate(**aggs).order_by([ibis.desc("cases"), "group"])
        groups = per.to_pyarrow().to_pylist()
    return {
        "steps_requested": steps,
        "window_seconds": window_seconds,
        **_shape(rows[0], steps),
        "groups": [{"group": g["group"], **_shape(g, steps)} for g in groups],
    }


def _shape(row: dict[str, Any], steps: list[str]) -> dict[str, Any]:
    entered = [int(row["cases"] or 0)] + [int(row[f"n{j}"] or 0) for j in range(2, len(steps) + 1)]
    out = []
    for i, step in enumerate(steps):
        j = i + 1
        n = entered[i]
        out.append(
            {
                "step": step,
                "entered": n,
                "conversion": n / entered[0] if entered[0] else None,
                "from_previous": (n / entered[i - 1] if entered[i - 1] else None) if i else None,
                "drop_off": (entered[i - 1] - n) if i else None,
                "median_s_from_previous": _f(row.get(f"prev_median{j}")),
                "mean_s_from_previous": _f(row.get(f"prev_mean{j}")),
                "median_s_from_start": _f(row.get(f"start_median{j}")),
                "mean_s_from_start": _f(row.get(f"start_mean{j}")),
            }
        )
    return {"entered": entered[0], "converted": entered[-1], "steps": out}


def _f(value: Any) -> float | None:
    return None if value is None else float(value)
