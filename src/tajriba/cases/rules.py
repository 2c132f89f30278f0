"""Rules that open cases: each compiles to one warehouse query for its candidates (scores, texts with their
sentiment and topics, complaint tickets, valuable customers at risk), filtered in the engine, minus the
records already turned into cases (`case_signals`). Rules run in order; a record goes to the first rule that
matches it. The worker evaluates new data every few seconds; a rule can be back-filled over a period, with a
preview of how many cases that would open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.cases import signals
from tajriba.cases.candidates import BATCH, candidates
from tajriba.cases.schemas import RuleConditions, RuleIn
from tajriba.db.session import after_commit
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import CaseLink, CaseRule, Team, Touchpoint
from tajriba.models.base import utcnow
from tajriba.warehouse import Warehouse


def _utc(value: Any) -> datetime:
    """A warehouse time (naive UTC) as an aware datetime."""
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=UTC)


def _summary(row: Any) -> str:
    text = "" if row.text is None or pd.isna(row.text) else str(row.text).strip()
    if row.metric in ("nps", "csat", "ces") and row.score is not None and not pd.isna(row.score):
        head = f"{str(row.metric).upper()} {row.score:g}"
        return f"{head}: {text}"[:300] if text else head
    if row.metric == "p_alive":
        return f"P(alive) {row.score:.2f}"
    return text[:300]


@dataclass
class Evaluation:
    matched: int = 0
    opened: int = 0
    attached: int = 0
    by_rule: dict[int, int] = field(default_factory=dict)
    signals: list[dict[str, Any]] = field(default_factory=list)  # rows for the warehouse's case_signals

    def as_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "opened": self.opened,
            "attached": self.attached,
            "by_rule": self.by_rule,
        }


def active_rules(session: Session, workspace_id: int) -> list[CaseRule]:
    return list(
        session.scalars(
            select(CaseRule)
            .where(CaseRule.workspace_id == workspace_id, CaseRule.active.is_(True))
            .order_by(CaseRule.position, CaseRule.id)
        )
    )


def _frame_of(
    rule: CaseRule,
    gathered: dict[int, pd.DataFrame] | None,
    warehouse: Warehouse,
    workspace_id: int,
    since: datetime,
    until: datetime,
    limit: int,
) -> pd.DataFrame | None:
    """A rule's candidates: as gathered (None for a rule made since: its turn comes next run), or read now."""
    if gathered is not None:
        return gathered.get(rule.id)
    return candidates(warehouse, workspace_id=workspace_id, rule=rule, since=since, until=until, limit=limit)


def gather(
    session: Session, warehouse: Warehouse, *, workspace_id: int, until: datetime, limit: int = BATCH
) -> dict[int, pd.DataFrame]:
    """Every active rule's candidates up to `until`, by rule id (warehouse reads only)."""
    return {
        rule.id: candidates(
            warehouse, workspace_id=workspace_id, rule=rule, since=rule.since, until=until, limit=limit
        )
        for rule in active_rules(session, workspace_id)
    }


def _signal(key: tuple[str, str], row: Any) -> signals.Signal:
    """A candidate row as the signal that opens or joins a case."""
    return signals.Signal(
        source=key[0],
        source_id=key[1],
        customer_id=_str(row.customer_id),
        touchpoint_id=None if pd.isna(row.touchpoint_id) else int(row.touchpoint_id),
        channel=_str(row.channel),
        language=_str(row.language),
        at=_utc(row.happened_at),
        summary=_summary(row),
        score=None if pd.isna(row.score) else float(row.score),
        metric=_str(row.metric),
        tier=_str(row.tier),
    )


def evaluate(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace_id: int,
    rules: list[CaseRule] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = BATCH,
    now: datetime | None = None,
    gathered: dict[int, pd.DataFrame] | None = None,
) -> Evaluation:
    """Open or attach cases for what the rules match; the caller commits, then stores `signals`.

    `gathered` (from `gather`, read before the caller's write transaction began) are the rules' candidates:
    then no warehouse query runs while the transaction holds the application database's write lock (a slow
    warehouse would hold it for every other writer)."""
    out = Evaluation()
    until = until or utcnow()
    matched_at = (now or utcnow()).astimezone(UTC).replace(tzinfo=None)
    taken: set[tuple[str, str]] = set()
    open_cases: dict[tuple[str, int | None], Any] = {}
    for rule in rules if rules is not None else active_rules(session, workspace_id):
        frame = _frame_of(rule, gathered, warehouse, workspace_id, since or rule.since, until, limit)
        if frame is None or frame.empty:
            continue
        known = _linked(session, workspace_id, frame)
        fresh = [str(c) for c in frame["customer_id"].dropna() if (str(c), None) not in open_cases]
        if fresh:  # the open cases of the batch's customers, in a few queries instead of one per signal
            fetched = signals.prefetch_open_cases(session, workspace_id=workspace_id, customer_ids=fresh)
            open_cases.update({k: v for k, v in fetched.items() if k not in open_cases})
        c = RuleConditions.model_validate(rule.conditions)
        for row in frame.itertuples(index=False):
            key = (str(row.source), str(row.source_id))
            if key in taken:
                continue
            taken.add(key)
            if key in known:  # stored in the app DB by a run whose warehouse write was lost: remember it
                out.signals.append(_signal_row(workspace_id, row, rule.id, known[key], matched_at))
                continue
            case, opened = signals.open_or_attach(
                session,
                workspace_id=workspace_id,
                signal=_signal(key, row),
                rule_id=rule.id,
                priority=rule.priority,
                team_id=rule.team_id,
                dedupe_days=c.dedupe_days,
                open_cases=open_cases,
                checked=True,  # `known` above holds every link of these records
            )
            out.matched += 1
            out.opened += int(opened)
            out.attached += int(not opened)
            out.by_rule[rule.id] = out.by_rule.get(rule.id, 0) + 1
            out.signals.append(_signal_row(workspace_id, row, rule.id, case.id, matched_at))
    session.flush()
    return out


