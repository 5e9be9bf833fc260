"""Attribution: whose statements each sentence of one report's narrative reports.

A mention reports a statement when a verb of speech follows it in the same sentence (``Mme
X, role, a souligné…``), an introducer precedes it (``Comme l'a déclaré M. Y``, ``Selon Mme
Z``, ``ouvert par M. W``), or a noun of speech introduces it, alone or in a list (``les
observations finales du Directeur général adjoint``, ``les exposés de Mme S de l'OMS et de
M. K``). Mentions after ``au nom de``, ``en plus de``… are not the speaker's.

A statement runs on through the paragraph (``Il a ajouté``, ``Selon elle``; a subject pronoun
keeps the speaker of its gender) until another speaker is introduced or an unnamed one takes
the floor (``le représentant du Brésil a noté``). It runs on over the following paragraphs of
the section that name nobody, up to the last that shows it goes on (a pronoun subject, the
speaker's organisation or country); and a paragraph that opens with the name of someone who
spoke just before goes on with their statement (``Mme B est une survivante… Elle a créé…``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from idmqa import lexicon
from idmqa.people.groups import Session, group_mentions
from idmqa.people.mentions import Mention, Resolver, find_mentions
from idmqa.people.model import People, Person, fold
from idmqa.people.patterns import (
    INTRODUCER_RE,
    NOT_SPEAKER_BEFORE_RE,
    PRONOUN_START_RE,
    PRONOUNS,
    SPEECH_NOUN_RE,
    SPEECH_NOUN_WORD_RE,
    SPEECH_RE,
    UNNAMED_SPEAKER_RE,
)
from idmqa.people.records import NARRATIVE_KINDS, workshop_of_text
from idmqa.people.rules import ATTRIBUTION
from idmqa.people.titles import role_mentions
from idmqa.schema import Block, Span
from idmqa.text import iter_sentences


@dataclass(slots=True)
class Sentence:
    """One sentence of a block: its span, whose statements it reports, whom it names."""

    start: int
    end: int
    speakers: list[Person]
    named: list[Person]


@dataclass(slots=True)
class _Read:
    """A narrative block as read: its sentences, who speaks as it ends, what stops a statement
    from running on into it."""

    block: Block
    sentences: list[Sentence]
    tail: list[Person] = field(default_factory=list)
    names_anyone: bool = False
    unnamed_speaker: bool = False


class Cues:
    """The words that show a paragraph goes on with someone's statement: their organisations
    and countries (every form the lexicon and the report's abbreviations know), unless the
    report writes the word in too many paragraphs."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        self.paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
        self.forms: list[tuple[str, ...]] = []  # the forms of one organisation or country
        for kind in ("organisations", "countries"):
            codes: dict[str, list[str]] = {}
            for row in lexicon.all_rows(kind):
                codes.setdefault(row[0], []).extend([row[1], *lexicon.variants(row[2])])
            self.forms.extend(tuple(f) for f in codes.values())
        for b in blocks:
            if b.kind == "abbreviations":
                for line in b.text.splitlines():
                    acronym, _, expansion = line.partition("\t")
                    if acronym.strip() and expansion.strip():
                        self.forms.append((acronym.strip(), expansion.strip()))
        self._by_person: dict[str, list[re.Pattern[str]]] = {}

    def of(self, person: Person) -> list[re.Pattern[str]]:
        """Patterns of the person's telling cues."""
        if person.id not in self._by_person:
            roles = " ; ".join(person.roles)
            cues = {f for forms in self.forms if any(_has(roles, f) for f in forms) for f in forms}
            cues |= set(re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\b", roles))  # acronyms in roles
            cues |= set(_PROPER_NAME_RE.findall(roles))  # "Fondation Horizons", "Migrants Organise"
            patterns = [_pattern(c) for c in sorted(cues)]
            limit = ATTRIBUTION.cue_max_share * max(len(self.paragraphs), 1)
            self._by_person[person.id] = [
                p for p in patterns if sum(1 for t in self.paragraphs if p.search(t)) <= limit
            ]
        return self._by_person[person.id]


#: Two or more capitalised words: an organisation's name in a role.
_PROPER_NAME_RE = re.compile(r"\b[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+)+")


def _pattern(form: str) -> re.Pattern[str]:
    """An acronym as written; a name in any case and accents aside (on folded text)."""
    if form.isupper() or re.fullmatch(r"[A-Z][A-Za-z]*[A-Z][\w-]*", form):
        return re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])")
    return re.compile(rf"(?<![\w-]){re.escape(fold(form))}(?![\w-])", re.IGNORECASE)


def _has(text: str, form: str) -> bool:
    pattern = _pattern(form)
    return bool(pattern.search(text if pattern.flags & re.IGNORECASE == 0 else fold(text)))


