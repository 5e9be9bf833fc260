"""Build a new index on disk and publish it atomically.

A build is written into a fresh ``builds/`` sub-directory and only becomes visible
when ``CURRENT`` is replaced, so a crash mid-build leaves the previous index serving.
The layout, and loading, are :mod:`idmqa.index.store`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import bm25s
import faiss
import numpy as np

from idmqa import lexicon
from idmqa.fsutil import file_lock, sha256_file
from idmqa.index.bilingual import bilingual_table
from idmqa.index.dense import all_vectors, read_dense
from idmqa.index.reuse import (
    EmbeddingCache,
    ReuseStats,
    dense_index,
    document_changes,
    previous_manifest,
)
from idmqa.index.sentences import sentence_spans
from idmqa.index.starters import build_starters
from idmqa.index.store import (
    BUILD_NAME,
    FORMAT_VERSION,
    MANIFEST,
    IndexUnavailable,
    check_index,
    current_build,
    passage_from_json,
)
from idmqa.ingest.chunking import (
    CHUNKER_VERSION,
    TokenCounter,
    chunk_document,
    embedding_text,
)
from idmqa.ingest.corpus import corpus_fingerprint, load_corpus
from idmqa.ingest.dedup import duplicate_groups
from idmqa.ingest.parse import parse_document
from idmqa.model.encoder import Encoder
from idmqa.people.build import attribute_passages
from idmqa.people.model import People
from idmqa.people.rules import ATTRIBUTION
from idmqa.schema import Document, Passage
from idmqa.settings import Settings
from idmqa.text import analyze

#: Complete builds kept in ``builds/``: the serving one and one to fall back to.
KEEP_BUILDS = 2
#: A build is written under a hidden name (never a build ``CURRENT`` may name, never counted
#: as a fallback), and renamed when complete.
STAGING_PREFIX = ".partial-"


def _file_hashes(build_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(build_dir)): sha256_file(p)
        for p in sorted(build_dir.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


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
    settings: Settings, count_tokens: TokenCounter
) -> tuple[list[Document], list[Passage], list[str], People]:
    """Parse and chunk every corpus document (``count_tokens``: model tokens of a passage);
    also return messages about skipped files.

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
                count_tokens,
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
    analysed = [analyze(embedding_text(p)) for p in passages]
    retriever = bm25s.BM25()
    retriever.index(analysed, show_progress=False)
    retriever.save(str(build_dir / "bm25"), show_progress=False)
    bilingual = _write_bilingual(build_dir, settings, {t for terms in analysed for t in terms})
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
    (build_dir / "starters.json").write_text(
        json.dumps(build_starters(passages, people), ensure_ascii=False, indent=1),
        encoding="utf-8",
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
        "people_rules": ATTRIBUTION.to_json(),
        "lexicon_sha256": lexicon.fingerprint(),
        "corpus_sha256": corpus_fingerprint(documents),
        "documents": [_document_info(d) for d in documents],
        "counts": {"documents": len(documents), "passages": len(passages), "people": len(people)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "bilingual": bilingual,
        **(extra or {}),
        "files": _file_hashes(build_dir),
    }
    (build_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _write_bilingual(build_dir: Path, settings: Settings, vocabulary: set[str]) -> dict:
    """The build's English→French word table (``bilingual.json``), cut down to words whose
    analysed terms all occur in the corpus; what the manifest records of it."""

    def known(word: str) -> bool:
        terms = analyze(word)
        return bool(terms) and all(t in vocabulary for t in terms)

    table, used = bilingual_table(settings.dictionary_dir, known)
    (build_dir / "bilingual.json").write_text(
        json.dumps(table, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    return {"dictionaries": used, "entries": len(table)}


def _publish(index_dir: Path, build_dir: Path) -> None:
    """Point ``CURRENT`` at ``build_dir`` atomically, then drop old builds."""
    pointer_tmp = index_dir / f".CURRENT.{os.getpid()}"
    pointer_tmp.write_text(build_dir.name + "\n")
    os.replace(pointer_tmp, index_dir / "CURRENT")
    _rotate(index_dir / "builds", build_dir)


def _rotate(builds: Path, serving: Path) -> None:
    """Keep the serving build and the newest other complete build; remove older complete
    builds and what killed runs left (only one build runs at a time: see ``build_index``)."""
    complete = sorted(
        (d for d in builds.iterdir() if BUILD_NAME.fullmatch(d.name) and (d / MANIFEST).is_file()),
        key=lambda d: d.stat().st_mtime,
    )
    kept = {serving, *[d for d in complete if d != serving][-(KEEP_BUILDS - 1) :]}
    for old in builds.iterdir():
        if old.is_dir() and not old.is_symlink() and old not in kept:
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
    # Old passages are keyed by what this code would embed for them: only right when the
    # build embedded them the same way.
    if manifest.get("chunker_version") != CHUNKER_VERSION:
        return EmbeddingCache(), EmbeddingCache()
    with (build_dir / "passages.jsonl").open(encoding="utf-8") as fh:
        old = [passage_from_json(json.loads(line)) for line in fh]
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
    documents, passages, problems, people = collect_passages(settings, encoder.count_tokens)
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
    with file_lock(settings.index_dir / ".build.lock"):
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=builds))
        # mkdtemp makes it 0700: let a service user other than the builder read it (containers).
        staging.chmod(0o755)
        try:
            manifest = _write_build(
                staging,
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
            build_dir = builds / (time.strftime("%Y%m%dT%H%M%S-") + staging.name[-8:])
            os.rename(staging, build_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(settings.index_dir, build_dir)
    manifest["skipped"] = problems
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    return manifest
