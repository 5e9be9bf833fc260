import pytest

from idmqa.retrieval.search import Filters, Searcher
from idmqa.service import QAService


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "En quelle année l'OIM a-t-elle lancé le Dialogue international sur la migration ?",
            "en 2001",
        ),
        ("When was the New York Declaration for Refugees and Migrants adopted?", "septembre 2016"),
    ],
)
def test_answer_passage_is_near_the_top_in_both_languages(
    service: QAService, question: str, expected: str
) -> None:
    result = service.ask(question, 5)
    assert any(expected in h.passage.text for h in result.hits)


def test_hits_are_ranked_and_cited(service: QAService) -> None:
    result = service.ask("Qu'est-ce que le fonds d'amorçage ?", 8)
    assert [h.rank for h in result.hits] == list(range(1, 9))
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    citation = service.citation(result.hits[0].passage)
    assert citation.title.startswith("Dialogue international sur la migration")
    assert citation.lines[0] <= citation.lines[1]
    assert result.language == "fr"


def test_filters_restrict_kinds(service: QAService) -> None:
    result = service.ask("Session on data in New York", 5, Filters(kinds=("agenda",)))
    assert result.hits and all(h.passage.kind == "agenda" for h in result.hits)


def test_passage_neighbours(service: QAService, loaded_index) -> None:
    passages = loaded_index.passages
    middle = passages[10]
    found = service.passage(middle.id)
    assert found.passage == middle
    assert found.previous == passages[9].id and found.next == passages[11].id
    assert service.passage("nope") is None


def test_sentence_ranking_orders_passages_by_their_best_sentence(
    service: QAService, searcher
) -> None:
    store = searcher.index.sentences
    vector = service.encoder.encode_queries(["Combien d'orateurs ont réuni les ateliers ?"])[0]
    ranking = searcher._sentence_ranking(store.cosines(vector), 5, None)
    # computed here sentence by sentence, not with the store's own helper
    best: dict[int, float] = {}
    for (passage, _, _), sentence in zip(store.spans.tolist(), store.vectors, strict=True):
        best[passage] = max(best.get(passage, -2.0), float(sentence @ vector))
    expected = sorted(best.values(), reverse=True)[:5]
    assert list(ranking.values()) == pytest.approx(expected, abs=1e-6)
    assert all(best[i] == pytest.approx(score, abs=1e-6) for i, score in ranking.items())
    captions = searcher.allowed(Filters(kinds=("caption",)))
    restricted = searcher._sentence_ranking(store.cosines(vector), 5, captions)
    assert restricted and set(restricted) <= set(captions.tolist())


def test_the_dense_ranker_embeds_the_dense_text(searcher, encoder) -> None:
    question = "Which government provided the funding for the workshop?"
    embedded: list[str] = []

    def embed(text: str):
        embedded.append(text)
        return encoder.encode_queries([text])[0]

    Searcher(searcher.index, embed, searcher.settings).search(question, 3)
    assert embedded == [searcher.dense_text(question, "en")]


def test_a_list_follows_the_paragraph_announcing_it(searcher) -> None:
    passages = searcher.index.passages
    assert searcher.lists
    for announcing, parts in searcher.lists.items():
        assert passages[announcing].text.rstrip().endswith(":")
        assert all(passages[p].meta["announced"] and p > announcing for p in parts)
    announcing, parts = next(iter(searcher.lists.items()))
    others = [i for i in range(len(passages)) if i != announcing and i not in parts][:2]
    fused = {others[0]: 0.3, announcing: 0.2, others[1]: 0.1}
    order = searcher._order(dict(fused), True, None)
    assert order == [others[0], announcing, *parts, others[1]]  # found by no ranker
    # a list the filters refuse stays out
    refused = Filters(kinds=tuple({p.kind for p in passages} - {passages[parts[0]].kind}))
    assert not set(parts) & set(searcher._order(dict(fused), True, refused))
    # in a real answer: wherever an announcement ranks, its list ranks right after it
    question = "Quels sont les trois principes du cadre de gouvernance des migrations ?"
    ids = [searcher.by_id[h.passage.id] for h in searcher.search(question, 5).hits]
    found = [i for i in ids if i in searcher.lists]
    assert found and all(ids[ids.index(i) + 1] == searcher.lists[i][0] for i in found[:-1])


def test_captions_answer_questions_about_people_or_photos_only(searcher) -> None:
    captions = {searcher.index.passages[i].id for i in searcher.captions}
    assert captions
    about_dates = searcher.search("When and where did the March 2018 IDM workshop take place?", 10)
    ranked = [h.passage.id in captions for h in about_dates.hits]
    assert ranked == sorted(ranked)  # captions, if any, come last
    about_photos = searcher.search("Which photos show the round table in Geneva?", 10)
    assert {h.passage.id for h in about_photos.hits} & captions
    only_captions = searcher.search("workshop", 3, Filters(kinds=("caption",)))
    assert only_captions.hits and {h.passage.id for h in only_captions.hits} <= captions
