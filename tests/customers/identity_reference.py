"""Identity resolution as it was written before the columnar rewrite (session 19): the oracle that
tests/customers/test_identity_columns.py compares the product's resolution with, group by group.

Kept verbatim apart from imports and one fix (marked: a group whose every identifier is blocklisted,
in a batch with linked groups, raised IndexError); it is the product's own earlier code, not used by the product."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tajriba.customers.identity_rules import (
    Identifier,
    IdentityPolicy,
    Merge,
    Resolution,
    customer_id_for,
)
from tajriba.warehouse import Warehouse


class _Components:
    def __init__(self, policy: IdentityPolicy, apart: set[frozenset[str]]) -> None:
        self.parent: dict[object, object] = {}
        self.users: dict[object, frozenset[str]] = {}
        self.size: dict[object, int] = {}
        self.customers: dict[object, frozenset[str]] = {}
        self.policy = policy
        self.apart = apart

    def add(
        self, node: object, users: frozenset[str], size: int, customers: frozenset[str] = frozenset()
    ) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.users[node] = users
            self.size[node] = size
            self.customers[node] = customers

    def find(self, node: object) -> object:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: object, b: object, *, explicit: bool) -> str | None:
        """Join two components; return why not, when a guard refuses."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        users = self.users[ra] | self.users[rb]
        if not explicit and len(users) > self.policy.max_user_ids:
            return "would join different user ids"
        if self.size[ra] + self.size[rb] > self.policy.max_identities:
            return f"profile would exceed {self.policy.max_identities} identities"
        if any(frozenset((a, b)) in self.apart for a in self.customers[ra] for b in self.customers[rb]):
            return "an admin undid the merge of these profiles"
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.users[ra] = users
        self.size[ra] += self.size[rb]
        self.customers[ra] = self.customers[ra] | self.customers[rb]
        return None


def resolve(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    groups: list[list[Identifier]],
    explicit: list[bool] | None = None,
    policy: IdentityPolicy | None = None,
) -> Resolution:
    """Assign a customer to each group of identifiers, creating and merging profiles as needed."""
    policy = policy or IdentityPolicy()
    explicit = explicit or [False] * len(groups)
    # Events repeat the same identifiers again and again: resolve each distinct group once.
    slots: dict[tuple[tuple[Identifier, ...], bool], int] = {}
    index = [slots.setdefault((tuple(g), e), len(slots)) for g, e in zip(groups, explicit, strict=True)]
    if len(slots) < len(groups):
        unique = list(slots)
        res = resolve(
            warehouse,
            workspace_id=workspace_id,
            groups=[list(g) for g, _ in unique],
            explicit=[e for _, e in unique],
            policy=policy,
        )
        res.customer_ids = [res.customer_ids[i] for i in index]
        return res
    return _resolve_distinct(warehouse, workspace_id, groups, explicit, policy)


def _resolve_distinct(
    warehouse: Warehouse,
    workspace_id: int,
    groups: list[list[Identifier]],
    explicit: list[bool],
    policy: IdentityPolicy,
) -> Resolution:
    """`resolve` on distinct groups."""
    decisions: list[dict[str, object]] = []
    clean = _drop_blocked(groups, policy, decisions)
    known, owners = _known(warehouse, workspace_id, {i for g in clean for i in g})

    # Fast paths: a lone identifier already known, or one never seen and linked to nothing else in the
    # batch, needs no graph work (returning customers' events; one-identifier import rows).
    in_groups = {i for g in clean if len(g) > 1 for i in g}
    fresh_single = {g[0] for g in clean if len(g) == 1 and g[0] not in known and g[0] not in in_groups}
    simple = [len(g) == 1 and (g[0] in known or g[0] in fresh_single) for g in clean]
    fresh_ids = {ident: customer_id_for(workspace_id, ident) for ident in fresh_single}
    graph_groups = [g for g, easy in zip(clean, simple, strict=True) if not easy]
    graph_idents = {i for g in graph_groups for i in g}
    comps = _components(warehouse, workspace_id, policy, graph_idents, known, owners)
    # Components in C first; every component that breaks no guard is taken whole. Only components that
    # would join two user ids, exceed the size cap, rejoin profiles an admin split, or contain an alias are
    # replayed group by group through the guarded union-find, in arrival order.
    hard = _settle_easy_components(comps, known, owners, graph_groups, explicit, simple, clean, policy)
    for group, is_alias, easy in zip(clean, explicit, simple, strict=True):
        if easy or id(group) not in hard:
            continue
        for other in group[1:]:
            why = comps.union(group[0], other, explicit=is_alias)
            if why:
                decisions.append(
                    {"decision": "not merged", "identifiers": [list(group[0]), list(other)], "reason": why}
                )
    assigned, merges, new_customers, redirect = _settle_profiles(comps, known, workspace_id)
    customer_ids: list[str | None] = []
    for group, easy in zip(clean, simple, strict=True):
        if not group:
            customer_ids.append(None)
        elif easy and group[0] in known:
            owner = known[group[0]]
            customer_ids.append(redirect.get(owner, owner))
        elif easy:
            customer_ids.append(fresh_ids[group[0]])
        else:
            customer_ids.append(assigned[comps.find(group[0])])
    new_identities = {i: assigned[comps.find(i)] for i in graph_idents if i not in known}
    new_identities.update(fresh_ids)
    new_customers.update(fresh_ids.values())
    return Resolution(customer_ids, new_identities, new_customers, merges, decisions)


