def test_highlights_are_sentence_spans_that_match_the_question(service) -> None:
    result = service.ask("Quel pays a financé l'IDM 2018 ?", 5)
    for hit in result.hits:
        text = hit.passage.text
        assert 1 <= len(hit.highlights) <= 2
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
