"""Identity resolution in bulk: one profile per person, however they reached us.

Each incoming record brings a group of identifiers (user id, anonymous id, email, phone, external id)
that belong together. The batch's groups and the profiles those identifiers already point to form a graph
whose connected components are one customer each (identity_graph.py, on integer columns). Guards stop
over-merging (identity_rules.py): blocklisted identifiers never link, two different user ids never join
through a shared device or email (only an explicit alias joins them), and a profile may hold at most
`max_identities` identifiers. Every refused link is returned as a decision to log. One query reads the
known identifiers; no lookup per event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from tajriba.customers.identity_graph import (
    Batch,
    Graph,
    Known,
    Names,
    bad_components,
    blocked_decisions,
    component_graph,
    encode,
    hard_components,
    known_profiles,
    present,
    replay,
    settle_easy,
)
from tajriba.customers.identity_rules import Components, customer_id_for, kept_apart, settle_profiles
from tajriba.customers.identity_rules import Identifier as Identifier
from tajriba.customers.identity_rules import IdentityPolicy as IdentityPolicy
from tajriba.customers.identity_rules import Merge as Merge
from tajriba.customers.identity_rules import Resolution as Resolution

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse


def resolve_batch(warehouse: Warehouse, workspace_id: int, b: Batch, policy: IdentityPolicy) -> Resolution:
    """Assign a customer to each group of the batch, creating and merging profiles as needed."""
    blocked = np.array([v.casefold() in policy.blocklist for v in b.values], bool)
    decisions = blocked_decisions(b, blocked) if blocked.any() else []
    keep = ~blocked[b.code]
    row, code = b.row[keep], b.code[keep]
    known = known_profiles(warehouse, workspace_id, b, present(code, len(b.kinds)))
    g = component_graph(b, row, code, known)
    apart = kept_apart(warehouse, workspace_id) if len(g.profiles) else set()
    bad = bad_components(b, g, known, policy, apart)
    names = Names(known.names)
    target, merges = settle_easy(b, g, known, bad, names, workspace_id)
    head = np.where(g.first >= 0, g.first, 0)
    graph_rows = ~g.simple & (g.length > 0)
    hard_rows = np.flatnonzero(graph_rows & bad[g.label[head]])
    hard: dict[object, str] = {}
    comps = None
    if len(hard_rows):  # every component that breaks a guard holds a group of the batch
        comps = hard_components(b, g, known, bad, policy, apart)
        replay(b, hard_rows, blocked, comps, decisions)
        known_idents = {b.ident(c) for c in g.idents.tolist() if known.owner[c] >= 0}
        hard, hard_merges, hard_new, _ = settle_profiles(comps, known_idents, workspace_id)
        merges += hard_merges
        for name in hard_new:
            names.of(name, new=True)
    return _assemble(b, g, known, bad, target, merges, names, decisions, comps, hard, workspace_id)


def _assemble(
    b: Batch,
    g: Graph,
    known: Known,
    bad: np.ndarray,
    target: np.ndarray,
    merges: list[Merge],
    names: Names,
    decisions: list[dict[str, object]],
    comps: Components | None,
    hard: dict[object, str],
    workspace_id: int,
) -> Resolution:
    """Each group's customer id, and the identifiers the batch adds."""
    final = np.arange(len(known.names), dtype=np.int64)  # where a profile merged away now points
    for merge in merges:
        for name in merge.merged:
            final[names.index[name]] = names.index[merge.into]
    head = np.where(g.first >= 0, g.first, 0)
    owner = known.owner[head]
    out = np.full(b.n, -1, np.int64)
    simple_known = g.simple & (owner >= 0)
    out[simple_known] = final[owner[simple_known]]
    fresh_rows = g.simple & (owner < 0)
    fresh_codes = np.unique(head[fresh_rows])
    fresh_target = np.full(len(b.kinds), -1, np.int64)
    for c in fresh_codes.tolist():
        fresh_target[c] = names.of(customer_id_for(workspace_id, b.ident(c)), new=True)
    out[fresh_rows] = fresh_target[head[fresh_rows]]
    easy_rows = ~g.simple & (g.length > 0) & ~bad[g.label[head]]
    out[easy_rows] = target[g.label[head[easy_rows]]]
    new_identities: dict[Identifier, str] = {}
    for c in g.idents[known.owner[g.idents] < 0].tolist():
        lab = g.label[c]
        ident = b.ident(c)
        new_identities[ident] = (
            names.names[target[lab]] if not bad[lab] else hard[comps.find(ident)]  # type: ignore[union-attr]
        )
    for c in fresh_codes.tolist():
        new_identities[b.ident(c)] = names.names[fresh_target[c]]
    lookup = np.array([*names.names, None], dtype=object)
    customer_ids: list[str | None] = lookup[out].tolist()  # -1 takes the trailing None
    for r in np.flatnonzero(~g.simple & (g.length > 0) & bad[g.label[head]]).tolist():
        customer_ids[r] = hard[comps.find(b.ident(int(g.first[r])))]  # type: ignore[union-attr]
    return Resolution(customer_ids, new_identities, names.new, merges, decisions)


def resolve(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    groups: list[list[Identifier]],
    explicit: list[bool] | None = None,
    policy: IdentityPolicy | None = None,
) -> Resolution:
    """Assign a customer to each group of identifiers (an alias's group is `explicit`: it may join two user
    ids), creating and merging profiles as needed."""
    n = len(groups)
    flat = [ident for group in groups for ident in group]
    row = np.repeat(np.arange(n, dtype=np.int64), [len(group) for group in groups])
    return resolve_columns(
        warehouse,
        workspace_id=workspace_id,
        n=n,
        row=row,
        kind=pa.array([k for k, _ in flat], pa.string()),
        value=pa.array([v for _, v in flat], pa.string()),
        explicit=np.array(explicit if explicit is not None else [False] * n, bool),
        policy=policy,
    )


def resolve_columns(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    n: int,
    row: np.ndarray,
    kind: pa.Array,
    value: pa.Array,
    explicit: np.ndarray | None = None,
    policy: IdentityPolicy | None = None,
) -> Resolution:
    """`resolve` on columns: identifier i (`kind[i]`, `value[i]`) belongs to group `row[i]` (ascending)."""
    explicit = np.zeros(n, bool) if explicit is None else explicit
    return resolve_batch(
        warehouse, workspace_id, encode(n, row, kind, value, explicit), policy or IdentityPolicy()
    )
