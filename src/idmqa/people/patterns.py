"""Build-time patterns: how reports write names, speech, agendas, captions and titles.

The words are :mod:`idmqa.lexicon`'s (French, English, Spanish); only the shapes are here.
Nothing is keyed on a particular report's people. Query-time vocabulary (civilities, words
that are not names) is in :mod:`idmqa.people.model`.
"""

from __future__ import annotations

import re

from idmqa import lexicon
from idmqa.people.model import CIVILITY, SUPERSCRIPTS, fold

_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_TOKEN = rf"[{_UPPER}][\w'’-]*\.?[{SUPERSCRIPTS}]*"
PARTICLE = r"(?:de|da|das|do|dos|del|della|di|du|van|von|der|den|ter|bin|ibn|al|el|y)"
_NAME = rf"{_NAME_TOKEN}(?:\s+(?:{PARTICLE}\s+)*{_NAME_TOKEN}){{0,5}}"
#: A civility followed by a capitalised name.
CIVILITY_NAME_RE = re.compile(rf"(?<![\w'’])({CIVILITY})\s+({_NAME})")
#: A capitalised name without civility: two to four words, an initial allowed ("Deogratius J.
#: Dotto", "A. Bester"); whether it is a person's name is for the context to tell.
PLAIN_NAME_RE = re.compile(
    rf"(?<![\w'’.-])([{_UPPER}][\w'’-]+|[{_UPPER}]\.)"
    rf"((?:\s+(?:{PARTICLE}\s+)?(?:[{_UPPER}][\w'’-]+|[{_UPPER}]\.)){{1,3}})(?![\w'’-])"
)


def _phrases(kind: str) -> str:
    return lexicon.phrases(kind)


def _words(kind: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'’])(?:{_phrases(kind)})(?![\w'’])", re.IGNORECASE)


def _openers(ends: tuple[str, ...]) -> str:
    """Clause openers (``lexicon/*/clause_openers``) that end ``ends``: words need a word
    boundary after them, elisions ("s'", "l'a") do not."""
    rows = [row[0] for row in lexicon.all_rows("clause_openers") if row[1] in ends]
    words = lexicon.phrase_pattern(w for w in rows if w[-1] not in "'’")
    elided = lexicon.phrase_pattern(w for w in rows if w[-1] in "'’")
    return rf"(?:(?:{words})(?![\w'’])|{elided})" if elided else rf"(?:{words})(?![\w'’])"


#: What opens the rest of a sentence after a role written after a name.
ROLE_END = _openers(("role", "both"))
#: What opens the rest of a sentence after a title ("en soulignant": a gerund).
_TITLE_END = _openers(("both",))

#: Verbs of speech (``lexicon/*/speech_verbs``).
SPEECH_RE = _words("speech_verbs")
#: A noun of what was said and the "de/du" that introduces its authors: "les exposés de",
#: "les observations finales du", "ses remarques liminaires de" (a word or two between).
SPEECH_NOUN_RE = re.compile(
    rf"(?<![\w'’])(?:{_phrases('speech_nouns')})(?:\s+[\w-]+){{0,2}}?"
    r"\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|of\s+(?:the\s+)?|by\s+(?:the\s+)?)",
    re.IGNORECASE,
)
#: A noun of speech anywhere ("Ce message a été renforcé par…"): the sentence reports speech.
SPEECH_NOUN_WORD_RE = _words("speech_nouns")
#: Introducers: the mention that follows is the source of what the sentence reports ("Selon
#: Mme X", "Comme l'a déclaré M. Y", "ouvert par M. Z"), a role in between allowed.
INTRODUCER_RE = re.compile(
    rf"(?:(?<![\w'’])(?:{_phrases('introducers')})"
    r"|\bcomme\s+l['’](?:a|ont)\s+[\w\s]{1,25}?"
    rf"|(?<![\w'’])(?:{_phrases('speech_verbs')})(?:e|s|es)?\s+par"
    r"|\bas\s+\w+\s+(?:said|noted|put\s+it)|^\s*pour|^\s*for)"
    r"\s*(?:[^.;:!?]{0,140}?,\s*)?$",
    re.IGNORECASE,
)
#: The mention is someone spoken *for*, *about* or *beside*, not the speaker.
NOT_SPEAKER_BEFORE_RE = re.compile(rf"(?<![\w'’])(?:{_phrases('not_speakers')})\s*$", re.IGNORECASE)
#: A speaker who is not named ("le représentant du Brésil", "de nombreux orateurs"): a
#: sentence with one and a verb of speech ends the statement of the person named before.
UNNAMED_SPEAKER_RE = re.compile(
    r"(?<![\w'’])(?:l[ea]s?|l['’]|une?|d['’]autres|plusieurs|certain(?:e)?s|de\s+nombreu(?:x|ses)"
    r"|the|an?|other|several|some|many)\s+"
    rf"(?:{_phrases('speaker_nouns')})(?![\w'’])",
    re.IGNORECASE,
)
#: Subject pronouns ("Il a ajouté…", "Elle a cité…") and the gender they tell.
PRONOUNS = {fold(row[0]): row[1].strip("-") for row in lexicon.all_rows("pronouns")}
PRONOUN_START_RE = re.compile(
    rf"^\W*({lexicon.phrase_pattern(row[0] for row in lexicon.all_rows('pronouns'))})\b",
    re.IGNORECASE,
)
#: "premier atelier", "second workshop": the number of the workshop named.
ORDINALS = {fold(row[0]): int(row[1]) for row in lexicon.all_rows("ordinals")}
WORKSHOP_ORDINAL_RE = re.compile(
    rf"(?<![\w'’])({_phrases('ordinals')})\s+(?:{_phrases('workshop_nouns')})(?![\w'’])",
    re.IGNORECASE,
)
#: A photo caption: "Event, City, date. Name, Org, Name, Org … ©"; the group is the people.
CAPTION_PEOPLE_RE = re.compile(r"^.*?\b(?:19|20)\d{2}\s*\.\s*(.+?)\s*(?:©.*)?$")


