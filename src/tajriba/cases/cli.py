"""`tajriba calendars`: business-time arithmetic anyone can check by hand (the SLA clocks use the same code)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from tajriba.errors import Invalid

if TYPE_CHECKING:  # business_time loads NumPy: imported inside the commands so `tajriba --help` stays light
    from tajriba.cases.business_time import Calendar

calendars_app = typer.Typer(help="Business calendars: working time between two times, SLA due times.")

Week = Annotated[
    list[str] | None,
    typer.Option(
        "--week", help='Working hours, e.g. "sun-thu 09:00-17:00" or "sat-wed 08:00-16:00; thu 08:00-12:00".'
    ),
]
Timezone = Annotated[str, typer.Option("--timezone", help="The team's time zone, e.g. Asia/Riyadh.")]
Country = Annotated[
    str | None,
    typer.Option(
        "--country", help="ISO country code: its public holidays and Eid closures (SA, EG, AE, IR...)."
    ),
]
Ramadan = Annotated[
    str | None, typer.Option("--ramadan", help='Hours on working days of Ramadan, e.g. "10:00-15:00".')
]
Closed = Annotated[
    list[str] | None, typer.Option("--closed", help="A closed date (YYYY-MM-DD); repeat for more.")
]
Fitr = Annotated[
    str | None,
    typer.Option("--eid-al-fitr", help='Closed days of Eid al-Fitr: "first Shawwal day,days", e.g. "1,4".'),
]
Adha = Annotated[
    str | None,
    typer.Option("--eid-al-adha", help='Closed days of Eid al-Adha: "first Dhu al-Hijjah day,days".'),
]
Format = Annotated[str, typer.Option("--format", help="json or text")]


def _calendar(
    timezone: str,
    week: list[str] | None,
    country: str | None,
    ramadan: str | None,
    closed: list[str] | None,
    fitr: str | None,
    adha: str | None,
) -> Calendar:
    from tajriba.cases import business_time as bt

    data: dict[str, object] = {
        "timezone": timezone,
        "week": "; ".join(week or ["sun-thu 09:00-17:00"]),
        "country": country,
        "ramadan": ramadan,
        "closed": closed or [],
    }
    if country:
        defaults = bt.COUNTRY_DEFAULTS.get(country.upper(), {})
        data["eid_al_fitr"] = defaults.get("fitr")
        data["eid_al_adha"] = defaults.get("adha")
    for key, value in (("eid_al_fitr", fitr), ("eid_al_adha", adha)):
        if value is not None:
            data[key] = value.split(",")
    return bt.from_dict(data)


def _fail(exc: Invalid) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


@calendars_app.command("business-time")
def business_time(
    start: Annotated[str, typer.Option("--from", help="ISO time; without an offset, read in --timezone.")],
    end: Annotated[str, typer.Option("--to", help="ISO time; without an offset, read in --timezone.")],
    timezone: Timezone = "Asia/Riyadh",
    week: Week = None,
    country: Country = None,
    ramadan: Ramadan = None,
    closed: Closed = None,
    fitr: Fitr = None,
    adha: Adha = None,
    output_format: Format = "json",
) -> None:
    """Business seconds between two times, and the working intervals that make them up."""
    import numpy as np

    from tajriba.cases import business_time as bt

    try:
        cal = _calendar(timezone, week, country, ramadan, closed, fitr, adha)
        tz = bt.zone(timezone)
        a = bt.parse_instant(start, tz, name="from").timestamp()
        b = bt.parse_instant(end, tz, name="to").timestamp()
        if b < a:
            raise Invalid("--to is before --from", field="to")
        seconds = float(bt.seconds_between(cal, np.array([a]), np.array([b]))[0])
        spans = bt.intervals(cal, a, b)
    except Invalid as exc:
        _fail(exc)
        return
    shown = [[bt.iso(s, tz), bt.iso(e, tz)] for s, e in spans]
    number = int(seconds) if seconds.is_integer() else seconds
    if output_format == "json":
        typer.echo(json.dumps({"seconds": number, "intervals": shown}))
    else:
        typer.echo(f"{number} business seconds ({seconds / 3600:.2f} h)")
        for s, e in shown:
            typer.echo(f"  {s} -> {e}")


@calendars_app.command("add")
def add(
    start: Annotated[str, typer.Option("--from", help="ISO time the clock starts.")],
    seconds: Annotated[float, typer.Option("--seconds", help="Business seconds to add (the SLA target).")],
    timezone: Timezone = "Asia/Riyadh",
    week: Week = None,
    country: Country = None,
    ramadan: Ramadan = None,
    closed: Closed = None,
    fitr: Fitr = None,
    adha: Adha = None,
    output_format: Format = "json",
) -> None:
    """The time a clock started at --from reaches --seconds of business time (an SLA due time)."""
    import numpy as np

    from tajriba.cases import business_time as bt

    try:
        cal = _calendar(timezone, week, country, ramadan, closed, fitr, adha)
        tz = bt.zone(timezone)
        a = bt.parse_instant(start, tz, name="from").timestamp()
        due = float(bt.add(cal, np.array([a]), np.array([seconds]))[0])
    except Invalid as exc:
        _fail(exc)
        return
    typer.echo(json.dumps({"due": bt.iso(due, tz)}) if output_format == "json" else bt.iso(due, tz))
