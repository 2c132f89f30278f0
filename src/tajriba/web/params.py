"""Request values checked at the edge: dates as ISO days within a sane range, ids that fit the database."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Request
from pydantic import BeforeValidator

from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _

MAX_ID = 2**63 - 1  # ids are 64-bit integers in both databases
YEARS = (1900, 2200)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?")


def _year_in_range(year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"expected a year from {YEARS[0]} to {YEARS[1]}")


def _iso_day(value: Any) -> Any:
    if isinstance(value, dt.date):
        _year_in_range(value.year)
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    day = dt.date.fromisoformat(value)
    _year_in_range(day.year)
    return day


def _iso_moment(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        _year_in_range(value.year)
        return value
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise ValueError("expected a date and time as ISO 8601, e.g. 2027-03-01T09:30:00+03:00")
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    _year_in_range(moment.year)
    return moment


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
Moment = Annotated[dt.datetime, BeforeValidator(_iso_moment)]


async def check_ids(request: Request) -> None:
    """Every route: an id in the path or an `…_id` query value too large for the database is not found (404)
    or invalid (422), never a database overflow."""
    for name, value in request.path_params.items():
        if _too_large(value):
            raise NotFound(_("Not found."), field=name)
    for name, value in request.query_params.multi_items():
        if (name == "id" or name.endswith("_id")) and _too_large(value):
            raise Invalid(_("{field} is too large to be an id.").format(field=name), field=name)


def _too_large(value: object) -> bool:
    text = str(value).strip().lstrip("+-")
    return text.isdigit() and len(text) >= 19 and int(text) > MAX_ID
