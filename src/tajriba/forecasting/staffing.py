"""How many people an interval's contacts need: Erlang C (callers wait as long as it takes) and Erlang A
(callers hang up after an exponentially distributed patience, the M/M/n+M queue).

For n agents, contacts arriving at rate λ per second and handled in `aht` seconds on average (μ = 1/aht):
- Erlang C: P(wait) = C(n, a) with a = λ/μ the offered load in Erlangs; the share answered within t seconds
  is 1 - C·exp(-(nμ - λ)t); the average speed of answer C/(nμ - λ); occupancy a/n. Defined for n > a only.
- Erlang A: the birth-death chain with death rate min(j, n)μ + max(j - n, 0)θ (θ = 1/patience) gives the
  stationary distribution π; P(wait) = Σ_{j≥n} π_j; P(abandon) = θ·E[queue]/λ; an arrival finding k people
  waiting reaches an agent after k + 1 exponential stages (rates nμ + iθ, i = k..0) unless its own patience
  runs out first, so the share answered within t is Σ_k π_{n+k}·P(through every stage by t) plus the arrivals
  who did not wait (the matrix exponential of the stages' generator, exact).
Both match ../shared/data/forecast/ERLANG_REFERENCE.md (tests/data/forecast/) to the printed digits.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tajriba.errors import Invalid

MAX_AGENTS = 5000
TAIL = 1e-13  # probability mass left out of the stationary distribution's tail


@dataclass(frozen=True)
class Load:
    """One interval's work: contacts arriving in `interval_seconds`, each taking `aht_seconds` of an agent."""

    contacts: float
    interval_seconds: float
    aht_seconds: float

    def check(self) -> Load:
        for name, value in (("contacts", self.contacts), ("interval_seconds", self.interval_seconds),
                            ("aht_seconds", self.aht_seconds)):  # fmt: skip
            if not math.isfinite(value) or value < 0:
                raise Invalid(f"{name} must be a number of 0 or more, got {value}", field=name)
        if self.interval_seconds <= 0 or self.aht_seconds <= 0:
            field = "interval_seconds" if self.interval_seconds <= 0 else "aht_seconds"
            raise Invalid(f"{field} must be more than 0", field=field)
        if self.erlangs > MAX_AGENTS:
            raise Invalid(
                f"{self.erlangs:.0f} Erlangs is more than {MAX_AGENTS} agents can carry", field="contacts"
            )
        return self

    @property
    def rate(self) -> float:
        """Arrivals per second (λ)."""
        return self.contacts / self.interval_seconds

    @property
    def erlangs(self) -> float:
        """The offered load a = λ·AHT: agents kept busy on average."""
        return self.rate * self.aht_seconds


@dataclass(frozen=True)
class Targets:
    """What a team promises: a share answered within some seconds, optionally an average speed of answer and
    an occupancy cap; and the share of scheduled time away from the queue."""

    level: float = 0.8
    seconds: float = 20
    asa: float | None = None
    max_occupancy: float | None = None
    shrinkage: float = 0.0


@dataclass(frozen=True)
class Staffed:
    """What `agents` people give on this load: the chance to wait, the share answered within the target time,
    the average wait of those answered (Erlang C: of everyone), occupancy, and (Erlang A) the share who hang up."""

    agents: int
    p_wait: float
    service_level: float
    average_speed_of_answer: float | None
    occupancy: float
    p_abandon: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def erlang_c(load: Load, agents: int, target_seconds: float) -> Staffed:
    """Erlang C for `agents` people; with no more agents than the load, everyone waits (the queue grows)."""
    load.check()
    a, n = load.erlangs, int(agents)
    if a == 0:  # nobody calls: nobody waits
        return Staffed(n, 0.0, 1.0, 0.0, 0.0)
    if n <= a:
        return Staffed(n, 1.0, 0.0, None, 1.0)
    # C(n, a) from the Erlang B recursion (stable for any n): B_k = a·B_{k-1} / (k + a·B_{k-1})
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    c = n * b / (n - a * (1 - b))
    gap = n / load.aht_seconds - load.rate  # nμ - λ
    return Staffed(
        agents=n,
        p_wait=c,
        service_level=1 - c * math.exp(-gap * target_seconds),
        average_speed_of_answer=c / gap,
        occupancy=a / n,
    )


