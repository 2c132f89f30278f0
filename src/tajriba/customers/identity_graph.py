"""Identity resolution on integer columns: what `identity.resolve` does, with no Python loop per event.

Each distinct identifier becomes an integer (its rank in (kind, value) order, so the smallest code of a
component is the identifier a new profile is named after); each existing profile in play becomes an integer
too (its rank by id, so the smallest is the profile the others merge into). Connected components come from
scipy; sizes, user ids and aliases are counted per component with NumPy. Only components that break a guard
(two user ids, the size cap, profiles an admin split) or hold an alias go through the guarded union-find,
group by group in arrival order, exactly as before (decision 005, docs/benchmarks.md "Identity").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tajriba.customers.identity_rules import (
    Components,
    Identifier,
    IdentityPolicy,
    Merge,
    customer_id_for,
)

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse


@dataclass
class Batch:
    """A batch's identifiers as columns: entry i is identifier `code[i]` of group `row[i]` (rows ascending,
    entries of a group in their order); codes index `kinds`/`values`, sorted by (kind, value)."""

    n: int
    row: np.ndarray
    code: np.ndarray
    kinds: list[str]
    values: list[str]
    explicit: np.ndarray
    keys: pa.Array  # "kind\x00value" of each code

    def ident(self, code: int) -> Identifier:
        return (self.kinds[code], self.values[code])


def encode(n: int, row: np.ndarray, kind: pa.Array, value: pa.Array, explicit: np.ndarray) -> Batch:
    """Number the distinct identifiers in (kind, value) order (UTF-8 byte order is code point order)."""
    key = pc.binary_join_element_wise(kind, value, "\x00")
    uniq = pc.unique(key)
    uniq = uniq.take(pc.sort_indices(uniq))
    code = pc.index_in(key, value_set=uniq).to_numpy(zero_copy_only=False).astype(np.int64)
    parts = pc.split_pattern(uniq, "\x00", max_splits=1)
    kinds = pc.list_element(parts, 0).to_pylist()
    values = pc.list_element(parts, 1).to_pylist()
    return Batch(n, np.asarray(row, np.int64), code, kinds, values, np.asarray(explicit, bool), uniq)


def present(codes: np.ndarray, size: int) -> np.ndarray:
    """The distinct values of dense non-negative codes, ascending (a count, not a sort)."""
    return np.flatnonzero(np.bincount(codes, minlength=size))


@dataclass
class Known:
    """Existing profiles of the batch's identifiers: `owner[code]` is a profile number or -1; profile numbers
    index `names` (sorted), `count` (identities held) and `users` (their user ids)."""

    owner: np.ndarray
    names: list[str]
    count: np.ndarray
    users: list[frozenset[str]]


def known_profiles(warehouse: Warehouse, workspace_id: int, b: Batch, used: np.ndarray) -> Known:
    owner = np.full(len(b.kinds), -1, np.int64)
    if not len(used):
        return Known(owner, [], np.zeros(0, np.int64), [])
    probe = pa.table(
        {"kind": pa.array(b.kinds).take(pa.array(used)), "value": pa.array(b.values).take(pa.array(used))}
    )
    with warehouse.register("__probe", probe):  # this thread's own connection: no lock needed to read
        rows = warehouse.arrow(
            "SELECT i.kind, i.value, i.customer_id FROM customer_identities i "
            "JOIN __probe p ON i.kind = p.kind AND i.value = p.value WHERE i.workspace_id = ?",
            [workspace_id],
        )
        owners = warehouse.sql(
            "SELECT customer_id, count(*), list(value) FILTER (WHERE kind = 'user_id') "
            "FROM customer_identities WHERE workspace_id = ? AND customer_id IN "
            "(SELECT i.customer_id FROM customer_identities i JOIN __probe p "
            " ON i.kind = p.kind AND i.value = p.value WHERE i.workspace_id = ?) GROUP BY 1",
            [workspace_id, workspace_id],
        )
    owners.sort(key=lambda r: r[0])
    names = [str(r[0]) for r in owners]
    if rows.num_rows:
        key = pc.binary_join_element_wise(
            rows["kind"].cast(pa.string()), rows["value"].cast(pa.string()), "\x00"
        )
        at = pc.index_in(key, value_set=b.keys).to_numpy(zero_copy_only=False).astype(np.int64)
        their = pc.index_in(rows["customer_id"].cast(pa.string()), value_set=pa.array(names, pa.string()))
        owner[at] = their.to_numpy(zero_copy_only=False)
    count = np.array([int(r[1]) for r in owners], np.int64)
    return Known(owner, names, count, [frozenset(r[2] or ()) for r in owners])


def blocked_decisions(b: Batch, blocked: np.ndarray) -> list[dict[str, object]]:
    """One 'ignored' decision per blocklisted identifier of each distinct group, in arrival order."""
    out: list[dict[str, object]] = []
    rows = np.unique(b.row[blocked[b.code]])
    seen: set[tuple[tuple[int, ...], bool]] = set()
    starts = np.searchsorted(b.row, rows, "left")
    ends = np.searchsorted(b.row, rows, "right")
    for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        key = (tuple(b.code[s:e].tolist()), bool(b.explicit[r]))
        if key in seen:
            continue
        seen.add(key)
        for c in key[0]:
            if blocked[c]:
                decision: dict[str, object] = {
                    "decision": "ignored",
                    "identifier": list(b.ident(c)),
                    "reason": "blocklisted",
                }
                out.append(decision)
    return out


@dataclass
class Graph:
    """The batch after the fast paths: which groups need the component graph, and its components."""

    first: np.ndarray  # each group's first identifier (-1 for an empty group)
    length: np.ndarray
    simple: np.ndarray  # a lone identifier already known, or new and in no other group
    idents: np.ndarray  # identifiers of the other groups (sorted)
    label: np.ndarray  # component of every node: identifiers 0..U-1, then profiles U..U+C-1
    profiles: np.ndarray  # the existing profiles in those components


def component_graph(b: Batch, row: np.ndarray, code: np.ndarray, known: Known) -> Graph:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    u = len(b.kinds)
    length = np.bincount(row, minlength=b.n)
    first = np.full(b.n, -1, np.int64)
    if len(row):
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        first[row[starts]] = code[starts]
    in_groups = np.zeros(u, bool)
    in_groups[code[length[row] > 1]] = True
    head = np.where(first >= 0, first, 0)
    simple = (length == 1) & ((known.owner[head] >= 0) | ~in_groups[head])
    graph_entry = ~simple[row]
    idents = present(code[graph_entry], u)
    linked = idents[known.owner[idents] >= 0]
    src = np.concatenate([linked, first[row[graph_entry]]])
    dst = np.concatenate([u + known.owner[linked], code[graph_entry]])
    size = u + len(known.names)
    # a batch repeats the same edge many times and duplicates are summed: int32, so the sum never wraps
    matrix = coo_matrix((np.ones(len(src), np.int32), (src, dst)), shape=(size, size))
    label = connected_components(matrix, directed=False)[1].astype(np.int64)
    return Graph(first, length, simple, idents, label, present(known.owner[linked], len(known.names)))


def bad_components(
    b: Batch, g: Graph, known: Known, policy: IdentityPolicy, apart: set[frozenset[str]]
) -> np.ndarray:
    """Components that break a guard or hold an alias: they are settled group by group."""
    u = len(b.kinds)
    label, profiles = g.label, g.profiles
    new = g.idents[known.owner[g.idents] < 0]
    size = np.bincount(label[new], minlength=len(label))
    size += np.bincount(label[u + profiles], weights=known.count[profiles], minlength=len(label)).astype(
        np.int64
    )
    pairs: set[tuple[int, str]] = {
        (int(label[c]), b.values[c]) for c in new.tolist() if b.kinds[c] == "user_id"
    }
    for p in profiles.tolist():
        pairs.update((int(label[u + p]), user) for user in known.users[p])
    users = np.bincount(np.array([lab for lab, _ in pairs], np.int64), minlength=len(label))
    bad = (users > policy.max_user_ids) | (size > policy.max_identities)
    if apart:
        number = {name: i for i, name in enumerate(known.names)}
        in_play = set(profiles.tolist())
        for pair in apart:
            x, y = (number.get(name, -1) for name in sorted(pair))
            if x in in_play and y in in_play and label[u + x] == label[u + y]:
                bad[label[u + x]] = True
    alias = b.explicit & ~g.simple & (g.length > 0)
    bad[label[g.first[alias]]] = True
    return bad


def replay(
    b: Batch,
    hard_rows: np.ndarray,
    blocked: np.ndarray,
    comps: Components,
    decisions: list[dict[str, object]],
) -> None:
    """The guarded union-find over the hard groups, each distinct group once, in arrival order."""
    seen: set[tuple[tuple[int, ...], bool]] = set()
    starts = np.searchsorted(b.row, hard_rows, "left")
    ends = np.searchsorted(b.row, hard_rows, "right")
    for r, s, e in zip(hard_rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        codes = tuple(b.code[s:e].tolist())
        key = (codes, bool(b.explicit[r]))
        if key in seen:
            continue
        seen.add(key)
        group = [b.ident(c) for c in codes if not blocked[c]]
        for other in group[1:]:
            why = comps.union(group[0], other, explicit=key[1])
            if why:
                decisions.append(
                    {"decision": "not merged", "identifiers": [list(group[0]), list(other)], "reason": why}
                )


def hard_components(
    b: Batch, g: Graph, known: Known, bad: np.ndarray, policy: IdentityPolicy, apart: set[frozenset[str]]
) -> Components:
    """The union-find holding only the nodes of bad components (identifiers start in their profiles)."""
    u = len(b.kinds)
    comps = Components(policy, apart)
    idents = g.idents[bad[g.label[g.idents]]]
    for c in idents.tolist():
        comps.add(b.ident(c), frozenset([b.values[c]]) if b.kinds[c] == "user_id" else frozenset(), 1)
    for p in g.profiles[bad[g.label[u + g.profiles]]].tolist():
        name = known.names[p]
        comps.add(("customer", name), known.users[p], int(known.count[p]), frozenset([name]))
    for c in idents.tolist():
        if known.owner[c] >= 0:
            comps.parent[b.ident(c)] = ("customer", known.names[known.owner[c]])
    return comps


class Names:
    """Customer ids by number: the existing profiles first, new ones appended as they are made."""

    def __init__(self, existing: list[str]) -> None:
        self.names = list(existing)
        self.index = {name: i for i, name in enumerate(existing)}
        self.new: set[str] = set()

    def of(self, name: str, *, new: bool = False) -> int:
        if new:
            self.new.add(name)
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.names)
            self.names.append(name)
        return i


def settle_easy(
    b: Batch, g: Graph, known: Known, bad: np.ndarray, names: Names, workspace_id: int
) -> tuple[np.ndarray, list[Merge]]:
    """Each good component's customer: its smallest profile (the others merge into it) or a new profile
    named after its smallest identifier."""
    u = len(b.kinds)
    target = np.full(len(g.label), -1, np.int64)
    merges: list[Merge] = []
    profiles = g.profiles[~bad[g.label[u + g.profiles]]]
    plabel = g.label[u + profiles]
    order = np.lexsort((profiles, plabel))
    profiles, plabel = profiles[order], plabel[order]
    starts = np.flatnonzero(np.r_[True, plabel[1:] != plabel[:-1]]) if len(plabel) else plabel
    target[plabel[starts]] = profiles[starts]
    counts = np.bincount(plabel, minlength=len(g.label))
    idents = g.idents[~bad[g.label[g.idents]]]
    ilabel = g.label[idents]
    if (counts > 1).any():
        new = idents[known.owner[idents] < 0]
        for lab in np.flatnonzero(counts > 1).tolist():
            members = profiles[plabel == lab]
            via = [b.ident(c) for c in new[g.label[new] == lab].tolist()]
            into = known.names[members[0]]
            merges.append(Merge(into=into, merged=[known.names[m] for m in members[1:].tolist()], via=via))
    fresh = np.full(len(g.label), np.iinfo(np.int64).max)
    np.minimum.at(fresh, ilabel, idents)
    for lab in np.unique(ilabel[counts[ilabel] == 0]).tolist():
        name = customer_id_for(workspace_id, b.ident(int(fresh[lab])))
        target[lab] = names.of(name, new=True)
    return target, merges
