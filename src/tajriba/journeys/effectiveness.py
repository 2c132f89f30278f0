"""How well a touchpoint performs against its targets: excels, meets or below standard.

Per KPI with a target and at least MIN_N observations:
- **below standard** when the estimate misses the target (flagged `significant` when the whole confidence
  interval is on the wrong side, so a miss within the noise is told apart from a clear one);
- **excels** when the whole confidence interval is on the good side of the target (better beyond doubt);
- **meets** otherwise (on target, or better but within the noise).
A touchpoint is below standard if any targeted KPI is; excels if every targeted KPI with data excels; meets
otherwise. With no targeted KPI measured, the team's manual assessment stands (source "manual").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tajriba.journeys.schemas import KPIS
from tajriba.metrics.service import Estimate

MIN_N = 10
LEVELS = ("below", "meets", "excels")


@dataclass(frozen=True)
class KpiStatus:
    kpi: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    target: float | None
    better: str  # "higher" or "lower"
    status: str | None  # excels | meets | below | None (no target or too few observations)
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def target_of(kpi: str, target: Any) -> tuple[float | None, str]:
    """(target value, which direction is better) from {kpi: x} or {kpi: {"min"|"max": x}}."""
    default = KPIS[kpi][1] if kpi in KPIS else "higher"
    if target is None:
        return None, default
    if isinstance(target, dict):
        bound, value = next(iter(target.items()))
        return float(value), "higher" if bound == "min" else "lower"
    return float(target), default


def classify(kpi: str, estimate: Estimate, target: Any, *, min_n: int = MIN_N) -> KpiStatus:
    """Compare one KPI's estimate and interval with its target."""
    goal, better = target_of(kpi, target)
    status, significant = None, False
    if goal is not None and estimate.value is not None and estimate.n >= min_n:
        sign = 1.0 if better == "higher" else -1.0
        value = sign * estimate.value
        bounds = [b for b in (estimate.low, estimate.high) if b is not None]
        worst = min(sign * b for b in bounds) if len(bounds) == 2 else None
        best = max(sign * b for b in bounds) if len(bounds) == 2 else None
        g = sign * goal
        if value < g:
            status, significant = "below", best is not None and best < g
        elif worst is not None and worst > g:
            status, significant = "excels", True
        else:
            status = "meets"
    return KpiStatus(
        kpi, estimate.value, estimate.low, estimate.high, estimate.n, goal, better, status, significant
    )


def overall(statuses: list[KpiStatus], manual: str | None) -> tuple[str | None, str]:
    """The touchpoint's standing and where it comes from ("data", "manual" or "none")."""
    measured = [s.status for s in statuses if s.status is not None]
    if not measured:
        return (manual, "manual") if manual else (None, "none")
    if "below" in measured:
        return "below", "data"
    if all(m == "excels" for m in measured):
        return "excels", "data"
    return "meets", "data"
