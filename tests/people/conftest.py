"""Model-free fixtures: the people of the real report and its passages with their speakers.

Built as :func:`idmqa.index.build.collect_passages` builds them, with the same chunking:
passage boundaries decide which sentences, hence which speakers, a passage has. Tokens are
counted with the model's own ``tokenizer.json`` from the ONNX export, which loads neither
the model nor torch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from tokenizers import Tokenizer

from idmqa.ingest.chunking import chunk_document
from idmqa.ingest.corpus import load_corpus
from idmqa.ingest.parse import parse_document
from idmqa.model.exported import onnx_dir, read_marker
from idmqa.model.query import onnx_token_counter
from idmqa.model.store import model_path
from idmqa.people.build import attribute_passages
from idmqa.people.model import People, Person
from idmqa.schema import Passage
from idmqa.settings import Settings


def passage_token_counter(
    settings: Settings, request: pytest.FixtureRequest
) -> Callable[[str], int]:
    """Model tokens of a passage as :meth:`idmqa.model.encoder.Encoder.count_tokens` counts
    them. Until the model was first converted and exported there is no tokenizer file: then
    the real encoder (which converts and exports it) counts."""
    model_dir = Path(model_path(settings))
    marker = read_marker(model_dir)
    path = onnx_dir(model_dir) / "tokenizer.json"
    if marker is None or not path.is_file():
        return request.getfixturevalue("encoder").count_tokens
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(int(marker.get("max_length", 512)))  # as the ONNX runtime
    # the counter reads only the encoder's tokenizer: the ONNX session is never loaded
    count = onnx_token_counter(SimpleNamespace(tokenizer=tokenizer))
    return lambda text: count(settings.passage_prompt + text)


@pytest.fixture(scope="session")
def report_people(
    settings: Settings, request: pytest.FixtureRequest
) -> tuple[People, list[Passage]]:
    """The people of the real report, and its passages with their ``speakers``."""
    documents, _problems = load_corpus(settings.corpus_dir)
    count = passage_token_counter(settings, request)
    parsed, passages = [], []
    for doc in documents:
        blocks = parse_document(doc.text)
        parsed.append((doc, blocks))
        passages.extend(
            chunk_document(
                doc, blocks, count, settings.max_chunk_tokens, settings.chunk_overlap_sentences
            )
        )
    return attribute_passages(parsed, passages)


@pytest.fixture(scope="session")
def people(report_people: tuple[People, list[Passage]]) -> People:
    return report_people[0]


@pytest.fixture(scope="session")
def passages(report_people: tuple[People, list[Passage]]) -> list[Passage]:
    return report_people[1]


@pytest.fixture(scope="session")
def passage_with(passages: list[Passage]) -> Callable[[str], Passage]:
    """The first passage whose text contains a snippet."""

    def find(snippet: str) -> Passage:
        for p in passages:
            if snippet in p.text:
                return p
        raise AssertionError(f"no passage contains {snippet!r}")

    return find


@pytest.fixture(scope="session")
def person(people: People) -> Callable[[str], Person]:
    """A person of the report by id, failing the test when there is none."""

    def get(person_id: str) -> Person:
        found = people.get(person_id)
        assert found is not None, f"{person_id} not found"
        return found

    return get
