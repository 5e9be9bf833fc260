"""Load a published build, refusing anything that does not check out.

Layout of ``index_dir``::

    CURRENT                 name of the build that serves (replaced atomically)
    builds/<build>/         one complete build
        manifest.json       model, fingerprints, corpus hash, counts, file hashes
        passages.jsonl      the passage store, in document order
        dense.faiss         inner-product FAISS index over normalised embeddings
        bm25/               bm25s index over the analysed passage text (read by
                            :mod:`idmqa.index.lexical`, without bm25s)
        starters.json       starter questions per interface language (fr, en, es)

Serving imports this module only: building is :mod:`idmqa.index.build`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import faiss
import numpy as np

from idmqa.index.dense import read_dense
from idmqa.index.lexical import LexicalIndex
from idmqa.index.sentences import SentenceStore
from idmqa.people.model import People
from idmqa.schema import Passage, PassagePerson

#: Version of the on-disk build; a build of another version is refused with a rebuild message.
#: 3: passages carry their source ``blocks`` and their ``people`` (role, spans); people.json
#: gives each document's workshops.
#: 4: starters.json, the starter questions of each interface language.
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
#: Files every build has, besides its manifest and the files of ``bm25/``.
REQUIRED_FILES = (
    "passages.jsonl",
    "dense.faiss",
    "sentence_spans.npy",
    "sentence_vectors.npy",
    "duplicate_groups.npy",
    "people.json",
    "bilingual.json",
    "starters.json",
)
#: The name of a build directory: what ``idmqa index`` creates, never hidden (a build being
#: written), never a path.
BUILD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
#: ``CURRENT`` and manifests larger than this are not ours (and a device would never end).
MAX_POINTER_BYTES = 4096
MAX_MANIFEST_BYTES = 64 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REBUILD = "rebuild with `idmqa index`"

#: What identifies a file's content cheaply: size, modification time, inode, device.
Signature = tuple[int, int, int, int]


class IndexUnavailable(RuntimeError):
    """The index is missing, corrupt or does not match the configuration."""


@dataclass(frozen=True, slots=True)
class LoadedIndex:
    """Everything search needs, in memory."""

    manifest: dict
    passages: list[Passage]
    documents: dict[str, dict]
    dense: faiss.Index
    bm25: LexicalIndex
    sentences: SentenceStore
    groups: np.ndarray  # near-duplicate group of each passage (see idmqa.dedup)
    path: Path
    people: People = field(default_factory=lambda: People([]))  # who said what
    #: English stem → French corpus words (``idmqa.index.bilingual``); empty without one
    bilingual: dict[str, list[str]] = field(default_factory=dict)
    #: Starter questions by interface language (``idmqa.index.starters``)
    starters: dict[str, list[str]] = field(default_factory=dict)
    #: The signature of every file as verified, to tell when the disk no longer matches.
    verified: dict[str, Signature] = field(default_factory=dict)
    #: Files served from the disk (memory-mapped) rather than from memory.
    mapped: tuple[str, ...] = ()


def passage_from_json(row: dict) -> Passage:
    for key in ("lines", "section", "footnote_refs"):
        row[key] = tuple(row.get(key, ()))
    row["blocks"] = tuple(tuple(b) for b in row.get("blocks", ()))
    row["people"] = tuple(
        PassagePerson(p["id"], p["role"], tuple(tuple(s) for s in p.get("spans", ())))
        for p in row.get("people", ())
    )
    return Passage(**row)


def _signature(st: os.stat_result) -> Signature:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """A descriptor of ``path`` if it is a regular file, not a link (nor a device or a FIFO,
    which could make a read never end); IndexUnavailable otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        what = "is a link, not a regular file" if exc.errno == errno.ELOOP else "cannot be read"
        raise IndexUnavailable(f"index file {path} {what}; {_REBUILD}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise IndexUnavailable(f"index file {path} is not a regular file; {_REBUILD}")
    return fd, st


def _read_small(path: Path, limit: int) -> str:
    fd, _ = _open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise IndexUnavailable(f"{path} is larger than {limit} bytes; {_REBUILD}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise IndexUnavailable(f"{path} is not UTF-8 text; {_REBUILD}") from None


def current_build(index_dir: Path) -> Path:
    """Directory of the build ``CURRENT`` points at: a complete build inside ``builds/``."""
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        raise IndexUnavailable(f"no index in {index_dir}: run `idmqa index` first")
    name = _read_small(pointer, MAX_POINTER_BYTES).strip()
    builds = index_dir / "builds"
    if not BUILD_NAME.fullmatch(name):
        raise IndexUnavailable(f"{pointer} does not name a build of {builds}; {_REBUILD}")
    build_dir = builds / name
    try:
        inside = build_dir.resolve(strict=True).parent == builds.resolve(strict=True)
    except OSError:
        inside = False
    if not (inside and build_dir.is_dir() and (build_dir / MANIFEST).exists()):
        raise IndexUnavailable(f"index {build_dir} has no manifest: {_REBUILD}")
    return build_dir


def _listed_files(build_dir: Path, manifest: dict) -> dict[str, str]:
    """The manifest's ``files`` (relative path → sha256), once each entry is well formed."""
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexUnavailable(f"index manifest {build_dir / MANIFEST} lists no files; {_REBUILD}")
    for name, digest in files.items():
        path = PurePosixPath(name)
        inside = not path.is_absolute() and str(path) == name and ".." not in path.parts
        if not inside or "\\" in name or "\0" in name:
            raise IndexUnavailable(
                f"index manifest {build_dir / MANIFEST} names a file outside its build; {_REBUILD}"
            )
        if not (isinstance(digest, str) and _SHA256.fullmatch(digest)):
            raise IndexUnavailable(f"index manifest has no sha256 for {name}; {_REBUILD}")
    absent = [name for name in REQUIRED_FILES if name not in files]
    if not any(name.startswith("bm25/") for name in files):
        absent.append("bm25/")
    if absent:
        raise IndexUnavailable(f"index manifest does not list {', '.join(absent)}; {_REBUILD}")
    return files


def _files_on_disk(build_dir: Path) -> set[str]:
    """Every entry of the build but its manifest, relative, without following links."""
    found = set()
    for root, dirs, names in os.walk(build_dir):
        for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(root, d)))]:
            found.add(Path(root, name).relative_to(build_dir).as_posix())
    return found - {MANIFEST}