def _drop_blocked(
    groups: list[list[Identifier]], policy: IdentityPolicy, decisions: list[dict[str, object]]
) -> list[list[Identifier]]:
    """The groups without blocklisted identifiers (shared test accounts, placeholder emails), each logged."""
    clean: list[list[Identifier]] = []
    for group in groups:
        kept = []
        for ident in group:
            if ident[1].casefold() in policy.blocklist:
                decisions.append({"decision": "ignored", "identifier": list(ident), "reason": "blocklisted"})
            else:
                kept.append(ident)
        clean.append(kept)
    return clean


def _components(
    warehouse: Warehouse,
    workspace_id: int,
    policy: IdentityPolicy,
    graph_idents: set[Identifier],
    known: dict[Identifier, str],
    owners: dict[str, tuple[set[str], int]],
) -> _Components:
    """The union-find over the batch's identifiers and the profiles they already belong to."""
    comps = _Components(policy, _kept_apart(warehouse, workspace_id) if owners else set())
    for ident in graph_idents:
        comps.add(ident, frozenset([ident[1]]) if ident[0] == "user_id" else frozenset(), 1)
    for customer in {known[i] for i in graph_idents if i in known}:
        user_ids, count = owners[customer]
        comps.add(("customer", customer), frozenset(user_ids), count, frozenset([customer]))
    for ident in graph_idents:
        if ident in known:
            comps.parent[ident] = (
                "customer",
                known[ident],
            )  # a known identifier is already part of its profile
    return comps


def _settle_profiles(
    comps: _Components, known: dict[Identifier, str], workspace_id: int
) -> tuple[dict[object, str], list[Merge], set[str], dict[str, str]]:
    """The customer of each component: the oldest profile in it (the others merge into it) or a new one.
    Also the merges, the new customers and where each merged profile now points."""
    members: dict[object, list[object]] = {}
    for node in comps.parent:
        members.setdefault(comps.find(node), []).append(node)
    assigned: dict[object, str] = {}
    merges: list[Merge] = []
    new_customers: set[str] = set()
    redirect: dict[str, str] = {}
    for root, nodes in members.items():
        existing = sorted(str(n[1]) for n in nodes if isinstance(n, tuple) and n[0] == "customer")
        if existing:
            target = existing[0]
            if len(existing) > 1:
                via = sorted(
                    n for n in nodes if isinstance(n, tuple) and n[0] != "customer" and n not in known
                )
                merges.append(Merge(into=target, merged=existing[1:], via=[(str(k), str(v)) for k, v in via]))
                redirect.update(dict.fromkeys(existing[1:], target))
        else:
            first = min((n for n in nodes if isinstance(n, tuple)), key=lambda n: (str(n[0]), str(n[1])))
            target = customer_id_for(workspace_id, (str(first[0]), str(first[1])))
            new_customers.add(target)
        assigned[root] = target
    return assigned, merges, new_customers, redirect


