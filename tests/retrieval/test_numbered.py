"""Questions asking for the n-th item of a numbered list (``idmqa.retrieval.numbered``)."""

from idmqa.retrieval.numbered import NumberedItems, asked_items, item_number
from idmqa.text import analyze
from tests.helpers import make_passage


def test_ordinals_before_a_noun_are_read_except_for_workshops_and_sessions() -> None:
    assert asked_items("What is the first recommendation?") == [(1, "recommendation")]
    assert asked_items("Quel est le troisième message clé ?") == [(3, "message clé")]
    assert asked_items("the 2nd key message") == [(2, "key message")]
    assert asked_items("Qui a ouvert le premier atelier ?") == []
    assert asked_items("Who spoke in the second session?") == []
    assert asked_items("Who chaired the meeting?") == []


def test_items_open_with_their_number() -> None:
    assert item_number("1. Reconnaître le rôle central des partenariats") == 1
    assert item_number("- 2. Il faut développer les partenariats existants") == 2
    assert item_number("3. **Il faut de nouveaux modèles**") == 3
    assert item_number("En 2015, le Conseil a adopté trois principes.") is None


def test_the_item_asked_for_is_the_one_of_the_list_its_noun_names() -> None:
    passages = [
        make_passage("1. Reconnaître le rôle des partenariats", section=("RECOMMANDATIONS",)),
        make_passage("2. Donner la priorité aux capacités", section=("RECOMMANDATIONS",)),
        make_passage("- 2. Il faut développer les partenariats", section=("Messages clés",)),
        make_passage("2. Un paragraphe numéroté hors de toute section"),
    ]
    numbered = NumberedItems(passages)

    def terms(words: str) -> set[str]:
        return set(analyze(words))

    assert numbered.asked("Quelle est la deuxième recommandation ?", terms) == {1}
    assert numbered.asked("Quel est le second message clé ?", terms) == {2}
    assert numbered.asked("Quelle est la première recommandation ?", terms) == {0}
    assert numbered.asked("Quelle est la cinquième recommandation ?", terms) == set()
    assert numbered.asked("Qui a ouvert le deuxième atelier ?", terms) == set()


def test_an_english_question_finds_the_numbered_item_of_the_french_report(searcher) -> None:
    question = "What is the fourth recommendation of the report?"
    asked = searcher.numbered.asked(question, searcher.crosslingual.noun_terms)
    assert [searcher.index.passages[i].section[0] for i in asked] == ["RECOMMANDATIONS"]
    (item,) = asked
    assert searcher.index.passages[item].text.startswith("4.")
    result = searcher.search(question, 5)
    assert searcher.index.passages[item].id in [h.passage.id for h in result.hits]
    assert result.answerable  # asking for an item the report numbers is asking about it


def test_a_list_under_another_heading_is_found_by_its_own() -> None:
    passages = [
        make_passage("1. Renforcer les données", section=("ATELIER DE GENÈVE", "Recommandations")),
    ]
    numbered = NumberedItems(passages)
    assert numbered.asked("Quelle est la première recommandation ?", lambda w: set(analyze(w))) == {
        0
    }
