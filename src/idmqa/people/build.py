"""Who said what: the people a report names, and the passages that report their statements.

Everything is derived from the parsed report by general rules; nothing is keyed on a
particular report's people or line numbers. The vocabulary below (civilities, particles,
verbs of speech, role words, country names) is generic French/English.

1. **Records.** Every naming of a person is a record: agenda rows (``Modérateur : M. X,
   role``, speaker bullets, presenters, introductions, with workshop/day/time/session),
   photo captions (``Event, IDM City, date. Name, Org, Name, Org … ©``) and narrative
   mentions with a civility (``Mme Louise Arbour, Représentante spéciale…``).
2. **Unification.** Records whose names agree once accents, civilities and initials are
   dropped, or where one name is the other with tokens left out (``Habib Nadir`` /
   ``El Habib Nadir``), or whose tokens are pairwise near-identical (``Ranieri`` /
   ``Raniero Guerra``) become one person. Different first names stay apart.
3. **Mentions.** Narrative mentions (``M. Khan``, ``Mme Arbour``, full names without a
   civility) are resolved to a person; when a surname is shared, by context: co-mentioned
   names, words of the person's roles near the mention, civility (gender) and recency.
4. **Attribution.** A mention reports a statement when a verb of speech follows it in the
   same sentence (``Mme X, role, a souligné…``) or an introducer precedes it (``Comme l'a
   déclaré M. Y``, ``Selon Mme Z``, ``De l'avis de…``). A statement runs on through the
   paragraph (``Il a ajouté``, ``Selon elle``) until another speaker is introduced.
5. **Questions.** :meth:`People.detect` finds the people a question names (full names, or
   capitalised surnames, with or without civility; accent-insensitive; French or English).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from idmqa.schema import Block, Document, Passage
from idmqa.text import iter_sentences

__all__ = [
    "AgendaAppearance",
    "People",
    "Person",
    "attribute_passages",
    "build_people",
    "fold",
    "name_tokens",
]

# --------------------------------------------------------------------------- vocabulary

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(re.findall(r"\S+", words))


_CIVILITIES = {
    "m.": "m",
    "mm.": "m",
    "mme": "f",
    "mmes": "f",
    "mlle": "f",
    "dr": "",
    "dr.": "",
    "pr.": "",
    "mr": "m",
    "mr.": "m",
    "mrs": "f",
    "mrs.": "f",
    "ms": "f",
    "ms.": "f",
    "monsieur": "m",
    "madame": "f",
}
_CIVILITY = r"(?:M\.|MM\.|Mmes|Mme|Mlle|Dr\.?|Pr\.|Mrs\.?|Mr\.?|Ms\.?|Monsieur|Madame)"
_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_TOKEN = rf"[{_UPPER}][\w'’-]*\.?[{_SUPERSCRIPTS}]*"
_PARTICLE = r"(?:de|da|das|do|dos|del|della|di|du|van|von|der|den|ter|bin|ibn|al|el|y)"
_NAME = rf"{_NAME_TOKEN}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_TOKEN}){{0,5}}"
#: A civility followed by a capitalised name.
_CIVILITY_NAME_RE = re.compile(rf"(?<![\w'’])({_CIVILITY})\s+({_NAME})")
_TOKEN_RE = re.compile(r"[\w'’-]+", re.UNICODE)

#: Capitalised words that are not names (sentence openers after an abbreviation…).
_NOT_NAMES = _word_set(
    """le la les l un une des ce cette ces il elle ils elles nous vous on en dans pour par
    selon comme bien alors mais et ou si lors au aux du de d the a an and in on of for it
    conformément ainsi enfin toutefois cependant"""
)

#: Verbs of speech (past participles, a few present/imperfect forms), French and English.
_SPEECH_VERBS = r"""
    souligné|noté|déclaré|dit|relevé|observé|mentionné|rappelé|ajouté|expliqué|cité|défendu|
    abordé|insisté|indiqué|écho|réaffirmé|confirmé|évoqué|proposé|présenté|suggéré|affirmé|
    estimé|averti|reconnu|décrit|encouragé|appelé|exhorté|plaidé|conclu|résumé|précisé|
    préconisé|annoncé|montré|partagé|formulé|témoigné|demandé|recommandé|invité|exprimé|
    signalé|constaté|jugé|considéré|salué|réitéré|exposé|illustré|soutenu|prôné|regretté|
    parlé|contribué|intervenu|ouvert|clôturé|souligner|rappeler|noter|expliquer|affirmer|
    réaffirmer|insister|évoquer|décrire|présenter|préciser|déclarer|indiquer|mentionner|
    fait\s+observer|fait\s+remarquer|fait\s+valoir|fait\s+part|mis\s+en\s+avant|
    mis\s+l'accent|mis\s+en\s+évidence|mis\s+en\s+garde|attiré\s+l'attention|
    donné\s+(?:des|un|plusieurs)\s+exemples?|pris\s+la\s+parole|
    s'exprimant|s'est\s+exprimée?|estime|estimait|estimant|dit|déclare|souligne|soulignant|
    affirme|note|notant|rappelant|précisant|espérait|considère|ajoute|ajoutant|
    said|says|noted|stressed|emphasi[sz]ed|highlighted|argued|explained|added|stated|
    observed|remarked|pointed\s+out|announced|recalled|underlined|warned|suggested|
    proposed|called\s+for|described|presented
