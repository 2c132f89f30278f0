"""How customers really move: directly-follows graph, start and end steps, path variants.

`discover` takes an Ibis table with the columns `case_id` (a customer, a session, a ticket), `activity`
(a touchpoint or an event name), `ts` (timestamp) and `ord` (tie-breaker for equal timestamps: the file
order, or a column the caller chose). One window query (`sequence`) is cached in the engine (DuckDB) and
each view is one query over it; no Python loop runs over events. Results follow the conventions of the process-mining literature
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
from ibis.common.exceptions import UnsupportedOperationError

# Variants are grouped as strings with one character per activity (private-use code points); logs with more
# distinct activities than this use lists instead (slower).
ALPHABET_START = 0xE000
ALPHABET_SIZE = 6400
PACKED_STEPS = 36  # steps of a path packed into integers; longer paths keep the rest as a string


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
    return seq.group_by("code").aggregate(start=(seq.rn == 0).sum(), end=seq.next_code.isnull().sum())


def _packing(n_codes: int) -> tuple[int, int, int]:
    """Bits per step, steps per 63-bit key and number of keys for packed variant keys."""
    bits = max(1, n_codes.bit_length())  # codes are stored +1 so that 0 means "the path has ended"
    per_key = 63 // bits
    keys = max(1, min(8, -(-PACKED_STEPS // per_key)))
    return bits, per_key, keys


def _power_of_two(exponent: ir.IntegerValue) -> ir.IntegerValue:
    """2**exponent as a 64-bit integer (exact: powers of two are exact in a double), on every engine (a bit
    shift is not: DuckDB and PostgreSQL want different operand types)."""
    return (ibis.literal(2.0) ** exponent.cast("float64")).cast("int64")


def variants_expr(
    seq: ir.Table, n_codes: int, limit: int | None = None, *, ordered_aggregates: bool = True
) -> ir.Table:
    """Variants, most frequent first and then in activity order, with the total number of variants.

    A case's first steps are packed into integers (most significant step first, so that integer order is
    the activities' order and a shorter path sorts first) by order-independent sums: no per-case sort. The
    steps beyond those (rare) form a `tail` string built by an ordered aggregate over those rows only.
    """
    bits, per_key, n_keys = _packing(n_codes)
    aggs: dict[str, Any] = {}
    for j in range(n_keys):
        lo, hi = j * per_key, (j + 1) * per_key
        shift = (per_key - 1 - (seq.rn - lo)) * bits
        value = ibis.ifelse(
            (seq.rn >= lo) & (seq.rn < hi), (seq.code + 1).cast("int64") * _power_of_two(shift), 0
        )
        aggs[f"k{j}"] = value.sum()
    rest = seq.rn >= n_keys * per_key
    if n_codes <= ALPHABET_SIZE:
        alphabet = ibis.literal("".join(chr(ALPHABET_START + i) for i in range(n_codes)))
        letter = alphabet.substr(seq.code, 1)
        if ordered_aggregates:
            aggs["tail"] = letter.group_concat("", where=rest, order_by=seq.rn)
        else:  # an engine without ordered aggregates (Spark): sort the collected (position, letter) pairs
            pairs = ibis.struct({"rn": seq.rn, "v": letter}).collect(where=rest).sort()
            aggs["tail"] = ibis.ifelse(pairs.length() > 0, pairs.map(lambda p: p.v).join(""), ibis.null())
    elif ordered_aggregates:
        aggs["tail"] = seq.code.collect(where=rest, order_by=seq.rn).cast("string")
    else:
        pairs = ibis.struct({"rn": seq.rn, "v": seq.code}).collect(where=rest).sort()
        aggs["tail"] = ibis.ifelse(pairs.length() > 0, pairs.map(lambda p: p.v).cast("string"), ibis.null())
    paths = seq.group_by("case_id").aggregate(**aggs)
    keys = [f"k{j}" for j in range(n_keys)] + ["tail"]
    out = paths.group_by(keys).aggregate(count=paths.count())
    out = out.mutate(total=out.count().over(ibis.window()))
    order = [ibis.desc("count"), *keys[:-1], ibis.asc("tail", nulls_first=True)]
    out = out.order_by(order)
    return out.limit(limit) if limit is not None else out


def _unpack(row: dict[str, Any], n_codes: int) -> list[int]:
    bits, per_key, n_keys = _packing(n_codes)
    mask = (1 << bits) - 1
    codes: list[int] = []
    for j in range(n_keys):
        key = int(row[f"k{j}"] or 0)
        for i in range(per_key):
            c = (key >> (bits * (per_key - 1 - i))) & mask
            if c == 0:
                return codes
            codes.append(c - 1)
    tail = row["tail"]
    if tail:
        if n_codes <= ALPHABET_SIZE:
            codes.extend(ord(ch) - ALPHABET_START for ch in tail)
        else:
            codes.extend(int(c) for c in tail.strip("[]").split(","))
    return codes


def discover(events: ir.Table, *, max_variants: int | None = None) -> dict[str, Any]:
    """Directly-follows graph, start and end activities and variants of an event table."""
    names = activities(events)
    with sequence(events, names).cache() as seq:
        dfg = dfg_expr(seq).to_pyarrow().to_pylist()
        ends = ends_expr(seq).to_pyarrow().to_pylist()
        try:
            variants = variants_expr(seq, len(names), max_variants).to_pyarrow().to_pylist()
        except UnsupportedOperationError:
            variants = (
                variants_expr(seq, len(names), max_variants, ordered_aggregates=False)
                .to_pyarrow()
                .to_pylist()
            )

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
        "cases": sum(n for _, n in starts),
        "dfg": edges,
        "start": dict(starts),
        "end": dict(stops),
        "variants_total": int(variants[0]["total"]) if variants else 0,
        "variants": [
            {"activities": [names[c] for c in _unpack(r, len(names))], "count": int(r["count"])}
            for r in variants
        ],
    }


def flow(variants: list[dict[str, Any]], *, total_cases: int, max_steps: int = 6) -> dict[str, Any]:
    """A Sankey view from the most frequent paths: nodes are (position, activity); cases on other paths go
    to an "other paths" bucket, longer paths to "more steps", and every path ends in an "end" bucket.

    `variants` are the top paths with counts (from `discover`); `total_cases` all cases in the log.
    """
    links: dict[tuple[str, str], int] = {}
    nodes: dict[str, dict[str, Any]] = {}

    def node(key: str, step: int, activity: str | None, kind: str) -> str:
        nodes.setdefault(key, {"id": key, "step": step, "activity": activity, "kind": kind})
        return key

    def link(a: str, b: str, n: int) -> None:
        links[(a, b)] = links.get((a, b), 0) + n

    shown = 0
    for v in variants:
        path, n = v["activities"], v["count"]
        shown += n
        prev = node(f"0:{path[0]}", 0, path[0], "step")
        for i, activity in enumerate(path[1:max_steps], start=1):
            cur = node(f"{i}:{activity}", i, activity, "step")
            link(prev, cur, n)
            prev = cur
        if len(path) > max_steps:
            link(prev, node(f"{max_steps}:more", max_steps, None, "more"), n)
        else:
            link(prev, node(f"{len(path)}:end", len(path), None, "end"), n)
    other = total_cases - shown
    if other > 0:
        node("0:other", 0, None, "other")
        nodes["0:other"]["count"] = other
    for key in nodes:
        incoming = sum(n for (a, b), n in links.items() if b == key)
        outgoing = sum(n for (a, b), n in links.items() if a == key)
        nodes[key].setdefault("count", max(incoming, outgoing))
    return {
        "nodes": sorted(nodes.values(), key=lambda x: (x["step"], -x["count"], x["id"])),
        "links": [{"source": a, "target": b, "count": n} for (a, b), n in sorted(links.items())],
        "cases": total_cases,
        "cases_shown": shown,
    }
