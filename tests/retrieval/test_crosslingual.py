"""Reading a question in the corpus' language (``idmqa.retrieval.crosslingual``), on the
session's real index: language, translations, word families."""

import os

import pytest

from idmqa.text import english_stem, english_words


def test_keyword_queries_are_read_in_both_languages(searcher) -> None:
    assert searcher.reading("Who opened the Geneva workshop?") == ("en", frozenset({"en"}))
    assert searcher.reading("Qui a ouvert l'atelier de Genève ?") == ("fr", frozenset({"fr"}))
    language, readings = searcher.reading("seed fund")
    assert readings == {"en", "fr"} and language == "en"
    assert searcher.reading("MiGOF")[1] == {"en", "fr"}


def test_numbers_the_corpus_never_writes_are_unknown(searcher) -> None:
    assert searcher.unknown_numbers("Combien de migrants sont morts en 2023 et 1951 ?") == [
        "2023",
        "1951",
    ]
    assert searcher.unknown_numbers("Qui a financé l'IDM 2018 ?") == []


def _require_dictionaries(manifest: dict) -> None:
    if not manifest["bilingual"]["entries"]:
        if os.environ.get("IDMQA_REQUIRE_DICTIONARIES"):
            pytest.fail("FreeDict's dictionaries are not installed (dict-freedict-eng-fra)")
        pytest.skip("FreeDict's dictionaries are not installed")


def test_english_questions_get_the_french_words_of_the_bilingual_table(searcher, manifest) -> None:
    _require_dictionaries(manifest)
    words = searcher.crosslingual.table_words("room at headquarters")
    ranking = searcher._translated_ranking(words, 10)
    top = [searcher.index.passages[i].text for i in ranking]
    assert any("Salle" in text or "salle" in text for text in top)


def test_an_english_question_is_embedded_with_its_unambiguous_french_words(
    searcher, manifest
) -> None:
    _require_dictionaries(manifest)
    table = searcher.index.bilingual
    question = "Which government provided the funding for the workshop?"
    text = searcher.dense_text(question, "en")
    assert text.startswith(f"{question} ")
    added = text[len(question) :].split()
    # every added word is the glossary's or the one translation the table gives a word
    single = {words[0] for words in table.values() if len(words) == 1}
    glossary = {w for t in searcher.crosslingual.glossary.translations(question) for w in t.split()}
    assert added and set(added) <= single | glossary
    assert set(added) & (single - glossary)
    # a word the table translates several ways adds none of its senses
    stem, senses = next(
        (s, w)
        for s, w in table.items()
        if len(w) > 1 and english_words(s) == [s] == [english_stem(s)]
    )
    assert set(searcher.crosslingual.table_words(stem)) == set(senses)
    assert searcher.crosslingual.table_words(stem, most=1) == []
    # a French question is embedded as asked
    assert searcher.dense_text("Qui a financé l'atelier ?", "fr") == "Qui a financé l'atelier ?"


def test_translations_also_match_the_other_forms_of_their_word_family(searcher) -> None:
    # the glossary translates "funding" as "financement"; the report may write "financière"
    words = searcher.crosslingual.glossary_words("Who provided the funding?", frozenset({"en"}))
    ranking = searcher._translated_ranking(words, 50)
    texts = [searcher.index.passages[i].text.lower() for i in ranking]
    assert any("financière" in t and "financement" not in t for t in texts)
    assert searcher.crosslingual.families["financ"] == ["financi"]


def test_an_irregular_past_form_gets_the_translations_of_its_base_form(searcher, manifest) -> None:
    _require_dictionaries(manifest)
    table = searcher.index.bilingual
    assert table.get(english_stem("paid")) is None and table.get(english_stem("pay"))
    assert searcher.crosslingual.table_words("paid") == searcher.crosslingual.table_words("pay")