class ReportReader:
    """Reads one report's narrative blocks in order. Everything it remembers (who spoke last,
    who was named with whom) is that report's."""

    def __init__(
        self,
        people: People,
        workshops: Sequence[str],
        cues: Cues,
        sessions: Sequence[Session] = (),
    ) -> None:
        self.people = people
        self.workshops = list(workshops)
        self.sessions = list(sessions)
        self.cues = cues
        self.resolver = Resolver(people)
        self.section: tuple[str, ...] = ()  # of the block being read

    def read(self, blocks: Sequence[Block]) -> dict[Span, list[Sentence]]:
        """Per narrative block (by its lines), its sentences with their speakers."""
        reads: list[_Read] = []
        for block in blocks:
            if block.kind in NARRATIVE_KINDS:
                reads.append(self._read_block(block, self._recent_speakers(reads, block)))
        self._run_on(reads)
        return {r.block.lines: r.sentences for r in reads}

    @staticmethod
    def _recent_speakers(reads: Sequence[_Read], block: Block) -> set[Person]:
        """Who spoke in the last paragraphs of the block's section."""
        recent: set[Person] = set()
        paragraphs = [r for r in reads if r.block.kind == "paragraph"]
        for r in paragraphs[-ATTRIBUTION.recent_speaker_paragraphs :]:
            if r.block.section == block.section:
                recent.update(p for s in r.sentences for p in s.speakers)
        return recent

    def _read_block(self, block: Block, recent: set[Person]) -> _Read:
        text = block.text
        self.section = block.section
        mentions = find_mentions(text, self.people)
        read = _Read(block, [])
        current: list[Person] = []
        for k, span in enumerate(iter_sentences(text) or [(0, len(text))]):
            inside = self._sentence_mentions(text, span, mentions)
            self.resolver.seen([m.person for m in inside if m.person])
            sentence = text[span[0] : span[1]]
            opener = inside[0] if inside and not text[span[0] : inside[0].start].strip() else None
            if k == 0 and opener and opener.person in recent and not any(m.speaker for m in inside):
                opener.speaker = True  # "Mme B est une survivante…" after B spoke
            speakers = list(dict.fromkeys(m.person for m in inside if m.speaker and m.person))
            named = list(dict.fromkeys(m.person for m in inside if m.person))
            read.names_anyone = read.names_anyone or bool(named)
            if speakers:
                current = speakers
                self._add_workshops(text, span, inside)
            elif UNNAMED_SPEAKER_RE.search(sentence) and SPEECH_RE.search(sentence):
                current = []  # an unnamed speaker ("le représentant du Brésil") takes the floor
                read.unnamed_speaker = True
            else:  # "Il a ajouté…", "Selon elle…", plain sentences: the statement goes on
                current = _by_pronoun(sentence, current)
            read.sentences.append(Sentence(span[0], span[1], speakers or list(current), named))
        read.tail = current
        return read

    def _run_on(self, reads: Sequence[_Read]) -> None:
        """Statements running on over the following paragraphs that name nobody, up to the
        last that shows it (a pronoun subject, an organisation or country of the speaker)."""
        for i, r in enumerate(reads):
            if not r.tail or r.block.kind != "paragraph":
                continue
            run: list[_Read] = []
            for nxt in reads[i + 1 :]:
                if nxt.block.kind == "footnote":
                    continue
                if (
                    nxt.block.kind != "paragraph"
                    or nxt.block.section != r.block.section
                    or nxt.names_anyone
                    or nxt.unnamed_speaker
                    or len(run) == ATTRIBUTION.continued_paragraphs
                ):
                    break
                run.append(nxt)
            shown = [k for k, n in enumerate(run) if self._goes_on(n, r.tail)]
            for n in run[: shown[-1] + 1] if shown else []:
                tail = _by_pronoun(n.block.text, r.tail)
                for s in n.sentences:
                    s.speakers = list(tail)
                n.tail = list(tail)

    def _goes_on(self, read: _Read, speakers: Sequence[Person]) -> bool:
        """Does the paragraph show it goes on with ``speakers``' statement?"""
        text = read.block.text
        opening = PRONOUN_START_RE.match(text)
        if opening:
            gender = PRONOUNS.get(fold(opening.group(1)), "")
            return not gender or any(p.gender in ("", gender) for p in speakers)
        return any(
            c.search(text if c.flags & re.IGNORECASE == 0 else fold(text))
            for p in speakers
            for c in self.cues.of(p)
        )

    def _sentence_mentions(
        self, text: str, span: Span, mentions: Sequence[Mention]
    ) -> list[Mention]:
        """The sentence's mentions, resolved and marked as speakers or not; when it reports
        speech, with the people it designates by title alone."""
        s_start, s_end = span
        inside = [m for m in mentions if s_start <= m.start < s_end]
        sentence = text[s_start:s_end]
        named_ids = [c.id for m in inside if len(m.candidates) == 1 for c in m.candidates]
        for m in inside:
            self.resolver.resolve(m, sentence, text, named_ids)
        grouped: list[Mention] = []
        if SPEECH_RE.search(sentence) or SPEECH_NOUN_WORD_RE.search(sentence):
            workshop = self._workshop(sentence)
            titled = role_mentions(text, span, self.people, inside, workshop)
            grouped = [
                g
                for g in group_mentions(text, span, self.people, self.sessions, workshop)
                if not any(t.start < g.end and g.start < t.end for t in [*inside, *titled])
            ]
            inside = sorted([*inside, *titled, *grouped], key=lambda x: x.start)
        for k, m in enumerate(inside):
            nxt = inside[k + 1].start if k + 1 < len(inside) else None
            # a group designated in a sentence reporting speech is who speaks
            m.speaker = m.person is not None and (m in grouped or _is_speaker(text, span, m, nxt))
        for k in range(len(inside) - 2, -1, -1):
            if _shares_verb(text, s_start, inside[k], inside[k + 1]):
                inside[k].speaker = True
        _introduced_by_noun(text, span, inside)
        return inside

    def _workshop(self, sentence: str) -> str:
        """The workshop a sentence is about: named in it, else the one whose agenda holds it."""
        return workshop_of_text(sentence, self.workshops) or workshop_of_text(
            " ".join(self.section), self.workshops, by_city=True
        )

    def _add_workshops(self, text: str, span: Span, inside: Sequence[Mention]) -> None:
        """Give each speaker the workshop named next to them, else anywhere in the sentence."""
        s_start, s_end = span
        for k, m in enumerate(inside):
            if not m.speaker or m.person is None:
                continue
            stop = inside[k + 1].start if k + 1 < len(inside) else s_end
            workshop = workshop_of_text(text[m.start : stop], self.workshops)
            workshop = workshop or workshop_of_text(text[s_start:s_end], self.workshops)
            if workshop and workshop not in m.person.workshops:
                m.person.workshops.append(workshop)


