"""The columnar identity resolution gives exactly the profiles, merges and decisions of the earlier
union-find (tests/customers/identity_reference.py) on seeded streams: known profiles, devices shared by two
users, aliases, blocklisted identifiers, the size cap, merges an admin undid, several flushes in a row."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from tajriba.customers.identity import IdentityPolicy, Resolution, resolve
from tajriba.ingest.writer import apply_resolution
from tajriba.warehouse import DuckDBWarehouse, Warehouse
from tests.customers import identity_reference

AT = datetime(2026, 5, 1, 12, 0)


def _stream(rng: random.Random, events: int, users: int) -> tuple[list[list[tuple[str, str]]], list[bool]]:
    """Events as the tracking API and imports make them: logged-in browsing, anonymous visits, identify
    calls with e-mail and phone, aliases, placeholders that the blocklist refuses, repeats."""
    groups: list[list[tuple[str, str]]] = []
    explicit: list[bool] = []
    for _ in range(events):
        u = rng.randrange(users)
        device = f"a{u * 2 + rng.randrange(2)}" if rng.random() > 0.05 else f"shared{u // 3}"
        roll = rng.random()
        alias = False
        if roll < 0.4:
            group = [("user_id", f"u{u}"), ("anonymous_id", device)]
        elif roll < 0.65:
            group = [("anonymous_id", device)]
        elif roll < 0.8:
            email = f"user{u}@example.com" if rng.random() > 0.1 else "test@example.com"
            group = [("anonymous_id", device), ("email", email)]
            if rng.random() < 0.3:
                group.append(("phone", f"+9665{u:08d}"))
        elif roll < 0.85:
            group = [("user_id", f"u{u}"), ("user_id", f"u{rng.randrange(users)}")]  # an alias
            alias = True
        elif roll < 0.9:
            group = [("email", f"USER{u}@example.com".lower()), ("external_id", f"crm-{u}")]
        elif roll < 0.95:
            group = [("external_id", "NULL")] if rng.random() < 0.5 else []
        else:
            group = [("user_id", f"u{u}"), ("email", f"user{(u + 1) % users}@example.com")]
        groups.append(group)
        explicit.append(alias)
    return groups, explicit


def _seed(wh: Warehouse, rng: random.Random, users: int) -> None:
    """Profiles from earlier traffic, some holding several identifiers, and two merges an admin undid."""
    rows = []
    for c in range(users // 2):
        rows.append(("anonymous_id", f"a{c * 2}", f"old{c:04d}"))
        if rng.random() < 0.3:
            rows.append(("user_id", f"u{c}", f"old{c:04d}"))
        if rng.random() < 0.1:
            rows.append(("email", f"user{c}@example.com", f"old{c:04d}"))
    for kind, value, customer in rows:
        wh.run(
            "INSERT INTO customer_identities (workspace_id, kind, value, customer_id) VALUES (1, ?, ?, ?)",
            [kind, value, customer],
        )
    for i, (a, b) in enumerate((("old0001", "old0002"), ("old0003", "old0010"))):
        wh.run(
            "INSERT INTO identity_merges (workspace_id, merge_id, into_customer_id, merged_customer_ids, via, "
            "reason, snapshot, merged_at, undone_at) VALUES (1, ?, ?, ?, '[]', 'test', '{}', ?, ?)",
            [f"m{i}", a, orjson.dumps([b]).decode(), AT, AT],
        )


def _same(new: Resolution, old: Resolution) -> None:
    assert new.customer_ids == old.customer_ids
    assert new.new_identities == old.new_identities
    assert new.new_customers == old.new_customers

    def merges(res: Resolution) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
        return sorted((m.into, m.merged, m.via) for m in res.merges)

    assert merges(new) == merges(old)
    assert new.decisions == old.decisions


@pytest.mark.parametrize(
    ("seed", "policy"),
    [
        (1, IdentityPolicy()),
        (2, IdentityPolicy(max_identities=4)),
        (3, IdentityPolicy(max_user_ids=2, max_identities=6)),
        (4, IdentityPolicy(blocklist=IdentityPolicy().blocklist | {"a1", "crm-7"})),
    ],
)
def test_the_columnar_resolution_equals_the_union_find_flush_after_flush(
    tmp_path: Path, seed: int, policy: IdentityPolicy
) -> None:
    rng = random.Random(seed)
    users = 300
    stores = []
    for name in ("new", "old"):
        wh = DuckDBWarehouse(str(tmp_path / f"{name}.duckdb"))
        wh.create_schema()
        _seed(wh, random.Random(seed), users)
        stores.append(wh)
    new_wh, old_wh = stores
    totals = {"merges": 0, "refused": 0, "ignored": 0, "new": 0}
    for flush in range(6):
        groups, explicit = _stream(rng, 1500 if flush else 3000, users)
        new = resolve(new_wh, workspace_id=1, groups=groups, explicit=explicit, policy=policy)
        old = identity_reference.resolve(
            old_wh, workspace_id=1, groups=groups, explicit=explicit, policy=policy
        )
        _same(new, old)
        for wh, res in ((new_wh, new), (old_wh, old)):
            apply_resolution(wh, workspace_id=1, res=res, source="test", reason="test", at=AT)
        totals["merges"] += len(new.merges)
        totals["new"] += len(new.new_customers)
        totals["refused"] += sum(d["decision"] == "not merged" for d in new.decisions)
        totals["ignored"] += sum(d["decision"] == "ignored" for d in new.decisions)
    # the streams exercise every path: new profiles, merges, refused links and blocklisted identifiers
    assert min(totals.values()) > 0, totals
    for wh in stores:
        wh.close()


def test_empty_and_blocked_groups_have_no_customer(tmp_path: Path) -> None:
    wh = DuckDBWarehouse(str(tmp_path / "wh.duckdb"))
    wh.create_schema()
    res = resolve(wh, workspace_id=1, groups=[[], [("email", "test@example.com")], [("user_id", "u1")]])
    assert res.customer_ids[:2] == [None, None]
    assert res.customer_ids[2] is not None
    assert res.decisions == [
        {"decision": "ignored", "identifier": ["email", "test@example.com"], "reason": "blocklisted"}
    ]
    assert resolve(wh, workspace_id=1, groups=[]).customer_ids == []
    wh.close()
