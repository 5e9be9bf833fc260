"""People designated as a group: the speakers of a session ("les intervenants de la table
ronde *Voix de migrants*": those the agenda lists for it) or of an organisation ("les
orateurs du Réseau de la renaissance et de la diaspora africaine", "la Banque africaine de
développement, dont le représentant…": the people of the report whose roles name it).

A group names people only when it designates them for sure: one session, or the people of
one organisation (of the workshop the sentence names, when there are several). A country is
no organisation here: its delegation may have spoken through anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from idmqa import lexicon
from idmqa.people.mentions import Mention
from idmqa.people.model import People, Person, fold
from idmqa.people.patterns import COUNTRY_LIST
from idmqa.people.titles import role_words

#: A session of the report's agenda: its title, and the speakers it lists.
Session = tuple[str, list[Person]]

_SPEAKERS = lexicon.phrase_pattern(row[0] for row in lexicon.all_rows("speaker_nouns"))
_SESSIONS = lexicon.phrase_pattern(row[0] for row in lexicon.all_rows("session_nouns"))
_OF = r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|of\s+(?:the\s+)?)"
#: "les intervenants de la table ronde *Voix de migrants*" (all of them: "un panéliste de la
#: table ronde" is one of them): group 1 is the session's title.
SESSION_GROUP_RE = re.compile(
    rf"(?<![\w'’])(?:les|des|aux|the)\s+(?:{_SPEAKERS})\s+{_OF}(?:{_SESSIONS})\s+(?:intitulée\s+|entitled\s+)?"
    r"[*«“\"]?\s*([^*».,;:»”\"]{3,80})",
    re.IGNORECASE,
)
#: "les orateurs du Réseau …", "le représentant de la Banque …": group 1 is the organisation.
ORGANISATION_GROUP_RE = re.compile(
    rf"(?<![\w'’])(?:{_SPEAKERS})\s+{_OF}([A-ZÀ-Þ][^,.;:()«»]{{1,90}}?)"
    r"(?=\s*(?:[,.;:()«»]|\s(?:a|ont|qui|lors|dans|en\s+\w+ant|et\s+(?:de|du|des))\b|$))",
)
#: "la Banque africaine de développement, dont le représentant": group 1 is the organisation.
WHOSE_SPEAKER_RE = re.compile(
    rf"(?:l['’]|le\s+|la\s+|les\s+)([A-ZÀ-Þ][^,.;:()«»]{{1,90}}?),\s+dont\s+"
    rf"(?:l[ea]s?\s+)?(?:{_SPEAKERS})\b",
)
_COUNTRIES = {fold(c) for c in COUNTRY_LIST}


def group_mentions(
    text: str,
    span: tuple[int, int],
    people: People,
    sessions: Sequence[Session],
    workshop: str = "",
) -> list[Mention]:
    """Mentions of the people ``text[span]`` designates as a group (see the module)."""
    out = []
    for m in SESSION_GROUP_RE.finditer(text, *span):
        title = _words(m.group(1))
        found = [ps for name, ps in sessions if title and title <= _words(name)]
        if len(found) == 1:
            out.extend(Mention(m.start(), m.end(), "", [p], p) for p in found[0])
    for pattern in (ORGANISATION_GROUP_RE, WHOSE_SPEAKER_RE):
        for m in pattern.finditer(text, *span):
            members = _members(m.group(1), people, workshop)
            out.extend(Mention(m.start(), m.end(), "", [p], p) for p in members)
    return out


def _words(text: str) -> set[str]:
    return set(role_words(text))


def _members(organisation: str, people: People, workshop: str) -> list[Person]:
    """The people whose roles name ``organisation`` (all its words), if they are few enough to
    be the ones meant: one, or one of the workshop named."""
    words = _words(organisation)
    acronym = organisation.strip().isupper()
    if (len(words) < 2 and not acronym) or fold(organisation.strip()) in _COUNTRIES:
        return []
    members = [p for p in people if any(words <= _words(r) for r in p.roles)]
    if len(members) > 1 and workshop:
        members = [p for p in members if workshop in p.workshops]
    return members if len(members) == 1 else []
