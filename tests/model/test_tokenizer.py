"""The tokenizer's Latin-script subset and the tokenizers made for each text give the full
tokenizer's ids, and fall back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from idmqa.model.encoder import Encoder
from idmqa.model.exported import onnx_dir
from idmqa.model.tokenizer import FULL, SUBSET, EncoderTokenizer, write_subset
from tests.helpers import CORPUS, ROOT

MIXED = [
    "query: Ça coûte 5 € — « œuvre » ½ ﬁn, Tiếng Việt, Łódź",
    "<mask> passage: <s> x\u0301y ℃ ™ № ﬀ",
]
#: Split off before normalisation: a text holding one goes to the whole tokenizer.
SPECIAL_TOKENS = ("<s>", "</s>", "<pad>", "<unk>", "<mask>")
OTHER_SCRIPTS = ["query: Привет, мир", "query: 日本語 and Latin", "query: مرحبا"]


@pytest.fixture(scope="module")
def subset_dir(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tokenizer")
    shutil.copy2(onnx_dir(Path(encoder.path)) / FULL, directory / FULL)
    write_subset(directory)
    return directory


def _full(directory: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(directory / FULL))
    tokenizer.no_padding()
    tokenizer.enable_truncation(512)
    return tokenizer


def _texts() -> list[str]:
    return [
        "passage: " + line
        for path in [
            *sorted(CORPUS.rglob("*.txt")),
            *sorted((ROOT / "tests" / "data").rglob("*.txt")),
        ]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ] + MIXED


def test_subset_is_smaller_and_gives_the_same_ids(subset_dir: Path) -> None:
    full = _full(subset_dir)
    assert (subset_dir / SUBSET).stat().st_size < (subset_dir / FULL).stat().st_size / 2
    texts = _texts()
    tokenizer = EncoderTokenizer(subset_dir, 512)
    tokenizer.preload()  # as a server does
    got = tokenizer.encode_batch(texts)
    assert got == [e.ids for e in full.encode_batch(texts)]
    assert tokenizer._full is None  # all of it through the subset
    long = " ".join(texts[:200])
    assert tokenizer.count(long) > 512
    encoding = full.encode(long)
    assert tokenizer.count(long) == len(encoding.ids) + sum(
        len(o.ids) for o in encoding.overflowing
    )


def test_a_tokenizer_made_for_each_text_gives_the_same_ids(subset_dir: Path) -> None:
    full = _full(subset_dir)
    tokenizer = EncoderTokenizer(subset_dir, 512)
    texts = [*_texts(), *OTHER_SCRIPTS, "query: " + "ab" * 600]
    texts = [t for t in texts if not any(s in t for s in SPECIAL_TOKENS)]
    expected = [e.ids for e in full.encode_batch(texts)]
    assert [tokenizer.encode_batch([t])[0] for t in texts] == expected
    assert tokenizer.encode_batch(texts[:40]) == expected[:40]
    long = " ".join(texts[:200])
    encoding = full.encode(long)
    assert tokenizer.count(long) == len(encoding.ids) + sum(
        len(o.ids) for o in encoding.overflowing
    )
    # neither the subset nor the whole vocabulary was loaded
    assert tokenizer._subset is None and tokenizer._full is None


def test_other_scripts_are_segmented_by_a_tokenizer_made_for_them(subset_dir: Path) -> None:
    tokenizer = EncoderTokenizer(subset_dir, 512)
    tokenizer.preload()
    assert tokenizer.encode_batch(OTHER_SCRIPTS) == [
        e.ids for e in _full(subset_dir).encode_batch(OTHER_SCRIPTS)
    ]
    assert tokenizer._full is None


def test_special_tokens_outside_the_subset_go_to_the_full_tokenizer(subset_dir: Path) -> None:
    tokenizer = EncoderTokenizer(subset_dir, 512)
    texts = [MIXED[1], "query: <s> Привет"]
    assert tokenizer.encode_batch(texts) == [e.ids for e in _full(subset_dir).encode_batch(texts)]
    assert tokenizer._full is not None


def test_without_a_subset_the_full_tokenizer_serves(subset_dir: Path, tmp_path: Path) -> None:
    shutil.copy2(subset_dir / FULL, tmp_path / FULL)
    tokenizer = EncoderTokenizer(tmp_path, 512)
    assert tokenizer.encode_batch(MIXED) == [e.ids for e in _full(tmp_path).encode_batch(MIXED)]
