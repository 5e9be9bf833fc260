"""The follow-up rules' words per language, and the joins a rewrite needs."""

from __future__ import annotations

import pytest

from idmqa import lexicon
from idmqa.retrieval.rewrite import tidy, vocabulary


def test_every_language_with_references_has_the_rest_of_the_vocabulary() -> None:
    for language in lexicon.LANGUAGES:
        if not lexicon.rows("references", language):
            continue
        words = vocabulary(language)
        assert {"said", "about", "owner"} <= set(words.templates)
        for ref in words.references.values():
            assert ref.refers in {"person", "topic", "either", "owner"}
            assert ref.grammar in {
                "subject",
                "object",
                "possessive",
                "inverted",
                "demonstrative",
                "clitic",
            }


@pytest.mark.parametrize(
    ("text", "tidied"),
    [
        ("les composantes de le mécanisme", "les composantes du mécanisme"),
        ("au sujet de les villes", "au sujet des villes"),
        ("la position de Ana Pereira", "la position d'Ana Pereira"),
        ("Que a dit X ?", "Qu'a dit X ?"),
    ],
)
def test_french_rewrites_are_contracted_and_elided(text: str, tidied: str) -> None:
    assert tidy(text, vocabulary("fr")) == tidied


def test_english_rewrites_are_left_as_they_are() -> None:
    assert tidy("the views of Ana Pereira , on data", vocabulary("en")) == (
        "the views of Ana Pereira, on data"
    )
