"""Touchpoint rules: which incoming events belong to which touchpoint (and channel).

A rule has one or more conditions, all of which must hold: event type, event name (glob), page path (glob),
a property equal to a value. Rules are tried by position; the first match wins. The same semantics run
on ingest (Arrow over a flush's columns, `match_touchpoints`) and when rules change (SQL over stored events,
`reapply`): globs as the same RE2 expressions, a property condition on the stored properties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid, NotFound
from tajriba.ingest.messages import TYPES
from tajriba.models import Touchpoint, TouchpointRule, Workspace
from tajriba.warehouse import Warehouse


@dataclass(frozen=True)
class Rule:
    touchpoint_id: int
    channel: str | None
    event_type: str | None = None
    event_name: str | None = None
    page_path: str | None = None
    property_name: str | None = None
    property_value: str | None = None

    def sql(self) -> tuple[str, list[Any]]:
        conds, params = [], []
        if self.event_type:
            conds.append("type = ?")
            params.append(self.event_type)
        if self.event_name:
            conds.append("regexp_matches(event, ?)")
            params.append(glob_regex(self.event_name))
        if self.page_path:
            conds.append("regexp_matches(page_path, ?)")
            params.append(glob_regex(self.page_path))
        if self.property_name:
            # the path is written into the statement, not passed as a parameter: each engine's translation
            # rewrites a literal path its own way (PostgreSQL takes the key, Spark a bracketed path)
            path = "$." + orjson.dumps(self.property_name).decode()
            conds.append(f"json_extract_string(properties, '{path.replace(chr(39), chr(39) * 2)}') = ?")
            params.append(self.property_value or "")
        return " AND ".join(conds) or "TRUE", params


def glob_regex(pattern: str) -> str:
    """A glob (as fnmatch.fnmatchcase reads it: *, ?, [abc], [!abc]) as an anchored regular expression that
    DuckDB (RE2) and PostgreSQL read alike."""
    out, i, n = ["^"], 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append("\\[")
                continue
            body = pattern[i:j].replace("\\", "\\\\")
            i = j + 1
            if body.startswith("!"):
                body = "^" + body[1:]
            elif body.startswith("^"):
                body = "\\" + body
            out.append(f"[{body}]")
        else:
            out.append(re.escape(c) if c.isascii() and not c.isalnum() else c)
    out.append("$")
    return "".join(out)


def match_touchpoints(rules: Sequence[Rule], batch: pa.Table) -> tuple[pa.Array, pa.Array]:
    """Each message's touchpoint and the rule's channel (null where no rule matches), the first matching rule
    winning. `batch` has the events columns type, event, page_path and properties (JSON)."""
    n = batch.num_rows
    which = np.full(n, len(rules), np.int64)  # index of the matching rule; len(rules) stands for none
    for i, rule in enumerate(rules):
        mask = which == len(rules)
        if rule.event_type:
            mask &= _true(pc.equal(batch["type"], rule.event_type))
        if rule.event_name:
            mask &= _true(pc.match_substring_regex(batch["event"], glob_regex(rule.event_name)))
        if rule.page_path:
            mask &= _true(pc.match_substring_regex(batch["page_path"], glob_regex(rule.page_path)))
        if rule.property_name and mask.any():
            at = np.flatnonzero(mask)
            for r, text in zip(at.tolist(), batch["properties"].take(pa.array(at)).to_pylist(), strict=True):
                value = orjson.loads(text).get(rule.property_name) if text else None
                mask[r] = value is not None and _text(value) == rule.property_value
        which[mask] = i
    touchpoints = pa.array([r.touchpoint_id for r in rules] + [None], pa.int32())
    channels = pa.array([r.channel or None for r in rules] + [None], pa.string())
    return touchpoints.take(which), channels.take(which)


def _true(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), bool)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def load_rules(session: Session, *, workspace_id: int) -> list[Rule]:
    rows = session.scalars(
        select(TouchpointRule)
        .where(TouchpointRule.workspace_id == workspace_id, TouchpointRule.enabled.is_(True))
        .order_by(TouchpointRule.position, TouchpointRule.id)
    )
    return [
        Rule(
            r.touchpoint_id,
            r.channel,
            r.event_type,
            r.event_name,
            r.page_path,
            r.property_name,
            r.property_value,
        )
        for r in rows
    ]


def list_rules(session: Session, *, workspace: Workspace) -> list[TouchpointRule]:
    return list(
        session.scalars(
            select(TouchpointRule)
            .where(TouchpointRule.workspace_id == workspace.id)
            .order_by(TouchpointRule.position, TouchpointRule.id)
        )
    )


def create_rule(
    session: Session,
    *,
    workspace: Workspace,
    touchpoint_id: int,
    event_type: str | None = None,
    event_name: str | None = None,
    page_path: str | None = None,
    property_name: str | None = None,
    property_value: str | None = None,
    channel: str | None = None,
    position: int | None = None,
    actor: Auditor,
) -> TouchpointRule:
    """Add a rule; it needs at least one condition and a touchpoint of this workspace."""
    clean = {
        k: (v.strip() or None) if isinstance(v, str) else v
        for k, v in {
            "event_type": event_type,
            "event_name": event_name,
            "page_path": page_path,
            "property_name": property_name,
            "property_value": property_value,
            "channel": channel,
        }.items()
    }
    if not any(clean[k] for k in ("event_type", "event_name", "page_path", "property_name")):
        raise Invalid(
            "a rule needs at least one condition: event type, event name, page path or property",
            field="event_name",
        )
    if clean["event_type"] and clean["event_type"] not in TYPES:
        raise Invalid(f"event type must be one of {', '.join(TYPES)}", field="event_type")
    if clean["property_name"] and clean["property_value"] is None:
        raise Invalid("a property condition needs a value", field="property_value")
    if clean["property_name"] and any(c in clean["property_name"] for c in "'\"\\"):
        # the name is written into the reapply statement as a JSON path, which every engine must read alike
        raise Invalid("a property name may not contain quotes or backslashes", field="property_name")
    tp = session.scalar(
        select(Touchpoint).where(Touchpoint.id == touchpoint_id, Touchpoint.workspace_id == workspace.id)
    )
    if tp is None:
        raise NotFound("no such touchpoint in this workspace", field="touchpoint_id")
    if position is None:
        position = len(list_rules(session, workspace=workspace))
    rule = TouchpointRule(workspace_id=workspace.id, touchpoint_id=tp.id, position=position, **clean)
    session.add(rule)
    session.flush()
    actor.audit(session, "tracking.rule_create", target_type="touchpoint_rule", target_id=str(rule.id))
    return rule


def delete_rule(session: Session, *, workspace: Workspace, rule_id: int, actor: Auditor) -> None:
    rule = session.scalar(
        select(TouchpointRule).where(
            TouchpointRule.id == rule_id, TouchpointRule.workspace_id == workspace.id
        )
    )
    if rule is None:
        raise NotFound("no such rule", field="rule_id")
    session.delete(rule)
    session.flush()
    actor.audit(session, "tracking.rule_delete", target_type="touchpoint_rule", target_id=str(rule_id))


def reapply_rules(session: Session, warehouse: Warehouse, *, workspace: Workspace, actor: Auditor) -> int:
    """Map the stored tracking events again with the workspace's current rules; the number of events."""
    count = reapply(
        warehouse, workspace_id=workspace.id, rules=load_rules(session, workspace_id=workspace.id)
    )
    actor.audit(session, "tracking.rules_reapply", details={"events": count})
    return count


def reapply(warehouse: Warehouse, *, workspace_id: int, rules: list[Rule]) -> int:
    """Re-map stored tracking events (those with a client context) to touchpoints with the current rules.

    Events from imports and the demo carry the touchpoint their source named, and are left as they are.
    """
    tp_cases, ch_cases, params_tp, params_ch = [], [], [], []
    for rule in rules:
        cond, params = rule.sql()
        tp_cases.append(f"WHEN {cond} THEN ?")
        params_tp += [*params, rule.touchpoint_id]
        ch_cases.append(f"WHEN {cond} THEN coalesce(?, json_extract_string(context, '$.channel'))")
        params_ch += [*params, rule.channel]
    tp_expr = f"CASE {' '.join(tp_cases)} ELSE NULL END" if rules else "NULL"
    ch_expr = (
        f"CASE {' '.join(ch_cases)} ELSE json_extract_string(context, '$.channel') END"
        if rules
        else "json_extract_string(context, '$.channel')"
    )
    return warehouse.run(
        f"UPDATE events SET touchpoint_id = {tp_expr}, channel = {ch_expr} "
        "WHERE workspace_id = ? AND context IS NOT NULL",
        [*params_tp, *params_ch, workspace_id],
    )
