"""Redesign: copy a journey into a future state, compare the two, and measure KPIs before and after launch.

A future-state touchpoint remembers the current-state touchpoint it was copied from (`based_on_id`); data
keeps arriving on the current touchpoints (tracking rules and surveys point at them), so before/after
numbers of a future-state touchpoint are read from the touchpoint it is based on.

Differences (after - before): means by Welch's t interval, NPS and shares by a normal interval from the two
standard errors; for medians (service times) the standard error is read off each order-statistic interval
(width / 2z), an approximation stated in docs/journeys.md.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.journeys import kpis, service
from tajriba.metrics import service as metrics
from tajriba.models import Journey, JourneyPersona, Stage, Touchpoint, TouchpointItem

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

COMPARED = [
    "name",
    "names",
    "customer_action",
    "channel",
    "direct",
    "business_purpose",
    "customer_impact",
    "owner_user_id",
    "owner_team",
    "desired_emotion",
    "targets",
    "unnecessary",
]
MEANS = ("csat", "ces", "rating")
SHARES = ("positive_share", "on_time_share", "drop_off")
MEDIANS = ("first_response_min", "resolution_h")


def copy_as_future(session: Session, *, journey: Journey, actor: Auditor) -> Journey:
    """A new future-state journey with the same personas, stages, touchpoints and items."""
    future = Journey(
        workspace_id=journey.workspace_id,
        name=_("{name} (future state)").format(name=journey.name)[:200],
        names={k: _("{name} (future state)").format(name=v)[:200] for k, v in (journey.names or {}).items()},
        description=journey.description,
        status="future",
        owner_user_id=journey.owner_user_id,
        based_on_id=journey.id,
    )
    session.add(future)
    session.flush()
    for link in session.query(JourneyPersona).filter_by(journey_id=journey.id):
        session.add(
            JourneyPersona(
                journey_id=future.id, persona_id=link.persona_id, workspace_id=journey.workspace_id
            )
        )
    stage_map = {}
    for s in service.list_stages(session, journey_id=journey.id):
        copy = Stage(
            workspace_id=s.workspace_id,
            journey_id=future.id,
            key=s.key,
            name=s.name,
            names=dict(s.names or {}),
            position=s.position,
        )
        session.add(copy)
        session.flush()
        stage_map[s.id] = copy.id
    _copy_touchpoints(session, journey, future, stage_map)
    actor.audit(
        session,
        "journey.copy_future",
        target_type="journey",
        target_id=str(future.id),
        details={"based_on": journey.id},
    )
    return future


def _copy_touchpoints(session: Session, journey: Journey, future: Journey, stage_map: dict[int, int]) -> None:
    """The journey's touchpoints (with new keys, `based_on` the originals) and their items, into the future."""
    items = service.list_items(session, journey_id=journey.id)
    for t in service.list_touchpoints(session, journey_id=journey.id):
        values = {f: getattr(t, f) for f in service.TOUCHPOINT_FIELDS}
        values["key"] = service.free_key(session, workspace_id=t.workspace_id, key=f"{t.key[:55]}-future")
        copy_tp = Touchpoint(
            workspace_id=t.workspace_id,
            journey_id=future.id,
            stage_id=stage_map[t.stage_id],
            position=t.position,
            based_on_id=t.id,
            **values,
        )
        session.add(copy_tp)
        session.flush()
        for i in items:
            if i.touchpoint_id == t.id:
                session.add(
                    TouchpointItem(
                        workspace_id=i.workspace_id,
                        journey_id=future.id,
                        touchpoint_id=copy_tp.id,
                        kind=i.kind,
                        text=i.text,
                        owner_user_id=i.owner_user_id,
                        owner_team=i.owner_team,
                        status=i.status,
                        position=i.position,
                    )
                )
    session.flush()


def compare(session: Session, *, future: Journey, current_id: int | None = None) -> dict[str, Any]:
    """Touchpoints added, removed and changed (with old and new values) from the current state to the future."""
    current_id = current_id or future.based_on_id
    if current_id is None:
        raise Invalid(
            _("This journey is not based on another: choose the journey to compare with."), field="other"
        )
    current = service.get_journey(session, workspace_id=future.workspace_id, journey_id=current_id)
    cur_stages = {s.id: s.key for s in service.list_stages(session, journey_id=current.id)}
    fut_stages = {s.id: s.key for s in service.list_stages(session, journey_id=future.id)}
    cur = service.list_touchpoints(session, journey_id=current.id)
    fut = service.list_touchpoints(session, journey_id=future.id)
    cur_by_id = {t.id: t for t in cur}
    matched: set[int] = set()
    added, changed, unchanged = [], [], 0
    for t in fut:
        base = cur_by_id.get(t.based_on_id) if t.based_on_id else None
        if base is None:
            added.append(_brief(t, fut_stages))
            continue
        matched.add(base.id)
        diffs = {
            f: [getattr(base, f), getattr(t, f)]
            for f in COMPARED
            if (getattr(base, f) or None) != (getattr(t, f) or None)
        }
        if cur_stages[base.stage_id] != fut_stages[t.stage_id]:
            diffs["stage"] = [cur_stages[base.stage_id], fut_stages[t.stage_id]]
        if diffs:
            changed.append({**_brief(t, fut_stages), "based_on": _brief(base, cur_stages), "changes": diffs})
        else:
            unchanged += 1
    removed = [_brief(t, cur_stages) for t in cur if t.id not in matched]
    owners = [c for c in changed if "owner_user_id" in c["changes"] or "owner_team" in c["changes"]]
    return {
        "current": service.journey_out(session, current),
        "future": service.journey_out(session, future),
        "added": added,
        "removed": removed,
        "changed": changed,
        "owners_changed": [c["key"] for c in owners],
        "unchanged": unchanged,
    }


