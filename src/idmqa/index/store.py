"""Load a published build, refusing anything that does not check out.

Layout of ``index_dir``::

    CURRENT                 name of the build that serves (replaced atomically)
    builds/<build>/         one complete build
        manifest.json       model, fingerprints, corpus hash, counts, file hashes
        passages.jsonl      the passage store, in document order
        dense.faiss         inner-product FAISS index over normalised embeddings
        bm25/               bm25s index over the analysed passage text

Serving imports this module only: building is :mod:`idmqa.index.build`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import faiss
import numpy as np

from idmqa.fsutil import sha256_file
from idmqa.index.dense import read_dense
from idmqa.index.sentences import SentenceStore
from idmqa.people.model import People
from idmqa.schema import Passage, PassagePerson

#: Version of the on-disk build; a build of another version is refused with a rebuild message.
#: 3: passages carry their source ``blocks`` and their ``people`` (role, spans); people.json
#: gives each document's workshops.
FORMAT_VERSION = 3


class IndexUnavailable(RuntimeError):
    """The index is missing, corrupt or does not match the configuration."""


@dataclass(frozen=True, slots=True)
class LoadedIndex:
    """Everything search needs, in memory."""

    manifest: dict
    passages: list[Passage]
    documents: dict[str, dict]
    dense: faiss.Index
    bm25: bm25s.BM25
    sentences: SentenceStore
    groups: np.ndarray  # near-duplicate group of each passage (see idmqa.dedup)
    path: Path
    people: People = field(default_factory=lambda: People([]))  # who said what
    #: English stem → French corpus words (``idmqa.index.bilingual``); empty without one
    bilingual: dict[str, list[str]] = field(default_factory=dict)


def passage_from_json(row: dict) -> Passage:
    for key in ("lines", "section", "footnote_refs"):
        row[key] = tuple(row.get(key, ()))
    row["blocks"] = tuple(tuple(b) for b in row.get("blocks", ()))
    row["people"] = tuple(
        PassagePerson(p["id"], p["role"], tuple(tuple(s) for s in p.get("spans", ())))
        for p in row.get("people", ())
    )
    return Passage(**row)


def current_build(index_dir: Path) -> Path:
    """Directory of the build ``CURRENT`` points at."""
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        raise IndexUnavailable(f"no index in {index_dir}: run `idmqa index` first")
    build_dir = index_dir / "builds" / pointer.read_text().strip()
    if not (build_dir / "manifest.json").exists():
        raise IndexUnavailable(f"index {build_dir} has no manifest: rebuild with `idmqa index`")
    return build_dir


def verify_build(build_dir: Path, manifest: dict) -> None:
    """Refuse a build whose files are missing, truncated or altered."""
    for name, expected in manifest.get("files", {}).items():
        path = build_dir / name
        if not path.exists():
            raise IndexUnavailable(f"index file missing: {path}; rebuild with `idmqa index`")
        if sha256_file(path) != expected:
            raise IndexUnavailable(f"index file corrupt (sha256 mismatch): {path}; rebuild")


def check_compatible(manifest: dict, model: str, fingerprint: str) -> None:
    """Refuse an index built with another model than the configured one."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexUnavailable(
            f"index format {manifest.get('format_version')} is not "
            f"{FORMAT_VERSION}; rebuild with `idmqa index`"
        )
    if manifest.get("model") != model or manifest.get("model_fingerprint") != fingerprint:
        raise IndexUnavailable(
            f"index was built with model {manifest.get('model')!r} "
            f"(fingerprint {str(manifest.get('model_fingerprint'))[:12]}) but the configured "
            f"model is {model!r} (fingerprint {fingerprint[:12]}); rebuild with `idmqa index` "
            "or set IDMQA_MODEL to the index's model"
        )


def check_index(index_dir: Path, model: str, fingerprint: str) -> tuple[Path, dict]:
    """The current build and its manifest, once its model and file hashes check out."""
    build_dir = current_build(index_dir)
    try:
        manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexUnavailable(
            f"index manifest {build_dir / 'manifest.json'} is corrupt: "
            f"{exc}; rebuild with `idmqa index`"
        ) from exc
    check_compatible(manifest, model, fingerprint)
    verify_build(build_dir, manifest)
    return build_dir, manifest


def load_index(index_dir: Path, model: str, fingerprint: str, mmap: bool = True) -> LoadedIndex:
    """Load the current build after checking its integrity and model.

    The dense index is memory-mapped read-only unless ``mmap`` is False.
    """
    build_dir, manifest = check_index(index_dir, model, fingerprint)
    with (build_dir / "passages.jsonl").open(encoding="utf-8") as fh:
        passages = [passage_from_json(json.loads(line)) for line in fh]
    dense = read_dense(build_dir / "dense.faiss", mmap)
    if dense.ntotal != len(passages):
        raise IndexUnavailable(
            f"index {build_dir}: {dense.ntotal} vectors for {len(passages)} passages"
        )
    bm25 = bm25s.BM25.load(str(build_dir / "bm25"), show_progress=False)
    try:
        sentences = SentenceStore.from_arrays(
            np.load(build_dir / "sentence_spans.npy"),
            np.load(build_dir / "sentence_vectors.npy"),
            len(passages),
        )
    except ValueError as exc:
        raise IndexUnavailable(f"index {build_dir}: {exc}") from exc
    documents = {d["id"]: d for d in manifest["documents"]}
    people_file = build_dir / "people.json"
    if not people_file.exists():
        raise IndexUnavailable(f"index {build_dir} has no people.json; rebuild with `idmqa index`")
    people = People.from_json(json.loads(people_file.read_text(encoding="utf-8")))
    groups = np.load(build_dir / "duplicate_groups.npy")
    bilingual_file = build_dir / "bilingual.json"
    bilingual = (
        json.loads(bilingual_file.read_text(encoding="utf-8")) if bilingual_file.exists() else {}
    )
    return LoadedIndex(
        manifest,
        passages,
        documents,
        dense,
        bm25,
        sentences,
        groups,
        build_dir,
        people=people,
        bilingual=bilingual,
    )