"""
_SPEECH_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(p.strip() for p in _SPEECH_VERBS.split("|") if p.strip()) + r")"
    r"(?![\w])",
    re.IGNORECASE,
)
#: Introducers: the mention that follows is the source of what the sentence reports.
_INTRODUCER_RE = re.compile(
    r"(?:\bselon|\bd'après|\bd’après|\bde\s+l['’]avis\s+de|\bpour\s+reprendre\s+les\s+"
    r"(?:termes|mots|propos)\s+de|\bselon\s+les\s+termes(?:\s+mêmes)?\s+de|\bpoint\s+de\s+vue\s+de"
    r"|\bpropos\s+de|\bcomme\s+l['’](?:a|ont)\s+[\w\s]{1,25}?|\b(?:repris|soulignée?s?|relevée?s?|"
    r"évoquée?s?|exprimée?s?|affirmée?s?|mentionnée?s?|rappelée?s?)\s+par|\baccording\s+to"
    r"|\bas\s+\w+\s+(?:said|noted|put\s+it)|^\s*pour|^\s*for)"
    r"\s*(?:[^.;:!?]{0,140}?,\s*)?$",
    re.IGNORECASE,
)
#: The mention is someone spoken *for* or *about*, not the speaker.
_NOT_SPEAKER_BEFORE_RE = re.compile(
    r"(?:au\s+nom\s+de|de\s+la\s+part\s+de|on\s+behalf\s+of|en\s+citant|rapport\s+(?:final\s+)?de"
    r"|hommage\s+à)\s*$",
    re.IGNORECASE,
)
#: A speaker who is not named ("le représentant du Brésil", "un orateur"): ends a statement.
_UNNAMED_SPEAKER_RE = re.compile(
    r"\b(?:l[ea]s?|une?|d'autres|plusieurs|certains|certaines|de\s+nombreux)\s+"
    r"(?:représentante?s?|orat(?:eur|rice)s?|participante?s?|intervenante?s?|délégations?|"
    r"panélistes?|représentants?)\b",
    re.IGNORECASE,
)

_WORKSHOP_ORDINALS = (
    re.compile(r"\b(?:premier|1er|first)\s+(?:atelier|workshop)", re.I),
    re.compile(r"\b(?:second|deuxième|seconde|2e|second)\s+(?:atelier|workshop)", re.I),
)
_AGENDA_LABEL_RE = re.compile(
    r"^\s*(Mod[ée]rat(?:eur|rice)s?|Moderat(?:eur|rice|or|ors)|Pr[ée]sentat(?:eur|rice)s?|"
    r"Presenters?|Chair(?:person)?|Facilitat(?:eur|rice|or)s?|Introduction(?: (?:à|a) la table"
    r" ronde)?|Keynote|Orat(?:eur|rice)s?|Intervenant(?:e)?s?|Pan[ée]listes?|Panell?ists?|"
    r"Speakers?)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_CAPTION_PEOPLE_RE = re.compile(r"^.*?\b(?:19|20)\d{2}\s*\.\s*(.+?)\s*(?:©.*)?$")

#: Country names in French (and a few English forms), to tell where a person comes from.
_COUNTRIES = """
Afghanistan|Afrique du Sud|Albanie|Algérie|Allemagne|Andorre|Angola|Arabie saoudite|Argentine|
Arménie|Australie|Autriche|Azerbaïdjan|Bahamas|Bahreïn|Bangladesh|Barbade|Belgique|Belize|Bénin|
Bhoutan|Bélarus|Biélorussie|Bolivie|Bosnie-Herzégovine|Botswana|Brésil|Brunéi|Bulgarie|
Burkina Faso|Burundi|Cabo Verde|Cambodge|Cameroun|Canada|Chili|Chine|Chypre|Colombie|Comores|
Congo|Costa Rica|Côte d'Ivoire|Croatie|Cuba|Danemark|Djibouti|Dominique|Égypte|El Salvador|
Émirats arabes unis|Équateur|Érythrée|Espagne|Estonie|Eswatini|États-Unis d'Amérique|États-Unis|
Éthiopie|Fidji|Finlande|France|Gabon|Gambie|Géorgie|Ghana|Grèce|Grenade|Guatemala|Guinée|
Guinée-Bissau|Guyana|Haïti|Honduras|Hongrie|Inde|Indonésie|Iran|Iraq|Irlande|Islande|Israël|
Italie|Jamaïque|Japon|Jordanie|Kazakhstan|Kenya|Kirghizistan|Koweït|Lesotho|Lettonie|Liban|
Libéria|Libye|Liechtenstein|Lituanie|Luxembourg|Macédoine|Madagascar|Malaisie|Malawi|Maldives|
Mali|Malte|Maroc|Maurice|Mauritanie|Mexique|Moldova|République de Moldova|Monaco|Mongolie|
Monténégro|Mozambique|Myanmar|Namibie|Népal|Nicaragua|Niger|Nigéria|Norvège|Nouvelle-Zélande|Oman|
Ouganda|Ouzbékistan|Pakistan|Panama|Papouasie-Nouvelle-Guinée|Paraguay|Pays-Bas|Pérou|Philippines|
Pologne|Portugal|Qatar|République centrafricaine|République de Corée|Corée|
République démocratique du Congo|République dominicaine|République-Unie de Tanzanie|Tanzanie|
Roumanie|Royaume-Uni|Russie|Fédération de Russie|Rwanda|Sénégal|Serbie|Sierra Leone|Singapour|
Slovaquie|Slovénie|Somalie|Soudan|Soudan du Sud|Sri Lanka|Suède|
Royaume-Uni de Grande-Bretagne et d'Irlande du Nord|Suisse|Suriname|Syrie|
République arabe syrienne|Tadjikistan|Tchad|Tchéquie|Thaïlande|Timor-Leste|Togo|Trinité-et-Tobago|
Tunisie|Turkménistan|Turquie|Ukraine|Uruguay|Vanuatu|Venezuela|Viet Nam|Yémen|Zambie|Zimbabwe|
Germany|Switzerland|Mexico|Sweden|Japan|United Kingdom|United States|Morocco|Chile|Brazil|Italy|
Spain|Ecuador|Philippines
"""
_COUNTRY_LIST = sorted(
    {c.strip() for c in _COUNTRIES.replace("\n", "").split("|") if c.strip()},
    key=len,
    reverse=True,
)


# --------------------------------------------------------------------------- helpers


def fold(text: str) -> str:
    """Lower-case, accent-free, typographic apostrophes unified: ``"Schülz"`` → ``"schulz"``."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _clean_name(name: str) -> str:
    name = name.translate({ord(c): None for c in _SUPERSCRIPTS})
    return re.sub(r"\s+", " ", name).strip(" ,.;:")


