"""Retention (PDPL Art 18, GDPR Art 5(1)(e)): each category of data kept for the months the workspace set, then
destroyed by the hourly purge; a preview (dry run) counts what would go; a legal hold keeps a person's data.

What each category removes once older than its months:

    events            tracked events (by their time)
    feedback_text     what people wrote: feedback texts (with what text analysis derived from them) and the
                      free text of survey answers (the scores stay: numbers without words)
    survey_responses  whole survey answers
    tickets           support tickets (with what text analysis derived from them)
    orders            orders
    cases             follow-up cases closed that long ago, with their conversation
    invitations       survey invitations sent that long ago (the contact log)

The purge also carries out erasures that waited for a legal hold the team has since released.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import N_, _
from tajriba.models import Case, DataSubjectRequest, SurveyInvitation
from tajriba.models.base import utcnow
from tajriba.models.privacy import RetentionRule
from tajriba.privacy import erase, holds
from tajriba.privacy.deadlines import add_months
from tajriba.warehouse import Warehouse

CATEGORIES = {
    "events": N_("Tracked events"),
    "feedback_text": N_("Words people wrote (feedback, survey comments)"),
    "survey_responses": N_("Survey answers"),
    "tickets": N_("Support tickets"),
    "orders": N_("Orders"),
    "cases": N_("Closed follow-up cases"),
    "invitations": N_("Survey invitations"),
    "social_mentions": N_("Public mentions (social posts, reviews, news)"),
}
MAX_MONTHS = 600
_NOT_HELD = "(customer_id IS NULL OR NOT list_contains(?, customer_id))"
# warehouse categories: (table, time column, text-analysis source of the rows or None)
_TABLES = {
    "events": ("events", "timestamp", None),
    "survey_responses": ("survey_responses", "submitted_at", "response"),
    "tickets": ("tickets", "created_at", "ticket"),
    "orders": ("orders", "ordered_at", None),
}
_KEYS = {"response": ("survey_responses", "response_id"), "ticket": ("tickets", "ticket_id"),
         "feedback": ("feedback_texts", "feedback_id"), "mention": ("social_mentions", "mention_id")}  # fmt: skip


@dataclass
class Purge:
    cutoffs: dict[str, datetime]
    counts: dict[str, int]
    erasures: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "cutoffs": {k: v.isoformat() for k, v in self.cutoffs.items()},
            "counts": self.counts,
            "erasures": self.erasures,
        }


def rules(db: Session, *, workspace_id: int) -> dict[str, int]:
    rows = db.scalars(select(RetentionRule).where(RetentionRule.workspace_id == workspace_id))
    return {r.category: r.months for r in rows}


def set_rules(
    db: Session, *, workspace_id: int, months: dict[str, int | None], actor: Auditor
) -> dict[str, int]:
    """Set (or with None, remove) the months each category is kept; unknown categories are refused."""
    for category, value in months.items():
        if category not in CATEGORIES:
            raise Invalid(
                _("unknown data category {category}; expected one of {known}").format(
                    category=repr(category), known=", ".join(CATEGORIES)
                ),
                field=category,
            )
        if value is not None and not 1 <= value <= MAX_MONTHS:
            raise Invalid(_("keep data between 1 and {n} months").format(n=MAX_MONTHS), field=category)
    existing = {
        r.category: r
        for r in db.scalars(select(RetentionRule).where(RetentionRule.workspace_id == workspace_id))
    }
    for category, value in months.items():
        if value is None:
            if category in existing:
                db.delete(existing[category])
        elif category in existing:
            existing[category].months = value
        else:
            db.add(RetentionRule(workspace_id=workspace_id, category=category, months=value))
    db.flush()
    actor.audit(db, "privacy.retention.set", target_type="workspace", target_id=str(workspace_id),
                details={"months": months})  # fmt: skip
    return rules(db, workspace_id=workspace_id)


@dataclass(frozen=True)
class Plan:
    workspace_id: int
    cutoffs: dict[str, datetime]  # category -> data older than this goes
    held: list[str]  # customers a legal hold keeps
    dry_run: bool


def plan(db: Session, *, workspace_id: int, now: datetime | None = None, dry_run: bool = False) -> Plan:
    """What a purge at `now` (default: this moment; a later date previews a future run) will remove."""
    moment = now or utcnow()
    cutoffs = {c: add_months(moment, -m) for c, m in rules(db, workspace_id=workspace_id).items()}
    return Plan(workspace_id, cutoffs, sorted(holds.held_customers(db, workspace_id=workspace_id)), dry_run)


def purge_warehouse(wh: Warehouse, plan: Plan) -> dict[str, int]:
    """The warehouse's part, in one transaction (run outside the application database's write transaction); a
    dry run only reads, so it takes no writer's turn (on Spark a transaction holds the lake's writer lock)."""
    counts: dict[str, int] = {}
    with nullcontext() if plan.dry_run else wh.transaction():
        for category, cutoff in plan.cutoffs.items():
            for table, n in _warehouse(
                wh, category, plan.workspace_id, _naive(cutoff), plan.held, plan.dry_run
            ).items():
                counts[table] = counts.get(table, 0) + n
    return counts


def finish(db: Session, wh: Warehouse, plan: Plan, counts: dict[str, int], *, actor: Auditor) -> Purge:
    """The application database's part, the erasures released from their holds, and the audit entry."""
    counts = dict(counts)
    for category, cutoff in plan.cutoffs.items():
        counts |= _application(db, category, plan.workspace_id, cutoff, plan.held, plan.dry_run)
    out = Purge(plan.cutoffs, {k: v for k, v in counts.items() if v}, dry_run=plan.dry_run)
    if not plan.dry_run:
        out.erasures = _released_erasures(db, wh, plan.workspace_id, actor)
        if out.counts or out.erasures:
            actor.audit(db, "privacy.purge", target_type="workspace", target_id=str(plan.workspace_id),
                        details={"counts": out.counts, "erasures": out.erasures})  # fmt: skip
    return out


