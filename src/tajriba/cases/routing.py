"""Who gets a new case: the touchpoint's owner, round robin within a team, or the least loaded member under
a capacity cap; members who speak the case's language first."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.cases import sla
from tajriba.cases.schemas import OPEN_STATUSES
from tajriba.models import Case, Membership, Team, TeamMember


def members(session: Session, team: Team, *, language: str | None = None) -> tuple[list[int], list[int]]:
    """Active members of the team who are still members of the workspace: (speakers of `language`, others)."""
    rows = session.execute(
        select(TeamMember.user_id, TeamMember.languages)
        .join(
            Membership,
            (Membership.user_id == TeamMember.user_id) & (Membership.workspace_id == team.workspace_id),
        )
        .where(TeamMember.team_id == team.id, TeamMember.active.is_(True))
        .order_by(TeamMember.user_id)
    ).all()
    speakers = [uid for uid, langs in rows if not language or not langs or language in langs]
    return speakers, [uid for uid, _langs in rows if uid not in speakers]


def load(session: Session, workspace_id: int, user_ids: list[int]) -> dict[int, int]:
    """Open cases per user."""
    counts = dict.fromkeys(user_ids, 0)
    if user_ids:
        for uid, n in session.execute(
            select(Case.owner_id, func.count())
            .where(
                Case.workspace_id == workspace_id, Case.owner_id.in_(user_ids), Case.status.in_(OPEN_STATUSES)
            )
            .group_by(Case.owner_id)
        ):
            if uid is not None:
                counts[int(uid)] = int(n)
    return counts


def choose_owner(
    session: Session, *, team: Team, language: str | None = None, exclude: set[int | None] | None = None
) -> int | None:
    """The next owner in the team by its routing; None when nobody can take it (all at capacity, or manual)."""
    if team.routing == "manual":
        return None
    skip = exclude or set()
    # within one transaction (a rules run opening hundreds of cases) members and loads are read once and the
    # loads kept up to date here; the cache goes with the transaction (tajriba.cases.sla.forget)
    known = sla.remembered(session)
    key = ("members", team.id, language)
    if key not in known:
        known[key] = members(session, team, language=language)
    speakers, others = ([u for u in group if u not in skip] for group in known[key])
    counts = known.setdefault(("loads", team.id), {})
    missing = [u for u in speakers + others if u not in counts]
    if missing:
        counts.update(load(session, team.workspace_id, missing))
    if team.capacity is not None:
        speakers, others = ([u for u in group if counts[u] < team.capacity] for group in (speakers, others))
    candidates = speakers or others  # someone who speaks the language first, anyone free otherwise
    if not candidates:
        return None
    if team.routing == "least_loaded":
        chosen = min(candidates, key=lambda u: (counts[u], u))
    else:  # round robin: the first member after the last one served
        after = [u for u in candidates if team.last_assigned_id is not None and u > team.last_assigned_id]
        chosen = (after or candidates)[0]
    team.last_assigned_id = chosen
    counts[chosen] += 1
    return chosen