@lru_cache(maxsize=65_536)  # a plan asks the same intervals again (each view, each hourly alert check)
def erlang_a(load: Load, agents: int, target_seconds: float, patience_seconds: float) -> Staffed:
    """Erlang A (M/M/n+M) for `agents` people whose callers' mean patience is `patience_seconds`."""
    from scipy.linalg import expm

    load.check()
    if not math.isfinite(patience_seconds) or patience_seconds <= 0:
        raise Invalid("patience_seconds must be more than 0", field="patience_seconds")
    n, lam, mu, theta = int(agents), load.rate, 1 / load.aht_seconds, 1 / patience_seconds
    if lam == 0:  # nobody calls: nobody waits or hangs up
        return Staffed(n, 0.0, 1.0, 0.0, 0.0, 0.0)
    pi = _stationary(n, lam, mu, theta)
    waiting = np.arange(len(pi)) - n
    queue = np.clip(waiting, 0, None)
    p_wait = float(pi[n:].sum())
    p_abandon = float(theta * (queue * pi).sum() / lam)
    # an arrival with k people waiting ahead moves through states k, k-1, ..., 0 (people ahead) at rate
    # nμ + iθ (an agent frees up, or someone ahead hangs up) until an agent takes it, unless its own patience
    # (rate θ) runs out first: one chain for every k, one matrix exponential for all of them
    ahead = np.arange(len(pi) - n)
    onward = n * mu + theta * ahead
    exit_rate = onward + theta
    size = len(ahead) + 1  # the states, then "answered"
    q = np.zeros((size, size))
    q[ahead, ahead] = -exit_rate
    q[ahead[1:], ahead[:-1]] = onward[1:]
    q[0, size - 1] = onward[0]
    within = expm(q * target_seconds)[:-1, -1]
    queued = pi[n:]
    answered = float(pi[:n].sum() + (queued * within).sum())
    through = np.cumprod(onward / exit_rate)  # answered at all, from k ahead
    mean_wait = np.cumsum(1 / exit_rate)  # expected wait of those answered, from k ahead
    waited = float((queued * through * mean_wait).sum())
    served = 1 - p_abandon
    return Staffed(
        agents=n,
        p_wait=p_wait,
        service_level=answered,
        average_speed_of_answer=waited / served if served > 0 else None,
        occupancy=min(1.0, lam * served / mu / n) if n else 1.0,
        p_abandon=p_abandon,
    )


def _stationary(n: int, lam: float, mu: float, theta: float) -> np.ndarray:
    """π of the M/M/n+M chain, up to the state where the tail's mass is below TAIL (in logs: no overflow).
    Past n the ratio of successive terms, λ / (nμ + kθ), falls with every k (θ > 0), so the chain settles."""
    logs = [0.0]
    top = 0.0
    j = 0
    while True:
        j += 1
        logs.append(logs[-1] + math.log(lam) - math.log(min(j, n) * mu + max(j - n, 0) * theta))
        top = max(top, logs[-1])
        # past the mode the terms fall geometrically at least as fast as the next ratio: bound the tail by it
        ratio = lam / (min(j + 1, n) * mu + max(j + 1 - n, 0) * theta)
        if j > n and ratio < 1 and logs[-1] - top - math.log(1 - ratio) < math.log(TAIL):
            break
    values = np.exp(np.array(logs) - top)
    return values / values.sum()


