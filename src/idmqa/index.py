"""Build the index on disk atomically and load it back, refusing mismatches.

Layout of ``index_dir``::

    CURRENT                 name of the build that serves (replaced atomically)
    builds/<build>/         one complete build
        manifest.json       model, fingerprints, corpus hash, counts, file hashes
        passages.jsonl      the passage store, in document order
        dense.faiss         inner-product FAISS index over normalised embeddings
        bm25/               bm25s index over the analysed passage text

A build is written into a fresh ``builds/`` sub-directory and only becomes visible
when ``CURRENT`` is replaced, so a crash mid-build leaves the previous index serving.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import bm25s
import faiss
import numpy as np

from idmqa.chunking import CHUNKER_VERSION, chunk_document, embedding_text
from idmqa.corpus import corpus_fingerprint, load_corpus
from idmqa.dedup import duplicate_groups
from idmqa.embedding import Encoder
from idmqa.fsutil import sha256_file
from idmqa.highlight import SentenceStore, sentence_spans
from idmqa.parse import parse_document
from idmqa.people import People, attribute_passages
from idmqa.schema import Document, Passage
from idmqa.settings import Settings
from idmqa.text import analyze
from idmqa.vectors import (
    EmbeddingCache,
    ReuseStats,
    all_vectors,
    dense_index,
    document_changes,
    previous_manifest,
    read_dense,
)

FORMAT_VERSION = 2
KEEP_BUILDS = 2


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


def _file_hashes(build_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(build_dir)): sha256_file(p)
        for p in sorted(build_dir.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _passage_from_json(row: dict) -> Passage:
    for key in ("lines", "section", "footnote_refs", "speakers"):
        row[key] = tuple(row.get(key, ()))
    return Passage(**row)


def _document_info(doc: Document) -> dict:
    return {
        "id": doc.id,
        "path": doc.path,
        "title": doc.title,
        "language": doc.language,
        "sha256": doc.sha256,
        "meta": doc.meta,
    }


def collect_passages(
    settings: Settings, encoder: Encoder
) -> tuple[list[Document], list[Passage], list[str], People]:
    """Parse and chunk every corpus document; also return messages about skipped files.

    Passages come back with their ``speakers``, and the people of the corpus with them.
    """
    documents, problems = load_corpus(settings.corpus_dir)
    if not documents:
        raise IndexUnavailable(
            f"no indexable document in {settings.corpus_dir}: " + "; ".join(problems)
        )
    passages: list[Passage] = []
    parsed = []
    for doc in documents:
        blocks = parse_document(doc.text)
        parsed.append((doc, blocks))
        passages.extend(
            chunk_document(
                doc,
                blocks,
                encoder.count_tokens,
                settings.max_chunk_tokens,
                settings.chunk_overlap_sentences,
            )
        )
    people, passages = attribute_passages(parsed, passages)
    return documents, passages, problems, people


def _write_build(
    build_dir: Path,
    documents: list[Document],
    passages: list[Passage],
    vectors: np.ndarray,
    encoder: Encoder,
    settings: Settings,
    people: People | None = None,
    sentence_vectors: np.ndarray | None = None,
    extra: dict | None = None,
) -> dict:
    dense, dense_info = dense_index(
        vectors,
        settings.ann_threshold,
        settings.hnsw_m,
        settings.hnsw_ef_construction,
        settings.hnsw_ef_search,
    )
    np.save(build_dir / "duplicate_groups.npy", duplicate_groups(passages, vectors))
    faiss.write_index(dense, str(build_dir / "dense.faiss"))
    retriever = bm25s.BM25()
    retriever.index([analyze(embedding_text(p)) for p in passages], show_progress=False)
    retriever.save(str(build_dir / "bm25"), show_progress=False)
    spans, texts = sentence_spans(passages)
    np.save(build_dir / "sentence_spans.npy", spans)
    if sentence_vectors is None:
        sentence_vectors = encoder.encode_sentences(texts)
    np.save(build_dir / "sentence_vectors.npy", sentence_vectors)
    with (build_dir / "passages.jsonl").open("w", encoding="utf-8") as fh:
        for passage in passages:
            fh.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")
    people = people or People([])
    (build_dir / "people.json").write_text(
        json.dumps(people.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": encoder.name,
        "model_fingerprint": encoder.fingerprint,
        "dimension": int(vectors.shape[1]),
        "dense": dense_info,
        "query_prompt": settings.query_prompt,
        "passage_prompt": settings.passage_prompt,
        "chunker_version": CHUNKER_VERSION,
        "corpus_sha256": corpus_fingerprint(documents),
        "documents": [_document_info(d) for d in documents],
        "counts": {"documents": len(documents), "passages": len(passages), "people": len(people)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **(extra or {}),
        "files": _file_hashes(build_dir),
    }
    (build_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _publish(index_dir: Path, build_dir: Path) -> None:
    """Point ``CURRENT`` at ``build_dir`` atomically, then drop old builds."""
    pointer_tmp = index_dir / f".CURRENT.{os.getpid()}"
    pointer_tmp.write_text(build_dir.name + "\n")
    os.replace(pointer_tmp, index_dir / "CURRENT")
    builds = sorted((index_dir / "builds").iterdir(), key=lambda p: p.stat().st_mtime)
    for old in builds[:-KEEP_BUILDS]:
        if old != build_dir:
            shutil.rmtree(old, ignore_errors=True)


def _reusable_embeddings(
    settings: Settings, encoder: Encoder
) -> tuple[EmbeddingCache, EmbeddingCache]:
    """Passage and sentence vectors of the serving build, if made with the same model/prompt."""
    try:
        build_dir, manifest = check_index(settings.index_dir, encoder.name, encoder.fingerprint)
    except IndexUnavailable:
        return EmbeddingCache(), EmbeddingCache()
    if manifest.get("passage_prompt") != settings.passage_prompt:
        return EmbeddingCache(), EmbeddingCache()
    with (build_dir / "passages.jsonl").open(encoding="utf-8") as fh:
        old = [_passage_from_json(json.loads(line)) for line in fh]
    dense = read_dense(build_dir / "dense.faiss")
    passages = EmbeddingCache.from_arrays([embedding_text(p) for p in old], all_vectors(dense))
    spans = np.load(build_dir / "sentence_spans.npy")
    texts = [old[i].text[start:end] for i, start, end in spans]
    sentences = EmbeddingCache.from_arrays(texts, np.load(build_dir / "sentence_vectors.npy"))
    # Sentence vectors come from the question encoder (ONNX int8/fp32 or torch): reuse them
    # only from a build that used the same one.
    if manifest.get("sentence_encoder") != getattr(encoder, "query_encoder", None):
        sentences = EmbeddingCache()
    return passages, sentences


def build_index(settings: Settings, encoder: Encoder, progress: bool = False) -> dict:
    """Parse, chunk, embed and write a new index; return its manifest.

    Vectors of texts the serving build already embedded (same model and prompt) are reused,
    so only new or changed documents are embedded; ``incremental`` in the manifest counts both.
    """
    started = time.perf_counter()
    documents, passages, problems, people = collect_passages(settings, encoder)
    try:
        before = previous_manifest(current_build(settings.index_dir))
    except IndexUnavailable:
        before = None
    passage_cache, sentence_cache = _reusable_embeddings(settings, encoder)
    passage_stats, sentence_stats = ReuseStats(), ReuseStats()
    vectors = passage_cache.embed(
        [embedding_text(p) for p in passages],
        lambda texts: encoder.encode_passages(texts, progress=progress),
        passage_stats,
    )
    sentence_vectors = sentence_cache.embed(
        sentence_spans(passages)[1], encoder.encode_sentences, sentence_stats
    )
    incremental = {
        "documents": {k: len(v) for k, v in document_changes(before, documents).items()},
        "passages": {"reused": passage_stats.reused, "embedded": passage_stats.embedded},
        "sentences": {"reused": sentence_stats.reused, "embedded": sentence_stats.embedded},
    }
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_dir = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=builds))
    # mkdtemp makes it 0700: let a service user other than the builder read it (containers).
    build_dir.chmod(0o755)
    try:
        manifest = _write_build(
            build_dir,
            documents,
            passages,
            vectors,
            encoder,
            settings,
            people=people,
            sentence_vectors=sentence_vectors,
            extra={
                "incremental": incremental,
                "sentence_encoder": getattr(encoder, "query_encoder", None),
            },
        )
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _publish(settings.index_dir, build_dir)
    manifest["skipped"] = problems
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    return manifest


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
        passages = [_passage_from_json(json.loads(line)) for line in fh]
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
    return LoadedIndex(
        manifest, passages, documents, dense, bm25, sentences, groups, build_dir, people=people
    )