def name_tokens(name: str) -> tuple[str, ...]:
    """Folded name tokens without initials: ``"Susan F. Martin"`` → ``("susan", "martin")``."""
    out = []
    for tok in _TOKEN_RE.findall(fold(_clean_name(name))):
        tok = tok.strip("'-")
        if len(tok) <= 1 or (len(tok) == 2 and tok.endswith(".")):
            continue
        out.append(tok)
    return tuple(out)


@lru_cache(maxsize=16384)
def _first_name_token(word: str) -> str:
    """The name token of one question word, "" if none (cached: questions share words)."""
    tokens = name_tokens(word)
    return tokens[0] if tokens else ""


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(_clean_name(name))).strip("-")


def _similar(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and SequenceMatcher(None, a, b).ratio() >= 0.8)


def _subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(any(t == u for u in it) for t in short)


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Do two full names (token tuples, ≥ 2 tokens each) designate the same person?"""
    if len(a) < 2 or len(b) < 2:
        return False
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if short[-1] == long[-1] and _subsequence(short, long):
        return True  # "Habib Nadir" / "El Habib Nadir", "William Swing" / "William Lacy Swing"
    if len(a) == len(b) and all(_similar(x, y) for x, y in zip(a, b, strict=True)):
        return sum(x == y for x, y in zip(a, b, strict=True)) >= 1  # Ranieri/Raniero Guerra
    return False


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 6:
        return False
    caps = [w for w in words if w[:1].isupper()]
    lower = [w for w in words if not w[:1].isupper() and not re.fullmatch(_PARTICLE, w)]
    return len(caps) >= 2 and not lower and fold(words[0]) not in _NOT_NAMES


def _countries(text: str) -> list[str]:
    found: list[str] = []
    folded = fold(text)
    for country in _COUNTRY_LIST:
        fc = fold(country)
        if re.search(rf"(?<![\w-]){re.escape(fc)}(?![\w-])", folded) and not any(
            fc in fold(f) for f in found
        ):
            found.append(country)
    return found


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class AgendaAppearance:
    """A person's row in an agenda."""

    role: str  # moderator, speaker, presenter, introduction, chair
    title: str  # the person's role as the agenda writes it
    workshop: str
    day: str
    time: str
    session: str
    passage: str  # id of the agenda passage (filled once passages exist)
    lines: tuple[int, int]


@dataclass(slots=True)
class _Record:
    name: str
    civility: str  # "m", "f" or ""
    role: str
    source: str  # agenda, caption, narrative
    lines: tuple[int, int]
    workshop: str = ""
    agenda: AgendaAppearance | None = None


