"""The words and edits of the follow-up rules (:mod:`idmqa.retrieval.conversation`).

:func:`vocabulary` reads one language's words from ``data/lexicon/<lang>/``; the edits put the
person or topic a reference stands for in its place, each after its grammar ("Qu'a-t-il dit"
→ "Qu'a dit X", "its components" → "the components of X", "Qui en a parlé ?" → "Qui a parlé
au sujet de X ?"), and :func:`tidy` joins the words a rewrite put side by side ("de le" →
"du").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from idmqa import lexicon
from idmqa.people.model import fold

WORD = re.compile(r"[\w'’-]+")
#: What ends a question: its final punctuation and white space (stripped, never matched by a
#: regular expression: a run of spaces would cost it quadratic time).
_END_CHARS = " \t\n\r?!.…"
#: What a French word elides before ("d'António", "l'Alliance"; an aspirated h is rare in names).
_VOWEL = re.compile(r"[aeiouàâäéèêëîïôöûüœæh]", re.IGNORECASE)


def bare(text: str) -> str:
    """``text`` without its final punctuation."""
    return text.rstrip(_END_CHARS)


def _last_word(text: str) -> str:
    """The word ``text`` ends with, after white space and an elision's apostrophe ("qu'")."""
    tail = text.rstrip().rstrip("'’")
    start = len(tail)
    while start and (tail[start - 1].isalnum() or tail[start - 1] == "_"):
        start -= 1
    return tail[start:]


def words_of(text: str) -> list[str]:
    """The words of ``text``, folded ("l'UNICEF" → "l'unicef")."""
    return [fold(w).strip("'-") for w in WORD.findall(text)]


@dataclass(frozen=True, slots=True)
class Reference:
    """A word standing for the previous turn's person or topic (``references.tsv``)."""

    refers: str  # person, topic, either
    gender: str
    grammar: str
    article: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One language's words of the follow-up rules."""

    language: str
    references: dict[str, Reference]
    reference: re.Pattern[str]
    opener: re.Pattern[str]
    marker: re.Pattern[str]
    question: re.Pattern[str]
    idioms: re.Pattern[str] | None
    function_words: frozenset[str]
    auxiliaries: frozenset[str]
    fillers: frozenset[str]
    templates: dict[str, str]
    contractions: dict[str, str]


def _alternation(phrases: Iterable[str]) -> str:
    """Whole phrases, longest first; one ending with an apostrophe ("qu'") is glued to the
    next word."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return (
        "|".join(
            lexicon.phrase_pattern([p]) + ("" if p.endswith(("'", "’")) else r"(?![\w'’-])")
            for p in ordered
        )
        or r"(?!)"
    )


@cache
def vocabulary(language: str) -> Vocabulary:
    """The rules' words of ``language`` (``fr`` or ``en``)."""
    rows = {row[0].lower(): row for row in lexicon.rows("references", language)}
    references = {
        fold(form): Reference(row[1], row[2].strip("-"), row[3], row[4] if len(row) > 4 else "")
        for form, row in rows.items()
    }
    # a form may start with a hyphen ("-t-il": glued to its verb) or end with an apostrophe
    # ("l'": glued to the next word); other forms are whole words
    forms = "|".join(
        rf"(?<=\w){re.escape(f)}(?![\w-])"
        if f.startswith("-")
        else rf"(?<![\w-]){re.escape(f)}(?=\w)"
        if f.endswith("'")
        else rf"(?<![\w-]){_alternation([f])}"
        for f in sorted(rows, key=len, reverse=True)
    )

    def words(kind: str) -> list[str]:
        return [row[0].lower() for row in lexicon.rows(kind, language)]

    idioms = words("not_references")
    return Vocabulary(
        language,
        references,
        re.compile(forms or r"(?!)", re.IGNORECASE),
        re.compile(rf"^\W*(?:{_alternation(words('follow_up_openers'))})", re.I),
        re.compile(rf"(?<![\w'’-])(?:{_alternation(words('topic_markers'))})", re.I),
        re.compile(rf"^(?:\W*(?:{_alternation(words('question_openers'))}))+", re.I),
        re.compile(rf"(?<![\w-])(?:{_alternation(idioms)})", re.I) if idioms else None,
        frozenset(fold(w) for w in words("function_words")),
        frozenset(fold(w) for w in words("auxiliaries")),
        frozenset(fold(w) for w in words("fillers")),
        {row[0]: row[1] for row in lexicon.rows("templates", language)},
        {row[0]: row[1] for row in lexicon.rows("contractions", language)},
    )


#: What an edit does: (start, end, replacement, text added at the end of the question).
Edit = tuple[int, int, str, str]


def _next_word(text: str, at: int) -> re.Match[str] | None:
    return re.compile(r"\s*([\w'’-]+)").match(text, at)


