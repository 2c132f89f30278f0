"""Recommendations from purchase histories (no I/O but `purchases`).

The model is item-to-item: two products are similar when the same customers bought both (cosine similarity of
the product columns of the customer x product matrix, each product keeping its `NEIGHBOURS` most similar ones;
implicit's `CosineRecommender`, C++ on all cores). A customer's score for a product is the sum of its similarity
to what they bought. It explains itself ("bought with what you bought") and needs no tuning; matrix
factorisation (ALS) is measured beside it in `evaluate` and docs/loyalty.md.

Rules on top: what the customer already bought (in the history the model learns from: a year by default) is never
offered; products outside the catalogue (`allowed`) are dropped; a customer with no history (or who refused
personalisation) gets the most bought products (popularity), as does anyone whose neighbours run out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import orjson
import pandas as pd
import scipy.sparse as sp

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

NEIGHBOURS = 50
_SQL = (
    "SELECT customer_id, ordered_at, properties FROM orders WHERE workspace_id = ? AND customer_id IS NOT NULL "
    "AND ordered_at >= ? AND ordered_at < ? AND coalesce(status, '') <> 'cancelled' "
    "AND CAST(properties AS VARCHAR) LIKE '%product%' "
    "UNION ALL SELECT customer_id, timestamp, properties FROM events WHERE workspace_id = ? "
    "AND event = 'Order Completed' AND customer_id IS NOT NULL AND timestamp >= ? AND timestamp < ? "
    "AND CAST(properties AS VARCHAR) LIKE '%product%'"
)


def purchases(warehouse: Warehouse, *, workspace_id: int, since: datetime, until: datetime) -> pd.DataFrame:
    """customer_id, product_id, category, ordered_at (naive UTC): one row per product line of the orders (the
    `products` list of Segment's e-commerce spec, in the order's properties or an `Order Completed` event)."""
    span = [since.replace(tzinfo=None), until.replace(tzinfo=None)]
    out: dict[str, list[object]] = {"customer_id": [], "product_id": [], "category": [], "ordered_at": []}
    for cid, at, props in warehouse.sql(_SQL, [workspace_id, *span, workspace_id, *span]):
        try:
            products = orjson.loads(props).get("products") or []
        except (orjson.JSONDecodeError, AttributeError):
            continue
        for p in products if isinstance(products, list) else []:
            pid = p.get("product_id") or p.get("sku") if isinstance(p, dict) else None
            if pid is None:
                continue
            out["customer_id"].append(cid)
            out["product_id"].append(str(pid))
            out["category"].append(p.get("category"))
            out["ordered_at"].append(at)
    frame = pd.DataFrame(out)
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    return frame


@dataclass
class Model:
    customers: pd.Index
    products: pd.Index
    bought: sp.csr_matrix  # customers x products, 1 where bought
    popular: np.ndarray  # product positions, most bought first
    recommender: object


def fit(frame: pd.DataFrame, *, neighbours: int = NEIGHBOURS) -> Model:
    """Fit the item-to-item model on the purchases (customer_id, product_id, ordered_at)."""
    from implicit.nearest_neighbours import CosineRecommender

    customers = pd.Index(frame["customer_id"].unique())
    products = pd.Index(frame["product_id"].unique())
    rows = customers.get_indexer(frame["customer_id"])
    cols = products.get_indexer(frame["product_id"])
    shape = (len(customers), len(products))
    bought = sp.csr_matrix((np.ones(len(frame), dtype=np.float32), (rows, cols)), shape=shape)
    bought.data[:] = 1.0
    popular = np.argsort(-np.asarray(bought.sum(axis=0)).ravel(), kind="stable")
    model = CosineRecommender(K=neighbours)
    if len(products):
        with warnings.catch_warnings():  # implicit converts the transpose it makes itself, and says so
            warnings.simplefilter("ignore")
            model.fit(bought, show_progress=False)
    return Model(customers, products, bought, popular, model)


def recommend(
    model: Model,
    customer_ids: list[str],
    *,
    n: int = 5,
    personal: np.ndarray | None = None,
    allowed: set[str] | None = None,
) -> dict[str, list[str]]:
    """Up to `n` products per customer, best first, none they bought; customers unknown to the model, or whose
    `personal` flag is False, get the most bought products they did not buy."""
    if not len(model.products):
        return {c: [] for c in customer_ids}
    keep = np.ones(len(model.products), dtype=bool)
    if allowed is not None:
        keep = model.products.isin(list(allowed))
    pos = model.customers.get_indexer(customer_ids)
    personal = np.ones(len(customer_ids), dtype=bool) if personal is None else personal
    known = (pos >= 0) & personal
    extra = int(model.bought.getnnz(axis=1).max()) if model.bought.nnz else 0
    out: dict[str, list[str]] = {}
    popular = np.asarray([int(p) for p in model.popular if keep[p]][: n + extra], dtype=np.int64)
    if known.any():
        users = pos[known]
        ids, scores = model.recommender.recommend(  # type: ignore[attr-defined]
            users,
            model.bought[users],
            N=min(len(model.products), n + extra + int((~keep).sum())),
            filter_already_liked_items=False,
        )
        ids = np.where(scores > 0, ids, -1)  # a product no one bought with theirs is no recommendation
        for cid, u, row in zip(np.asarray(customer_ids)[known], users, ids, strict=True):
            out[cid] = _pick(row, model=model, user=u, keep=keep, n=n, fill=popular)
    for cid, u in zip(np.asarray(customer_ids)[~known], pos[~known], strict=True):
        out[cid] = _pick(popular, model=model, user=u, keep=keep, n=n, fill=popular)
    return out


def _pick(
    candidates: np.ndarray, *, model: Model, user: int, keep: np.ndarray, n: int, fill: np.ndarray
) -> list[str]:
    """The first `n` allowed candidates not bought, then popular ones when the neighbours run out."""
    had = (
        set(model.bought.indices[model.bought.indptr[user] : model.bought.indptr[user + 1]])
        if user >= 0
        else set()
    )
    chosen: list[int] = []
    for i in (*candidates.tolist(), *fill.tolist()):
        if len(chosen) == n:
            break
        if i >= 0 and keep[i] and i not in had and i not in chosen:
            chosen.append(int(i))
    return [str(model.products[i]) for i in chosen]
