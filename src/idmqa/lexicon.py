"""The words the rules read, per language: one data file per kind under ``data/lexicon/<lang>/``.

Kinds (``.txt``: one entry per line; ``.tsv``: tab-separated fields; ``#`` starts a comment):

=================  =============================================================================
civilities         civility, gender (``m``, ``f``, ``-``)
function_words     articles, prepositions, conjunctions, pronouns (never a name; a line ending
                   with one was cut)
sentence_starters  words that open a sentence (never the continuation of a name)
months             month names, as dates spell them
speech_verbs       verbs of speech: a mention followed by one reports that person's words
speech_nouns       nouns of what was said ("les observations finales du Directeur général")
introducers        phrases after which the mention is the source ("selon", "d'après")
not_speakers       phrases after which the mention is not the speaker ("au nom de")
speaker_nouns      nouns of unnamed speakers ("le représentant du Brésil", "les participants")
pronouns           subject pronouns and the gender they tell
titles             title words: heads, qualifiers, dating and generic words, with concepts
agenda_labels      agenda line labels (regular expressions) and the role they give
ordinals           ordinal words and their number ("second atelier")
workshop_nouns     nouns of the meetings an agenda schedules ("atelier")
countries          ISO code, name, other forms (names and adjective)
organisations      code, acronym, names: the code ties the languages (WHO ↔ OMS)
starters           kind (``person``, ``topic``), template of a starter question (fr, en, es)
references         follow-up words standing for the previous turn's person or topic ("he",
                   "its", "-t-il", "ce"), with their gender, grammar and article
follow_up_openers  phrases opening an elliptic follow-up ("And…", "Et…", "What about…")
topic_markers      prepositions introducing a question's topic ("about", "sur")
question_openers   words opening a question before its topic ("What is", "Qu'est-ce que")
speech_questions   words of a question about what someone said ("say", "position", "dit")
auxiliaries        auxiliary verbs ("Qu'a-t-il dit" puts the subject after the participle)
fillers            words of an elliptic follow-up that designate nothing ("one", "celui")
not_references     phrases whose pronoun stands for nothing ("y a-t-il", "en matière")
templates          how a rewritten question is phrased when the previous one cannot be reused
contractions       words joined or elided when a rewrite puts them side by side ("de le" → "du")
back_references    words opening a paragraph that continues the one before ("elle", "de plus")
stop_words         words BM25 leaves out (bm25s' lists, as data: bm25s imports scipy)
photo_words        words of a question about photographs ("photo", "pictured"): captions answer it
irregular_verbs    past forms of irregular verbs and their base form ("paid" → "pay")
=================  =============================================================================

Both sides read it: the parser and the attribution at build time, the person lookup and the
reading of follow-up questions (:mod:`idmqa.retrieval.conversation`) at query time.
Everything is loaded once per process.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

#: Languages with a lexicon, in the order their entries are merged.
LANGUAGES = ("fr", "en", "es")

Row = tuple[str, ...]


def _folder() -> resources.abc.Traversable:
    return resources.files("idmqa").joinpath("data/lexicon")


@cache
def rows(kind: str, language: str) -> tuple[Row, ...]:
    """The rows of ``data/lexicon/<language>/<kind>.txt|.tsv`` (fields stripped); ``()``
    when the language has no such file."""
    folder = _folder().joinpath(language)
    for name in (f"{kind}.tsv", f"{kind}.txt"):
        path = folder.joinpath(name)
        if path.is_file():
            lines = path.read_text("utf-8").splitlines()
            return tuple(
                tuple(field.strip() for field in line.split("\t"))
                for line in lines
                if line.strip() and not line.startswith("#")
            )
    return ()


@cache
def all_rows(kind: str) -> tuple[Row, ...]:
    """The rows of ``kind`` in every language."""
    return tuple(row for language in LANGUAGES for row in rows(kind, language))


@cache
def words(kind: str) -> frozenset[str]:
    """The first field of every row of ``kind``, lower-cased, in every language."""
    return frozenset(row[0].lower() for row in all_rows(kind))


def variants(field: str) -> list[str]:
    """The forms of a ``|``-separated field."""
    return [f.strip() for f in field.split("|") if f.strip()]


def phrases(*kinds: str) -> str:
    """:func:`phrase_pattern` of the first field of every row of ``kinds``, in every language."""
    return phrase_pattern(row[0] for kind in kinds for row in all_rows(kind))


def phrase_pattern(phrases: Iterable[str]) -> str:
    """A regular-expression alternation of ``phrases``, longest first: a space matches any white
    space, an apostrophe either apostrophe."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.sub("['’]", "['’]", re.escape(p).replace(r"\ ", r"\s+")) for p in ordered)


@cache
def fingerprint() -> str:
    """sha256 over every lexicon file: the manifest records which lexicon built an index."""
    digest = hashlib.sha256()
    for language in LANGUAGES:
        folder = _folder().joinpath(language)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            digest.update(f"{language}/{path.name}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
