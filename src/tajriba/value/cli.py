"""`tajriba value summary|fit|predict`: the value models on any file, or on a workspace's orders."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tajriba.progress import bar

value_app = typer.Typer(
    help="Customer value: summaries, lifetime-value models, predictions.", no_args_is_help=True
)

FIT_COLUMNS = {
    "bgnbd": "frequency,recency,T (or x,t_x,T) [,weights]",
    "pareto-nbd": "frequency,recency,T (or x,t_x,T) [,weights]",
    "gamma-gamma": "frequency,monetary_value (or x,zbar) [,weights]",
    "sbg": "recency,T [,cohorts] [,weights]",
    "bgbb": "frequency,recency,periods (or T) [,weights]",
}


def _read(path: Path) -> Any:
    import pandas as pd

    from tajriba.errors import Invalid

    if not path.exists():
        raise Invalid(f"file not found: {path}", field="input")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    return pd.read_csv(path, sep=sep)


def _col(frame: Any, *names: str, required: bool = True) -> Any:
    from tajriba.errors import Invalid

    for name in names:
        if name in frame.columns:
            return frame[name]
    if required:
        raise Invalid(
            f"the input needs a column named {' or '.join(names)}; it has: {', '.join(map(str, frame.columns))}",
            field=names[0],
        )
    return None


def _write(frame: Any, output: Path | None, fmt: str) -> None:
    from tajriba.errors import Invalid

    if fmt not in ("csv", "json", "parquet"):
        raise Invalid("--format must be csv, json or parquet", field="format")
    if output is not None and (fmt == "parquet" or output.suffix.lower() == ".parquet"):
        frame.to_parquet(output, index=False)
        return
    if fmt == "parquet":
        raise Invalid("parquet output needs --output FILE", field="format")
    text = (
        frame.to_csv(index=False)
        if fmt == "csv"
        else frame.to_json(orient="records", lines=True, date_format="iso")
    )
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@value_app.command("summary")
def summary_cmd(
    file: Annotated[Path, typer.Argument(help="Transactions: CSV, TSV or Parquet, one row per purchase.")],
    customer: Annotated[str, typer.Option(help="Customer column.")],
    datetime: Annotated[str, typer.Option("--datetime", help="Purchase date or timestamp column.")],
    observation_end: Annotated[str, typer.Option(help="Last day observed (YYYY-MM-DD), inclusive.")],
    amount: Annotated[str | None, typer.Option(help="Purchase value column (for monetary_value).")] = None,
    unit: Annotated[str, typer.Option(help="Time unit: day, week or month.")] = "week",
    output_format: Annotated[
        str, typer.Option("--format", help="csv (default), json (lines) or parquet.")
    ] = "csv",
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Frequency (repeat purchase days), recency (first to last purchase, NOT time since the last), T, monetary value."""
    from tajriba.value.summary import summarize_file

    frame = summarize_file(
        file, customer=customer, datetime=datetime, amount=amount, observation_end=observation_end, unit=unit
    )
    frame["first_purchase"] = frame["first_purchase"].astype(str)
    _write(frame, output, output_format)


def fit_model(model: str, frame: Any) -> list[Any]:
    """Fit MODEL on a summary frame; one fitted model per cohort for sbg with a cohorts column."""
    from tajriba.errors import Invalid
    from tajriba.value.bgbb import BetaGeoBetaBinomModel
    from tajriba.value.bgnbd import BetaGeoModel
    from tajriba.value.gammagamma import GammaGammaModel
    from tajriba.value.paretonbd import ParetoNBDModel
    from tajriba.value.sbg import ShiftedBetaGeoModel

    weights = _col(frame, "weights", required=False)
    if model in ("bgnbd", "pareto-nbd"):
        cls = BetaGeoModel if model == "bgnbd" else ParetoNBDModel
        return [
            cls().fit(_col(frame, "frequency", "x"), _col(frame, "recency", "t_x"), _col(frame, "T"), weights)
        ]
    if model == "gamma-gamma":
        return [
            GammaGammaModel().fit(
                _col(frame, "frequency", "x"), _col(frame, "monetary_value", "zbar"), weights
            )
        ]
    if model == "bgbb":
        periods = _col(frame, "periods", "T", "n")
        return [
            BetaGeoBetaBinomModel().fit(
                _col(frame, "frequency", "x"), _col(frame, "recency", "t_x"), periods, weights
            )
        ]
    if model == "sbg":
        if "cohorts" in frame.columns:
            fitted = []
            for name, part in frame.groupby("cohorts", sort=True):
                m = ShiftedBetaGeoModel().fit(
                    part["recency"], part["T"], part["weights"] if weights is not None else None
                )
                m.cohort_ = str(name)  # type: ignore[attr-defined]
                fitted.append(m)
            return fitted
        return [ShiftedBetaGeoModel().fit(_col(frame, "recency"), _col(frame, "T"), weights)]
    raise Invalid(f"MODEL must be one of {', '.join(FIT_COLUMNS)}, not {model!r}", field="model")