def _str(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _signal_row(
    workspace_id: int, row: Any, rule_id: int, case_id: int, matched_at: datetime
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "source": str(row.source),
        "source_id": str(row.source_id),
        "customer_id": _str(row.customer_id),
        "rule_id": rule_id,
        "case_id": case_id,
        "matched_at": matched_at,
    }


def _linked(session: Session, workspace_id: int, frame: pd.DataFrame) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for source, group in frame.groupby("source"):
        ids = [str(i) for i in group["source_id"]]
        for start in range(0, len(ids), 900):
            for sid, case_id in session.execute(
                select(CaseLink.source_id, CaseLink.case_id).where(
                    CaseLink.workspace_id == workspace_id,
                    CaseLink.source == str(source),
                    CaseLink.source_id.in_(ids[start : start + 900]),
                )
            ):
                out[(str(source), str(sid))] = int(case_id)
    return out


def store_signals(warehouse: Warehouse, rows: list[dict[str, Any]]) -> int:
    """Remember which records are cases now, so the next run skips them in the engine."""
    if not rows:
        return 0
    return warehouse.upsert("case_signals", pd.DataFrame(rows))


def backfill(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace_id: int,
    rule: CaseRule,
    since: datetime,
    until: datetime,
    actor: Auditor,
) -> Evaluation:
    """Open the cases `rule` would have opened over [since, until); the signals are stored once they commit."""
    found = evaluate(session, warehouse, workspace_id=workspace_id, rules=[rule], since=since, until=until)
    after_commit(session, lambda: store_signals(warehouse, found.signals))
    actor.audit(
        session,
        "case_rule.backfill",
        target_type="case_rule",
        target_id=str(rule.id),
        details=found.as_dict(),
    )
    return found


def preview(
    warehouse: Warehouse, *, workspace_id: int, rule: CaseRule, since: datetime, until: datetime
) -> dict[str, Any]:
    """What a back-fill over [since, until) would do: records matched and cases it would open (at most)."""
    frame = candidates(
        warehouse, workspace_id=workspace_id, rule=rule, since=since, until=until, limit=1_000_000
    )
    c = RuleConditions.model_validate(rule.conditions)
    if frame.empty:
        return {"matched": 0, "cases": 0}
    if c.dedupe_days > 0:
        with_customer = frame[frame["customer_id"].notna()]
        cases = with_customer.groupby(["customer_id", with_customer["touchpoint_id"].fillna(-1)]).ngroups
        cases += int(frame["customer_id"].isna().sum())
    else:
        cases = len(frame)
    return {"matched": len(frame), "cases": int(cases)}


# ---- configuring ------------------------------------------------------------------------------------------


def _check(session: Session, workspace_id: int, data: RuleIn) -> None:
    if data.team_id is not None:
        team = session.get(Team, data.team_id)
        if team is None or team.workspace_id != workspace_id:
            raise Invalid(
                _("team {team_id} does not exist in this workspace").format(team_id=data.team_id),
                field="team_id",
            )
    for tp_id in data.conditions.touchpoint_ids:
        tp = session.get(Touchpoint, tp_id)
        if tp is None or tp.workspace_id != workspace_id:
            raise Invalid(
                _("touchpoint {tp_id} does not exist in this workspace").format(tp_id=tp_id),
                field="conditions.touchpoint_ids",
            )
    if data.conditions.signal == "score" and data.conditions.metric is None:
        raise Invalid(_("a score rule needs its metric: nps, csat or ces"), field="conditions.metric")


def create_rule(session: Session, *, workspace_id: int, data: RuleIn, actor: Any) -> CaseRule:
    _check(session, workspace_id, data)
    rule = CaseRule(
        workspace_id=workspace_id,
        **data.model_dump(exclude={"conditions"}),
        conditions=data.conditions.model_dump(mode="json"),
        since=utcnow(),
    )
    session.add(rule)
    session.flush()
    actor.audit(
        session,
        "case_rule.create",
        target_type="case_rule",
        target_id=str(rule.id),
        details=data.model_dump(mode="json"),
    )
    return rule


def update_rule(session: Session, *, rule: CaseRule, data: RuleIn, actor: Any) -> CaseRule:
    _check(session, rule.workspace_id, data)
    for key, value in data.model_dump(exclude={"conditions"}).items():
        setattr(rule, key, value)
    rule.conditions = data.conditions.model_dump(mode="json")
    actor.audit(
        session,
        "case_rule.update",
        target_type="case_rule",
        target_id=str(rule.id),
        details=data.model_dump(mode="json"),
    )
    return rule


def get_rule(session: Session, *, workspace_id: int, rule_id: int) -> CaseRule:
    from tajriba.cases.config import _owned

    rule: CaseRule = _owned(session, CaseRule, workspace_id, rule_id, "case rule")
    return rule


def list_rules(session: Session, *, workspace_id: int) -> list[CaseRule]:
    return list(
        session.scalars(
            select(CaseRule)
            .where(CaseRule.workspace_id == workspace_id)
            .order_by(CaseRule.position, CaseRule.id)
        )
    )


def rule_dict(rule: CaseRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "active": rule.active,
        "position": rule.position,
        "priority": rule.priority,
        "team_id": rule.team_id,
        "conditions": RuleConditions.model_validate(rule.conditions).model_dump(mode="json"),
        "since": rule.since.isoformat() + "Z",
    }
