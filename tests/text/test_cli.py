"""The `tajriba text classify` contract (one JSON object per input, in order) and `evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tajriba.cli import app

runner = CliRunner()
KEYS = {
    "language", "dialect", "sentiment", "probabilities", "intents", "intent_probabilities", "aspects", "topics", "pii",
    "redacted",
}  # fmt: skip
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment"


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_classify_reads_one_text_per_line_and_answers_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "texts.txt"
    texts = [
        "الخدمة ممتازة والتوصيل سريع",
        "پیک خیلی دیر رسید و غذا سرد بود",
        "Terrible support, call me on +966 55 123 4567",
        "",
        "el order wesel bas el as3ar ghalya",
    ]
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["text", "classify", str(path)])
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert len(rows) == len(texts) and all(set(r) == KEYS for r in rows)
    assert [r["language"] for r in rows] == ["ar", "fa", "en", "other", "ar"]
    assert rows[0]["sentiment"] == "positive" and rows[1]["sentiment"] == "negative"
    assert set(rows[0]["probabilities"]) == {"positive", "negative", "neutral"}
    assert {t["topic"] for t in rows[1]["topics"]} >= {"delivery"}
    assert rows[2]["pii"] == [{"type": "PHONE", "start": 29, "end": 45}]
    assert rows[2]["redacted"] == "Terrible support, call me on [PHONE]"
    assert rows[1]["dialect"] is None and rows[0]["dialect"] is not None
    # "terrible support": a complaint; the first text praises
    assert "complaint" in rows[2]["intents"] and rows[0]["intents"] == ["praise"]
    assert {"aspect": "staff", "sentiment": "negative"} in [
        {k: a[k] for k in ("aspect", "sentiment")} for a in rows[2]["aspects"]
    ]
    encoded = _lines(runner.invoke(app, ["text", "classify", "--encoder", str(path)]).stdout)
    assert len(encoded) == len(texts) and "complaint" in encoded[1]["intents"]


def test_classify_reads_a_column_of_a_csv_or_tsv_and_standard_input(tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text('id,comment\n1,"Great, fast delivery"\n2,"المنتج وصل مكسور"\n', encoding="utf-8")
    rows = _lines(runner.invoke(app, ["text", "classify", str(csv_path), "--text-column", "comment"]).stdout)
    assert [r["language"] for r in rows] == ["en", "ar"]
    tsv_path = tmp_path / "reviews.tsv"
    tsv_path.write_text("text\tx\nرائع\t1\n", encoding="utf-8")
    assert (
        len(_lines(runner.invoke(app, ["text", "classify", str(tsv_path), "--text-column", "text"]).stdout))
        == 1
    )
    piped = runner.invoke(app, ["text", "classify", "-"], input="hello, great app\nسيء جدا\n")
    assert [r["language"] for r in _lines(piped.stdout)] == ["en", "ar"]


def test_classify_errors_name_the_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.csv"
    path.write_text("id,body\n1,x\n", encoding="utf-8")
    missing = runner.invoke(app, ["text", "classify", str(path), "--text-column", "comment"])
    assert missing.exit_code != 0 and "no column 'comment'" in str(missing.exception or missing.output)
    absent = runner.invoke(app, ["text", "classify", str(tmp_path / "nope.txt")])
    assert absent.exit_code != 0 and "file not found" in str(absent.exception or absent.output)


def test_evaluate_prints_the_table_for_every_split_found(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a small corpus folder in the shared layout: the table has one row for it
    folder = tmp_path / "uci_amazon_yelp"
    folder.mkdir()
    (folder / "train.tsv").write_text("text\tlabel\ngood\tpos\n", encoding="utf-8")
    (folder / "test.tsv").write_text(
        "text\tlabel\nGreat phone, works well\tpos\nTerrible, broke in a day\tneg\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["text", "evaluate", "--data", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["sentiment"]
    assert [(r["corpus"], r["n"]) for r in rows] == [("uci_amazon_yelp", 2)]
    assert rows[0]["accuracy"] == 100.0
    # the text table ends with the CX set's table, every language group and "all"
    table = runner.invoke(app, ["text", "evaluate", "--data", str(tmp_path)])
    assert table.exit_code == 0, table.output
    cx = table.stdout.split("CX set, test side (fast pipeline)")[1].splitlines()
    groups = {line.split()[0] for line in cx[2:] if line.strip()}
    assert groups == {"gulf", "egyptian", "levantine", "maghrebi", "msa", "fa", "en", "all"}