@dataclass(eq=False)
class Person:
    """One person named in the corpus."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str = ""  # "m", "f" or "" (from the civilities used)
    roles: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    workshops: list[str] = field(default_factory=list)
    agenda: list[AgendaAppearance] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # caption passage ids
    statements: list[str] = field(default_factory=list)  # passage ids, document order
    mentions: list[str] = field(default_factory=list)  # passages naming the person at all
    sources: list[str] = field(default_factory=list)  # agenda / caption / narrative

    @property
    def tokens(self) -> list[tuple[str, ...]]:
        return [name_tokens(a) for a in self.aliases]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, row: dict) -> Person:
        agenda = [
            AgendaAppearance(**{**a, "lines": tuple(a["lines"])}) for a in row.get("agenda", [])
        ]
        return cls(**{**row, "agenda": agenda})


def _split_entry(entry: str) -> tuple[str, str, str] | None:
    """``"M. William Lacy Swing, Directeur général…"`` → (civility, name, role)."""
    entry = entry.strip().lstrip("•").strip()
    m = re.match(rf"^({_CIVILITY})\s+([^,;(]+?)\s*(?:[,;(]\s*(.*))?$", entry)
    if m:
        name = _clean_name(m.group(2))
        if len(name_tokens(name)) >= 1:
            return _CIVILITIES.get(m.group(1).lower(), ""), name, (m.group(3) or "").strip()
    m = re.match(r"^([^,;(]+?)\s*[,;]\s*(.*)$", entry)
    if m and _looks_like_name(_clean_name(m.group(1))):
        return "", _clean_name(m.group(1)), m.group(2).strip()
    return None


def _agenda_records(block: Block) -> list[_Record]:
    meta = block.meta
    records = []
    label = ""
    for line in block.text.split("\n"):
        bullet = line.startswith("• ")
        body = line[2:] if bullet else line
        m = _AGENDA_LABEL_RE.match(body)
        if m:
            label, body = fold(m.group(1)), m.group(2)
            if not body.strip():
                continue
        elif not bullet:
            label = ""
            continue
        parsed = _split_entry(body)
        if parsed is None or (not parsed[0] and not bullet and not m):
            continue
        civility, name, role = parsed
        kind = (
            "moderator"
            if label.startswith(("mod", "chair", "facil"))
            else "presenter"
            if label.startswith(("pres", "prés"))
            else "introduction"
            if label.startswith(("intro", "keynote"))
            else "speaker"
        )
        appearance = AgendaAppearance(
            role=kind,
            title=role,
            workshop=meta.get("workshop", ""),
            day=meta.get("day", ""),
            time=meta.get("time", ""),
            session=meta.get("session", ""),
            passage="",
            lines=block.lines,
        )
        records.append(
            _Record(name, civility, role, "agenda", block.lines, appearance.workshop, appearance)
        )
    return records


def _caption_records(block: Block, workshops: Sequence[str]) -> list[_Record]:
    text = block.text.strip()
    m = _CAPTION_PEOPLE_RE.match(text)
    if not m:
        return []
    workshop = _workshop_of_text(text[: m.start(1)], workshops, by_city=True)
    items = [i.strip(" .") for i in re.split(r",\s+", m.group(1)) if i.strip(" .")]
    records = []
    k = 0
    while k < len(items):
        item = _clean_name(items[k])
        if _looks_like_name(item):
            role = items[k + 1] if k + 1 < len(items) else ""
            records.append(_Record(item, "", role, "caption", block.lines, workshop))
            k += 2
        else:
            k += 1
    return records


def _apposition(text: str, end: int) -> str:
    """The role written after a narrative name: ``M. X, <role>, a souligné``."""
    rest = text[end:].lstrip(_SUPERSCRIPTS)
    if not rest.startswith(","):
        return ""
    stop = re.search(
        r",\s*(?:(?:a|ont|qui|lors|au\s+cours|dans|en|est|avec|et\s+(?:M\.|Mme)|M\.|Mme|Dr)"
        r"(?![\w'’])|s['’]|l['’]a\b)|\s(?:a|ont)\s+(?:\w+\s+)?(?:" + _SPEECH_RE.pattern + r")"
        r"|\ss['’]exprimant|[.;:«]\s",
        rest,
    )
    if stop is not None and stop.start() == 0:
        return ""
    role = rest[1 : stop.start()] if stop else rest[1:].split(",", 1)[0]
    role = role.strip(" ,").translate({ord(c): None for c in _SUPERSCRIPTS})
    return role if 3 <= len(role) <= 300 else ""


def _narrative_records(block: Block, workshops: Sequence[str]) -> list[_Record]:
    records = []
    for m in _CIVILITY_NAME_RE.finditer(block.text):
        name = _clean_name(m.group(2))
        tokens = name_tokens(name)
        if not tokens or tokens[0] in _NOT_NAMES:
            continue
        records.append(
            _Record(
                name,
                _CIVILITIES.get(m.group(1).lower(), ""),
                _apposition(block.text, m.end()),
                "narrative",
                block.lines,
            )
        )
    return records


def _workshop_of_text(text: str, workshops: Sequence[str], by_city: bool = False) -> str:
    """Workshop named in ``text``: by ordinal ("second atelier") or by its city."""
    for k, pattern in enumerate(_WORKSHOP_ORDINALS):
        if k < len(workshops) and pattern.search(text):
            return workshops[k]
    if by_city:
        folded = fold(text)
        for w in workshops:
            city = fold(w.split(",")[0]).strip()
            if city and city in folded:
                return w
    return ""


# --------------------------------------------------------------------------- people


#: Questions whose answer is a person ("Who opened…", "Qui a présidé…", "Which minister…",
#: "Quel intervenant…"). "who" and "qui" are also relative pronouns ("the man who…", "les
#: pays qui…"), so they count only first, after a comma, a conjunction ("and who…"), "tell
#: me who…", or a preposition ("by whom", "par qui").
_ASKS_FOR_PERSON = re.compile(
    r"(?:^|[,;:]|\b(?:and|but|me|us|by|to|with|of))\W*(?:who|whom|whose)\b"
    r"|(?:^|[,;:]|\b(?:et|mais|par|à|avec|de|pour))\W*qui\b"
    r"|\b(?:which|what) (?:speaker|minister|ambassador|representative|person|official|"
    r"moderator|panellist|panelist|presenter)s?\b"
    r"|\bquel(?:le)?s? (?:intervenant|orat(?:eur|rice)|ministre|ambassad(?:eur|rice)|"
    r"représentant|personne|modérat(?:eur|rice)|responsable)e?s?\b",
    re.IGNORECASE,
)


def asks_for_person(question: str) -> bool:
    """True when ``question`` asks who (did, said, moderated…) rather than what."""
    return bool(_ASKS_FOR_PERSON.search(question))


class People:
    """The people of an index, with lookups by id, name, organisation and question."""

    def __init__(self, persons: Iterable[Person], workshops: Sequence[str] = ()) -> None:
        self.persons = list(persons)
        self.workshops = list(workshops)
        self.by_id = {p.id: p for p in self.persons}
        self._surnames: dict[tuple[str, ...], list[Person]] = defaultdict(list)
        self._full: dict[tuple[str, ...], Person] = {}
        for p in self.persons:
            for toks in {t for t in p.tokens if t}:
                if len(toks) >= 2:
                    self._full.setdefault(toks, p)
                for k in range(1, len(toks)):
                    suffix = toks[k:]
                    if p not in self._surnames[suffix]:
                        self._surnames[suffix].append(p)
                if len(toks) == 1 and p not in self._surnames[toks]:
                    self._surnames[toks].append(p)

    def __len__(self) -> int:
        return len(self.persons)

    def __iter__(self):
        return iter(self.persons)

    def get(self, person_id: str) -> Person | None:
        return self.by_id.get(person_id)

    def to_json(self) -> dict:
        return {"workshops": self.workshops, "people": [p.to_json() for p in self.persons]}

    @classmethod
    def from_json(cls, data: dict) -> People:
        return cls([Person.from_json(r) for r in data.get("people", [])], data.get("workshops", []))

    # ---------------------------------------------------------------- lookups

    def candidates(self, name: str) -> list[Person]:
        """People a written name may designate (several when only a shared surname is given)."""
        toks = name_tokens(re.sub(rf"^{_CIVILITY}\s+", "", name.strip()))
        if not toks:
            return []
        if toks in self._full:
            return [self._full[toks]]
        if len(toks) >= 2:
            same = [p for p in self.persons if any(same_person(toks, t) for t in p.tokens)]
            if same:
                return same
        found = list(self._surnames.get(toks, []))
        if not found and len(toks) == 1:
            found = [p for p in self.persons if any(_similar(toks[0], t[-1]) for t in p.tokens)]
        return found

    def resolve(self, ref: str) -> Person | None:
        """A person by id or by an unambiguous (partial) name."""
        ref = ref.strip()
        if ref in self.by_id:
            return self.by_id[ref]
        if _slug(ref) in self.by_id:
            return self.by_id[_slug(ref)]
        found = self.candidates(ref)
        if len(found) == 1:
            return found[0]
        hits = self.search(ref)
        return hits[0] if len(hits) == 1 else None

    def search(self, query: str) -> list[Person]:
        """People whose name, alias, role or organisation matches ``query``.

        Accent- and case-insensitive; every word of the query must occur (as a word prefix)
        in the person's names or roles, so partial names ("vitor", "Mme Arbour") work.
        """
        words = [w for w in _TOKEN_RE.findall(fold(query)) if fold(w) not in _CIVILITIES]
        words = [w.rstrip(".") for w in words if w.rstrip(".")]
        if not words:
            return list(self.persons)
        out = []
        for p in self.persons:
            hay = fold(" ".join([*p.aliases, *p.roles, *p.countries]))
            hay_words = _TOKEN_RE.findall(hay)
            if all(any(h.startswith(w) for h in hay_words) or w in hay for w in words):
                out.append(p)
        # people matched by name first
        return sorted(out, key=lambda p: not all(w in fold(" ".join(p.aliases)) for w in words))

    def detect(self, question: str) -> list[Person]:
        """People a question names: full names, or capitalised surnames (with or without
        civility), accent-insensitively. Several when a surname is shared and nothing tells
        them apart."""
        words = [
            (m.start(), re.sub(r"['’]s$", "", m.group(0)))  # "Bralo's" → "Bralo"
            for m in re.finditer(r"[\w’'-]+\.?", question)
        ]
        folded = [_first_name_token(w) for _, w in words]
        found: list[Person] = []
        used: set[int] = set()
        # longest spans first
        for size in range(5, 0, -1):
            for i in range(0, len(words) - size + 1):
                span = range(i, i + size)
                if any(j in used for j in span):
                    continue
                toks = tuple(t for t in (folded[j] for j in span) if t)
                if len(toks) != size:
                    continue
                raw = [words[j][1] for j in span]
                if size == 1:
                    prev = words[i - 1][1] if i > 0 else ""
                    civil = fold(prev) in _CIVILITIES
                    if not raw[0][:1].isupper() or len(toks[0]) < 3:
                        continue
                    if toks[0] in _NOT_NAMES or (
                        i == 0 and not civil and fold(raw[0]) in _EN_FR_WORDS
                    ):
                        continue
                people = self._full.get(toks) if size >= 2 else None
                matches = [people] if people else list(self._surnames.get(toks, []))
                if not matches:
                    continue
                if len(matches) > 1:
                    matches = self._disambiguate_in_text(matches, question) or matches
                for p in matches:
                    if p not in found:
                        found.append(p)
                used.update(span)
        return found

    def _disambiguate_in_text(self, cands: list[Person], text: str) -> list[Person]:
        words = set(_TOKEN_RE.findall(fold(text)))
        scores = {}
        for p in cands:
            ctx = _context_words(p)
            others = set().union(*(_context_words(q) for q in cands if q is not p))
            scores[p.id] = len((ctx - others) & words)
        best = max(scores.values())
        return [p for p in cands if best > 0 and scores[p.id] == best]


_EN_FR_WORDS = frozenset({"what", "who", "how", "why", "when", "which", "quel", "quelle", "qui"})
_GENERIC_ROLE_WORDS = _word_set(
    """directeur directrice general generale adjoint adjointe representant representante
    permanent permanente secretaire president presidente chef membre charge chargee des les
    aupres nations unies bureau ministere affaires etrangeres organisation internationale
    pour dans avec sur international internationale programme division"""
)


def _context_words(p: Person) -> set[str]:
    words = set()
    for text in [*p.roles, *p.countries]:
        for w in _TOKEN_RE.findall(fold(text)):
            w = w.split("'")[-1]
            if len(w) >= 3 and w not in _GENERIC_ROLE_WORDS:
                words.add(w)
    return words


# --------------------------------------------------------------------------- building


def _cluster(records: list[_Record]) -> list[list[_Record]]:
    """Group records naming the same person (full names first; surnames stay unresolved)."""
    order = {"agenda": 0, "narrative": 1, "caption": 2}
    full = [r for r in records if len(name_tokens(r.name)) >= 2]
    full.sort(key=lambda r: (order[r.source], r.lines))
    clusters: list[list[_Record]] = []
    for r in full:
        toks = name_tokens(r.name)
        for c in clusters:
            if any(same_person(toks, name_tokens(o.name)) for o in c):
                c.append(r)
                break
        else:
            clusters.append([r])
    # a lone surname with a civility that no full name explains: a person of its own
    for r in records:
        toks = name_tokens(r.name)
        if len(toks) != 1:
            continue
        if any(any(name_tokens(o.name)[-len(toks) :] == toks for o in c) for c in clusters):
            continue
        if any(name_tokens(c[0].name) == toks for c in clusters):
            clusters[[name_tokens(c[0].name) for c in clusters].index(toks)].append(r)
            continue
        clusters.append([r])
    return clusters


def _display_name(names: Sequence[str]) -> str:
    counts = Counter(names)

    def key(n: str) -> tuple:
        accents = sum(1 for c in n if ord(c) > 127)
        return (len(name_tokens(n)), len(n.split()), counts[n], accents)

    return max(counts, key=key)


def _make_person(cluster: list[_Record], taken: set[str]) -> Person:
    names = [r.name for r in cluster]
    display = _display_name(names)
    pid = _slug(display)
    base, k = pid, 2
    while pid in taken:  # two different people with the same name
        pid, k = f"{base}-{k}", k + 1
    taken.add(pid)
    genders = Counter(_c for r in cluster if (_c := r.civility))
    gender = genders.most_common(1)[0][0] if len(genders) == 1 else ""
    if len(genders) > 1:
        top = genders.most_common(2)
        gender = top[0][0] if top[0][1] > top[1][1] else ""
    roles: list[str] = []
    seen: set[str] = set()
    for r in cluster:
        role = r.role.strip(" ,;")
        if role and fold(role) not in seen:
            seen.add(fold(role))
            roles.append(role)
    countries: list[str] = []
    for role in roles:
        for c in _countries(role):
            if c not in countries:
                countries.append(c)
    aliases = list(dict.fromkeys(names))
    return Person(
        id=pid,
        name=display,
        aliases=aliases,
        gender=gender,
        roles=roles,
        countries=countries,
        workshops=[],
        agenda=[r.agenda for r in cluster if r.agenda],
        sources=sorted({r.source for r in cluster}),
    )


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    text: str
    civility: str
    candidates: list[Person]
    person: Person | None = None
    speaker: bool = False


def _find_mentions(text: str, people: People) -> list[_Mention]:
    mentions: list[_Mention] = []
    taken: list[tuple[int, int]] = []
    for m in _CIVILITY_NAME_RE.finditer(text):
        name = _clean_name(m.group(2))
        toks = name_tokens(name)
        if not toks or toks[0] in _NOT_NAMES:
            continue
        cands = people.candidates(name)
        # "M. Swing Les …": drop trailing words until the name resolves
        while not cands and len(name.split()) > 1:
            name = name.rsplit(" ", 1)[0]
            cands = people.candidates(name)
        if not cands:
            continue
        end = m.start(2) + len(m.group(2).rstrip(_SUPERSCRIPTS + " ,.;:"))
        mentions.append(
            _Mention(m.start(), end, name, _CIVILITIES.get(m.group(1).lower(), ""), cands)
        )
        taken.append((m.start(), end))
    # full names written without a civility
    folded = fold(text)
    for p in people:
        for alias in set(p.aliases):
            if len(name_tokens(alias)) < 2:
                continue
            pattern = re.escape(fold(_clean_name(alias))).replace(r"\ ", r"\s+")
            for m in re.finditer(rf"(?<![\w]){pattern}(?![\w])", folded):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                mentions.append(_Mention(m.start(), m.end(), alias, "", [p]))
                taken.append((m.start(), m.end()))
    mentions.sort(key=lambda x: x.start)
    return mentions


class _Resolver:
    """Picks the person a shared surname designates, from context."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.last_seen: dict[str, int] = {}  # person id → position of last resolved mention
        self.comention: dict[str, set[str]] = defaultdict(set)  # id → ids named alongside
        self.clock = 0
        n = max(len(people), 1)
        df: Counter[str] = Counter()
        self.ctx = {p.id: _context_words(p) for p in people}
        for words in self.ctx.values():
            df.update(words)
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}

    def resolve(self, mention: _Mention, sentence: str, paragraph: str, others: list[str]) -> None:
        cands = mention.candidates
        if len(cands) == 1:
            mention.person = cands[0]
            return
        local = set(_TOKEN_RE.findall(fold(sentence)))
        local |= {w.split("'")[-1] for w in local}
        wide = set(_TOKEN_RE.findall(fold(paragraph)))
        wide |= {w.split("'")[-1] for w in wide}
        best, best_score = None, -math.inf
        for p in cands:
            ctx = self.ctx[p.id] - set().union(*(self.ctx[q.id] for q in cands if q is not p))
            score = sum(self.idf.get(w, 1.0) for w in ctx & local)
            score += 0.3 * sum(self.idf.get(w, 1.0) for w in ctx & (wide - local))
            score += 3.0 * len(self.comention[p.id] & set(others))
            if mention.civility and p.gender:
                score += 2.0 if mention.civility == p.gender else -2.0
            recent = max(cands, key=lambda q: self.last_seen.get(q.id, -1))
            if p is recent and self.last_seen.get(p.id, -1) >= 0:
                score += 1.5
            if score > best_score:
                best, best_score = p, score
        mention.person = best

    def seen(self, persons: Sequence[Person]) -> None:
        self.clock += 1
        ids = [p.id for p in persons]
        for pid in ids:
            self.last_seen[pid] = self.clock
            self.comention[pid].update(i for i in ids if i != pid)


