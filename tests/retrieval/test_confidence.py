from idmqa.retrieval.confidence import answer_confidence


def test_confidence_grows_with_both_signals_and_stays_a_probability() -> None:
    low = answer_confidence(0.75, 0.0)
    assert 0.0 <= low < answer_confidence(0.85, 0.0) < answer_confidence(0.85, 8.0) <= 1.0
    assert answer_confidence(2.0, 1e9) <= 1.0 and answer_confidence(-1.0, -5.0) >= 0.0


OFF_TOPIC = (
    "What is the capital of Peru?",
    "Comment réparer un vélo ?",
    "Who won the Eurovision song contest in 2012?",
    "Quelle est la température idéale pour cuire un gâteau ?",
    "How do volcanoes form?",
    "Quel temps fera-t-il demain à Lyon ?",
)


def test_off_topic_questions_are_mostly_recognised(service) -> None:
    # The model is a calibrated guess (about 0.9 accurate), so judge it over several questions.
    results = [service.ask(q, 5) for q in OFF_TOPIC]
    assert sum(not r.answerable for r in results) >= len(OFF_TOPIC) - 1
    on_topic = service.ask("Qu'est-ce que le fonds d'amorçage prévu par le pacte mondial ?", 5)
    assert on_topic.answerable and on_topic.confidence > 0.6
    assert min(r.confidence for r in results) < on_topic.confidence
