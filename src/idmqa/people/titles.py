"""People designated by their title alone ("la Représentante spéciale du Secrétaire général").

A title names a person of the report only when exactly one person holds it — among those of
the workshop the sentence names, when several held it at different workshops ("le Directeur
général de l'OIM" of the first workshop, then of the second); fragments of a longer title,
former and deputy holders name nobody. A role that joins titles ("Représentant permanent du
Chili…, Président du Bureau du Conseil de l'OIM") holds each of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from idmqa.people.mentions import Mention
from idmqa.people.model import People, Person, fold
from idmqa.people.patterns import (
    FEMININE_TITLE,
    QUALIFIERS,
    ROLE_PHRASE_RE,
    ROLE_STOP,
    TENSE,
    TITLE_START_RE,
    WORKSHOP_ORDINAL_RE,
)
from idmqa.people.rules import ATTRIBUTION


def role_mentions(
    text: str,
    span: tuple[int, int],
    people: People,
    taken: Sequence[Mention] = (),
    workshop: str = "",
) -> list[Mention]:
    """Mentions by title alone in ``text[span]``, outside the ``taken`` spans, kept when
    exactly one person holds that title (of ``workshop``, when the sentence names one)."""
    out = []
    for m in ROLE_PHRASE_RE.finditer(text, *span):
        if any(t.start < m.end() and m.start() < t.end for t in taken):
            continue
        if any(_apposed(text, m.end(), t.start) for t in taken):
            continue  # "le Directeur général de l'OIM, M. Vitorino": the name says who
        title = role_words(_without_occasion(m.group(1)))
        if len(set(title)) < ATTRIBUTION.title_min_words:  # "le Directeur général": anyone's
            continue
        holders = [p for p in people if _holds(p, tuple(title))]
        if len(holders) > 1 and workshop:
            holders = [p for p in holders if workshop in p.workshops] or holders
        if len(holders) == 1:
            out.append(Mention(m.start(), m.end(), "", holders, holders[0]))
    return out


def _apposed(text: str, end: int, start: int) -> bool:
    """Does a name follow a title as its apposition ("…de l'OIM, M. Swing")?"""
    return 0 <= start - end <= 3 and text[end:start].strip() in (",", "")


def _without_occasion(title: str) -> str:
    """A title without the occasion written after it ("… de l'OIM au second atelier")."""
    occasion = WORKSHOP_ORDINAL_RE.search(title)
    if occasion is None:
        return title
    return re.sub(
        r"(?:\s+(?:au|à|du|de|lors|pendant|durant|at|during|of|the))+\s*$",
        "",
        title[: occasion.start()],
    )


def role_words(text: str) -> list[str]:
    """A title's content words, folded, in the masculine singular, without dating words
    ("actuelle"), in order."""
    words = []
    for w in re.findall(r"[a-z0-9-]+", fold(text).replace("'", " ")):
        if w in ROLE_STOP:
            continue
        w = w.rstrip("s")
        w = FEMININE_TITLE.sub(r"\1eur", w)  # directrice, ambassadrice → -teur, -deur
        w = w[:-1] if w.endswith("e") and len(w) > 3 else w
        w = w[:-1] if w.endswith(("ll", "nn")) else w  # actuelle, ancienne → actuel, ancien
        if w not in TENSE:
            words.append(w)
    return words


def _qualifiers(words: Sequence[str]) -> set[str]:
    return {q for w in words for q in QUALIFIERS if w == q or w.startswith(q + "-")}


def titles_of(role: str) -> list[str]:
    """The titles a role joins: cut before each ", <title>" or " et <title>"."""
    cuts = [0]
    for m in re.finditer(r",\s*|\s+et\s+|\s+and\s+", role):
        if TITLE_START_RE.match(", " + role[m.end() :]):
            cuts.append(m.end())
    return [role[a:b].strip(" ,") for a, b in zip(cuts, [*cuts[1:], len(role)], strict=True)]


@lru_cache(maxsize=4096)
def _title_words(role: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(role_words(t)) for t in titles_of(role))


def _holds(person: Person, title: tuple[str, ...]) -> bool:
    """True when one of the person's titles is ``title``: the same head noun ("Secrétaire
    général des Nations Unies" is not "Représentante spéciale du Secrétaire général…"), all
    its words and nearly all of the role's (a fragment of a longer title names nobody for
    sure), and the same qualifiers (a former or deputy holder is not the holder)."""
    head = title[0] if title else ""
    for role in person.roles:
        for words in _title_words(role):
            if (
                words
                and words[0] == head
                and set(title) <= set(words)
                and len(set(title)) >= ATTRIBUTION.title_coverage * len(set(words))
                and _qualifiers(title) == _qualifiers(words)
            ):
                return True
    return False
