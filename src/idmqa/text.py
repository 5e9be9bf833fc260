"""Text normalisation shared by BM25 analysis, gold matching and language detection."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# French elided articles and pronouns ("l'OIM", "qu'il") hide the word from BM25.
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)'", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")

_FR_HINTS = frozenset(STOPWORDS_FRENCH) | {"quel", "quelle", "quels", "quelles", "qu", "est-ce"}
_EN_HINTS = frozenset(STOPWORDS_EN) | {"what", "who", "which", "how", "why", "when", "did"}
#: French and English function words, lower case ("who", "au", "un"): not BM25 terms.
COMMON_WORDS = frozenset(_fw for _fw in (_FR_HINTS | _EN_HINTS) if len(_fw) > 0)


def strip_accents(text: str) -> str:
    """Remove diacritics: "Genève" → "Geneve"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_for_match(text: str) -> str:
    """Lower-case, unify apostrophes and collapse whitespace (used for gold-snippet matching)."""
    return _SPACE.sub(" ", text.translate(_APOSTROPHES)).strip().lower()


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("french")


def analyze(text: str) -> list[str]:
    """BM25 terms: elisions removed, stop words dropped, French-stemmed, accent-folded."""
    text = _ELISION.sub(" ", text.translate(_APOSTROPHES).lower())
    words = [w for w in _WORD.findall(text) if w not in COMMON_WORDS and w != "_"]
    return [strip_accents(s) for s in _stemmer().stemWords(words)]


def detect_language(text: str) -> str:
    """Guess "fr" or "en" from function words; accents tip a tie towards French."""
    words = _WORD.findall(_ELISION.sub("qu ", text.translate(_APOSTROPHES).lower()))
    fr = sum(w in _FR_HINTS for w in words) + 0.5 * bool(re.search(r"[éèêàçùôî]", text))
    en = sum(w in _EN_HINTS for w in words)
    return "en" if en > fr else "fr"
