"""Generate the demo store's customers, events, orders, survey responses, feedback and tickets.

Everything is vectorised with NumPy and deterministic for a seed. Experience drives outcomes:
late or damaged deliveries lower CSAT and NPS and raise tickets; load in peak weeks slows support.
The parts run in order over one shared world (tajriba/demo/world.py), each adding what the next ones use.
"""

from __future__ import annotations

import random

import numpy as np

from tajriba.demo.parts.customers import Customers
from tajriba.demo.parts.loyalty import Loyalty
from tajriba.demo.parts.orders import Orders
from tajriba.demo.parts.responses import Responses
from tajriba.demo.parts.sessions import Sessions
from tajriba.demo.parts.shop import Shop
from tajriba.demo.parts.social import Social
from tajriba.demo.parts.support import Support
from tajriba.demo.parts.tables import Tables
from tajriba.demo.world import END as END
from tajriba.demo.world import START as START
from tajriba.demo.world import DemoData as DemoData
from tajriba.demo.world import day_weights
from tajriba.demo.world import peaks as peaks
from tajriba.loyalty.seasons import season_days


class _Gen(Customers, Sessions, Orders, Shop, Support, Loyalty, Responses, Social, Tables):
    """The whole store: every part over one world."""


def generate(
    *,
    scale: float,
    seed: int,
    workspace_id: int,
    touchpoint_ids: dict[str, int],
    survey_ids: dict[str, int] | None = None,
) -> DemoData:
    """Generate all demo tables for one workspace (responses belong to `survey_ids`' demo surveys)."""
    rng = np.random.default_rng(seed)
    text_rng = random.Random(seed)
    weights, ramadan = day_weights()
    cdf = np.cumsum(weights) / weights.sum()
    load = weights / np.median(weights)  # >1 in busy days
    g = _Gen(
        rng, text_rng, scale, weights, cdf, load, ramadan, workspace_id, touchpoint_ids, lapse_seed=seed + 101
    )
    g.survey_ids = survey_ids or {}
    g.customers()
    g.sessions()
    g.orders_and_delivery()
    g.products()
    g.support()
    g.loyalty()
    g.surveys()
    g.social()
    first, last = season_days("ramadan", 1447)
    g.ramadan_campaign((first - START.date()).days, (last - first).days + 1)
    return g.result()