def _is_speaker(text: str, sentence: tuple[int, int], m: _Mention, nxt: int | None) -> bool:
    s_start, s_end = sentence
    before = text[s_start : m.start]
    if _NOT_SPEAKER_BEFORE_RE.search(before):
        return False
    if _INTRODUCER_RE.search(before):
        return True
    after = text[m.end : min(s_end, nxt if nxt is not None else s_end, m.end + 420)]
    return bool(_SPEECH_RE.search(after))


#: A person designated by their title only ("l'ancien Directeur général de l'OIM").
_ROLE_PHRASE_RE = re.compile(
    r"(?<![\w])(?:l['’]|le\s+|la\s+|du\s+)((?:(?:ancien(?:ne)?|actuel(?:le)?|nouv(?:eau|elle))\s+)?"
    r"(?:Directeur|Directrice|Représentante?|Président(?:e)?|Coprésidente?|Secrétaire|"
    r"Vice-Ministre|Ministre|Ambassad(?:eur|rice)|Maire|Chef|Haut-Commissaire)\b"
    r"[^,.;:«»()]{0,90}?)(?=\s*(?:[,.;:«»()]|\s(?:dans|lors|au\s+cours|à\s+l['’]issue|a|ont|"
    r"l['’]a|s['’]|qui|en)\b|$))",
)
_ROLE_STOP = _word_set("de du des d la le les l pour et a au aux en sur")


