"""Metric alerts: a touchpoint's NPS, CSAT or CES dropping significantly against the previous window (the
metrics module's own comparison), and a feedback topic spiking against its previous rate.

Topic spikes use the conditional test for two Poisson rates (Przyborowski & Wilenski, 1940): given n texts
with the topic over both windows, the count in the recent window is Binomial(n, p0) under equal rates, where
p0 is the recent window's share of all texts; a one-sided p-value below `alpha` and at least `min_count`
recent texts fire the alert.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba import periods
from tajriba.models import AlertRule, Membership, Notification, Workspace
from tajriba.models.base import utcnow
from tajriba.warehouse import Warehouse

CHECK_EVERY = timedelta(hours=1)
DEFAULTS: dict[str, dict[str, Any]] = {
    "score_drop": {"metric": "nps", "days": 7, "min_n": 30, "level": 0.95},
    "topic_spike": {"days": 7, "min_count": 10, "alpha": 0.01},
    "staffing_gap": {"days": 7, "min_count": 1},  # checked by tajriba.forecasting.alerts
}


def windows(today: date, days: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """The previous and the recent window of `days` local days, ending before today."""
    recent = (today - timedelta(days=days), today)
    return (recent[0] - timedelta(days=days), recent[0]), recent


def score_drops(
    session: Session, wh: Warehouse, workspace: Workspace, settings: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """Touchpoints whose metric fell, with the whole interval of the change below zero."""
    from tajriba.metrics import service as metrics

    before, after = windows(today, int(settings["days"]))
    q = metrics.Query(
        metric=str(settings["metric"]),
        by="touchpoint",
        level=float(settings["level"]),
        min_n=int(settings["min_n"]),
    )
    q.check()
    out = []
    for row in metrics.compare(session, wh, workspace, q, before, after)["rows"]:
        change = row.get("change")
        if change and change.get("high") is not None and change["high"] < 0:
            out.append(
                {
                    "key": f"{settings['metric']}:{row['group']}:{after[0].isoformat()}",
                    "touchpoint": row.get("label") or row["group"],
                    "touchpoint_id": row["group"],
                    "metric": settings["metric"],
                    "before": row["before"]["value"],
                    "after": row["after"]["value"],
                    "change": change["difference"],
                    "low": change["low"],
                    "high": change["high"],
                    "p_value": change["p_value"],
                }
            )
    return out


def topic_spikes(
    wh: Warehouse, workspace: Workspace, settings: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """Topics whose share of feedback rose significantly in the recent window."""
    from tajriba.text.service import SOURCES_SQL

    before, after = windows(today, int(settings["days"]))
    tz = periods.zone_of(workspace)
    edges = [
        datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        for d in (before[0], after[0], after[1])
    ]
    frame = wh.frame(
        "SELECT t.topic, s.created_at >= $mid AS recent, count(*) AS n FROM "
        f"({SOURCES_SQL}) s JOIN text_enrichments e ON e.workspace_id = $ws AND e.source = s.source "
        "AND e.source_id = s.source_id, unnest(string_split(trim(e.topic_keys, '|'), '|')) AS t(topic) "
        "WHERE s.created_at >= $start AND s.created_at < $end GROUP BY ALL",
        {"ws": workspace.id, "start": edges[0], "mid": edges[1], "end": edges[2]},
    )
    totals = wh.frame(
        f"SELECT s.created_at >= $mid AS recent, count(*) AS n FROM ({SOURCES_SQL}) s "
        "WHERE s.created_at >= $start AND s.created_at < $end GROUP BY ALL",
        {"ws": workspace.id, "start": edges[0], "mid": edges[1], "end": edges[2]},
    )
    total = {bool(r.recent): int(r.n) for r in totals.itertuples(index=False)}
    if not total.get(True) or not total.get(False):
        return []
    p0 = total[True] / (total[True] + total[False])
    out = []
    counts: dict[str, dict[bool, int]] = {}
    for r in frame.itertuples(index=False):
        if r.topic:
            counts.setdefault(str(r.topic), {})[bool(r.recent)] = int(r.n)
    for topic, c in counts.items():
        recent, previous = c.get(True, 0), c.get(False, 0)
        if recent < int(settings["min_count"]):
            continue
        p = float(stats.binomtest(recent, recent + previous, p0, alternative="greater").pvalue)
        if p < float(settings["alpha"]):
            out.append(
                {
                    "key": f"topic:{topic}:{after[0].isoformat()}",
                    "topic": topic,
                    "recent": recent,
                    "previous": previous,
                    "recent_texts": total[True],
                    "previous_texts": total[False],
                    "p_value": p,
                }
            )
    return out


def recipients(session: Session, workspace_id: int, settings: dict[str, Any]) -> list[int]:
    chosen = [int(u) for u in settings.get("user_ids") or []]
    if chosen:
        return chosen
    return list(
        session.scalars(
            select(Membership.user_id).where(
                Membership.workspace_id == workspace_id, Membership.role.in_(("owner", "admin", "analyst"))
            )
        )
    )


def tell(
    session: Session,
    rule: AlertRule,
    settings: dict[str, Any],
    finding: dict[str, Any],
    text: str,
    *,
    now: datetime,
) -> None:
    """One finding to the rule's channels: in-app notifications (emailed later when asked) and webhooks (also
    for other domains' alert kinds, through cases.service)."""
    from tajriba.cases import notify

    if {"in_app", "email"} & set(rule.channels or []):
        for uid in recipients(session, rule.workspace_id, settings):
            session.add(
                Notification(
                    workspace_id=rule.workspace_id,
                    user_id=uid,
                    kind="alert",
                    text=f"{rule.name}: {text}"[:300],
                    data={"rule_id": rule.id, **finding},
                    emailed_at=None if "email" in rule.channels else now,
                )
            )
    if "webhook" in (rule.channels or []):
        notify.emit(
            session,
            workspace_id=rule.workspace_id,
            event="alert",
            data={"rule": rule.name, "kind": rule.kind, **finding},
        )


