"""The encoder's tokenizer, quick to load for text in Latin script.

Loading the model's ``tokenizer.json`` (a 250,002-piece Unigram vocabulary) takes about a
second with ``tokenizers`` (0.23: the cost grows faster than the vocabulary, 0.08 s for the
first 50k pieces, 0.28 s for 125k), most of what ``idmqa ask`` spends. A Unigram
segmentation only uses pieces that are substrings of the (normalised) text: a tokenizer
holding just the pieces whose characters are all in a set S — with the same scores, the
lowest-scoring piece of the full vocabulary (it fixes the penalty of unknown characters)
and the special tokens — segments any text whose normalised characters are all in S
exactly as the full one does. The export writes such a subset for S = Latin script,
punctuation and symbols (:data:`SUBSET_RANGES`) with the map of its ids to the full
vocabulary's; :class:`EncoderTokenizer` uses it for text it covers and loads the full
tokenizer on the first text it does not. ``tests/model/test_tokenizer.py`` checks both give
the same ids on the corpora and on mixed-script text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

FULL = "tokenizer.json"
SUBSET = "tokenizer-latin.json"
SUBSET_IDS = "tokenizer-latin-ids.npy"
#: Code points of S: Latin (Basic to Extended-B, IPA, modifiers, combining marks, Latin
#: Extended Additional), general punctuation, super/subscripts, currency, letterlike
#: symbols, and SentencePiece's word marker ▁.
SUBSET_RANGES = (
    (0x0000, 0x036F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x214F),
    (0x2581, 0x2581),
)


def _covered(text: str) -> bool:
    return all(any(lo <= ord(c) <= hi for lo, hi in SUBSET_RANGES) for c in set(text))


def write_subset(directory: Path) -> None:
    """Write the Latin-script subset of ``directory/tokenizer.json`` and its id map."""
    spec = json.loads((directory / FULL).read_text("utf-8"))
    model = spec["model"]
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        return  # the argument above holds for Unigram without byte fallback only
    vocab = model["vocab"]
    special = {t["id"] for t in spec.get("added_tokens", [])} | {model["unk_id"]}
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
    keep = [
        i for i, (piece, _) in enumerate(vocab) if i in special or i == lowest or _covered(piece)
    ]
    new_id = {old: new for new, old in enumerate(keep)}
    model["vocab"] = [vocab[i] for i in keep]
    model["unk_id"] = new_id[model["unk_id"]]
    for token in spec.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    for token in ((spec.get("post_processor") or {}).get("special_tokens") or {}).values():
        token["ids"] = [new_id[i] for i in token["ids"]]
    (directory / SUBSET).write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
    np.save(directory / SUBSET_IDS, np.asarray(keep, dtype=np.int64))


def _load(path: Path, max_length: int):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer


class EncoderTokenizer:
    """Token ids of the full vocabulary for texts, with the subset when it covers them."""

    def __init__(self, directory: Path, max_length: int) -> None:
        self.directory, self.max_length = Path(directory), max_length
        self._full = None
        self._subset = self._ids = None
        if (self.directory / SUBSET).is_file():
            self._subset = _load(self.directory / SUBSET, max_length)
            self._ids = np.load(self.directory / SUBSET_IDS)
        pad = (self._subset or self.full).token_to_id("<pad>")
        self.pad_id = 1 if pad is None else int(self._ids[pad] if self._subset else pad)

    @property
    def full(self):
        """The model's whole tokenizer (loaded on first use)."""
        if self._full is None:
            self._full = _load(self.directory / FULL, self.max_length)
        return self._full

    def _covers(self, texts: Sequence[str]) -> bool:
        normalise = self._subset.normalizer.normalize_str if self._subset.normalizer else str
        return all(_covered(normalise(t)) for t in texts)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids (truncated to the model window, special tokens included) per text."""
        if self._subset is not None and self._covers(texts):
            ids = self._ids
            return [ids[e.ids].tolist() for e in self._subset.encode_batch(list(texts))]
        return [e.ids for e in self.full.encode_batch(list(texts))]

    def count(self, text: str) -> int:
        """Model tokens of ``text``, the part beyond the model window included."""
        use_subset = self._subset is not None and self._covers([text])
        encoding = (self._subset if use_subset else self.full).encode(text)
        return len(encoding.ids) + sum(len(o.ids) for o in encoding.overflowing)
