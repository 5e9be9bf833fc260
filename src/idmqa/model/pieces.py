"""A tokenizer made for the texts at hand: only the vocabulary pieces they can use.

A Unigram segmentation of a word only uses pieces that are substrings of it, so a Unigram
tokenizer holding the pieces that are substrings of a text's (normalised, pre-tokenised)
words — with the same scores, the lowest-scoring piece (it fixes the penalty of unknown
characters) and the special tokens — segments that text exactly as the whole one does
(the argument of :mod:`idmqa.model.tokenizer`'s Latin subset, with the text's own
substrings as the set). Building it takes about a millisecond, where loading the Latin
subset takes ~0.25 s and the whole vocabulary ~1 s: a process that asks one question
(``idmqa ask``) builds one; a server loads the subset once and uses this for text the subset
does not cover.

The export writes the vocabulary's pieces sorted, with their ids and scores, as arrays read
by memory map (:func:`write_pieces`), and ``tokenizer.json`` without its vocabulary.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PIECES = "tokenizer-pieces.npy"
PIECE_IDS = "tokenizer-piece-ids.npy"
SCORES = "tokenizer-scores.npy"
SKELETON = "tokenizer-skeleton.json"
FILES = (PIECES, PIECE_IDS, SCORES, SKELETON)


def is_plain_unigram(spec: dict) -> bool:
    """A Unigram model without byte fallback: the model the subset argument holds for."""
    model = spec["model"]
    return model.get("type") == "Unigram" and not model.get("byte_fallback")


def base_ids(spec: dict) -> list[int]:
    """The ids every subset keeps: the special tokens, the unknown token, the lowest score."""
    vocab = spec["model"]["vocab"]
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
    special = {t["id"] for t in spec.get("added_tokens", [])}
    return sorted(special | {spec["model"]["unk_id"], lowest})


def with_vocabulary(spec: dict, ids: Sequence[int], vocab: list) -> dict:
    """``spec`` with ``vocab`` as its Unigram vocabulary, whose entries have the ids ``ids``
    (ascending) in the whole one; the special tokens renumbered to match."""
    new_id = {old: new for new, old in enumerate(ids)}
    subset = copy.deepcopy({**spec, "model": {**spec["model"], "vocab": []}})
    subset["model"]["vocab"] = vocab
    subset["model"]["unk_id"] = new_id[spec["model"]["unk_id"]]
    for token in subset.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    for token in ((subset.get("post_processor") or {}).get("special_tokens") or {}).values():
        token["ids"] = [new_id[i] for i in token["ids"]]
    return subset


def write_pieces(directory: Path, spec: dict) -> None:
    """Write the arrays and the skeleton :class:`PieceIndex` reads (``spec``: the model's
    ``tokenizer.json``, a plain Unigram)."""
    vocab = spec["model"]["vocab"]
    pieces = [piece for piece, _ in vocab]
    if any(not piece or "\0" in piece for piece in pieces):
        return  # numpy's strings drop trailing NULs: such a vocabulary keeps the subset only
    array = np.asarray(pieces)
    order = np.argsort(array, kind="stable")
    np.save(directory / PIECES, array[order])
    np.save(directory / PIECE_IDS, order.astype(np.int32))
    np.save(directory / SCORES, np.asarray([score for _, score in vocab], dtype=np.float64))
    base = base_ids(spec)
    skeleton = {
        "spec": {**spec, "model": {**spec["model"], "vocab": []}},
        "base": [[i, *vocab[i]] for i in base],
        "longest": max(len(piece) for piece in pieces),
    }
    (directory / SKELETON).write_text(json.dumps(skeleton, ensure_ascii=False), "utf-8")


class PieceIndex:
    """The vocabulary, memory-mapped; :meth:`tokenizer_for` builds a tokenizer for texts."""

    def __init__(self, directory: Path, max_length: int) -> None:
        skeleton = json.loads((directory / SKELETON).read_text("utf-8"))
        self.spec, self.longest, self.max_length = skeleton["spec"], skeleton["longest"], max_length
        self.base = {i: [piece, score] for i, piece, score in skeleton["base"]}
        self.pieces = np.load(directory / PIECES, mmap_mode="r")
        self.ids = np.load(directory / PIECE_IDS, mmap_mode="r")
        self.scores = np.load(directory / SCORES, mmap_mode="r")
        self.special_ids = {t["content"]: t["id"] for t in self.spec.get("added_tokens", [])}
        # The normaliser and pre-tokeniser, to see the words the model will segment.
        self._words = self._build(sorted(self.base), [self.base[i] for i in sorted(self.base)])

    def _build(self, ids: list[int], vocab: list):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_str(json.dumps(with_vocabulary(self.spec, ids, vocab)))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_length)
        return tokenizer

    def _substrings(self, texts: Sequence[str]) -> set[str]:
        normalise = self._words.normalizer.normalize_str if self._words.normalizer else str
        split = self._words.pre_tokenizer
        found = set()
        for text in texts:
            text = normalise(text)
            for word, _ in split.pre_tokenize_str(text) if split else [(text, None)]:
                for start in range(len(word)):
                    end = min(len(word), start + self.longest)
                    found.update(word[start:stop] for stop in range(start + 1, end + 1))
        return found

    def tokenizer_for(self, texts: Sequence[str]):
        """A tokenizer giving ``texts`` the whole vocabulary's segmentation, and the array
        mapping its ids to the whole vocabulary's; None for a text holding a special token
        (split off before normalising, it changes the words around it)."""
        if any(special in text for text in texts for special in self.special_ids):
            return None
        candidates = np.asarray(sorted(self._substrings(texts)) or [""])
        at = np.minimum(np.searchsorted(self.pieces, candidates), len(self.pieces) - 1)
        hits = np.asarray(self.pieces[at] == candidates)
        found = dict(zip(self.ids[at[hits]].tolist(), candidates[hits].tolist(), strict=True))
        ids = sorted(found.keys() | self.base.keys())
        vocab = [self.base[i] if i in self.base else [found[i], float(self.scores[i])] for i in ids]
        return self._build(ids, vocab), np.asarray(ids, dtype=np.int64)
