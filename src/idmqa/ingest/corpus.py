"""Discover the documents of the corpus directory and read their metadata."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

from idmqa.schema import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class CorpusError(ValueError):
    """A corpus file that cannot be indexed; the message names the file."""


def slugify(name: str) -> str:
    """Stable document id from a file name: lower-case ASCII letters, digits, dots and dashes."""
    slug = re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-.")
    return slug or "document"


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(f"{path.name}: empty file")
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CorpusError(f"{path.name}: larger than {MAX_DOCUMENT_BYTES} bytes")
    if b"\x00" in raw:
        raise CorpusError(f"{path.name}: binary content (NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path.name}: not valid UTF-8 ({exc.reason} at byte {exc.start})"
        ) from exc


def _read_meta(path: Path) -> dict[str, object]:
    meta_path = path.with_suffix(".json")
    if not meta_path.exists():
        log.warning("%s: no metadata file %s; using defaults", path.name, meta_path.name)
        return {}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{meta_path.name}: invalid JSON metadata ({exc})") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{meta_path.name}: metadata must be a JSON object")
    return meta


def load_document(path: Path, root: Path) -> Document:
    """Read one document and its ``<name>.json`` metadata sidecar."""
    text = _read_text(path)
    meta = _read_meta(path)
    return Document(
        id=slugify(path.stem),
        path=str(path.relative_to(root)),
        title=str(meta.get("title") or path.stem),
        language=str(meta.get("language") or "fr"),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        meta=meta,
    )


def load_corpus(root: Path) -> tuple[list[Document], list[str]]:
    """Load every ``.txt``/``.md`` document under ``root``.

    Returns the documents (sorted by path) and one message per skipped file, so a bad
    file never stops the others from being indexed.
    """
    documents: list[Document] = []
    problems: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        if path.name.lower() == "readme.md":
            continue
        try:
            documents.append(load_document(path, root))
        except (CorpusError, OSError) as exc:
            problems.append(str(exc))
            log.warning("skipped %s", exc)
    return documents, problems


def corpus_fingerprint(documents: list[Document]) -> str:
    """sha256 over the ids and contents of all documents, for the manifest."""
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(f"{doc.id}\0{doc.sha256}\0".encode())
    return digest.hexdigest()
