"""The labelled CX set: its size, sides and labels (tajriba.text.cxset, docs/text-labelling.md)."""

from __future__ import annotations

from collections import Counter

from tajriba.text import cxset
from tajriba.text.intents import INTENTS
from tajriba.text.normalize import fold
from tajriba.text.topics import default


def test_the_set_holds_3000_texts_in_seven_groups_with_a_fifth_or_more_aside() -> None:
    examples = cxset.cx_set()
    assert len(examples) >= 3000
    sides = Counter(e.split for e in examples)
    assert sides["test"] >= len(examples) / 5
    by_group = Counter((e.group, e.split) for e in examples)
    for group in cxset.GROUPS:
        assert by_group[(group, "train")] >= 300 and by_group[(group, "test")] >= 100, group
    written = Counter(e.group for e in examples if e.source == "written")
    assert min(written[g] for g in cxset.GROUPS) >= 51
    # every intent is represented in every group
    for group in cxset.GROUPS:
        seen = Counter(i for e in examples if e.group == group for i in e.intents)
        assert all(seen[i] >= 5 for i in INTENTS), (group, seen)


def test_the_set_is_the_same_every_time_it_is_built() -> None:
    first = cxset.composed("gulf")
    again = cxset.composed("gulf")
    assert first == again
    assert cxset.composed("gulf", seed=7) != first  # the seed, not chance, makes it so


def test_no_test_text_is_made_of_a_training_clause() -> None:
    for group in cxset.GROUPS:
        sides = cxset.clauses(group)
        train = {c.text for cs in sides["train"].values() for c in cs}
        test = {c.text for cs in sides["test"].values() for c in cs}
        assert not train & test
        for e in cxset.composed(group):
            assert e.parts and all(part.lower() in e.text.lower() for part in e.parts)
            assert set(e.parts) <= (test if e.split == "test" else train), e.text
    test_texts = {fold(e.text) for e in cxset.cx_set() if e.split == "test"}
    assert not test_texts & {fold(e.text) for e in cxset.cx_set() if e.split == "train"}


def test_labels_name_known_intents_and_taxonomy_topics_with_a_polarity() -> None:
    topics = {t.key for t in default().topics}
    for e in cxset.cx_set():
        assert set(e.intents) <= set(INTENTS)
        assert set(e.aspects) <= topics, e
        assert set(e.aspects.values()) <= {"negative", "positive"}
        # a complaint judges its aspect negative, praise positive: a text with negative aspects complains
        if "negative" in e.aspects.values():
            assert "complaint" in e.intents, e
        if "positive" in e.aspects.values():
            assert "praise" in e.intents, e


def test_a_broken_written_row_is_refused_with_its_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "golden_x.tsv"
    bad.write_text("group\tintents\taspects\ttext\ngulf\tcomplain\t\tوين طلبي\n", encoding="utf-8")
    try:
        cxset.written(bad)
    except ValueError as exc:
        assert "وين طلبي" in str(exc) and "complain" in str(exc)
    else:
        raise AssertionError("an unknown intent was accepted")
