import numpy as np

from idmqa.ingest.dedup import duplicate_groups
from idmqa.schema import Passage
from tests.helpers import make_passage

QUOTE = (
    "le pacte mondial est un nouveau point de référence pour la coopération "
    "internationale en matière de migration, juridiquement non contraignant mais "
    "fondé sur des engagements politiques forts pris par les États membres"
)


def _p(pid: str, text: str, language: str = "fr", part: int = 0) -> Passage:
    return make_passage(text, id=pid, language=language, part=part)


def test_repeated_quote_is_grouped_with_its_first_occurrence() -> None:
    passages = [
        _p("d:1-1", f"Selon M. Vitorino, {QUOTE}."),
        _p("d:5-5", "Un paragraphe sans rapport sur les données de migration."),
        _p("d:9-9", f"En conclusion, {QUOTE}, comme l'a rappelé le Directeur général."),
    ]
    vectors = np.ones((3, 4), dtype=np.float32) / 2  # all close: only the words decide
    assert duplicate_groups(passages, vectors).tolist() == [0, 1, 0]


def test_windows_of_one_block_are_not_copies() -> None:
    passages = [_p("d:1-1:0", QUOTE), _p("d:1-1:1", QUOTE, part=1)]
    vectors = np.ones((2, 4), dtype=np.float32) / 2
    assert duplicate_groups(passages, vectors).tolist() == [0, 1]


def test_search_keeps_one_copy_in_the_top_k(service, loaded_index, searcher) -> None:
    groups = loaded_index.groups
    result = service.ask("nouveau point de référence juridiquement non contraignant", 10)
    kept = [int(groups[searcher.by_id[h.passage.id]]) for h in result.hits]
    assert len(kept) == len(set(kept))
    assert (np.bincount(groups) > 1).any(), "the report repeats passages; some must be grouped"
