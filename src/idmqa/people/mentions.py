"""Mentions: the people a narrative block names, and which person a shared surname means.

Narrative mentions (``M. Khan``, ``Mme Arbour``, full names without a civility, and a
surname alone — ``Comme Martin et Weerasinghe le font remarquer``) are resolved to a person
of the report; when a surname is shared, by context: co-mentioned names, words of the
person's roles near the mention, civility (gender) and recency. A :class:`Resolver` reads
one report: nothing it remembers carries over to another.
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
from idmqa.people.records import NOT_NAME_WORDS, civility_names
from idmqa.people.rules import ATTRIBUTION


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
    mentions += _surname_mentions(text, people, taken)
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


_CAPITALISED_RE = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’-]+")


def _surname_mentions(text: str, people: People, taken: list[tuple[int, int]]) -> list[Mention]:
    """Surnames written alone, outside the ``taken`` spans: a capitalised word, not next to
    another (then it is part of another name: "Martin Chungong"), that only names people."""
    mentions = []
    words = list(_CAPITALISED_RE.finditer(text))
    for k, m in enumerate(words):
        token = fold(m.group(0))
        if (
            len(token) < ATTRIBUTION.surname_min_length
            or token in NOT_NAME_WORDS
            or any(a <= m.start() < b for a, b in taken)
        ):
            continue
        before = words[k - 1] if k else None
        after = words[k + 1] if k + 1 < len(words) else None
        if _next_to_name(text, before, m.start(), before_it=True) or _next_to_name(
            text, after, m.end(), before_it=False
        ):
            continue
        candidates = people.with_surname(m.group(0))
        if candidates:
            mentions.append(Mention(m.start(), m.end(), "", candidates))
    return mentions


def _next_to_name(text: str, word: re.Match[str] | None, at: int, before_it: bool) -> bool:
    """Is ``word`` a capitalised word right next to position ``at``, other than a common word
    ("Comme Martin et…")?"""
    if word is None or fold(word.group(0)) in NOT_NAME_WORDS:
        return False
    gap = text[word.end() : at] if before_it else text[at : word.start()]
    return not gap.strip()


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
        rules = ATTRIBUTION
        local = _words(sentence)
        wide = _words(paragraph)
        recent = max(cands, key=lambda q: self.last_seen.get(q.id, -1))
        best, best_score = None, -math.inf
        for p in cands:
            ctx = self.ctx[p.id] - set().union(*(self.ctx[q.id] for q in cands if q is not p))
            score = sum(self.idf.get(w, 1.0) for w in ctx & local)
            score += rules.wide_context * sum(self.idf.get(w, 1.0) for w in ctx & (wide - local))
            score += rules.co_mention * len(self.comention[p.id] & set(others))
            if mention.civility and p.gender:
                score += rules.gender if mention.civility == p.gender else -rules.gender
            if p is recent and self.last_seen.get(p.id, -1) >= 0:
                score += rules.recency
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
