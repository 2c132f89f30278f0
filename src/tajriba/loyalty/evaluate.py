"""Offline evaluation of recommendations on a time split (docs/loyalty.md, "How good are the offers").

Train on the purchases before the cut, recommend `k` products to every customer who bought before and after it,
and compare with what they bought after:
- precision@k: the share of the k recommended products they bought, averaged over customers;
- recall@k: the share of the products they bought that were among the k, averaged over customers;
- coverage: the share of the catalogue (products bought before the cut) recommended to anyone.
Against two baselines: the most bought products (popularity) and products drawn at random (seeded).
No method recommends what the customer bought before the cut (the product's rule), so these scores measure new
products found; a repurchase counts as a miss for all alike.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from tajriba.loyalty import recommend


@dataclass(frozen=True)
class Score:
    method: str
    precision: float
    recall: float
    coverage: float
    customers: int


def scores(
    recs: dict[str, list[str]], truth: dict[str, set[str]], *, k: int, catalogue: int, method: str
) -> Score:
    """precision@k, recall@k (means over the customers in `truth`) and coverage of the catalogue."""
    p, r = [], []
    for cid, bought in truth.items():
        top = recs.get(cid, [])[:k]
        hits = len(set(top) & bought)
        p.append(hits / k)
        r.append(hits / len(bought) if bought else 0.0)
    shown = {item for items in recs.values() for item in items[:k]}
    return Score(
        method,
        float(np.mean(p)) if p else 0.0,
        float(np.mean(r)) if r else 0.0,
        len(shown) / catalogue if catalogue else 0.0,
        len(truth),
    )


def evaluate(frame: pd.DataFrame, *, cut: datetime, k: int = 5, seed: int = 0) -> list[Score]:
    """Item-to-item, ALS, popularity and random on the split of `frame` (customer_id, product_id, ordered_at)."""
    cut_at = pd.Timestamp(cut.replace(tzinfo=None))
    train = frame[frame["ordered_at"] < cut_at]
    test = frame[frame["ordered_at"] >= cut_at]
    model = recommend.fit(train)
    known = set(model.customers)
    truth = {c: set(g) for c, g in test.groupby("customer_id")["product_id"] if c in known}
    ids = sorted(truth)
    catalogue = len(model.products)
    out = [
        scores(recommend.recommend(model, ids, n=k), truth, k=k, catalogue=catalogue, method="item_to_item")
    ]
    out.append(scores(_als(model, ids, k), truth, k=k, catalogue=catalogue, method="als"))
    popular = recommend.recommend(model, ids, n=k, personal=np.zeros(len(ids), dtype=bool))
    out.append(scores(popular, truth, k=k, catalogue=catalogue, method="popularity"))
    rng = np.random.default_rng(seed)
    randomly = {c: _random(model, c, k, rng) for c in ids}
    out.append(scores(randomly, truth, k=k, catalogue=catalogue, method="random"))
    return out


def _als(model: recommend.Model, ids: list[str], k: int) -> dict[str, list[str]]:
    """Matrix factorisation (implicit's ALS, 64 factors, 15 iterations, seeded), the same recent-purchase rule."""
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", category=RuntimeWarning
        )  # implicit's BLAS check; one thread is set here
        als = AlternatingLeastSquares(factors=64, iterations=15, regularization=0.05, random_state=0)
        als.fit(model.bought, show_progress=False)
    als_model = recommend.Model(model.customers, model.products, model.bought, model.popular, als)
    return recommend.recommend(als_model, ids, n=k)


def _random(model: recommend.Model, customer: str, k: int, rng: np.random.Generator) -> list[str]:
    """k products drawn at random among those the customer did not buy."""
    u = model.customers.get_loc(customer)
    had = set(model.bought.indices[model.bought.indptr[u] : model.bought.indptr[u + 1]].tolist())
    pool = np.array([i for i in range(len(model.products)) if i not in had])
    picked: list[int] = rng.choice(pool, size=min(k, pool.size), replace=False).tolist() if pool.size else []
    return [str(model.products[i]) for i in picked]