#: Words that date a title without changing it ("l'actuel Directeur général").
_TENSE = frozenset({"actuel", "nouveau", "nouvel"})
#: Words that make another title: a deputy, a former or a special holder is not the holder.
_QUALIFIERS = frozenset({"ancien", "adjoint", "special", "principal", "suppleant", "vice"})
#: Share of a role's words a title must repeat to designate its holder.
_TITLE_COVERAGE = 0.75
_FEMININE_TITLE = re.compile(r"([td])rice$")


def _role_words(text: str) -> list[str]:
    """A title's content words, folded, in the masculine singular, without dating words
    ("actuelle"), in order."""
    words = []
    for w in re.findall(r"[a-z0-9-]+", fold(text).replace("'", " ")):
        if w in _ROLE_STOP:
            continue
        w = w.rstrip("s")
        w = _FEMININE_TITLE.sub(r"\1eur", w)  # directrice, ambassadrice → -teur, -deur
        w = w[:-1] if w.endswith("e") and len(w) > 3 else w
        w = w[:-1] if w.endswith(("ll", "nn")) else w  # actuelle, ancienne → actuel, ancien
        if w not in _TENSE:
            words.append(w)
    return words


def _qualifiers(words: list[str]) -> set[str]:
    return {q for w in words for q in _QUALIFIERS if w == q or w.startswith(q + "-")}


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


