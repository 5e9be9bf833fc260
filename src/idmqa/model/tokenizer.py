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
vocabulary's. The same argument with the substrings of the text itself as S gives a tokenizer
made for each text in a millisecond (:mod:`idmqa.model.pieces`): :class:`EncoderTokenizer`
uses the subset for text it covers once a server has loaded it, a tokenizer made for the
text otherwise (``idmqa ask`` loads no vocabulary at all), and the full tokenizer only for
text holding a special token. ``tests/model/test_tokenizer.py`` checks all give the same ids
on the corpora and on mixed-script text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from idmqa.model.pieces import (
    SKELETON,
    PieceIndex,
    base_ids,
    is_plain_unigram,
    with_vocabulary,
    write_pieces,
)

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
    """Write the Latin-script subset of ``directory/tokenizer.json`` and its id map, and the
    files of :class:`~idmqa.model.pieces.PieceIndex`."""
    spec = json.loads((directory / FULL).read_text("utf-8"))
    if not is_plain_unigram(spec):
        return  # the argument above holds for Unigram without byte fallback only
    vocab = spec["model"]["vocab"]
    base = set(base_ids(spec))
    keep = [i for i, (piece, _) in enumerate(vocab) if i in base or _covered(piece)]
    subset = with_vocabulary(spec, keep, [vocab[i] for i in keep])
    (directory / SUBSET).write_text(json.dumps(subset, ensure_ascii=False), "utf-8")
    np.save(directory / SUBSET_IDS, np.asarray(keep, dtype=np.int64))
    write_pieces(directory, spec)


def _load(path: Path, max_length: int):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer


class EncoderTokenizer:
    """Token ids of the full vocabulary for texts: with the Latin subset once loaded
    (:meth:`preload`, a server) when it covers them, else with a tokenizer made for them
    (:mod:`idmqa.model.pieces`), else with the whole tokenizer."""

    def __init__(self, directory: Path, max_length: int) -> None:
        self.directory, self.max_length = Path(directory), max_length
        self._full = self._subset = self._ids = None
        self._pieces = None
        if (self.directory / SKELETON).is_file():
            self._pieces = PieceIndex(self.directory, max_length)
            self.pad_id = self._pieces.special_ids.get("<pad>", 1)
        else:
            self.preload()
            pad = (self._subset or self.full).token_to_id("<pad>")
            self.pad_id = 1 if pad is None else int(self._ids[pad] if self._subset else pad)

    def preload(self) -> None:
        """Load the Latin subset now (~0.25 s): quicker per text for many texts."""
        if self._subset is None and (self.directory / SUBSET).is_file():
            self._subset = _load(self.directory / SUBSET, self.max_length)
            self._ids = np.load(self.directory / SUBSET_IDS)

    @property
    def full(self):
        """The model's whole tokenizer (loaded on first use)."""
        if self._full is None:
            self._full = _load(self.directory / FULL, self.max_length)
        return self._full

    def _covers(self, texts: Sequence[str]) -> bool:
        normalise = self._subset.normalizer.normalize_str if self._subset.normalizer else str
        return all(_covered(normalise(t)) for t in texts)

    def _tokenizer_for(self, texts: Sequence[str]):
        """The tokenizer to use for ``texts``, and the map of its ids to the full ones."""
        if self._subset is not None and self._covers(texts):
            return self._subset, self._ids
        made = self._pieces.tokenizer_for(texts) if self._pieces is not None else None
        return made or (self.full, None)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids (truncated to the model window, special tokens included) per text."""
        tokenizer, ids = self._tokenizer_for(texts)
        encodings = tokenizer.encode_batch(list(texts))
        return [e.ids if ids is None else ids[e.ids].tolist() for e in encodings]

    def count(self, text: str) -> int:
        """Model tokens of ``text``, the part beyond the model window included."""
        tokenizer, _ = self._tokenizer_for([text])
        encoding = tokenizer.encode(text)
        return len(encoding.ids) + sum(len(o.ids) for o in encoding.overflowing)
