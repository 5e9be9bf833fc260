"""Starter questions from any report of the series: its most-quoted people, its sections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from idmqa.index.build import collect_passages
from idmqa.index.starters import LANGUAGES, build_starters, templates, topics
from idmqa.settings import Settings
from tests.helpers import CORPUS, make_passage, passage_token_counter

CORPUS2 = Path(__file__).resolve().parents[1] / "data" / "corpus2"


@pytest.mark.parametrize("corpus", [CORPUS, CORPUS2], ids=["idm28", "idm29"])
def test_every_language_gets_people_and_topics_of_the_report(
    corpus: Path, settings: Settings, request: pytest.FixtureRequest
) -> None:
    count = passage_token_counter(settings, request)
    _, passages, _, people = collect_passages(
        settings.model_copy(update={"corpus_dir": corpus}), count
    )
    starters = build_starters(passages, people)
    assert set(starters) == set(LANGUAGES)
    quoted = sorted(people, key=lambda p: -len(p.statements))[0]
    headings = {p.section[-1] for p in passages if p.section}
    for language, questions in starters.items():
        assert len(questions) >= 3 and len(set(questions)) == len(questions)
        person, topic = templates(language)["person"], templates(language)["topic"]
        assert questions[0] == person.format(person=quoted.name)
        asked = [q for q in questions if q not in {person.format(person=p.name) for p in people}]
        # the rest asks about headings of this report, verbatim
        assert asked and all(any(topic.format(topic=h) == q for h in headings) for q in asked)


def test_topics_are_short_headings_of_the_fullest_sections() -> None:
    passages = [
        *[make_passage("x", section=("1. CHAPITRE EN CAPITALES", "Partenariats régionaux"))] * 3,
        *[make_passage("x", section=("CONCLUSIONS",))] * 9,
        *[make_passage("x", section=("A", "Une très longue phrase de titre qui dit bien trop"))]
        * 9,
        *[make_passage("x", section=("2. Rôle des données",))] * 2,
        *[make_passage("x", section=("B", "Jeunes"), kind="agenda")] * 9,
        make_passage("x", section=("C", "Migrants")),
    ]
    assert topics(passages) == ["Partenariats régionaux", "Rôle des données"]


def test_the_build_stores_and_serving_loads_them(manifest: dict, loaded_index) -> None:
    assert "starters.json" in manifest["files"]
    stored = json.loads((loaded_index.path / "starters.json").read_text(encoding="utf-8"))
    assert loaded_index.starters == stored and set(stored) == set(LANGUAGES)