def _sha256(path: Path) -> tuple[str, Signature]:
    fd, st = _open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return digest, _signature(st)


def verify_build(build_dir: Path, manifest: dict) -> dict[str, Signature]:
    """Refuse a build unless its manifest lists exactly its files, each a regular file inside
    the build with the listed sha256; the signature of every file verified."""
    listed = _listed_files(build_dir, manifest)
    on_disk = _files_on_disk(build_dir)
    missing, extra = sorted(set(listed) - on_disk), sorted(on_disk - set(listed))
    if missing:
        raise IndexUnavailable(f"index file missing: {build_dir / missing[0]}; {_REBUILD}")
    if extra:
        raise IndexUnavailable(
            f"index file not listed in the manifest: {build_dir / extra[0]}; {_REBUILD}"
        )
    verified = {}
    for name, expected in sorted(listed.items()):
        digest, verified[name] = _sha256(build_dir / name)
        if digest != expected:
            raise IndexUnavailable(
                f"index file corrupt (sha256 mismatch): {build_dir / name}; {_REBUILD}"
            )
    return verified


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


def _checked(index_dir: Path, model: str, fingerprint: str) -> tuple[Path, dict, dict]:
    build_dir = current_build(index_dir)
    try:
        manifest = json.loads(_read_small(build_dir / MANIFEST, MAX_MANIFEST_BYTES))
    except json.JSONDecodeError as exc:
        raise IndexUnavailable(
            f"index manifest {build_dir / MANIFEST} is corrupt: {exc}; {_REBUILD}"
        ) from exc
    if not isinstance(manifest, dict):
        raise IndexUnavailable(
            f"index manifest {build_dir / MANIFEST} is not a JSON object; {_REBUILD}"
        )
    check_compatible(manifest, model, fingerprint)
    return build_dir, manifest, verify_build(build_dir, manifest)


def check_index(index_dir: Path, model: str, fingerprint: str) -> tuple[Path, dict]:
    """The current build and its manifest, once its model and file hashes check out."""
    build_dir, manifest, _ = _checked(index_dir, model, fingerprint)
    return build_dir, manifest


def changed_on_disk(index: LoadedIndex) -> list[str]:
    """The files of a loaded build that are no longer as they were verified."""
    changed = []
    for name, signature in index.verified.items():
        try:
            now = _signature(os.lstat(index.path / name))
        except OSError:
            now = None
        if now != signature:
            changed.append(name)
    return changed


def load_index(index_dir: Path, model: str, fingerprint: str, mmap: bool = True) -> LoadedIndex:
    """Load the current build after checking its integrity and model.

    The dense index is memory-mapped read-only if ``mmap``: then a change of the file on disk
    reaches the server. Read, every file is in memory as it was verified, whatever happens to
    the disk afterwards. A file that hashes right but does not load is refused (a manifest
    re-hashed after an edit), as is a build whose files change while it loads.
    """
    build_dir, manifest, verified = _checked(index_dir, model, fingerprint)
    try:
        index = _read_build(build_dir, manifest, mmap)
    except IndexUnavailable:
        raise
    except Exception as exc:  # whatever a malformed file raises, it means: do not serve it
        reason = (str(exc).splitlines() or [""])[0][:200]
        raise IndexUnavailable(
            f"index {build_dir} cannot be loaded ({type(exc).__name__}: {reason}); {_REBUILD}"
        ) from exc
    loaded = replace(index, verified=verified, mapped=("dense.faiss",) if mmap else ())
    if changed_on_disk(loaded):
        raise IndexUnavailable(f"index {build_dir} changed while it was loading; start again")
    return loaded


def _read_build(build_dir: Path, manifest: dict, mmap: bool) -> LoadedIndex:
    with (build_dir / "passages.jsonl").open(encoding="utf-8") as fh:
        passages = [passage_from_json(json.loads(line)) for line in fh]
    dense = read_dense(build_dir / "dense.faiss", mmap)
    if dense.ntotal != len(passages):
        raise IndexUnavailable(
            f"index {build_dir}: {dense.ntotal} vectors for {len(passages)} passages"
        )
    bm25 = LexicalIndex.load(build_dir / "bm25")
    sentences = SentenceStore.from_arrays(
        np.load(build_dir / "sentence_spans.npy"),
        np.load(build_dir / "sentence_vectors.npy"),
        len(passages),
    )
    documents = {d["id"]: d for d in manifest["documents"]}
    people = People.from_json(json.loads((build_dir / "people.json").read_text(encoding="utf-8")))
    groups = np.load(build_dir / "duplicate_groups.npy")
    if len(groups) != len(passages):
        raise IndexUnavailable(f"index {build_dir}: duplicate groups do not match the passages")
    bilingual = json.loads((build_dir / "bilingual.json").read_text(encoding="utf-8"))
    starters = json.loads((build_dir / "starters.json").read_text(encoding="utf-8"))
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
        starters=starters,
    )
