"""Attribution: which people each sentence of a narrative block reports the statements of.

A mention reports a statement when a verb of speech follows it in the same sentence (``Mme
X, role, a souligné…``) or an introducer precedes it (``Comme l'a déclaré M. Y``, ``Selon
Mme Z``, ``De l'avis de…``). A statement runs on through the paragraph (``Il a ajouté``,
``Selon elle``) until another speaker is introduced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from idmqa.people.lexicon import (
    INTRODUCER_RE,
    NOT_SPEAKER_BEFORE_RE,
    SPEECH_RE,
    UNNAMED_SPEAKER_RE,
)
from idmqa.people.mentions import Mention, Resolver, find_mentions
from idmqa.people.model import People, Person
from idmqa.people.records import workshop_of_text
from idmqa.people.titles import role_mentions
from idmqa.schema import Block
from idmqa.text import iter_sentences

#: One sentence of a block: (start, end, speakers reported, people named).
Attribution = tuple[int, int, list[Person], list[Person]]
Span = tuple[int, int]


def attribute_block(
    block: Block, people: People, resolver: Resolver, workshops: Sequence[str]
) -> list[Attribution]:
    """Per sentence of a block: who speaks and who is named. Also adds to the speakers'
    workshops the workshop the sentence places them in."""
    text = block.text
    mentions = find_mentions(text, people)
    out = []
    current: list[Person] = []
    for span in iter_sentences(text) or [(0, len(text))]:
        inside = _sentence_mentions(text, span, mentions, people, resolver)
        resolver.seen([m.person for m in inside if m.person])
        speakers = list(dict.fromkeys(m.person for m in inside if m.speaker and m.person))
        named = list(dict.fromkeys(m.person for m in inside if m.person))
        sentence = text[span[0] : span[1]]
        if speakers:
            current = speakers
            _add_workshops(text, span, inside, workshops)
        elif UNNAMED_SPEAKER_RE.search(sentence) and SPEECH_RE.search(sentence):
            current = []  # an unnamed speaker ("le représentant du Brésil") takes the floor
        # otherwise ("Il a ajouté…", "Selon elle…", plain sentences) the statement goes on
        out.append((span[0], span[1], speakers or list(current), named))
    return out


def _sentence_mentions(
    text: str, span: Span, mentions: Sequence[Mention], people: People, resolver: Resolver
) -> list[Mention]:
    """The sentence's mentions, resolved and marked as speakers or not; when it reports
    speech, with the people it designates by title alone."""
    s_start, s_end = span
    inside = [m for m in mentions if s_start <= m.start < s_end]
    sentence = text[s_start:s_end]
    named_ids = [c.id for m in inside if len(m.candidates) == 1 for c in m.candidates]
    for m in inside:
        resolver.resolve(m, sentence, text, named_ids)
    if SPEECH_RE.search(sentence):
        titled = role_mentions(text, s_start, s_end, people, inside)
        inside = sorted([*inside, *titled], key=lambda x: x.start)
    for k, m in enumerate(inside):
        m.speaker = m.person is not None and _is_speaker(text, span, m, _next_start(inside, k))
    for k in range(len(inside) - 2, -1, -1):
        if _shares_verb(text, s_start, inside[k], inside[k + 1]):
            inside[k].speaker = True
    return inside


def _next_start(inside: Sequence[Mention], k: int) -> int | None:
    return inside[k + 1].start if k + 1 < len(inside) else None


def _is_speaker(text: str, sentence: Span, m: Mention, nxt: int | None) -> bool:
    s_start, s_end = sentence
    before = text[s_start : m.start]
    if NOT_SPEAKER_BEFORE_RE.search(before):
        return False
    if INTRODUCER_RE.search(before):
        return True
    after = text[m.end : min(s_end, nxt if nxt is not None else s_end, m.end + 420)]
    return bool(SPEECH_RE.search(after))


def _shares_verb(text: str, s_start: int, m: Mention, nxt: Mention) -> bool:
    """Does ``m`` share the verb of the speaker after it? ("Mme X, role, et Mme Y, role,
    ont témoigné": X speaks too.)"""
    between = text[m.end : nxt.start]
    return (
        not m.speaker
        and nxt.speaker
        and m.person is not None
        and re.search(r"\bet\b", between) is not None
        and not SPEECH_RE.search(between)
        and not NOT_SPEAKER_BEFORE_RE.search(text[s_start : m.start])
        and len(between) < 250
    )


def _add_workshops(
    text: str, span: Span, inside: Sequence[Mention], workshops: Sequence[str]
) -> None:
    """Give each speaker the workshop named next to them, else anywhere in the sentence."""
    s_start, s_end = span
    sentence = text[s_start:s_end]
    for k, m in enumerate(inside):
        if not m.speaker or m.person is None:
            continue
        nxt = _next_start(inside, k)
        stop = s_end if nxt is None else nxt
        workshop = workshop_of_text(text[m.start : stop], workshops)
        workshop = workshop or workshop_of_text(sentence, workshops)
        if workshop and workshop not in m.person.workshops:
            m.person.workshops.append(workshop)
