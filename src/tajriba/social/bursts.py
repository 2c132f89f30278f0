"""Spikes of a query's mentions (all of them, and the negative ones) with what they were about: the words
that rose most against the four weeks before (weighted log-odds with an informative Dirichlet prior, Monroe,
Colaresi & Quinn 2008), the topics, and the most engaged mentions of the spike. The counts are the workspace's
local hours; the calendar (Ramadan, Eid, sales days) is the one the workspace's forecasts use."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from tajriba.periods import zone_of
from tajriba.social import spikes
from tajriba.social.stream import COLUMNS, JOINED, row_of
from tajriba.text.service import content_words
from tajriba.warehouse import Warehouse

HISTORY_DAYS = spikes.HISTORY_DAYS


def _hourly(
    warehouse: Warehouse,
    workspace: Any,
    query_id: int | None,
    since: datetime,
    until: datetime,
    negative: bool,
) -> pd.Series:
    """Mentions per local hour in [since, until) (naive UTC), as a series indexed by local (naive) hours."""
    params: dict[str, Any] = {"ws": workspace.id, "since": since, "until": until}
    where = "m.workspace_id = $ws AND m.created_at >= $since AND m.created_at < $until"
    if query_id is not None:
        where += " AND contains(m.query_keys, $qkey)"
        params["qkey"] = f"|{int(query_id)}|"
    if negative:
        where += " AND e.sentiment = 'negative'"
    frame = warehouse.frame(
        "SELECT date_trunc('hour', m.created_at) AS h, CAST(extract(minute FROM m.created_at) >= 30 AS INTEGER) "
        f"AS half, count(*) AS n {JOINED} WHERE {where} GROUP BY 1, 2",
        params,
    )
    if frame.empty:
        return pd.Series(dtype=float)
    # half hours, so a zone half an hour off UTC (Tehran, +03:30) still falls into its own local hours
    stamps = pd.DatetimeIndex(frame["h"]) + pd.to_timedelta(frame["half"].to_numpy() * 30, unit="min")
    local = stamps.tz_localize("UTC").tz_convert(zone_of(workspace)).tz_localize(None)
    return pd.Series(frame["n"].to_numpy(float), index=local).resample("h").sum()


def find(
    warehouse: Warehouse,
    workspace: Any,
    *,
    query_id: int | None,
    first: date,
    last: date,
    country: str = "SA",
) -> list[dict[str, Any]]:
    """The spikes of local days [first, last) (newest first), each with its words, topics and examples; the
    baseline reads up to HISTORY_DAYS before `first`."""
    zone = zone_of(workspace)
    start = _utc(workspace, datetime.combine(first, datetime.min.time()))
    until = _utc(workspace, datetime.combine(last, datetime.min.time()))
    out: list[dict[str, Any]] = []
    for series in ("all", "negative"):
        hourly = _hourly(
            warehouse, workspace, query_id, start - timedelta(days=HISTORY_DAYS), until, series == "negative"
        )
        found, _frame = spikes.detect(
            hourly, country=country, since=datetime.combine(first, datetime.min.time())
        )
        out += [{"series": series, **_aware(spike.as_dict(), zone)} for spike in found]
    out = _merge(out)
    for spike in out:
        negative = spike["series"] == "negative" or bool(spike.get("negative_too"))
        spike.update(
            context(
                warehouse,
                workspace,
                query_id=query_id,
                start=spike["start"],
                end=spike["end"],
                negative=negative,
            )
        )
    return sorted(out, key=lambda s: s["start"], reverse=True)


def _aware(spike: dict[str, Any], zone: Any) -> dict[str, Any]:
    """The spike's local hours as aware times in the workspace's zone (the API says which zone they are in)."""
    for key in ("start", "end", "peak_hour"):
        spike[key] = spike[key].replace(tzinfo=zone)
    return spike


def _merge(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A negative spike inside an overall spike is the same event: keep the overall one, marked."""
    overall = [s for s in found if s["series"] == "all"]
    out = list(overall)
    for s in found:
        if s["series"] != "negative":
            continue
        same = next((o for o in overall if o["start"] < s["end"] and s["start"] < o["end"]), None)
        if same is not None:
            same["negative_too"] = True
        else:
            out.append(s)
    return out


