"""Build-time vocabulary: how the report writes names, speech, agendas, captions and titles.

Generic French/English; nothing here is keyed on a particular report's people. Query-time
vocabulary (civilities, words that are not names) is in :mod:`idmqa.people.model`.
"""

from __future__ import annotations

import re

from idmqa.people.model import CIVILITY, SUPERSCRIPTS, word_set

_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_TOKEN = rf"[{_UPPER}][\w'’-]*\.?[{SUPERSCRIPTS}]*"
PARTICLE = r"(?:de|da|das|do|dos|del|della|di|du|van|von|der|den|ter|bin|ibn|al|el|y)"
_NAME = rf"{_NAME_TOKEN}(?:\s+(?:{PARTICLE}\s+)*{_NAME_TOKEN}){{0,5}}"
#: A civility followed by a capitalised name.
CIVILITY_NAME_RE = re.compile(rf"(?<![\w'’])({CIVILITY})\s+({_NAME})")

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
SPEECH_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(p.strip() for p in _SPEECH_VERBS.split("|") if p.strip()) + r")"
    r"(?![\w])",
    re.IGNORECASE,
)
#: Introducers: the mention that follows is the source of what the sentence reports.
INTRODUCER_RE = re.compile(
    r"(?:\bselon|\bd'après|\bd’après|\bde\s+l['’]avis\s+de|\bpour\s+reprendre\s+les\s+"
    r"(?:termes|mots|propos)\s+de|\bselon\s+les\s+termes(?:\s+mêmes)?\s+de|\bpoint\s+de\s+vue\s+de"
    r"|\bpropos\s+de|\bcomme\s+l['’](?:a|ont)\s+[\w\s]{1,25}?|\b(?:repris|soulignée?s?|relevée?s?|"
    r"évoquée?s?|exprimée?s?|affirmée?s?|mentionnée?s?|rappelée?s?)\s+par|\baccording\s+to"
    r"|\bas\s+\w+\s+(?:said|noted|put\s+it)|^\s*pour|^\s*for)"
    r"\s*(?:[^.;:!?]{0,140}?,\s*)?$",
    re.IGNORECASE,
)
#: The mention is someone spoken *for* or *about*, not the speaker.
NOT_SPEAKER_BEFORE_RE = re.compile(
    r"(?:au\s+nom\s+de|de\s+la\s+part\s+de|on\s+behalf\s+of|en\s+citant|rapport\s+(?:final\s+)?de"
    r"|hommage\s+à)\s*$",
    re.IGNORECASE,
)
#: A speaker who is not named ("le représentant du Brésil", "un orateur"): ends a statement.
UNNAMED_SPEAKER_RE = re.compile(
    r"\b(?:l[ea]s?|une?|d'autres|plusieurs|certains|certaines|de\s+nombreux)\s+"
    r"(?:représentante?s?|orat(?:eur|rice)s?|participante?s?|intervenante?s?|délégations?|"
    r"panélistes?|représentants?)\b",
    re.IGNORECASE,
)

#: "premier atelier", "second workshop": the k-th pattern names the k-th workshop.
WORKSHOP_ORDINALS = (
    re.compile(r"\b(?:premier|1er|first)\s+(?:atelier|workshop)", re.I),
    re.compile(r"\b(?:second|deuxième|seconde|2e|second)\s+(?:atelier|workshop)", re.I),
)
#: An agenda line's label ("Modératrice :", "Panélistes :") and the names it introduces.
AGENDA_LABEL_RE = re.compile(
    r"^\s*(Mod[ée]rat(?:eur|rice)s?|Moderat(?:eur|rice|or|ors)|Pr[ée]sentat(?:eur|rice)s?|"
    r"Presenters?|Chair(?:person)?|Facilitat(?:eur|rice|or)s?|Introduction(?: (?:à|a) la table"
    r" ronde)?|Keynote|Orat(?:eur|rice)s?|Intervenant(?:e)?s?|Pan[ée]listes?|Panell?ists?|"
    r"Speakers?)\s*:\s*(.*)$",
    re.IGNORECASE,
)
#: A photo caption: "Event, City, date. Name, Org, Name, Org … ©"; the group is the people.
CAPTION_PEOPLE_RE = re.compile(r"^.*?\b(?:19|20)\d{2}\s*\.\s*(.+?)\s*(?:©.*)?$")

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
COUNTRY_LIST = sorted(
    {c.strip() for c in _COUNTRIES.replace("\n", "").split("|") if c.strip()},
    key=len,
    reverse=True,
)

#: A person designated by their title only ("l'ancien Directeur général de l'OIM").
ROLE_PHRASE_RE = re.compile(
    r"(?<![\w])(?:l['’]|le\s+|la\s+|du\s+)((?:(?:ancien(?:ne)?|actuel(?:le)?|nouv(?:eau|elle))\s+)?"
    r"(?:Directeur|Directrice|Représentante?|Président(?:e)?|Coprésidente?|Secrétaire|"
    r"Vice-Ministre|Ministre|Ambassad(?:eur|rice)|Maire|Chef|Haut-Commissaire)\b"
    r"[^,.;:«»()]{0,90}?)(?=\s*(?:[,.;:«»()]|\s(?:dans|lors|au\s+cours|à\s+l['’]issue|a|ont|"
    r"l['’]a|s['’]|qui|en)\b|$))",
)
#: Words a title is compared without.
ROLE_STOP = word_set("de du des d la le les l pour et a au aux en sur")
#: Words that date a title without changing it ("l'actuel Directeur général").
TENSE = frozenset({"actuel", "nouveau", "nouvel"})
#: Words that make another title: a deputy, a former or a special holder is not the holder.
QUALIFIERS = frozenset({"ancien", "adjoint", "special", "principal", "suppleant", "vice"})
#: A feminine title ending ("directrice", "ambassadrice"), compared in the masculine.
FEMININE_TITLE = re.compile(r"([td])rice$")
