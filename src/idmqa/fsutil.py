"""Filesystem helpers shared by the caches and the index: hashes, package data, atomic dirs."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def package_file(package: str, relative: str) -> Path:
    """A data file shipped inside an installed package (FileNotFoundError naming what's missing)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {package} package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise FileNotFoundError(f"{package} data file not found: {path}")
    return path


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Serialise work between processes sharing a cache directory (an flock on ``path``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_readable(root: Path) -> None:
    """Give a tree ordinary permissions (mkdtemp and some writers create it 0700/0600)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in (root, *root.rglob("*")):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def publish_dir(tmp: Path, target: Path) -> None:
    """Move the complete directory ``tmp`` to ``target``, replacing any older one.

    The old directory is first renamed aside (``os.replace`` cannot overwrite a non-empty
    directory), so ``target`` is only ever absent for an instant and never half-written.
    """
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        os.replace(target, old / "old")
        shutil.rmtree(old, ignore_errors=True)
    os.replace(tmp, target)


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """A fresh directory beside ``target`` to build in; published as ``target`` on success.

    Leftovers of earlier crashed builds are removed first; on any error the staging
    directory is removed and ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        make_readable(tmp)
        publish_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