def agents_needed(
    load: Load,
    *,
    target_level: float | None = 0.8,
    target_seconds: float = 20,
    target_asa: float | None = None,
    max_occupancy: float | None = None,
    patience_seconds: float | None = None,
) -> Staffed:
    """The fewest agents that answer `target_level` of the contacts within `target_seconds` (and/or keep the
    average speed of answer under `target_asa`) without occupancy above `max_occupancy`: Erlang C, or Erlang A
    with a patience."""
    load.check()
    if target_level is not None and not 0 < target_level < 1:
        raise Invalid("target_level must be between 0 and 1 (e.g. 0.8)", field="target_level")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise Invalid("max_occupancy must be between 0 and 1", field="max_occupancy")
    if not math.isfinite(target_seconds) or target_seconds < 0:
        raise Invalid("target_seconds must be 0 or more", field="target_seconds")

    def staffed(n: int) -> Staffed:
        if patience_seconds is None:
            return erlang_c(load, n, target_seconds)
        return erlang_a(load, n, target_seconds, patience_seconds)

    def meets(s: Staffed) -> bool:
        level = target_level is None or s.service_level >= target_level
        asa = target_asa is None or (
            s.average_speed_of_answer is not None and s.average_speed_of_answer <= target_asa
        )
        return level and asa and (max_occupancy is None or s.occupancy <= max_occupancy)

    if load.contacts == 0:  # a closed or silent interval needs nobody
        return Staffed(0, 0.0, 1.0, 0.0, 0.0, None if patience_seconds is None else 0.0)
    # every measure improves with each agent added: double until the target is met, then bisect
    low, high = 0, max(1, math.floor(load.erlangs / 2))
    while not meets(staffed(high)):
        low, high = high, high * 2
        if low >= MAX_AGENTS:
            raise Invalid(f"no team of up to {MAX_AGENTS} agents meets the target", field="target_level")
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if meets(staffed(middle)) else (middle, high)
    return staffed(high)


def scheduled(agents: int, shrinkage: float) -> int:
    """People to schedule so that `agents` are on the phones when a `shrinkage` share is away (breaks, training,
    absence): ceil(agents / (1 - shrinkage))."""
    if not 0 <= shrinkage < 1:
        raise Invalid("shrinkage must be at least 0 and below 1 (e.g. 0.3)", field="shrinkage")
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


def plan(
    contacts: list[float],
    *,
    interval_seconds: float,
    aht_seconds: float,
    target_level: float = 0.8,
    target_seconds: float = 20,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
    scheduled_agents: list[int] | None = None,
) -> list[dict[str, Any]]:
    """A staffing plan, interval by interval: the agents each interval's contacts need (give a forecast
    quantile, e.g. the 80 % upper bound, not the mean) and the people to schedule; with a schedule, the gap
    and what the scheduled people would give (service level, P(abandon) with a patience)."""
    if scheduled_agents is not None and len(scheduled_agents) != len(contacts):
        raise Invalid(
            f"{len(scheduled_agents)} scheduled counts for {len(contacts)} intervals",
            field="scheduled_agents",
        )
    rows = []
    for i, volume in enumerate(contacts):
        load = Load(float(volume), interval_seconds, aht_seconds).check()
        needed = agents_needed(
            load, target_level=target_level, target_seconds=target_seconds, patience_seconds=patience_seconds
        )
        row: dict[str, Any] = {
            "interval": i,
            "contacts": float(volume),
            "agents": needed.agents,
            "scheduled_needed": scheduled(needed.agents, shrinkage),
        }
        if scheduled_agents is not None:
            on_phones = math.floor(scheduled_agents[i] * (1 - shrinkage) + 1e-9)
            given = (
                erlang_c(load, on_phones, target_seconds)
                if patience_seconds is None
                else erlang_a(load, max(on_phones, 0), target_seconds, patience_seconds)
            )
            row.update(
                scheduled=scheduled_agents[i],
                gap=scheduled_agents[i] - row["scheduled_needed"],
                service_level=given.service_level,
                p_abandon=given.p_abandon,
            )
        rows.append(row)
    return rows