def _role_mentions(
    text: str, start: int, end: int, people: People, taken: Sequence[_Mention] = ()
) -> list[_Mention]:
    """Mentions by title alone outside the ``taken`` spans, kept when exactly one person
    holds that title."""
    out = []
    for m in _ROLE_PHRASE_RE.finditer(text, start, end):
        if any(t.start < m.end() and m.start() < t.end for t in taken):
            continue
        title = _role_words(m.group(1))
        if len(set(title)) < 3:
            continue
        holders = [p for p in people if _holds(p, title)]
        if len(holders) == 1:
            out.append(_Mention(m.start(), m.end(), m.group(0), "", holders, holders[0]))
    return out


def _attribute_block(
    block: Block, people: People, resolver: _Resolver, workshops: Sequence[str]
) -> list[tuple[int, int, list[Person], list[Person]]]:
    """Per sentence of a block: (start, end, speakers reported, people named)."""
    text = block.text
    mentions = _find_mentions(text, people)
    spans = iter_sentences(text) or [(0, len(text))]
    out = []
    current: list[Person] = []
    for s_start, s_end in spans:
        inside = [m for m in mentions if s_start <= m.start < s_end]
        sentence = text[s_start:s_end]
        named_ids = [c.id for m in inside if len(m.candidates) == 1 for c in m.candidates]
        for m in inside:
            resolver.resolve(m, sentence, text, named_ids)
        if _SPEECH_RE.search(sentence):
            titled = _role_mentions(text, s_start, s_end, people, inside)
            inside = sorted([*inside, *titled], key=lambda x: x.start)
        for k, m in enumerate(inside):
            nxt = inside[k + 1].start if k + 1 < len(inside) else None
            m.speaker = m.person is not None and _is_speaker(text, (s_start, s_end), m, nxt)
        for k in range(len(inside) - 2, -1, -1):
            # "Mme X, role, et Mme Y, role, ont témoigné": X shares Y's verb
            m, nxt_m = inside[k], inside[k + 1]
            between = text[m.end : nxt_m.start]
            if (
                not m.speaker
                and nxt_m.speaker
                and m.person is not None
                and re.search(r"\bet\b", between)
                and not _SPEECH_RE.search(between)
                and not _NOT_SPEAKER_BEFORE_RE.search(text[s_start : m.start])
                and len(between) < 250
            ):
                m.speaker = True
        resolver.seen([m.person for m in inside if m.person])
        speakers = list(dict.fromkeys(m.person for m in inside if m.speaker and m.person))
        named = list(dict.fromkeys(m.person for m in inside if m.person))
        if speakers:
            current = speakers
            for k, m in enumerate(inside):
                if not m.speaker or m.person is None:
                    continue
                # the workshop named next to this speaker, else anywhere in the sentence
                stop = inside[k + 1].start if k + 1 < len(inside) else s_end
                workshop = _workshop_of_text(text[m.start : stop], workshops)
                workshop = workshop or _workshop_of_text(sentence, workshops)
                if workshop and workshop not in m.person.workshops:
                    m.person.workshops.append(workshop)
        elif _UNNAMED_SPEAKER_RE.search(sentence) and _SPEECH_RE.search(sentence):
            current = []  # an unnamed speaker ("le représentant du Brésil") takes the floor
        # otherwise ("Il a ajouté…", "Selon elle…", plain sentences) the statement goes on
        out.append((s_start, s_end, speakers or list(current), named))
    return out