def _brief(t: Touchpoint, stages: dict[int, str]) -> dict[str, Any]:
    return {"id": t.id, "key": t.key, "name": t.name, "names": t.names, "stage": stages.get(t.stage_id)}


def _change_moment(journey: Journey, change_date: date | None) -> date:
    if change_date is not None:
        return change_date
    if journey.launched_at is not None:
        return journey.launched_at.astimezone(UTC).date()
    raise Invalid(
        _("Give the date the change went live (change_date), or set the journey's launch date."),
        field="change_date",
    )


def before_after(
    session: Session,
    warehouse: Warehouse,
    *,
    journey: Journey,
    change_date: date | None,
    days: int = 90,
    filters: kpis.Filters | None = None,
) -> dict[str, Any]:
    """Per touchpoint: each KPI `days` before and after the change date, and the difference with its interval."""
    if not 1 <= days <= 3650:
        raise Invalid(_("days must be between 1 and 3650."), field="days")
    moment = _change_moment(journey, change_date)
    from tajriba.journeys.journey_map import workspace_zone

    base = (filters or kpis.Filters()).in_zone(workspace_zone(session, journey.workspace_id))
    tps = service.list_touchpoints(session, journey_id=journey.id)
    sources = {t.id: (t.based_on_id or t.id) for t in tps}
    measured = [session.get(Touchpoint, i) for i in dict.fromkeys(sources.values())]
    before = kpis.compute(
        warehouse,
        workspace_id=journey.workspace_id,
        touchpoints=measured,
        filters=base.with_period(moment - timedelta(days=days), moment),
    )
    after = kpis.compute(
        warehouse,
        workspace_id=journey.workspace_id,
        touchpoints=measured,
        filters=base.with_period(moment, moment + timedelta(days=days)),
    )
    rows = []
    for t in tps:
        b, a = before[sources[t.id]], after[sources[t.id]]
        rows.append({"id": t.id, "key": t.key, "name": t.name, "names": t.names, "kpis": _differences(b, a)})
    pooled_b = _pool([before[i] for i in before])
    pooled_a = _pool([after[i] for i in after])
    return {
        "change_date": moment.isoformat(),
        "days": days,
        "before": {"start": (moment - timedelta(days=days)).isoformat(), "end": moment.isoformat()},
        "after": {"start": moment.isoformat(), "end": (moment + timedelta(days=days)).isoformat()},
        "journey_emotion": _mean_diff(pooled_b, pooled_a),
        "touchpoints": rows,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _pool(items: list[kpis.TouchpointKpis]) -> tuple[int, float, float]:
    return (
        sum(k.emotion_sums[0] for k in items),
        sum(k.emotion_sums[1] for k in items),
        sum(k.emotion_sums[2] for k in items),
    )


def _mean_diff(b: tuple[int, float, float], a: tuple[int, float, float]) -> dict[str, Any]:
    eb, ea = metrics.mean_from_sums(*b), metrics.mean_from_sums(*a)
    d = metrics.difference_of_means(eb, metrics.sd_from_sums(*b), ea, metrics.sd_from_sums(*a))
    return {"before": eb.to_dict(), "after": ea.to_dict(), **d.to_dict()}


def _se_from_interval(e: metrics.Estimate) -> float | None:
    if e.low is None or e.high is None:
        return None
    return (e.high - e.low) / (2 * 1.959963984540054)


def _differences(b: kpis.TouchpointKpis, a: kpis.TouchpointKpis) -> dict[str, Any]:
    out: dict[str, Any] = {"emotion": _mean_diff(b.emotion_sums, a.emotion_sums)}
    for kpi in sorted(set(b.kpis) | set(a.kpis)):
        eb, ea = b.kpis.get(kpi, metrics.EMPTY), a.kpis.get(kpi, metrics.EMPTY)
        if kpi in MEANS and kpi in b.sums and kpi in a.sums:
            d = metrics.difference_of_means(
                eb, metrics.sd_from_sums(*b.sums[kpi]), ea, metrics.sd_from_sums(*a.sums[kpi])
            )
        elif kpi == "nps" and b.nps_counts and a.nps_counts:
            d = metrics.difference_normal(
                eb.value, metrics.nps_se(*b.nps_counts), ea.value, metrics.nps_se(*a.nps_counts)
            )
        elif kpi in SHARES and eb.value is not None and ea.value is not None:
            d = metrics.difference_normal(
                eb.value,
                math.sqrt(eb.value * (1 - eb.value) / eb.n),
                ea.value,
                math.sqrt(ea.value * (1 - ea.value) / ea.n),
            )
        elif (
            kpi in MEDIANS
            and (sb := _se_from_interval(eb)) is not None
            and (sa := _se_from_interval(ea)) is not None
        ):
            d = metrics.difference_normal(eb.value, sb, ea.value, sa)
        else:
            d = metrics.NO_DIFFERENCE
        out[kpi] = {"before": eb.to_dict(), "after": ea.to_dict(), **d.to_dict()}
    return out