def purge(
    db: Session,
    wh: Warehouse,
    *,
    workspace_id: int,
    actor: Auditor,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Purge:
    """Remove (or, dry, count) what each rule says is past keeping, except what a legal hold keeps; then the
    erasures released from their holds. An audit entry records the counts when anything went."""
    chosen = plan(db, workspace_id=workspace_id, now=now, dry_run=dry_run)
    return finish(db, wh, chosen, purge_warehouse(wh, chosen), actor=actor)


def _naive(moment: datetime) -> datetime:
    return (
        moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
    )


def _count_or_run(
    wh: Warehouse, dry_run: bool, table: str, where: str, params: list[Any], *, words_only: bool = False
) -> int:
    """Count (dry run) or remove the rows `where` selects; `words_only` clears a survey answer's free text and
    keeps its score."""
    if dry_run:
        return int(wh.sql(f"SELECT count(*) FROM {table} WHERE {where}", params)[0][0])
    if words_only:
        return wh.run(f"UPDATE {table} SET comment = NULL, answers = NULL WHERE {where}", params)
    return wh.run(f"DELETE FROM {table} WHERE {where}", params)


def _warehouse(
    wh: Warehouse, category: str, ws: int, cutoff: datetime, held: list[str], dry_run: bool
) -> dict[str, int]:
    if category == "feedback_text":
        old = f"workspace_id = ? AND created_at < ? AND {_NOT_HELD}"
        out = _enrichments(wh, "feedback", ws, old, [ws, cutoff, held], dry_run)
        out["feedback_texts"] = _count_or_run(wh, dry_run, "feedback_texts", old, [ws, cutoff, held])
        words = f"workspace_id = ? AND submitted_at < ? AND {_NOT_HELD} AND (comment IS NOT NULL OR answers IS NOT NULL)"
        out["survey_comments"] = _count_or_run(
            wh, dry_run, "survey_responses", words, [ws, cutoff, held], words_only=True
        )
        return out
    if category == "social_mentions":  # public posts name no customer, so no legal hold keeps one
        where = "workspace_id = ? AND created_at < ?"
        out = _enrichments(wh, "mention", ws, where, [ws, cutoff], dry_run)
        out["social_mentions"] = _count_or_run(wh, dry_run, "social_mentions", where, [ws, cutoff])
        return out
    if category not in _TABLES:
        return {}
    table, column, source = _TABLES[category]
    where = f"workspace_id = ? AND {column} < ? AND {_NOT_HELD}"
    out = _enrichments(wh, source, ws, where, [ws, cutoff, held], dry_run) if source else {}
    out[table] = _count_or_run(wh, dry_run, table, where, [ws, cutoff, held])
    return out


def _enrichments(
    wh: Warehouse, source: str, ws: int, where: str, params: list[Any], dry_run: bool
) -> dict[str, int]:
    """What text analysis derived from rows about to go goes first (it names them by id)."""
    table, key = _KEYS[source]
    rows = f"workspace_id = ? AND source = ? AND source_id IN (SELECT {key} FROM {table} WHERE {where})"
    n = _count_or_run(wh, dry_run, "text_enrichments", rows, [ws, source, *params])
    return {"text_enrichments": n}


def _application(
    db: Session, category: str, ws: int, cutoff: datetime, held: list[str], dry_run: bool
) -> dict[str, int]:
    model: Any
    if category == "cases":
        model, where = Case, and_(Case.workspace_id == ws, Case.closed_at < cutoff)
        where = and_(where, or_(Case.customer_id.is_(None), Case.customer_id.not_in(held)))
    elif category == "invitations":
        model = SurveyInvitation
        where = and_(SurveyInvitation.workspace_id == ws, SurveyInvitation.created_at < cutoff)
        where = and_(
            where, or_(SurveyInvitation.customer_id.is_(None), SurveyInvitation.customer_id.not_in(held))
        )
    else:
        return {}
    ids = list(db.scalars(select(model.id).where(where)))
    if ids and not dry_run:
        db.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
    return {model.__tablename__: len(ids)}


def _released_erasures(db: Session, wh: Warehouse, ws: int, actor: Auditor) -> int:
    """Erasure requests deferred by a hold that has been released since."""
    done = 0
    waiting = db.scalars(
        select(DataSubjectRequest).where(
            DataSubjectRequest.workspace_id == ws,
            DataSubjectRequest.kind == "erasure",
            DataSubjectRequest.status == "deferred",
        )
    )
    for request in list(waiting):
        if (
            request.customer_id
            and holds.active_hold(db, workspace_id=ws, customer_id=request.customer_id) is None
        ):
            erase.erase_for_request(db, wh, request=request, actor=actor, uploads=None)
            done += 1
    return done
