"""`/api/v1/forecasts` and `/api/v1/staffing`: the same service as `tajriba forecast` and `tajriba staffing`."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends

from tajriba.forecasting import series, service
from tajriba.forecasting.schemas import ForecastAsk, ForecastRead, StaffingAsk, StaffingRead
from tajriba.forecasting.staffing import Targets
from tajriba.web.deps import Context, RequireKey

router = APIRouter(prefix="/api/v1", tags=["forecasting"])
Read = Annotated[Context, Depends(RequireKey("metrics:read"))]


def _forecast(body: ForecastAsk) -> dict[str, Any]:
    shape = series.Shape(freq=body.freq, country=body.country.upper(), levels=tuple(sorted(set(body.levels))))
    points = body.points
    item = series.from_rows(
        pd.Series([p.series for p in points]),
        pd.Series([p.ds for p in points]),
        pd.Series([p.y for p in points]),
        pd.Series(range(len(points))),
        shape,
    )
    result, steps = service.run(item, body.horizon, body.backtest)
    forecast = []
    for row in service.forecast_rows(result, steps):
        bounds = {k: row.pop(k) for k in list(row) if k.startswith(("lo_", "hi_"))}
        forecast.append({**row, "bounds": bounds})
    backtest = []
    for row in service.backtest_rows(result):
        coverage = {k.removeprefix("coverage_"): row.pop(k) for k in list(row) if k.startswith("coverage_")}
        backtest.append({**row, "coverage": coverage})
    return {"freq": body.freq, "horizon": body.horizon, "levels": list(shape.levels), "forecast": forecast,
            "backtest": backtest}  # fmt: skip


@router.post("/forecasts")
def forecast(ctx: Read, body: ForecastAsk) -> ForecastRead:
    """Forecast the counts posted (one point per series and day or interval), each series' model chosen by a
    rolling-origin backtest; the backtest per series and model (MASE, sMAPE, coverage, event days). A point's
    number in `points` (from 0) names it when it is wrong."""
    return ForecastRead.model_validate(_forecast(body))


@router.post("/staffing")
def staffing(ctx: Read, body: StaffingAsk) -> StaffingRead:
    """Agents one interval needs (Erlang C; Erlang A with `patience_seconds`), the people to schedule with the
    shrinkage, and what the head counts around it give."""
    targets = Targets(
        body.target_level, body.target_seconds, body.target_asa, body.max_occupancy, body.shrinkage
    )
    out = service.staffing(body.contacts, body.interval_seconds, body.aht_seconds, targets,
                           patience_seconds=body.patience_seconds)  # fmt: skip
    return StaffingRead.model_validate(out)