@value_app.command("fit")
def fit_cmd(
    model: Annotated[str, typer.Argument(help="bgnbd, pareto-nbd, gamma-gamma, sbg or bgbb.")],
    input_file: Annotated[Path, typer.Option("--input", help="Summary file (CSV, TSV or Parquet).")],
    output_format: Annotated[str, typer.Option("--format", help="text (default) or json.")] = "text",
) -> None:
    """Maximum-likelihood fit: parameters with standard errors and 95 % intervals, and the log-likelihood."""
    from tajriba.errors import Invalid

    if output_format not in ("text", "json"):
        raise Invalid("--format must be text or json", field="format")
    frame = _read(input_file)
    # a fit of a million customers takes a while: the bar says what runs and for how long (on standard error)
    with bar(
        f"fitting {model}", total=len(frame), unit="customers", quiet=output_format == "json"
    ) as progress:
        fitted = fit_model(model, frame)
        progress(len(frame))
    results = []
    for m in fitted:
        data = m.to_dict()
        if hasattr(m, "cohort_"):
            data["cohort"] = m.cohort_
        results.append(data)
    if output_format == "json":
        typer.echo(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False))
        return
    for data in results:
        head = f"{data['model']}" + (f"  cohort {data['cohort']}" if "cohort" in data else "")
        typer.echo(
            f"{head}  n={data['n']:,}  log-likelihood={data['log_likelihood']:.4f}  converged={data['converged']}"
        )
        typer.echo(f"  {'parameter':<10}{'estimate':>12}{'std error':>12}{'95% low':>12}{'95% high':>12}")
        for p in data["parameters"]:
            typer.echo(
                f"  {p['parameter']:<10}{p['estimate']:>12.4f}{p['std_error']:>12.4f}{p['ci_low']:>12.4f}{p['ci_high']:>12.4f}"
            )


@value_app.command("predict")
def predict_cmd(
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Summary with frequency, recency, T [, monetary_value].")
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(help="Instead of a file: fit on this workspace's orders and store on its profiles."),
    ] = None,
    model: Annotated[str, typer.Option(help="bgnbd or pareto-nbd.")] = "bgnbd",
    horizon_months: Annotated[int, typer.Option(help="CLV horizon in months.")] = 12,
    discount_rate: Annotated[float, typer.Option(help="Discount rate per month, e.g. 0.01.")] = 0.01,
    unit: Annotated[
        str, typer.Option(help="Time unit of recency and T in the file: day, week or month.")
    ] = "week",
    interval: Annotated[bool, typer.Option(help="Add clv_low / clv_high (delta method).")] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="csv (default), json (lines) or parquet.")
    ] = "csv",
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (with --workspace).")
    ] = None,
) -> None:
    """P(alive), churn risk, expected purchases and discounted CLV per customer."""
    from tajriba.errors import Invalid
    from tajriba.value.clv import ClvSettings

    settings = ClvSettings(horizon_months=horizon_months, discount_rate=discount_rate, unit=unit)
    if (input_file is None) == (workspace is None):
        raise Invalid("give either --input FILE or --workspace SLUG", field="input")
    if workspace is not None:
        _predict_workspace(workspace, model=model, settings=settings, data_dir=data_dir)
        return
    assert input_file is not None
    _write(
        predict_frame(_read(input_file), model=model, settings=settings, interval=interval),
        output,
        output_format,
    )


def predict_frame(frame: Any, *, model: str, settings: Any, interval: bool = False) -> Any:
    import pandas as pd

    from tajriba.errors import Invalid
    from tajriba.value.clv import customer_lifetime_value
    from tajriba.value.gammagamma import GammaGammaModel
    from tajriba.value.service import MODELS

    if model not in MODELS:
        raise Invalid(f"--model must be one of {', '.join(MODELS)}", field="model")
    settings.check()
    x, t_x, age = _col(frame, "frequency", "x"), _col(frame, "recency", "t_x"), _col(frame, "T")
    tm = MODELS[model]().fit(x, t_x, age)
    ids = _col(frame, "customer_id", "ID", "id", required=False)
    out = pd.DataFrame({"customer_id": ids if ids is not None else range(1, len(frame) + 1)})
    out["p_alive"] = tm.probability_alive(x, t_x, age)
    out["churn_risk"] = 1 - out["p_alive"]
    horizon = (
        settings.horizon_months * (365.25 / 12) / {"day": 1, "week": 7, "month": 365.25 / 12}[settings.unit]
    )
    out["expected_purchases"] = tm.conditional_expected_purchases(horizon, x, t_x, age)
    spend = _col(frame, "monetary_value", "zbar", required=False)
    if spend is not None:
        gg = GammaGammaModel().fit(x, spend)
        out["expected_spend"] = gg.conditional_expected_average_profit(x, spend)
        clv = customer_lifetime_value(tm, gg, x, t_x, age, spend, settings=settings, interval=interval)
        for col in clv.columns:
            out[col] = clv[col].to_numpy()
    return out


def _predict_workspace(slug: str, *, model: str, settings: Any, data_dir: Path | None) -> None:
    from sqlalchemy import select

    from tajriba.commands import Stores, echo_json, settings_for
    from tajriba.errors import NotFound
    from tajriba.models import Workspace
    from tajriba.value import service

    with Stores(settings_for(data_dir)) as stores, stores.session() as session:
        ws = session.scalar(select(Workspace).where(Workspace.slug == slug))
        if ws is None:
            raise NotFound(f"no workspace {slug!r}")
        assert stores.warehouse is not None
        run = service.compute(stores.warehouse, ws.id, model=model, settings=settings)
        echo_json(run.to_dict())
