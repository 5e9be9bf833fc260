"""Mentions: the people a narrative block names, and which person a shared surname means.

Narrative mentions (``M. Khan``, ``Mme Arbour``, full names without a civility) are
resolved to a person; when a surname is shared, by context: co-mentioned names, words of the
person's roles near the mention, civility (gender) and recency.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from idmqa.people.model import (
    SUPERSCRIPTS,
    TOKEN_RE,
    People,
    Person,
    civility_gender,
    clean_name,
    context_words,
    fold,
    name_tokens,
)
from idmqa.people.records import civility_names


@dataclass(slots=True)
class Mention:
    """A span of a block that names someone: who it may be, who it is, whether they speak."""

    start: int
    end: int
    civility: str
    candidates: list[Person]
    person: Person | None = None
    speaker: bool = False


def find_mentions(text: str, people: People) -> list[Mention]:
    """The mentions of known people in ``text``, in order."""
    mentions = _civility_mentions(text, people)
    taken = [(m.start, m.end) for m in mentions]
    mentions += _full_name_mentions(text, people, taken)
    mentions.sort(key=lambda x: x.start)
    return mentions


def _civility_mentions(text: str, people: People) -> list[Mention]:
    mentions = []
    for m, name in civility_names(text):
        cands = people.candidates(name)
        # "M. Swing Les …": drop trailing words until the name resolves
        while not cands and len(name.split()) > 1:
            name = name.rsplit(" ", 1)[0]
            cands = people.candidates(name)
        if not cands:
            continue
        end = m.start(2) + len(m.group(2).rstrip(SUPERSCRIPTS + " ,.;:"))
        mentions.append(Mention(m.start(), end, civility_gender(m.group(1)), cands))
    return mentions


def _full_name_mentions(text: str, people: People, taken: list[tuple[int, int]]) -> list[Mention]:
    """Full names written without a civility, outside the ``taken`` spans (extended)."""
    mentions = []
    folded = fold(text)
    for p in people:
        for alias in set(p.aliases):
            if len(name_tokens(alias)) < 2:
                continue
            pattern = re.escape(fold(clean_name(alias))).replace(r"\ ", r"\s+")
            for m in re.finditer(rf"(?<![\w]){pattern}(?![\w])", folded):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                mentions.append(Mention(m.start(), m.end(), "", [p]))
                taken.append((m.start(), m.end()))
    return mentions


def _words(text: str) -> set[str]:
    """Folded words of ``text``, elided ones also without their article ("l'unicef")."""
    words = set(TOKEN_RE.findall(fold(text)))
    return words | {w.split("'")[-1] for w in words}


class Resolver:
    """Picks the person a shared surname designates, from context.

    Stateful over a document: it remembers who was named last and who alongside whom.
    """

    def __init__(self, people: People) -> None:
        self.last_seen: dict[str, int] = {}  # person id → position of last resolved mention
        self.comention: dict[str, set[str]] = defaultdict(set)  # id → ids named alongside
        self.clock = 0
        n = max(len(people), 1)
        df: Counter[str] = Counter()
        self.ctx = {p.id: context_words(p) for p in people}
        for words in self.ctx.values():
            df.update(words)
        # a role word few people share tells more than one many share
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}

    def resolve(self, mention: Mention, sentence: str, paragraph: str, others: list[str]) -> None:
        cands = mention.candidates
        if len(cands) == 1:
            mention.person = cands[0]
            return
        local = _words(sentence)
        wide = _words(paragraph)
        recent = max(cands, key=lambda q: self.last_seen.get(q.id, -1))
        best, best_score = None, -math.inf
        for p in cands:
            ctx = self.ctx[p.id] - set().union(*(self.ctx[q.id] for q in cands if q is not p))
            score = sum(self.idf.get(w, 1.0) for w in ctx & local)
            score += 0.3 * sum(self.idf.get(w, 1.0) for w in ctx & (wide - local))
            score += 3.0 * len(self.comention[p.id] & set(others))
            if mention.civility and p.gender:
                score += 2.0 if mention.civility == p.gender else -2.0
            if p is recent and self.last_seen.get(p.id, -1) >= 0:
                score += 1.5
            if score > best_score:
                best, best_score = p, score
        mention.person = best

    def seen(self, persons: Sequence[Person]) -> None:
        """Record the people one sentence named."""
        self.clock += 1
        ids = [p.id for p in persons]
        for pid in ids:
            self.last_seen[pid] = self.clock
            self.comention[pid].update(i for i in ids if i != pid)
