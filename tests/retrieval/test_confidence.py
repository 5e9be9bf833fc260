from idmqa.retrieval.confidence import answer_confidence


def test_confidence_is_a_probability_that_follows_each_signal() -> None:
    for language in ("fr", "en"):
        low = answer_confidence(0.75, 0.0, 0, language)
        assert 0.0 <= low < answer_confidence(0.88, 0.0, 0, language)
        assert answer_confidence(0.88, 0.0, 0, language) < answer_confidence(0.88, 8.0, 0, language)
        # a number the corpus never writes ("2023") lowers it
        assert answer_confidence(0.85, 4.0, 1, language) < answer_confidence(0.85, 4.0, 0, language)
        assert answer_confidence(2.0, 1e9, 0, language) <= 1.0
        assert answer_confidence(-1.0, -5.0, 5, language) >= 0.0


OFF_TOPIC = (
    "What is the capital of Peru?",
    "Comment réparer un vélo ?",
    "Who won the Eurovision song contest in 2012?",
    "Quelle est la température idéale pour cuire un gâteau ?",
    "How do volcanoes form?",
    "Quel temps fera-t-il demain à Lyon ?",
    "Combien de migrants sont morts en Méditerranée en 2023 ?",
    "Frontex budget 2024",
)
ON_TOPIC = (
    "Qu'est-ce que le fonds d'amorçage prévu par le pacte mondial ?",
    "What are the three principles of IOM's migration governance framework?",
    "Which government funded IDM 2018?",
)


def test_off_topic_questions_are_mostly_recognised_in_both_languages(service) -> None:
    # The model is a calibrated guess (cross-validated: about 0.93 of off-topic questions
    # rejected), so judge it over several questions.
    results = [service.ask(q, 5) for q in OFF_TOPIC]
    assert sum(not r.answerable for r in results) >= len(OFF_TOPIC) - 1
    assert all(r.hits for r in results)  # not answerable, but the nearest passages are there
    on_topic = [service.ask(q, 5) for q in ON_TOPIC]
    assert all(r.answerable for r in on_topic)
    assert min(r.confidence for r in on_topic) > max(r.confidence for r in results)
