from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

from idmqa.text import (
    STOP_WORDS,
    analyze,
    detect_language,
    english_base,
    normalise_for_match,
    strip_accents,
)


def test_analyze_folds_accents_elisions_and_stems() -> None:
    terms = analyze("L’Organisation a lancé les migrations d'hier")
    assert "organis" in terms or "organisat" in terms
    assert "l" not in terms and "d" not in terms
    assert analyze("migration") == analyze("migrations")
    assert analyze("Genève") == analyze("geneve")


def test_analyze_drops_stop_words_in_both_languages() -> None:
    assert analyze("le la les de the of and") == []


def test_the_stop_words_are_bm25s_lists() -> None:
    # the index was analysed with them when they came from bm25s: a change needs a rebuild
    assert {"fr": frozenset(STOPWORDS_FRENCH), "en": frozenset(STOPWORDS_EN)} == STOP_WORDS


def test_normalise_for_match_unifies_apostrophes_case_and_spaces() -> None:
    assert normalise_for_match("L’OIM  a\nlancé") == "l'oim a lancé"


def test_strip_accents() -> None:
    assert strip_accents("Schülz, São Paulo, Genève") == "Schulz, Sao Paulo, Geneve"


def test_detect_language() -> None:
    assert detect_language("Who opened the first workshop in New York?") == "en"
    assert detect_language("Qui a ouvert le premier atelier à New York ?") == "fr"
    assert detect_language("Qu’a dit Louise Arbour sur la souveraineté ?") == "fr"
    assert detect_language("What did António Vitorino say about data?") == "en"


def test_irregular_past_forms_give_their_base_form() -> None:
    assert english_base("paid") == "pay"
    assert english_base("Held") == "hold"
    assert english_base("funding") == "funding"  # regular forms are the stemmer's
