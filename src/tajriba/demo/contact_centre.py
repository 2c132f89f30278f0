"""The demo store's contact centre: a year of 30-minute intervals for two teams (calls and WhatsApp chats) with
the Hijri calendar's peaks (Ramadan nights, the rush after both Eids, White Friday, 11.11, salary days), the
teams' staffing targets, and a schedule for the two weeks after the demo's last day that falls short at the
peaks, so that the staffing page has something to say."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from tajriba.audit import System
from tajriba.demo.world import DAYS, START
from tajriba.forecasting import plans, simulate
from tajriba.forecasting.features import calendar_features
from tajriba.forecasting.schemas import TeamIn
from tajriba.warehouse import Warehouse

RIYADH = pd.Timedelta(hours=3)
TARGETS = (  # the teams' service targets: 80 % of calls within 20 s (callers hang up after 90 s on average),
    # 80 % of chats within a minute with three chats per agent
    {
        "name": "call_centre",
        "channel": "voice",
        "aht_seconds": 240,
        "target_seconds": 20,
        "patience_seconds": 90,
    },
    {"name": "digital_care", "channel": "chat", "aht_seconds": 420, "target_seconds": 60, "concurrency": 3},
)
TEAMS = {  # team: (channel, contacts on an ordinary day, handle seconds)
    "call_centre": ("phone", 900, 240.0),
    "digital_care": ("whatsapp", 600, 420.0),
}


def intervals(workspace_id: int, seed: int) -> pd.DataFrame:
    """The contact_intervals rows of both teams over the demo year (UTC starts)."""
    days = pd.date_range(START.date(), periods=DAYS, freq="D")
    rng = np.random.default_rng(seed + 303)
    cal = calendar_features(days.date, country="SA")
    frames = []
    for i, (team, (channel, level, handle)) in enumerate(TEAMS.items()):
        hours = simulate.hourly_counts(days, level, seed=seed + i, growth=0.1, cal=cal)
        first = rng.binomial(hours.astype(int), 0.5)  # each hour in two halves
        offered = np.stack([first, hours.astype(int) - first], axis=2).reshape(len(days), 48).astype(np.int64)
        starts = (days.to_numpy()[:, None] + np.arange(48) * np.timedelta64(30, "m")).ravel()
        frames.append(_outcomes(workspace_id, team, channel, handle, offered.ravel(), starts, rng))
    return pd.concat(frames, ignore_index=True)


def _outcomes(workspace_id, team, channel, handle, offered, starts, rng) -> pd.DataFrame:
    """Busier intervals wait longer, lose more callers and rate lower (the demo team staffs for an ordinary day)."""
    busy = offered / max(np.percentile(offered[offered > 0], 75), 1)
    wait = np.where(
        offered > 0, 15 * np.exp(1.6 * np.clip(busy - 0.8, 0, None)) * rng.lognormal(0, 0.3, offered.size), 0
    )
    abandoned = rng.binomial(offered, np.clip(wait / (wait + 240), 0, 0.6))
    answered = offered - abandoned
    within = rng.binomial(answered, np.clip(np.exp(-wait / 25), 0.05, 0.98))
    rated = rng.binomial(answered, 0.2)
    csat = np.where(rated > 0, np.clip(4.6 - 0.012 * wait + rng.normal(0, 0.15, offered.size), 1, 5), np.nan)
    return pd.DataFrame({
        "workspace_id": workspace_id, "team": team, "channel": channel,
        "starts_at": (pd.DatetimeIndex(starts) - RIYADH).astype("datetime64[us]"), "minutes": 30,
        "offered": offered.astype("int32"), "answered": answered.astype("int32"), "abandoned": abandoned.astype("int32"),
        "answered_within": within.astype("int32"),
        "handle_seconds": np.where(answered > 0, handle * rng.lognormal(0, 0.1, offered.size), np.nan),
        "wait_seconds": np.where(answered > 0, wait, np.nan), "csat": csat, "csat_n": rated.astype("int32"), "source": "demo",
    })  # fmt: skip


def configure(session: Session, warehouse: Warehouse, workspace_id: int, seed: int) -> dict[str, int]:
    """Store the history, the teams' targets and the two weeks' schedule; return what was stored."""
    stored = warehouse.append("contact_intervals", intervals(workspace_id, seed))
    actor = System("demo")
    voice, chat = (
        plans.save_team(session, workspace_id=workspace_id, actor=actor, data=TeamIn.model_validate(targets))
        for targets in TARGETS
    )
    first = (START + timedelta(days=DAYS)).date()
    rows = []
    for team, people in ((voice, _shifts(14)), (chat, _shifts(6))):
        for d in range(14):
            for slot, count in enumerate(people):
                start = pd.Timestamp(first) + pd.Timedelta(days=d, minutes=30 * slot)
                rows.append({"team": team.name, "start": start.isoformat(), "people": count})
    frame = pd.DataFrame(rows)
    frame["row"] = range(2, len(frame) + 2)
    shifts = plans.load_schedule(session, workspace_id=workspace_id, rows=frame, actor=actor)
    return {"contact_intervals": stored, "staffing_shifts": sum(shifts.values())}


def _shifts(day_peak: int) -> list[int]:
    """People per half hour of a day: a night shift, a day shift and an evening shift that thins out before the
    late-night rush (the schedule of a team that plans for ordinary days)."""
    out = []
    for slot in range(48):
        hour = slot / 2
        if 9 <= hour < 17:
            out.append(day_peak)
        elif 17 <= hour < 23:
            out.append(max(day_peak * 2 // 3, 1))
        else:
            out.append(max(day_peak // 5, 1))
    return out
