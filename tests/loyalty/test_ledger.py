"""The points ledger: invariants under random sequences (hypothesis), expiry order, reversal of refunds."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from tajriba.errors import Conflict
from tajriba.loyalty import ledger, service
from tajriba.models import LoyaltyMember, LoyaltyTransfer
from tests.loyalty.conftest import T0, rows

OPS = st.lists(
    st.tuples(
        st.sampled_from(["earn", "redeem", "expire", "reverse", "adjust", "replay"]),
        st.integers(1, 400),  # points or amount
        st.integers(0, 40),  # days later
        st.integers(0, 2),  # which customer
    ),
    min_size=1,
    max_size=30,
)


def _check_invariants(db, ws_id, now):  # type: ignore[no-untyped-def]
    entries = rows(db, ws_id)
    accounts: dict[tuple[str, str], int] = defaultdict(int)
    for r in entries:
        assert r.points > 0 and r.debit != r.credit
        owner = r.customer_id
        accounts[(r.debit, owner if r.debit == "member" else "")] -= r.points
        accounts[(r.credit, owner if r.credit == "member" else "")] += r.points
    # trial balance: every point that left an account reached another
    assert sum(accounts.values()) == 0
    lots: dict[int, int] = defaultdict(int)
    for r in entries:
        lot = r.lot_id if r.lot_id is not None else r.id
        lots[lot] += r.points if r.credit == "member" else -r.points
    assert all(v >= 0 for v in lots.values()), "a lot was overdrawn"
    for cid in {r.customer_id for r in entries}:
        assert accounts[("member", cid)] >= 0
        assert service.balance(db, workspace_id=ws_id, customer_id=cid, as_of=now) >= 0
    keys = [(r.key, r.leg) for r in entries]
    assert len(keys) == len(set(keys))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_ledger_invariants_hold_under_random_sequences(db, ws, programme, ops):  # type: ignore[no-untyped-def]
    db.execute(delete(LoyaltyTransfer))
    db.execute(delete(LoyaltyMember))
    db.flush()
    programme.expiry_days = 30
    orders: list[tuple[str, str]] = []
    now = T0
    last: dict[str, object] = {}
    for i, (op, n, days, who) in enumerate(ops):
        now = now + timedelta(days=days)
        cid = f"c{who}"
        before = {
            c: service.balance(db, workspace_id=ws.id, customer_id=c, as_of=now) for c in ("c0", "c1", "c2")
        }
        if op == "earn":
            oid = f"o{i}"
            service.earn_order(
                db,
                workspace=ws,
                programme=programme,
                customer_id=cid,
                order_id=oid,
                amount=n,
                ordered_at=now,
                now=now,
            )
            orders.append((oid, cid))
            last = {"order": oid, "cid": cid, "amount": n}
        elif op == "replay" and last:
            count = len(rows(db, ws.id))
            service.earn_order(
                db,
                workspace=ws,
                programme=programme,
                customer_id=str(last["cid"]),
                order_id=str(last["order"]),
                amount=float(last["amount"]),
                ordered_at=now,
                now=now,  # type: ignore[arg-type]
            )
            assert len(rows(db, ws.id)) == count
        elif op == "redeem" and db.query(LoyaltyMember).filter_by(customer_id=cid).count():
            member = service.get_member(db, workspace_id=ws.id, customer_id=cid)
            if n > before[cid]:
                with pytest.raises(Conflict):
                    service.redeem(
                        db, programme=programme, member=member, points=n, key=f"r{i}", reason="t", now=now
                    )
            else:
                service.redeem(
                    db, programme=programme, member=member, points=n, key=f"r{i}", reason="t", now=now
                )
                assert service.balance(db, workspace_id=ws.id, customer_id=cid, as_of=now) == before[cid] - n
        elif op == "expire":
            ledger.expire_due(db, workspace_id=ws.id, now=now)
            for c, b in before.items():  # expiry posts what had already lapsed: balances do not move
                assert service.balance(db, workspace_id=ws.id, customer_id=c, as_of=now) == b
        elif op == "reverse" and orders:
            oid, _ = orders[n % len(orders)]
            service.reverse_order(
                db, workspace_id=ws.id, order_id=oid, refunded=None, tag="cancelled", now=now
            )
        elif op == "adjust" and db.query(LoyaltyMember).filter_by(customer_id=cid).count():
            member = service.get_member(db, workspace_id=ws.id, customer_id=cid)
            service.adjust(
                db, programme=programme, member=member, points=n, key=f"a{i}", reason="goodwill", now=now
            )
        _check_invariants(db, ws.id, now)
    db.rollback()


def test_redemption_draws_the_oldest_expiring_points_first(db, ws, programme):  # type: ignore[no-untyped-def]
    programme.expiry_days = 100
    for i, days in enumerate((0, 10, 20)):
        at = T0 + timedelta(days=days)
        service.earn_order(
            db,
            workspace=ws,
            programme=programme,
            customer_id="c",
            order_id=f"o{i}",
            amount=100,
            ordered_at=at,
            now=at,
        )
    member = service.get_member(db, workspace_id=ws.id, customer_id="c")
    now = T0 + timedelta(days=30)
    posted = service.redeem(
        db, programme=programme, member=member, points=150, key="r1", reason="reward", now=now
    )
    drawn = [(r.expires_at - T0).days for r in posted.rows]
    assert drawn == [100, 110] and [r.points for r in posted.rows] == [100, 50]
    lots = ledger.lots(db, workspace_id=ws.id, customer_id="c", as_of=now)
    assert [(lot.remaining, (lot.expires_at - T0).days) for lot in lots] == [(50, 110), (100, 120)]
    # the first lot lapses on day 100: only the later ones count, and the expiry job posts nothing for it (spent)
    assert service.balance(db, workspace_id=ws.id, customer_id="c", as_of=T0 + timedelta(days=111)) == 100
    assert ledger.expire_due(db, workspace_id=ws.id, now=T0 + timedelta(days=111)) == 50


def test_a_replayed_key_stores_nothing_and_a_reused_key_is_refused(db, ws, programme):  # type: ignore[no-untyped-def]
    args = {"workspace": ws, "programme": programme, "amount": 250, "ordered_at": T0, "now": T0}
    first = service.earn_order(db, customer_id="c", order_id="o1", **args)
    again = service.earn_order(db, customer_id="c", order_id="o1", **args)
    assert again.replay and again.points == first.points == 250
    with pytest.raises(Conflict):
        service.earn_order(db, customer_id="someone-else", order_id="o1", **args)
    member = service.get_member(db, workspace_id=ws.id, customer_id="c")
    service.redeem(db, programme=programme, member=member, points=100, key="k", reason="t", now=T0)
    replay = service.redeem(db, programme=programme, member=member, points=100, key="k", reason="t", now=T0)
    assert replay.replay and service.balance(db, workspace_id=ws.id, customer_id="c", as_of=T0) == 150


def test_a_refund_reverses_the_points_the_order_earned(db, ws, programme):  # type: ignore[no-untyped-def]
    args = {"workspace": ws, "programme": programme, "customer_id": "c", "now": T0}
    service.earn_order(db, order_id="o1", amount=300, ordered_at=T0, **args)
    service.earn_order(db, order_id="o2", amount=200, ordered_at=T0 + timedelta(days=1), **args)
    later = T0 + timedelta(days=2)
    # a third of o1 refunded: 100 of its 300 points come back, from o1's own lot
    part = service.reverse_order(
        db, workspace_id=ws.id, order_id="o1", refunded=100.0, tag="refund:m1", now=later
    )
    o1 = ledger.find(db, workspace_id=ws.id, key="order:o1")[0]
    assert part is not None and part.points == -100 and [r.lot_id for r in part.rows] == [o1.id]
    lots = {lot.remaining for lot in ledger.lots(db, workspace_id=ws.id, customer_id="c", as_of=later)}
    assert lots == {200}  # o1's lot 300 -> 200, o2's 200
    # then cancelled in full: the remaining 200 of o1, nothing of o2's lot
    full = service.reverse_order(
        db, workspace_id=ws.id, order_id="o1", refunded=None, tag="cancelled", now=later
    )
    assert full is not None and full.points == -200
    assert service.balance(db, workspace_id=ws.id, customer_id="c", as_of=later) == 200
    assert service.reverse_order(
        db, workspace_id=ws.id, order_id="o1", refunded=None, tag="cancelled", now=later
    ).replay


def test_a_reversal_after_the_points_were_spent_takes_what_is_left(db, ws, programme):  # type: ignore[no-untyped-def]
    args = {"workspace": ws, "programme": programme, "customer_id": "c", "now": T0}
    service.earn_order(db, order_id="o1", amount=300, ordered_at=T0, **args)
    service.earn_order(db, order_id="o2", amount=100, ordered_at=T0, **args)
    member = service.get_member(db, workspace_id=ws.id, customer_id="c")
    service.redeem(db, programme=programme, member=member, points=350, key="r", reason="t", now=T0)
    posted = service.reverse_order(
        db, workspace_id=ws.id, order_id="o1", refunded=None, tag="cancelled", now=T0
    )
    assert posted is not None and posted.points == -50 and posted.shortfall == 250
    assert posted.rows[0].note == "unrecovered:250"
    assert service.balance(db, workspace_id=ws.id, customer_id="c", as_of=T0) == 0
