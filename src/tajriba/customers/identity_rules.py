"""The rules of identity resolution (identity.py): the policy and its guards, the stable id of a new
profile, the guarded union-find that settles the components breaking a guard group by group, and which
profiles an admin kept apart."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tajriba.customers.identifiers import DEFAULT_BLOCKLIST

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

Identifier = tuple[str, str]


@dataclass(frozen=True)
class IdentityPolicy:
    blocklist: frozenset[str] = DEFAULT_BLOCKLIST
    max_identities: int = 50
    max_user_ids: int = 1

    @classmethod
    def from_settings(cls, settings: dict | None) -> IdentityPolicy:
        conf = (settings or {}).get("identity", {})
        extra = {str(v).strip().casefold() for v in conf.get("blocklist", [])}
        return cls(
            blocklist=DEFAULT_BLOCKLIST | frozenset(extra),
            max_identities=int(conf.get("max_identities", 50)),
            max_user_ids=int(conf.get("max_user_ids", 1)),
        )


@dataclass
class Merge:
    into: str
    merged: list[str]
    via: list[Identifier]


@dataclass
class Resolution:
    customer_ids: list[str | None]
    new_identities: dict[Identifier, str]
    new_customers: set[str]
    merges: list[Merge] = field(default_factory=list)
    decisions: list[dict[str, object]] = field(default_factory=list)


def customer_id_for(workspace_id: int, identifier: Identifier) -> str:
    """A stable id for a new profile, derived from its first identifier (replays give the same id)."""
    digest = hashlib.sha256(f"{workspace_id}\x00{identifier[0]}\x00{identifier[1]}".encode()).hexdigest()
    return f"c_{digest[:24]}"


class Components:
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


def settle_profiles(
    comps: Components, known: set[Identifier], workspace_id: int
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


def kept_apart(warehouse: Warehouse, workspace_id: int) -> set[frozenset[str]]:
    """Pairs of profiles whose merge an admin undid: never merged again automatically."""
    import orjson

    rows = warehouse.sql(
        "SELECT into_customer_id, merged_customer_ids FROM identity_merges "
        "WHERE workspace_id = ? AND undone_at IS NOT NULL",
        [workspace_id],
    )
    return {frozenset((into, other)) for into, merged in rows for other in orjson.loads(merged)}