def _by_pronoun(sentence: str, current: list[Person]) -> list[Person]:
    """Of several speakers, those a subject pronoun opening ``sentence`` designates ("Elle")."""
    opening = PRONOUN_START_RE.match(sentence) if len(current) > 1 else None
    if opening is None:
        return current
    gender = PRONOUNS.get(fold(opening.group(1)), "")
    return [p for p in current if p.gender == gender] or current


def _is_speaker(text: str, sentence: Span, m: Mention, nxt: int | None) -> bool:
    s_start, s_end = sentence
    before = text[s_start : m.start]
    if NOT_SPEAKER_BEFORE_RE.search(before):
        return False
    if INTRODUCER_RE.search(before):
        return True
    stop = min(s_end, nxt if nxt is not None else s_end, m.end + ATTRIBUTION.speech_reach)
    return bool(SPEECH_RE.search(text[m.end : stop]))


def _shares_verb(text: str, s_start: int, m: Mention, nxt: Mention) -> bool:
    """Does ``m`` share the verb of the speaker after it? ("Mme X, role, et Mme Y, role,
    ont témoigné": X speaks too.)"""
    between = text[m.end : nxt.start]
    return (
        not m.speaker
        and nxt.speaker
        and m.person is not None
        and re.search(r"\b(?:et|and)\b", between) is not None
        and not SPEECH_RE.search(between)
        and not NOT_SPEAKER_BEFORE_RE.search(text[s_start : m.start])
        and len(between) < ATTRIBUTION.shared_verb_gap
    )


#: Between two people a noun of speech introduces: a separator, maybe an organisation after
#: the first ("… de Mme S de l'OMS et de M. K", "… de l'OIT (OIT) et de la Commissaire").
_LIST_GAP_RE = re.compile(
    r"^\s*(?:(?:de|du|d['’])\s*(?:la\s+|l['’])?[\w-]+\s*)?(?:\([^()]{1,40}\)\s*)?"
    r"(?:,|\bet\b|\bainsi\s+que\b|\band\b)\s*"
    r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|of\s+(?:the\s+)?)?$",
    re.IGNORECASE,
)


def _introduced_by_noun(text: str, span: Span, inside: Sequence[Mention]) -> None:
    """The people a noun of speech introduces speak: the one right after it, and those listed
    with them ("les exposés de Mme S de l'OMS et de M. K", "des remarques préliminaires du
    Directeur général de l'UNICEF, du …")."""
    for noun in SPEECH_NOUN_RE.finditer(text, *span):
        cursor = noun.end()
        for m in inside:
            if m.end <= noun.start():
                continue
            gap = text[cursor : m.start] if m.start > cursor else ""
            first = cursor == noun.end()
            if (first and gap.strip()) or (not first and not _LIST_GAP_RE.match(gap)):
                break
            if m.person is not None and not NOT_SPEAKER_BEFORE_RE.search(text[span[0] : m.start]):
                m.speaker = True
            cursor = max(cursor, m.end)
