import numpy as np
import pytest


def test_highlights_are_sentence_spans_that_match_the_question(service) -> None:
    result = service.ask("Quel pays a financé l'IDM 2018 ?", 5)
    assert result.hits[0].highlights
    for hit in result.hits:
        text = hit.passage.text
        assert len(hit.highlights) <= 2
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(text)
    australia = next(
        h
        for h in service.ask("contribution financière de l'Australie", 5).hits
        if "Australie" in h.passage.text
    )
    marked = " ".join(australia.passage.text[s:e] for s, e in australia.highlights)
    assert "Australie" in marked


def test_highlights_work_across_languages(service) -> None:
    hit = service.ask("Which country funded the 2018 dialogue?", 10).hits
    spans = [h.passage.text[s:e] for h in hit for s, e in h.highlights]
    assert spans and all(spans)


def test_best_per_passage_is_the_best_sentence_cosine(service, loaded_index) -> None:
    store = loaded_index.sentences
    vector = service.encoder.encode_queries(["Combien de participants ont réuni les ateliers ?"])[0]
    best = store.best_per_passage(store.cosines(vector))
    assert best.shape == (len(loaded_index.passages),)
    cosines = store.vectors @ vector
    for i in (0, len(best) // 2, len(best) - 1):
        lo, hi = store.offsets[i], store.offsets[i + 1]
        assert best[i] == cosines[lo:hi].max()


def test_sentences_must_belong_to_the_passages() -> None:
    from idmqa.index.sentences import SentenceStore

    spans = np.array([[0, 0, 5], [1, 0, 3], [3, 0, 4]], dtype=np.int32)
    vectors = np.eye(3, dtype=np.float32)
    with pytest.raises(ValueError, match="do not match"):
        SentenceStore.from_arrays(spans, vectors, 3)  # passage 3 of 3 does not exist
    store = SentenceStore.from_arrays(spans, vectors, 4)
    # passage 2 has no sentence
    assert store.best_per_passage(store.cosines(np.array([1, 0, 0], np.float32))).tolist() == [
        1.0,
        0.0,
        -np.inf,
        0.0,
    ]


def test_only_sentences_near_the_corpus_best_are_highlighted() -> None:
    """A passage whose sentences all match far worse than the question's best sentence in
    the corpus gets no highlight; the best passage gets its best sentence."""
    from idmqa.index.sentences import SentenceStore
    from idmqa.retrieval.highlight import CORPUS_GAP, highlights

    text = "Une phrase. Une autre phrase."
    spans = np.array([[0, 0, 11], [0, 12, 29], [1, 0, 11], [1, 12, 29]], dtype=np.int32)
    store = SentenceStore.from_arrays(spans, np.zeros((4, 2), np.float32), 2)
    cosines = np.array([0.90, 0.80, 0.90 - 2 * CORPUS_GAP, 0.70], dtype=np.float32)
    assert highlights(store, 0, text, cosines, set()) == [(0, 11)]
    assert highlights(store, 1, text, cosines, set()) == []
