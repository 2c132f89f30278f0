"""`tajriba text train|evaluate|classify|reprocess`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from tajriba.progress import bar

text_app = typer.Typer(
    help="Text analytics: language, sentiment, topics, personal data.", no_args_is_help=True
)

DEFAULT_DATA = Path("../shared/data/sentiment")


@text_app.command()
def train(
    data: Annotated[
        Path, typer.Option("--data", help="Folder of sentiment corpora (README there).")
    ] = DEFAULT_DATA,
    output: Annotated[Path | None, typer.Option(help="Write the models here (default: the package).")] = None,
) -> None:
    """Train the shipped models (fixed seeds) and write them with their evaluation table."""
    from tajriba.errors import Invalid
    from tajriba.text.models import MODEL_DIR
    from tajriba.text.train import train_all

    if not data.is_dir():
        raise Invalid(f"--data: {data} is not a folder of corpora", field="data")
    man = train_all(data, output or MODEL_DIR, log=lambda m: typer.echo(m, err=True))
    _print_table(man["evaluation"], man["dialect_evaluation"])
    _print_cx(man.get("cx_evaluation", []), "fast pipeline")
    _print_cx(man.get("cx_evaluation_encoder", []), "with the encoder stage")


@text_app.command()
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Folder of sentiment corpora.")] = DEFAULT_DATA,
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    encoder: Annotated[
        bool, typer.Option("--encoder", help="Score the CX set with the encoder stage.")
    ] = False,
) -> None:
    """Accuracy, macro-F1, F1-PN and macro-recall of the shipped models on every split found, dialect
    identification, and the CX set's intents and aspects per language and dialect."""
    from tajriba.errors import Invalid
    from tajriba.text.train import evaluate_all

    if not data.is_dir():
        raise Invalid(f"--data: {data} is not a folder of corpora", field="data")
    if output_format not in ("text", "json"):
        raise Invalid("--format must be text or json", field="format")
    result = evaluate_all(data, encoder_stage=encoder)
    if output_format == "json":
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    _print_table(result["sentiment"], result["dialect"])
    _print_cx(result["cx"], "with the encoder stage" if encoder else "fast pipeline")


def _print_table(rows: list[dict], dialect_rows: list[dict]) -> None:
    typer.echo(
        f"{'corpus':22} {'lang':4} {'split':8} {'dialect':10} {'n':>6} {'acc':>6} {'macroF1':>8} {'F1-PN':>6} {'macroR':>7}"
    )
    for r in rows:
        typer.echo(
            f"{r['corpus']:22} {r['language']:4} {r['split']:8} {r['dialect']:10} {r['n']:>6} {r['accuracy']:>6.1f} "
            f"{r['macro_f1']:>8.1f} {r['f1_pn']:>6.1f} {r['macro_recall']:>7.1f}"
            + ("  (weak labels)" if r.get("weak") else "")
        )
    for r in dialect_rows:
        typer.echo(
            f"dialect id on {r['corpus']:14} n={r['n']:>6} accuracy {r['accuracy']:.1f} macro-F1 {r['macro_f1']:.1f}"
        )


def _print_cx(rows: list[dict], title: str) -> None:
    if not rows:
        return
    typer.echo(
        f"\nCX set, test side ({title}): complaint precision/recall, intents, aspects, dialect (percent)"
    )
    typer.echo(
        f"{'group':10} {'part':9} {'n':>5} {'compl.':>6} {'P':>6} {'R':>6} {'microF1':>8} {'exact':>6} "
        f"{'aspects':>7} {'polarity':>8} {'dialect':>7}"
    )
    for r in rows:
        dialect = "" if r["dialect"] is None else f"{r['dialect']:.1f}"
        typer.echo(
            f"{r['group']:10} {r['part']:9} {r['n']:>5} {r['complaints']:>6} {r['complaint_precision']:>6.1f} "
            f"{r['complaint_recall']:>6.1f} {r['intent_micro_f1']:>8.1f} {r['exact_intents']:>6.1f} {r['aspects']:>7} "
            f"{r['aspect_polarity']:>8.1f} {dialect:>7}"
        )


def _read_texts(source: str, text_column: str | None) -> list[str]:
    from tajriba.errors import Invalid

    if source == "-":
        raw = sys.stdin.read()
        name = "standard input"
    else:
        path = Path(source)
        if not path.exists():
            raise Invalid(f"file not found: {path}", field="file")
        raw = path.read_text(encoding="utf-8")
        name = str(path)
    if text_column is None:
        return raw.splitlines()
    lines = raw.splitlines()
    if not lines:
        return []
    delimiter = "\t" if "\t" in lines[0] else ","
    reader = csv.DictReader(io.StringIO(raw), delimiter=delimiter)
    if reader.fieldnames is None or text_column not in reader.fieldnames:
        raise Invalid(
            f"{name}: no column {text_column!r} in the header ({', '.join(reader.fieldnames or [])})",
            field="text-column",
        )
    return [row[text_column] or "" for row in reader]


@text_app.command()
def classify(
    file: Annotated[
        str, typer.Argument(help="A file with one text per line, a CSV/TSV with --text-column, or -")
    ] = "-",
    text_column: Annotated[
        str | None,
        typer.Option("--text-column", help="Read a CSV/TSV with a header; the text is this column."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="jsonl")] = "jsonl",
    batch_size: Annotated[int, typer.Option(help="Texts per batch.")] = 10_000,
    encoder: Annotated[
        bool,
        typer.Option(
            "--encoder", help="Also read intents with the sentence encoder (slower, more accurate)."
        ),
    ] = False,
) -> None:
    """One JSON object per input text, in order: language, dialect, sentiment, probabilities, intents, aspects,
    topics, pii, redacted."""
    from tajriba.errors import Invalid
    from tajriba.text.pipeline import analyze

    if output_format != "jsonl":
        raise Invalid("--format must be jsonl", field="format")
    texts = _read_texts(file, text_column)
    out = sys.stdout
    for start in range(0, len(texts), batch_size):
        for result in analyze(texts[start : start + batch_size], encoder_stage=encoder):
            out.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
    out.flush()


@text_app.command()
def reprocess(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Data directory.")] = None,
    limit: Annotated[
        int | None, typer.Option(help="Stop after this many texts (run again to resume).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Texts per batch (each batch is saved as it finishes).")
    ] = 5000,
) -> None:
    """Enrich the workspace's new texts and redo those enriched by an older model or taxonomy."""
    from sqlalchemy import select

    from tajriba.commands import Stores, echo_json, settings_for
    from tajriba.errors import NotFound
    from tajriba.models import Workspace
    from tajriba.text import service, topics

    with Stores(settings_for(data_dir)) as stores:
        with stores.session() as session:
            ws = session.scalar(select(Workspace).where(Workspace.slug == workspace))
            if ws is None:
                raise NotFound(f"no workspace {workspace!r}")
            ws_id, taxonomy = ws.id, topics.for_workspace(ws.settings)
        assert stores.warehouse is not None
        with bar("enriching texts", unit="texts") as progress:  # progress(done, total)
            report = service.enrich(
                stores.warehouse, ws_id, taxonomy, batch_size=batch_size, limit=limit, progress=progress
            )
        echo_json(report.as_dict())