def _component_labels(
    node_id: dict[object, int], known: dict[Identifier, str], graph_groups: list[list[Identifier]]
) -> Any:
    """The connected component of each node (scipy, in C): identifiers joined to their profiles and to the
    other identifiers of their groups."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    src: list[int] = []
    dst: list[int] = []
    for ident, customer in known.items():
        if ident in node_id:
            src.append(node_id[ident])
            dst.append(node_id[("customer", customer)])
    for group in graph_groups:
        if not group:  # the one change: a group whose identifiers were all blocklisted crashed it here
            continue
        first = node_id[group[0]]
        for other in group[1:]:
            src.append(first)
            dst.append(node_id[other])
    n = len(node_id)
    graph = coo_matrix(
        (np.ones(len(src), dtype=np.int8), (np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64))),
        shape=(n, n),
    )
    return connected_components(graph, directed=False)[1]


def _tally(
    nodes: list[object],
    labels: list[int],
    known: dict[Identifier, str],
    owners: dict[str, tuple[set[str], int]],
) -> tuple[dict[int, set[str]], dict[int, int], dict[int, set[str]]]:
    """Per connected component: its user ids, its size in identities, and the existing profiles in it."""
    users: dict[int, set[str]] = {}
    size: dict[int, int] = {}
    customers: dict[int, set[str]] = {}
    for node, label in zip(nodes, labels, strict=True):
        assert isinstance(node, tuple)
        if node[0] == "customer":
            user_ids, count = owners[str(node[1])]
            size[label] = size.get(label, 0) + count
            customers.setdefault(label, set()).add(str(node[1]))
            if user_ids:
                users.setdefault(label, set()).update(user_ids)
        elif node not in known:
            size[label] = size.get(label, 0) + 1
            if node[0] == "user_id":
                users.setdefault(label, set()).add(str(node[1]))
    return users, size, customers


def _settle_easy_components(
    comps: _Components,
    known: dict[Identifier, str],
    owners: dict[str, tuple[set[str], int]],
    graph_groups: list[list[Identifier]],
    explicit: list[bool],
    simple: list[bool],
    clean: list[list[Identifier]],
    policy: IdentityPolicy,
) -> set[int]:
    """Join every guard-respecting component at once; return the ids of the groups that need the slow path."""
    nodes = list(comps.parent)
    if not nodes:
        return set()
    node_id = {n: i for i, n in enumerate(nodes)}
    labels = _component_labels(node_id, known, graph_groups)
    users, size, customers = _tally(nodes, labels.tolist(), known, owners)
    bad = {label for label, u in users.items() if len(u) > policy.max_user_ids}
    bad |= {label for label, s in size.items() if s > policy.max_identities}
    if comps.apart:
        bad |= {
            label
            for label, cs in customers.items()
            if any(frozenset((a, b)) in comps.apart for a in cs for b in cs if a < b)
        }
    hard: set[int] = set()
    for group, is_alias, easy in zip(clean, explicit, simple, strict=True):
        if easy or not group:
            continue
        label = labels[node_id[group[0]]]
        if is_alias:
            bad.add(label)
    for group, easy in zip(clean, simple, strict=True):
        if not easy and group and labels[node_id[group[0]]] in bad:
            hard.add(id(group))
    roots: dict[int, object] = {}
    for node, label in zip(nodes, labels.tolist(), strict=True):
        if label in bad:
            continue
        root = roots.setdefault(label, ("customer", min(customers[label])) if label in customers else node)
        comps.parent[node] = root
    for label, root in roots.items():
        comps.parent[root] = root
        comps.users[root] = frozenset(users.get(label, ()))
        comps.size[root] = size.get(label, 0)
        comps.customers[root] = frozenset(customers.get(label, ()))
    return hard


def _kept_apart(warehouse: Warehouse, workspace_id: int) -> set[frozenset[str]]:
    """Pairs of profiles whose merge an admin undid: never merged again automatically."""
    import orjson

    rows = warehouse.sql(
        "SELECT into_customer_id, merged_customer_ids FROM identity_merges "
        "WHERE workspace_id = ? AND undone_at IS NOT NULL",
        [workspace_id],
    )
    return {frozenset((into, other)) for into, merged in rows for other in orjson.loads(merged)}


def _known(
    warehouse: Warehouse, workspace_id: int, identifiers: set[Identifier]
) -> tuple[dict[Identifier, str], dict[str, tuple[set[str], int]]]:
    """Existing owners of the batch's identifiers, and for each owner its user ids and identity count."""
    if not identifiers:
        return {}, {}
    kinds, values = zip(*identifiers, strict=True)
    probe = pa.table({"kind": list(kinds), "value": list(values)})
    with warehouse.register("__probe", probe):  # this thread's own connection: no lock needed to read
        rows = warehouse.sql(
            "SELECT i.kind, i.value, i.customer_id FROM customer_identities i "
            "JOIN __probe p ON i.kind = p.kind AND i.value = p.value WHERE i.workspace_id = ?",
            [workspace_id],
        )
        owners_rows = warehouse.sql(
            "SELECT customer_id, count(*), list(value) FILTER (WHERE kind = 'user_id') "
            "FROM customer_identities WHERE workspace_id = ? AND customer_id IN "
            "(SELECT i.customer_id FROM customer_identities i JOIN __probe p "
            " ON i.kind = p.kind AND i.value = p.value WHERE i.workspace_id = ?) GROUP BY 1",
            [workspace_id, workspace_id],
        )
    known = {(k, v): c for k, v, c in rows}
    owners = {c: (set(users or []), int(n)) for c, n, users in owners_rows}
    return known, owners
