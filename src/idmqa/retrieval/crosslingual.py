"""Reading a question in the corpus' language: which language it is in, and the corpus words
its terms translate to (glossary, the corpus' acronyms, the build's bilingual table and their
word families)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cached_property

from idmqa.index.store import LoadedIndex
from idmqa.retrieval.glossary import (
    Glossary,
    acronym_expansions,
    expand_acronyms,
    stem_families,
)
from idmqa.settings import Settings
from idmqa.text import (
    analyze,
    english_base,
    english_stem,
    english_words,
    language_votes,
    strip_accents,
)

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")


class CrossLingual:
    """The corpus' vocabulary and the translations that bring a question's words to it."""

    def __init__(self, index: LoadedIndex, settings: Settings) -> None:
        counts = Counter(d.get("language", "fr") for d in index.documents.values())
        self.corpus_language = counts.most_common(1)[0][0] if counts else "fr"
        self.glossary = Glossary.english_french()
        self.table = index.bilingual if self.corpus_language == "fr" else {}
        self._passages = index.passages
        self.acronyms = acronym_expansions(index.passages)
        self._stems = index.bm25.vocab_dict
        self._settings = settings

    @cached_property
    def families(self) -> dict[str, list[str]]:
        """The word families of the corpus' stems (``stem_families``), built at the first
        translation (~4 ms): French questions without acronyms need none."""
        settings = self._settings
        return stem_families(self._stems, settings.family_min_stem, settings.family_max_suffix)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The corpus' own words, folded: to tell a keyword query's language (see
        :meth:`reading`) and the numbers it never writes. Built at first need (~25 ms): most
        questions have function words and no number."""
        words = {w for p in self._passages for w in _WORD.findall(p.text.lower())}
        return frozenset(map(strip_accents, words))  # each distinct word folded once

    def reading(self, question: str) -> tuple[str, frozenset[str]]:
        """The question's language, and the languages to read it in.

        Its function words tell most questions apart. A keyword query has none ("seed
        fund", "mayor Clarkston youth", "fonds d'amorçage" without accents): it is read
        both ways — BM25 at full weight and the translations of its English words — and
        shown as English when it has lower-case words the corpus never uses.
        """
        french, english = language_votes(question)
        if french != english:
            language = "en" if english > french else "fr"
            return language, frozenset({language})
        words = [strip_accents(w) for w in _WORD.findall(question) if w.islower()]
        foreign = any(w not in self.vocabulary for w in words)
        return ("en" if foreign else self.corpus_language), frozenset({"en", "fr"})

    def unknown_numbers(self, question: str) -> list[str]:
        """The numbers of the question (years, figures) that the corpus never writes: a
        question about 2023 is not answered by a report of 2018, in any language."""
        return [n for n in _NUMBER.findall(question) if n not in self.vocabulary]

    def glossary_words(self, question: str, readings: frozenset[str]) -> list[str]:
        """The corpus-language forms of the question's acronyms, and of its terms when it is
        read in another language."""
        words = expand_acronyms(question, self.acronyms)
        if readings != {self.corpus_language}:
            words += self.glossary.translations(question)
        return words

    def table_words(self, question: str, most: int | None = None) -> list[str]:
        """The corpus words the build's bilingual table gives the question's English words
        (an irregular past form's base form's if it has none of its own), of those with at
        most ``most`` translations if given (none over a corpus the table does not
        translate into)."""
        found = (
            self.table.get(english_stem(word))
            or self.table.get(english_stem(english_base(word)), ())
            for word in english_words(question)
        )
        return [w for words in found if most is None or len(words) <= most for w in words]

    def terms(self, words: list[str]) -> list[str]:
        """BM25 terms of translations: their own and those of their word families."""
        terms = analyze(" ".join(words))
        return terms + [f for t in terms for f in self.families.get(t, ())]

    def noun_terms(self, words: str) -> set[str]:
        """BM25 terms of ``words`` and of their translations into the corpus' language."""
        translations = self.table_words(words) + self.glossary.translations(words)
        return set(analyze(words)) | set(self.terms(translations))

    def dense_text(self, question: str, language: str) -> str:
        """What the model embeds for ``question``: an English question over a French corpus
        is followed by the French words of its terms — the glossary's, and the bilingual
        table's for the words it translates one way only ("funding" → "financement").

        The multilingual model matches English wording to its French counterpart weakly;
        with the corpus' own words beside it, the question lands nearer the passages that
        use them, in the same model call. A word the dictionary translates several ways
        would add the senses the question does not mean (and model time), so only BM25
        reads those.
        """
        if language != "en" or self.corpus_language == "en":
            return question
        words = self.table_words(question, most=1) + self.glossary.translations(question)
        return f"{question} {' '.join(words)}" if words else question