#: Block kinds whose prose can report statements.
NARRATIVE_KINDS = frozenset({"paragraph", "key_message", "recommendation", "footnote"})


def build_people(
    documents: Sequence[tuple[Document, Sequence[Block]]],
) -> tuple[People, dict[tuple[str, tuple[int, int]], list]]:
    """People of the corpus, and per (document, block lines) the sentence attributions."""
    records: list[_Record] = []
    workshops: list[str] = []
    for _doc, blocks in documents:
        for b in blocks:
            w = b.meta.get("workshop", "") if b.kind == "agenda" else ""
            if w and w not in workshops:
                workshops.append(w)
    for _doc, blocks in documents:
        for b in blocks:
            if b.kind == "agenda":
                records.extend(_agenda_records(b))
            elif b.kind == "caption":
                records.extend(_caption_records(b, workshops))
            elif b.kind in NARRATIVE_KINDS or b.kind == "front_matter":
                records.extend(_narrative_records(b, workshops))
    taken: set[str] = set()
    persons = [_make_person(c, taken) for c in _cluster(records)]
    # workshops from agenda rows and captions
    by_alias = {}
    for p in persons:
        for a in p.aliases:
            by_alias.setdefault(a, p)
    for r in records:
        p = by_alias.get(r.name)
        if p and r.workshop and r.source in ("agenda", "caption") and r.workshop not in p.workshops:
            p.workshops.append(r.workshop)
    people = People(persons, workshops)
    resolver = _Resolver(people)
    attributions: dict[tuple[str, tuple[int, int]], list] = {}
    for doc, blocks in documents:
        for b in blocks:
            if b.kind in NARRATIVE_KINDS:
                attributions[(doc.id, b.lines)] = _attribute_block(b, people, resolver, workshops)
    for p in people:
        p.workshops.sort(key=lambda w: workshops.index(w) if w in workshops else 99)
    return people, attributions


def attribute_passages(
    documents: Sequence[tuple[Document, Sequence[Block]]], passages: Sequence[Passage]
) -> tuple[People, list[Passage]]:
    """Compute the people, give each passage its ``speakers`` and each person its passages."""
    from dataclasses import replace

    people, attributions = build_people(documents)
    blocks = {(d.id, b.lines): b for d, bs in documents for b in bs}
    out: list[Passage] = []
    caption_people: dict[tuple[str, tuple[int, int]], list[Person]] = {}
    for d, bs in documents:
        for b in bs:
            if b.kind in ("caption", "agenda"):
                names = [
                    r.name
                    for r in (
                        _caption_records(b, people.workshops)
                        if b.kind == "caption"
                        else _agenda_records(b)
                    )
                ]
                found = []
                for n in names:
                    c = people.candidates(n)
                    if len(c) == 1 and c[0] not in found:
                        found.append(c[0])
                caption_people[(d.id, b.lines)] = found
    for passage in passages:
        first, last = map(int, passage.id.split(":")[1].split("-"))
        key = (passage.document, (first, last))
        block = blocks.get(key)
        speakers: list[Person] = []
        named: list[Person] = []
        if block is not None and key in attributions:
            offset = block.text.find(passage.text)
            lo, hi = (offset, offset + len(passage.text)) if offset >= 0 else (0, len(block.text))
            for s_start, s_end, spk, nm in attributions[key]:
                if s_start < hi and s_end > lo:
                    speakers.extend(p for p in spk if p not in speakers)
                    named.extend(p for p in nm if p not in named)
        elif key in caption_people:
            named = caption_people[key]
            for p in named:
                if block is not None and block.kind == "caption":
                    p.captions.append(passage.id)
                if block is not None and block.kind == "agenda":
                    for a in p.agenda:
                        if a.lines == block.lines and not a.passage:
                            a.passage = passage.id
        for p in speakers:
            if passage.id not in p.statements:
                p.statements.append(passage.id)
        for p in [*named, *speakers]:
            if passage.id not in p.mentions:
                p.mentions.append(passage.id)
        out.append(replace(passage, speakers=tuple(p.id for p in speakers)))
    return people, out