def _utc(workspace: Any, local: datetime) -> datetime:
    return (
        pd.Timestamp(local)
        .tz_localize(zone_of(workspace))
        .tz_convert("UTC")
        .tz_localize(None)
        .to_pydatetime()
    )


def context(
    warehouse: Warehouse,
    workspace: Any,
    *,
    query_id: int | None,
    start: datetime,
    end: datetime,
    negative: bool = False,
) -> dict[str, Any]:
    """What a spike (local hours [start, end)) was about; the examples of a spike of negative mentions are
    negative ones (or complaints)."""
    s, e = _utc(workspace, start.replace(tzinfo=None)), _utc(workspace, end.replace(tzinfo=None))
    where = "m.workspace_id = $ws"
    params: dict[str, Any] = {"ws": workspace.id}
    if query_id is not None:
        where += " AND contains(m.query_keys, $qkey)"
        params["qkey"] = f"|{int(query_id)}|"
    inside = warehouse.frame(
        f"SELECT e.normalized, e.topic_keys FROM social_mentions m LEFT JOIN text_enrichments e ON e.workspace_id = "
        f"m.workspace_id AND e.source = 'mention' AND e.source_id = m.mention_id WHERE {where} "
        "AND m.created_at >= $s AND m.created_at < $e LIMIT 5000",
        params | {"s": s, "e": e},
    )
    before = warehouse.frame(
        f"SELECT e.normalized FROM social_mentions m LEFT JOIN text_enrichments e ON e.workspace_id = "
        f"m.workspace_id AND e.source = 'mention' AND e.source_id = m.mention_id WHERE {where} "
        "AND m.created_at >= $b AND m.created_at < $s ORDER BY m.created_at DESC LIMIT 20000",
        params | {"s": s, "b": s - timedelta(days=28)},
    )
    topic_counts = Counter(
        k for keys in inside["topic_keys"].dropna() for k in str(keys).strip("|").split("|") if k
    )
    sour = " AND (e.sentiment = 'negative' OR contains(e.intent_keys, '|complaint|'))" if negative else ""
    examples = warehouse.frame(
        f"{COLUMNS} {JOINED} WHERE {where}{sour} AND m.created_at >= $s AND m.created_at < $e "
        "ORDER BY coalesce(m.engagement, 0) + coalesce(m.reach, 0) / 1000 DESC, m.created_at LIMIT 3",
        params | {"s": s, "e": e},
    )
    return {
        "terms": rising_words(inside["normalized"].dropna().tolist(), before["normalized"].dropna().tolist()),
        "topics": [{"topic": t, "mentions": n} for t, n in topic_counts.most_common(5)],
        "examples": [row_of(r) for r in examples.to_dict("records")],
    }


def rising_words(inside: list[str], before: list[str], *, top: int = 8) -> list[dict[str, Any]]:
    """Words far more frequent in `inside` than `before`: the log-odds ratio with an informative Dirichlet prior
    whose pseudo-counts are the two corpora pooled (Monroe, Colaresi & Quinn 2008, section 3.5), as a z-score;
    words in at least 3 texts, z above 1.96."""
    a = Counter(w for t in inside for w in set(content_words(t)))
    b = Counter(w for t in before for w in set(content_words(t)))
    if not a:
        return []
    both = a + b
    alpha0 = sum(both.values())
    n_a, n_b = sum(a.values()), sum(b.values())
    out: list[dict[str, Any]] = []
    for w, ya in a.items():
        if ya < 3:
            continue
        aw, yb = both[w], b.get(w, 0)
        delta = math.log((ya + aw) / (n_a + alpha0 - ya - aw)) - math.log(
            (yb + aw) / (n_b + alpha0 - yb - aw)
        )
        out.append(
            {"word": w, "mentions": ya, "z": round(delta / math.sqrt(1 / (ya + aw) + 1 / (yb + aw)), 2)}
        )
    out.sort(key=lambda r: (-r["z"], r["word"]))
    return [r for r in out[:top] if r["z"] > 1.96]
