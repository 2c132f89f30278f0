"""Golden CX texts: the complaints the words issue started from, and 50 or more everyday texts per language and
dialect (src/tajriba/text/data/cx/golden_*.tsv, written apart from the training clauses), with the intents
and aspect polarities a CX team expects. The floors below are the shipped models' measured scores less a
margin (docs/models.md#cx-set); a drop under them is a regression."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tajriba.text import cxset, encoder
from tajriba.text.pipeline import analyze

# per group: complaint recall and precision, share of texts with exactly the expected intents, and share of
# labelled aspects found with their polarity (percent), for the fast pipeline and with the encoder stage
FLOORS = {
    "fast": {
        "gulf": (77, 74, 54, 79),
        "egyptian": (70, 82, 64, 76),
        "levantine": (80, 77, 66, 79),
        "maghrebi": (70, 75, 54, 68),
        "msa": (73, 70, 54, 73),
        "fa": (84, 78, 70, 87),
        "en": (70, 60, 54, 68),
    },
    "encoder": {
        "gulf": (91, 82, 70, 89),
        "egyptian": (80, 83, 70, 89),
        "levantine": (73, 79, 64, 79),
        "maghrebi": (73, 76, 56, 76),
        "msa": (73, 83, 66, 81),
        "fa": (91, 88, 73, 89),
        "en": (91, 85, 75, 95),
    },
}
STARTED_FROM = ("المندوب تأخر ثلاثة أيام وما رد على الجوال", "الطلب وصل متأخر والمندوب ما رد")


@pytest.mark.parametrize("encoder_stage", [False, True], ids=["fast", "encoder"])
def test_the_two_complaints_the_issue_started_from(encoder_stage: bool) -> None:
    for result in analyze(list(STARTED_FROM), encoder_stage=encoder_stage):
        assert "complaint" in result.intent_labels
        assert {"aspect": "delivery", "sentiment": "negative", "intents": ["complaint"]} in result.aspects
        assert result.sentiment == "negative"  # no longer "neutral (0.69)"
        assert result.dialect != "maghrebi"
    first = analyze([STARTED_FROM[0]])[0]
    assert first.dialect == "gulf"  # "الجوال" is how the Gulf says "the mobile"
    assert {"aspect": "communication", "sentiment": "negative", "intents": ["complaint"]} in first.aspects


def _scores(examples: list[cxset.Example], results: list) -> tuple[float, float, float, float]:  # type: ignore[type-arg]
    gold = np.array(["complaint" in e.intents for e in examples])
    pred = np.array(["complaint" in r.intent_labels for r in results])
    recall = 100 * (gold & pred).sum() / gold.sum()
    precision = 100 * (gold & pred).sum() / max(pred.sum(), 1)
    exact = 100 * np.mean(
        [set(e.intents) == set(r.intent_labels) for e, r in zip(examples, results, strict=True)]
    )
    labelled = [(k, v, r) for e, r in zip(examples, results, strict=True) for k, v in e.aspects.items()]
    right = sum(any(a["aspect"] == k and a["sentiment"] == v for a in r.aspects) for k, v, r in labelled)
    return recall, precision, exact, 100 * right / len(labelled)


@pytest.mark.parametrize("mode", ["fast", "encoder"])
def test_golden_texts_per_language_and_dialect(mode: str) -> None:
    written = cxset.written()
    assert len(written) >= 2 + 50 * len(cxset.GROUPS)
    results = analyze([e.text for e in written], encoder_stage=mode == "encoder")
    below = {}
    for group in cxset.GROUPS:
        mine = [(e, r) for e, r in zip(written, results, strict=True) if e.group == group]
        got = _scores([e for e, _ in mine], [r for _, r in mine])
        floor = FLOORS[mode][group]
        if any(g < f for g, f in zip(got, floor, strict=True)):
            below[group] = (tuple(round(g, 1) for g in got), floor)
    assert below == {}


def test_models_and_the_encoder_load_and_run_without_a_network() -> None:
    """Nothing is downloaded at run time: with every socket refused, the whole pipeline (encoder stage
    included) loads its files from the package and answers."""
    assert encoder.available()
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('no network in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from tajriba.text.pipeline import analyze\n"
        "r = analyze(['the courier was three days late'], encoder_stage=True)[0]\n"
        "print(r.intent_labels)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "complaint" in out.stdout