def _content(word: str, words: Vocabulary) -> bool:
    """Not a function word ("l'avenir" counts by its head: "avenir")."""
    head = re.split(r"['’]", fold(word))[-1]
    return (
        bool(head) and fold(word) not in words.function_words and head not in (words.function_words)
    )


def _subject(text: str, m: re.Match[str], ref: Reference, target: str, words: Vocabulary):
    if m.start() == 0 and not target[:1].isupper():
        target = target[:1].upper() + target[1:]
    return m.start(), m.end(), target, ""


def _object(text: str, m: re.Match[str], ref: Reference, target: str, words: Vocabulary):
    before = re.findall(r"[\w'’-]+", text[: m.start()])
    if words.language == "fr" and (not before or fold(before[-1]) not in words.function_words):
        return None  # "lui" before a verb is an indirect object: only "selon lui" is replaced
    return m.start(), m.end(), target, ""


def _possessive(text: str, m: re.Match[str], ref: Reference, target: str, words: Vocabulary):
    noun = _next_word(text, m.end())
    if noun is None or not _content(noun.group(1), words):
        # "her" before nothing that it could own is an object: "about her"
        return _object(text, m, ref, target, words) if ref.grammar == "possessive" else None
    end = noun.end()
    while (more := _next_word(text, end)) and _content(more.group(1), words):
        end = more.end()
    owned = words.templates["owner"].format(thing=text[noun.start(1) : end], owner=target)
    return m.start(), end, f"{ref.article} {owned}", ""


def _demonstrative(text: str, m: re.Match[str], ref: Reference, target: str, w: Vocabulary):
    noun = _next_word(text, m.end())
    if noun is not None and _content(noun.group(1), w):
        return m.start(), noun.end(), target, ""  # "this mechanism" → the topic
    if not bare(text[m.end() :]):
        return m.start(), m.end(), target, ""  # "Who else spoke about this?"
    return None


def _inverted(text: str, m: re.Match[str], ref: Reference, target: str, words: Vocabulary):
    verb = _last_word(text[: m.start()])
    participle = _next_word(text, m.end())
    if fold(verb) in words.auxiliaries:
        # "Qu'a-t-il dit sur…" → "Qu'a dit X sur…"; "a-t-elle été lancée" → "a été lancée X"
        while participle is not None and fold(participle.group(1)) in words.auxiliaries:
            participle = _next_word(text, participle.end())
        if participle is not None and _content(participle.group(1), words):
            return m.start(), participle.end(), f"{text[m.end() : participle.end()]} {target}", ""
    return m.start(), m.end(), f" {target}", ""


def _clitic(text: str, m: re.Match[str], ref: Reference, target: str, words: Vocabulary):
    verb = _next_word(text, m.end())
    if verb is None or not verb.group(1)[:1].islower():
        return None
    if m.group().endswith(("'", "’")) or fold(m.group()) == "les":
        # "Qui l'a proposé ?" → "Qui a proposé <topic> ?": only before an auxiliary
        if fold(verb.group(1)) not in words.auxiliaries:
            return None
        participle = _next_word(text, verb.end())
        if participle is None or not _content(participle.group(1), words):
            return None
        return m.start(), participle.end(), f"{text[m.end() : participle.end()]} {target}", ""
    # "Qui en a parlé ?", "Qu'en pense-t-il ?": after a question word or a pronoun only
    before = _last_word(text[: m.start()])
    if not (
        not before
        or fold(before) in words.function_words
        or any(words.question.fullmatch(w) for w in (before, before + "'"))
    ):
        return None
    if not _content(verb.group(1), words) and fold(verb.group(1)) not in words.auxiliaries:
        return None
    return m.start(), m.end(), "", " " + words.templates["about"].format(topic=target)


EDITS: dict[str, Callable[..., Edit | None]] = {
    "subject": _subject,
    "object": _object,
    "possessive": _possessive,
    "demonstrative": _demonstrative,
    "inverted": _inverted,
    "clitic": _clitic,
}


def tidy(text: str, words: Vocabulary) -> str:
    """Contractions and elisions of the language where a rewrite put words side by side, in
    the case of the first word ("Que a" → "Qu'a")."""

    def cased(form: str) -> Callable[[re.Match[str]], str]:
        return lambda m: form[:1].upper() + form[1:] if m.group()[:1].isupper() else form

    for pair, joined in words.contractions.items():
        if " " in pair:
            text = re.sub(rf"(?<![\w'’]){pair}\s+(?=\w)", cased(f"{joined} "), text, flags=re.I)
    for word, elided in words.contractions.items():
        if " " not in word:
            pattern = rf"(?<![\w'’-]){word}\s+(?={_VOWEL.pattern})"
            text = re.sub(pattern, cased(elided), text, flags=re.IGNORECASE)
    text = re.sub(r"(\S)\s+([,.])", r"\1\2", text)
    return re.sub(r"\s{2,}", " ", text).strip()
