from idmqa.retrieval.glossary import Glossary, acronym_expansions, expand_acronyms, stem_families
from idmqa.schema import Passage
from tests.helpers import make_passage


def _abbreviations(text: str) -> Passage:
    return make_passage(text, id="d:1-2", kind="abbreviations", lines=(1, 2))


def test_english_terms_map_to_the_french_forms() -> None:
    glossary = Glossary.english_french()
    found = glossary.translations("What did IOM say about the Global Compact and remittances?")
    assert "OIM" in found and "pacte mondial" in found and "envois de fonds" in found


def test_longest_phrase_wins_and_matching_ignores_case_and_accents() -> None:
    glossary = Glossary()
    glossary.add("capacity", "capacité")
    glossary.add("capacity building", "renforcement des capacités")
    assert glossary.translations("CAPACITY building needs") == ["renforcement des capacités"]


def test_corpus_acronyms_expand_case_sensitively() -> None:
    acronyms = acronym_expansions(
        [
            _abbreviations(
                "PICUM\tPlateforme pour la coopération internationale concernant les sans-papiers\n"
                "UIP\tUnion interparlementaire"
            )
        ]
    )
    assert expand_acronyms("Que fait PICUM ?", acronyms) == [
        "Plateforme pour la coopération internationale concernant les sans-papiers"
    ]
    assert expand_acronyms("la uip", acronyms) == []


def test_acronyms_that_are_also_words_match_only_as_written() -> None:
    glossary = Glossary.english_french()
    # "who" and "au" are ordinary words; only WHO and AU are the organisations
    assert "OMS" not in glossary.translations("Who opened the first workshop?")
    assert "OMS" in glossary.translations("What did WHO say about health?")
    assert glossary.translations("au total") == []
    # other acronyms match in any case and inside compounds
    assert glossary.translations("What did UN-Habitat and the unhcr say?") == [
        "ONU Nations Unies",
        "HCR",
    ]
    assert glossary.translations("SDGs and the MiGOF")[:2] == [
        "ODD",
        "MiGOF cadre de gouvernance des migrations",
    ]


def test_word_families_join_stems_a_few_letters_apart() -> None:
    stems = ["financ", "financi", "financier", "inter", "interet", "argent", "argentin", "droit"]
    families = stem_families(stems, min_stem=6, max_suffix=2)
    assert families["financ"] == ["financi"]  # financement / financière
    assert sorted(families["financi"]) == ["financ", "financier"]
    assert "inter" not in families and "interet" not in families  # "inter" is too short
    assert "droit" not in families
    assert families["argent"] == ["argentin"]  # the price of a rule without a dictionary
