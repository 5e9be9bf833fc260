"""People designated by their title alone ("la Représentante spéciale du Secrétaire général").

A title names a person only when exactly one person holds it; fragments of a longer title,
former and deputy holders name nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from idmqa.people.lexicon import FEMININE_TITLE, QUALIFIERS, ROLE_PHRASE_RE, ROLE_STOP, TENSE
from idmqa.people.mentions import Mention
from idmqa.people.model import People, Person, fold

#: Share of a role's words a title must repeat to designate its holder.
_TITLE_COVERAGE = 0.75


def role_mentions(
    text: str, start: int, end: int, people: People, taken: Sequence[Mention] = ()
) -> list[Mention]:
    """Mentions by title alone outside the ``taken`` spans, kept when exactly one person
    holds that title."""
    out = []
    for m in ROLE_PHRASE_RE.finditer(text, start, end):
        if any(t.start < m.end() and m.start() < t.end for t in taken):
            continue
        title = _role_words(m.group(1))
        if len(set(title)) < 3:  # "le Directeur général" alone could be anyone's
            continue
        holders = [p for p in people if _holds(p, title)]
        if len(holders) == 1:
            out.append(Mention(m.start(), m.end(), "", holders, holders[0]))
    return out


def _role_words(text: str) -> list[str]:
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


def _qualifiers(words: list[str]) -> set[str]:
    return {q for w in words for q in QUALIFIERS if w == q or w.startswith(q + "-")}


def _holds(person: Person, title: list[str]) -> bool:
    """True when one of the person's roles is ``title``: the same head noun ("Secrétaire
    général des Nations Unies" is not "Représentante spéciale du Secrétaire général…"), all
    its words and nearly all of the role's (a fragment of a longer title names nobody for
    sure), and the same qualifiers (a former or deputy holder is not the holder)."""
    head = title[0] if title else ""
    for role in person.roles:
        words = _role_words(role)
        if (
            words
            and words[0] == head
            and set(title) <= set(words)
            and len(set(title)) >= _TITLE_COVERAGE * len(set(words))
            and _qualifiers(title) == _qualifiers(words)
        ):
            return True
    return False