def _title_rows(kind: str) -> list[tuple[str, ...]]:
    return [row for row in lexicon.all_rows("titles") if row[1] == kind]


#: Words that open a title ("Directrice", "Ministre"), in the lexicon's languages.
_TITLE_HEADS = lexicon.phrase_pattern(
    f"{w[0].upper()}{w[1:]}" for row in _title_rows("head") for w in (row[0],)
)
_HEADS_ANY_CASE = lexicon.phrase_pattern(row[0] for row in _title_rows("head"))
#: A title opening a role written after a plain name ("Paula Benea, Fonctionnaire chargée…").
TITLE_START_RE = re.compile(rf"^\s*,\s*(?:{_HEADS_ANY_CASE})(?![\w'’])", re.IGNORECASE)
_TITLE_PREFIXES = lexicon.phrase_pattern(
    row[0] for row in [*_title_rows("dating"), *_title_rows("qualifier")]
)
#: The article before a title: "le", "la", "l'", "du", "de la", "the".
_TITLE_ARTICLE = r"(?:l['’]|le\s+|la\s+|du\s+|de\s+la\s+|the\s+)"
#: A person designated by their title only ("l'ancien Directeur général de l'OIM"), up to a
#: punctuation, a verb or another title ("… pour les migrations internationales et du
#: Président du Conseil de l'OIM").
ROLE_PHRASE_RE = re.compile(
    rf"(?<![\w]){_TITLE_ARTICLE}((?:(?:{_TITLE_PREFIXES})\s+)?(?:{_TITLE_HEADS})\b"
    rf"[^,.;:«»()]{{0,130}}?)(?=\s*(?:[,.;:«»()]|\s{_TITLE_END}|\sen\s+\w+ant\b"
    rf"|\s(?:et|ainsi\s+que|and)\s+{_TITLE_ARTICLE}|$))",
)
#: Words a title is compared without: function words.
ROLE_STOP = frozenset(fold(w) for w in lexicon.words("function_words"))
#: Words that date a title without changing it ("l'actuel Directeur général").
TENSE = frozenset(fold(row[0]) for row in _title_rows("dating"))
#: Words that make another title: a deputy, a former or a special holder is not the holder.
QUALIFIERS = frozenset(fold(row[0]) for row in _title_rows("qualifier"))
#: A feminine title ending ("directrice", "ambassadrice"), compared in the masculine.
FEMININE_TITLE = re.compile(r"([td])rice$")


def _countries() -> list[str]:
    names = {
        n for row in lexicon.all_rows("countries") for n in [row[1], *lexicon.variants(row[2])]
    }
    # a country is named by its name; adjectives (lower case) say where a role comes from
    return sorted((n for n in names if n[:1].isupper()), key=len, reverse=True)


#: Country names (every language), longest first so "Soudan du Sud" is not "Soudan".
COUNTRY_LIST = _countries()
