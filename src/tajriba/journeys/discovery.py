"""How customers really move: directly-follows graph, start and end steps, path variants.

Every function takes an Ibis table with the columns `case_id` (a customer, a session, a ticket),
`activity` (a touchpoint or an event name), `ts` (timestamp) and `ord` (tie-breaker for equal timestamps:
the file order, or a column the caller chose) and runs as one query in the engine behind it (DuckDB);
no Python loop runs over events. Results follow the conventions of the process-mining literature
(van der Aalst, *Process Mining*, 2016) and of pm4py, so they can be checked against it:

- events of a case are ordered by `ts`, then `ord`;
- a directly-follows pair (a, b) is two consecutive events of a case; its time is ts(b) - ts(a) in seconds,
  summarised by count, median (the mean of the two middle values for an even count), mean, min and max;
- a case's variant is its sequence of activities; start and end are its first and last activity.

Output order is deterministic: by count descending, then by name (the activity list for variants).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

COLUMNS = ("case_id", "activity", "ts", "ord")
# Variants are grouped as strings with one character per activity (private-use code points); logs with more
# distinct activities than this use lists instead (slower).
ALPHABET_START = 0xE000
ALPHABET_SIZE = 6400


def activities(events: ir.Table) -> list[str]:
    """Distinct activities in code-point order (the order variants and the graph are sorted by)."""
    names = events.select("activity").distinct().to_pyarrow().column(0).to_pylist()
    return sorted(a for a in names if a is not None)


def sequence(events: ir.Table, names: list[str]) -> ir.Table:
    """Each event with its activity code, the next event's code and time, and its position in the case.

    Computed once by one window query and cached in the engine; the graph, start/end and variants read it.
    """
    codes = ibis.memtable(
        {"activity": names, "code": list(range(len(names)))}, schema={"activity": "string", "code": "int32"}
    )
    j = events.join(codes, "activity")
    w = ibis.window(group_by=j.case_id, order_by=[j.ts, j.ord])
    return j.select(
        "case_id",
        "code",
        "ts",
        next_code=j.code.lead().over(w),
        next_ts=j.ts.lead().over(w),
        rn=ibis.row_number().over(w),
    )


def dfg_expr(seq: ir.Table) -> ir.Table:
    """The directly-follows graph over activity codes, with times in seconds."""
    pairs = seq.filter(seq.next_code.notnull())
    pairs = pairs.mutate(seconds=pairs.next_ts.delta(pairs.ts, unit="microsecond").cast("float64") / 1e6)
    return pairs.group_by(source=pairs.code, target=pairs.next_code).aggregate(
        count=pairs.count(),
        median_s=pairs.seconds.median(),
        mean_s=pairs.seconds.mean(),
        min_s=pairs.seconds.min(),
        max_s=pairs.seconds.max(),
    )


def ends_expr(seq: ir.Table) -> ir.Table:
    """How many cases start and end with each activity code."""
    return seq.group_by("code").aggregate(
        start=(seq.rn == 0).cast("int64").sum(), end=seq.next_code.isnull().cast("int64").sum()
    )


def variants_expr(seq: ir.Table, n_codes: int, limit: int | None = None) -> ir.Table:
    """Variants (as code strings, or code lists for very many activities), most frequent first, with the total."""
    if n_codes <= ALPHABET_SIZE:
        alphabet = ibis.literal("".join(chr(ALPHABET_START + i) for i in range(n_codes)))
        key = alphabet.substr(seq.code, 1).group_concat("", order_by=seq.rn)
    else:
        key = seq.code.collect(order_by=seq.rn)
    paths = seq.group_by("case_id").aggregate(path=key)
    out = paths.group_by("path").aggregate(count=paths.count())
    out = out.mutate(total=out.count().over(ibis.window())).order_by([ibis.desc("count"), "path"])
    return out.limit(limit) if limit is not None else out


def discover(events: ir.Table, *, max_variants: int | None = None) -> dict[str, Any]:
    """Directly-follows graph, start and end activities and variants of an event table."""
    names = activities(events)
    with sequence(events, names).cache() as seq:
        dfg = dfg_expr(seq).to_pyarrow().to_pylist()
        ends = ends_expr(seq).to_pyarrow().to_pylist()
        variants = variants_expr(seq, len(names), max_variants).to_pyarrow().to_pylist()

    def decode(path: Any) -> list[str]:
        if isinstance(path, str):
            return [names[ord(ch) - ALPHABET_START] for ch in path]
        return [names[c] for c in path]

    edges = [
        {
            "source": names[r["source"]],
            "target": names[r["target"]],
            "count": int(r["count"]),
            "median_s": float(r["median_s"]),
            "mean_s": float(r["mean_s"]),
            "min_s": float(r["min_s"]),
            "max_s": float(r["max_s"]),
        }
        for r in dfg
    ]
    edges.sort(key=lambda e: (-e["count"], e["source"], e["target"]))
    starts = sorted(
        ((names[r["code"]], int(r["start"])) for r in ends if r["start"]), key=lambda p: (-p[1], p[0])
    )
    stops = sorted(((names[r["code"]], int(r["end"])) for r in ends if r["end"]), key=lambda p: (-p[1], p[0]))
    return {
        "dfg": edges,
        "start": dict(starts),
        "end": dict(stops),
        "variants_total": int(variants[0]["total"]) if variants else 0,
        "variants": [{"activities": decode(r["path"]), "count": int(r["count"])} for r in variants],
    }
