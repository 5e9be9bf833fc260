"""Text normalisation shared by BM25 analysis, gold matching and language detection."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import Stemmer

from idmqa import lexicon

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# French elided articles and pronouns ("l'OIM", "qu'il") hide the word from BM25.
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)'", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
#: Superscript digits (footnote markers in the report's text).
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

#: Stop words per language: bm25s' lists, kept as data files (importing bm25s imports scipy).
STOP_WORDS = {
    language: frozenset(w for w, *_ in lexicon.rows("stop_words", language))
    for language in ("fr", "en")
}
_FR_HINTS = STOP_WORDS["fr"] | {"quel", "quelle", "quels", "quelles", "qu", "est-ce"}
_EN_HINTS = STOP_WORDS["en"] | {"what", "who", "which", "how", "why", "when", "did"}
#: French and English function words, lower case ("who", "au", "un"): not BM25 terms.
COMMON_WORDS = frozenset(_fw for _fw in (_FR_HINTS | _EN_HINTS) if len(_fw) > 0)


def strip_accents(text: str) -> str:
    """Remove diacritics: "Genève" → "Geneve"."""
    if text.isascii():  # NFKD leaves ASCII as it is: most words, at a fraction of the cost
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_for_match(text: str) -> str:
    """Lower-case, unify apostrophes and collapse whitespace (used for gold-snippet matching)."""
    return _SPACE.sub(" ", text.translate(_APOSTROPHES)).strip().lower()


@lru_cache(maxsize=2)
def _stemmer(language: str = "french") -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


def english_stem(word: str) -> str:
    """The English Snowball stem of a word, lower case, accents folded ("funding" → "fund")."""
    return strip_accents(_stemmer("english").stemWord(word.lower()))


@lru_cache(maxsize=1)
def _irregular_forms() -> dict[str, str]:
    return {form.lower(): base.lower() for form, base in lexicon.rows("irregular_verbs", "en")}


def english_base(word: str) -> str:
    """The base form of an irregular verb's past form ("paid" → "pay"), else ``word``: the
    stemmer leaves such forms alone, and a dictionary lists the base form."""
    return _irregular_forms().get(word.lower(), word)


def english_words(text: str) -> list[str]:
    """The content words of an English text (function words dropped), lower case."""
    return [w for w in _WORD.findall(text.lower()) if w not in COMMON_WORDS and not w.isdigit()]


def analyze(text: str) -> list[str]:
    """BM25 terms: elisions removed, stop words dropped, French-stemmed, accent-folded."""
    text = _ELISION.sub(" ", text.translate(_APOSTROPHES).lower())
    words = [w for w in _WORD.findall(text) if w not in COMMON_WORDS and w != "_"]
    return [strip_accents(s) for s in _stemmer().stemWords(words)]


def language_votes(text: str) -> tuple[float, float]:
    """French and English evidence in ``text``: function words; accents count for French."""
    words = _WORD.findall(_ELISION.sub("qu ", text.translate(_APOSTROPHES).lower()))
    fr = sum(w in _FR_HINTS for w in words) + 0.5 * bool(re.search(r"[éèêàçùôî]", text))
    en = sum(w in _EN_HINTS for w in words)
    return fr, en


def detect_language(text: str) -> str:
    """Guess "fr" or "en" from function words; accents tip a tie towards French."""
    fr, en = language_votes(text)
    return "en" if en > fr else "fr"


# --------------------------------------------------------------------------- sentences


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    """Words after which a full stop does not end a sentence (``data/abbreviations.txt``)."""
    lines = resources.files("idmqa").joinpath("data/abbreviations.txt").read_text("utf-8")
    return frozenset(w.strip() for w in lines.splitlines() if w.strip() and not w.startswith("#"))


_SENT_END_RE = re.compile(rf"([.!?…]+)([\s]*[»”\"')\]*_{SUPERSCRIPT_DIGITS}]*)(?=\s+|$)")


_ITEM_NUMBER_RE = re.compile(r"^\s*[-–•]?\s*\**(\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})$")


def iter_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of a paragraph.

    Splits after ``.``/``!``/``?``/``…`` followed by blank space and an upper-case
    letter, digit, quote or bullet, but not after abbreviations (``M.``, ``Mme``,
    ``art.``, ``p. ex.``, ``n°``…) or initials (``F.``). Line breaks inside the text
    (lists, agenda rows) always end a sentence. Spans exclude surrounding blanks.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    cuts: list[int] = []
    for m in _SENT_END_RE.finditer(text):
        end = m.end()
        # what follows
        rest = text[end:]
        stripped = rest.lstrip()
        if not stripped:
            continue
        nxt = stripped[0]
        if not (nxt.isupper() or nxt.isdigit() or nxt in "«“\"'(*-–•[¿¡"):
            continue
        punct = m.group(1)
        if punct == ".":
            before = text[: m.start()]
            wm = re.search(r"([\w°º]+)$", before)
            word = wm.group(1) if wm else ""
            wl = word.lower()
            if wl in _abbreviations():
                continue
            if len(word) == 1 and word.isalpha() and word.isupper():
                continue  # initial "F."
            if re.search(r"\b[a-zA-Z]\.[a-zA-Z]$", before):
                continue  # "p. ex" / "e.g" style inner dots
            if word.isdigit() and nxt.isdigit():
                continue
            line_start = before.rfind("\n") + 1
            if _ITEM_NUMBER_RE.match(before[line_start:]):
                continue  # "7. Promouvoir…", "- a. Un pôle…": a list number, not a sentence
        cuts.append(end)
    for m in re.finditer(r"\n+", text):
        cuts.append(m.start())
        cuts.append(m.end())
    cuts = sorted(set(c for c in cuts if 0 < c < n))
    start = 0
    for c in [*cuts, n]:
        seg = text[start:c]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if trail > lead:
            spans.append((start + lead, start + trail))
        start = c
    return spans
