"""Context packed to a token budget: the budget always holds, passages are cut only at a
sentence boundary, in report order, with their markers."""

from __future__ import annotations

import random
import re

import pytest

from idmqa.retrieval.context import (
    SEPARATOR,
    TRIM_MARK,
    Candidate,
    pack,
    source_line,
)
from idmqa.schema import Citation, Speaker
from idmqa.service import QAService
from idmqa.text import iter_sentences
from idmqa.tokens import ENCODING_NAMES, count_tokens
from tests.helpers import make_passage

QUESTIONS = [
    "Qu'est-ce que le fonds d'amorçage ?",
    "What did Louise Arbour say about sovereignty?",
    "Quels sont les défis de la collecte de données sur la migration ?",
    "Who opened the Geneva workshop?",
    "Comment les villes accueillent-elles les migrants ?",
]
MARKER = re.compile(r"^\[(\d+)\] ", re.MULTILINE)


def _check_packed(packed, budget: int, encoding: str) -> None:
    """Everything a packed context promises, whatever the budget."""
    assert packed.tokens == count_tokens(packed.context, encoding) <= budget
    assert (
        [int(n) for n in MARKER.findall(packed.context)]
        == [p.n for p in packed.passages]
        == list(range(1, len(packed.passages) + 1))
    )
    order = [(p.passage.lines, p.passage.part) for p in packed.passages]
    assert order == sorted(order)  # report order (one document)
    assert len({p.passage.id for p in packed.passages}) == len(packed.passages)
    for item in packed.passages:
        whole = item.passage.text
        if item.trimmed:
            assert item.text.endswith(TRIM_MARK)
            cut = item.text.removesuffix(TRIM_MARK)
            assert cut in {whole[:end] for _, end in iter_sentences(whole)}
        else:
            assert item.text == whole
        assert f"[{item.n}] {item.source}\n{item.text}" in packed.context
    assert sum(p.trimmed for p in packed.passages) <= 1


def test_the_budget_holds_for_random_budgets(service: QAService) -> None:
    """The property: any budget, either encoding, any k, the context never exceeds it."""
    rng = random.Random(15)
    for _ in range(120):
        budget = rng.choice([rng.randint(1, 60), rng.randint(60, 600), rng.randint(600, 4000)])
        encoding = rng.choice(ENCODING_NAMES)
        question = rng.choice(QUESTIONS)
        packed = service.context(question, budget, encoding, k=rng.randint(1, 12))
        _check_packed(packed, budget, encoding)


def test_a_large_budget_takes_every_passage_whole_and_a_small_one_cuts(
    service: QAService,
) -> None:
    question = QUESTIONS[0]
    roomy = service.context(question, 100_000, k=6)
    assert len(roomy.passages) == 6 and not any(p.trimmed for p in roomy.passages)
    assert roomy.answerable and roomy.context.count(SEPARATOR) >= 5
    best = service.context(question, 100_000, k=1).passages[0]
    first_sentence = best.text[: iter_sentences(best.text)[0][1]]
    budget = count_tokens(f"[1] {best.source}\n{first_sentence}{TRIM_MARK}")
    assert budget < count_tokens(f"[1] {best.source}\n{best.text}")
    tight = service.context(question, budget, k=6)
    assert [p.passage.id for p in tight.passages] == [best.passage.id]
    assert tight.passages[0].trimmed and tight.tokens == budget
    assert service.context(question, 1).context == ""


def test_source_lines_name_section_lines_and_speakers(service: QAService) -> None:
    packed = service.context("What did Louise Arbour say about sovereignty?", 2000, k=3)
    first = packed.passages[0]
    assert first.source.startswith("IDM n° 28 (2018) — ")
    lines = first.citation.lines
    assert f"lines {lines[0]}–{lines[1]}" in first.source
    assert any(p.source.endswith(" — Louise Arbour") for p in packed.passages)


def test_unanswerable_questions_say_so(service: QAService) -> None:
    assert not service.context("What is the capital of Peru?", 500).answerable


def test_pack_stops_at_the_first_passage_that_does_not_fit() -> None:
    words = lambda text: len(text.split())  # noqa: E731 - a simple, additive count
    long = make_passage("Un deux trois. Quatre cinq six. Sept huit neuf.", id="d:5-5", lines=(5, 5))
    short = make_passage("Court.", id="d:1-1")
    later = make_passage("Encore un passage.", id="d:9-9", lines=(9, 9))
    cite = Citation("d", "T", "", "paragraph", (1, 1))
    ranked = [Candidate(i, p, cite, "S") for i, p in ((5, long), (1, short), (9, later))]
    context, items, tokens = pack(ranked, 10, words)
    # [1] S / Un deux trois. Quatre cinq six. […] fits 10 words; the whole passage does not,
    # so packing stops there and the shorter passages ranked after it are not taken.
    assert [i.passage.id for i in items] == ["d:5-5"]
    assert items[0].text == "Un deux trois. Quatre cinq six." + TRIM_MARK
    assert tokens == words(context) <= 10
    context, items, _ = pack(ranked, 100, words)
    assert [i.passage.id for i in items] == ["d:1-1", "d:5-5", "d:9-9"]  # report order
    assert context.startswith("[1] S\nCourt.\n\n[2] S\nUn deux trois.")
    assert pack(ranked, 2, words) == ("", (), 0)


def test_source_line_shortens_long_sections() -> None:
    citation = Citation(
        "d", "T", "A › " + "très " * 30 + "long", "footnote", (3, 4), (Speaker("x", "X Y"),)
    )
    line = source_line(citation, "Court")
    assert line.startswith("Court — très") and "…" in line
    assert line.endswith(", lines 3–4 (footnote) — X Y")


@pytest.mark.parametrize("encoding", ENCODING_NAMES)
def test_encodings_count_differently_but_both_hold(service: QAService, encoding: str) -> None:
    packed = service.context(QUESTIONS[2], 700, encoding, k=8)
    assert 0 < packed.tokens <= 700 and packed.encoding == encoding
