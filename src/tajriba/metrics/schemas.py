"""What the metrics API reads from a request: the slice every metrics question shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from tajriba.metrics.scores import LEVEL, MIN_SAMPLE
from tajriba.web.params import Day


@dataclass(frozen=True)
class Slice:
    """How to cut and estimate: by what, per which period and calendar, over which local days [start, end),
    at which confidence level, hiding estimates on fewer than min_n answers."""

    by: str | None
    period: str | None
    calendar: str
    week_start: str
    start: Any
    end: Any
    level: float
    min_n: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def slice_params(
    by: str | None = None,
    period: str | None = None,
    calendar: str = "gregorian",
    week_start: str = "monday",
    start: Day | None = None,
    end: Day | None = None,
    level: Annotated[float, Query(ge=0.5, lt=1)] = LEVEL,
    min_n: Annotated[int, Query(ge=1)] = MIN_SAMPLE,
) -> Slice:
    """The query parameters of every metrics and service-KPI question (an empty value means none)."""
    return Slice(by or None, period or None, calendar, week_start, start, end, level, min_n)


SliceDep = Annotated[Slice, Depends(slice_params)]
