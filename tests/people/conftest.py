"""Model-free fixtures: the people of the real report and its passages with their speakers.

Built as :func:`idmqa.index.build.collect_passages` builds them, with the same chunking:
passage boundaries decide which sentences, hence which speakers, a passage has. Tokens are
counted with the model's own ``tokenizer.json`` from the ONNX export, which loads neither
the model nor torch.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from idmqa.index.build import collect_passages
from idmqa.people.model import People, Person
from idmqa.schema import Passage
from idmqa.settings import Settings
from tests.helpers import passage_token_counter


@pytest.fixture(scope="session")
def report_people(
    settings: Settings, request: pytest.FixtureRequest
) -> tuple[People, list[Passage]]:
    """The people of the real report, and its passages with their ``speakers``."""
    _, passages, _, people = collect_passages(settings, passage_token_counter(settings, request))
    return people, passages


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