def due(
    session: Session, kind: str, now: datetime, *, force: bool = False
) -> list[tuple[AlertRule, dict[str, Any]]]:
    """The active rules of one kind whose hourly check is due, with their settings (defaults filled in)."""
    out = []
    for rule in session.scalars(select(AlertRule).where(AlertRule.active.is_(True), AlertRule.kind == kind)):
        state = dict(rule.settings or {})
        checked = state.get("checked_at")
        if not force and checked and now - datetime.fromisoformat(checked) < CHECK_EVERY:
            continue
        settings = {
            **DEFAULTS[kind],
            **{k: v for k, v in state.items() if k in DEFAULTS[kind] or k == "user_ids"},
        }
        out.append((rule, settings))
    return out


def remember(rule: AlertRule, fired: set[str], now: datetime) -> None:
    """What a rule has told (each finding once) and when it was checked."""
    state = dict(rule.settings or {})
    state["fired"] = sorted(fired)[-500:]
    state["checked_at"] = now.isoformat()
    rule.settings = state


def run(session: Session, wh: Warehouse, *, now: datetime | None = None, force: bool = False) -> int:
    """Check the metric alert rules that are due (hourly); notify and call webhooks once per finding."""
    now = now or utcnow()
    fired = 0
    for kind in ("score_drop", "topic_spike"):
        for rule, settings in due(session, kind, now, force=force):
            workspace = session.get(Workspace, rule.workspace_id)
            if workspace is None:
                continue
            today = now.astimezone(periods.zone_of(workspace)).date()
            found = (
                score_drops(session, wh, workspace, settings, today)
                if kind == "score_drop"
                else topic_spikes(wh, workspace, settings, today)
            )
            seen = set((rule.settings or {}).get("fired") or [])
            for finding in found:
                if finding["key"] in seen:
                    continue
                seen.add(finding["key"])
                text = (
                    f"{finding['metric'].upper()} {finding['touchpoint']}: {finding['before']:.1f} -> {finding['after']:.1f}"
                    if kind == "score_drop"
                    else f"{finding['topic']}: {finding['previous']} -> {finding['recent']}"
                )
                tell(session, rule, settings, finding, text, now=now)
                fired += 1
            remember(rule, seen, now)
    return fired
