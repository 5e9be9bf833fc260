"""The question encoder at serving time: an ONNX export run by onnxruntime.

Only ``onnxruntime``, ``tokenizers`` (the model's own ``tokenizer.json``, see
:mod:`idmqa.model.tokenizer`) and numpy — no
torch, no transformers — so a serving process starts in about a second. Loading refuses an
ONNX file whose sha256 or source-model fingerprint does not match the marker.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from idmqa.fsutil import sha256_file
from idmqa.model.exported import (
    VARIANTS,
    OnnxEncoderError,
    onnx_dir,
    read_marker,
    variant_files,
)
from idmqa.model.pieces import FILES as PIECE_FILES
from idmqa.model.tokenizer import FULL, SUBSET, SUBSET_IDS, EncoderTokenizer
from idmqa.settings import available_cores


class OnnxRuntime:
    """An ONNX embedding model and its tokenizer: onnxruntime + tokenizers + numpy.

    The session is created in a background thread (onnxruntime releases the GIL while it
    reads and optimises the graph) while the tokenizer and, in a serving process, the index
    load: ``idmqa ask`` pays for the longer of them, not for their sum.
    """

    def __init__(self, path: Path, tokenizer_dir: Path, max_length: int, threads: int) -> None:
        self.threads = threads if threads > 0 else available_cores()
        self._session: object = None
        # Not a daemon: a process leaving early (an index refused, a bad question) must wait for
        # onnxruntime to finish, or the interpreter's shutdown aborts it mid-C++ (SIGABRT).
        self._loader = threading.Thread(target=self._open, args=(path,), daemon=False)
        self._loader.start()
        self.tokenizer = EncoderTokenizer(tokenizer_dir, max_length)
        self.pad_id = self.tokenizer.pad_id

    def _open(self, path: Path) -> None:
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # No busy-waiting between runs: on two shared cores a spinning pool steals the
            # CPU that the web server, the other requests and other processes need.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # re-raised in the caller's thread by ``session``
            self._session = exc

    def wait(self) -> None:
        """Return once the session is created; raise what creating it raised."""
        self._loader.join()
        if isinstance(self._session, Exception):
            raise OnnxEncoderError(f"cannot load the ONNX model: {self._session}")

    @property
    def session(self):
        """The onnxruntime session (waits for it to be created)."""
        self.wait()
        return self._session

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings (texts carry their own prompt)."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc)] = enc
            mask[row, : len(enc)] = 1
        session = self.session
        (out,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.ascontiguousarray(out, dtype=np.float32)


def _intact(path: Path, marker: dict, name: str) -> bool:
    """The file hashes to the marker's sha256 — taken as read when its size and mtime are
    those recorded at export (the trust ``cached_fingerprint`` gives the weights): hashing
    the 120 MB int8 model cost ~0.16 s of every ``idmqa ask``."""
    stat = path.stat()
    if marker.get("stamps", {}).get(name) == [stat.st_size, stat.st_mtime_ns]:
        return True
    return sha256_file(path) == marker.get("files", {}).get(name)


class OnnxQueryEncoder:
    """Embeds texts with the cached ONNX export of a model (no torch involved).

    ``fingerprint`` must be the fingerprint of the model the index was built with: an export
    derived from another model, or whose files do not hash to the recorded sha256, is refused.
    """

    def __init__(
        self, model_dir: Path, variant: str, fingerprint: str, threads: int = 0, verify: bool = True
    ) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown ONNX variant {variant!r} (known: {sorted(VARIANTS)})")
        directory = onnx_dir(model_dir)
        marker = read_marker(model_dir)
        if not marker:
            raise OnnxEncoderError(f"no ONNX export in {directory}: run `idmqa index`")
        if marker.get("model_fingerprint") != fingerprint:
            raise OnnxEncoderError(
                f"ONNX export in {directory} derives from model "
                f"{str(marker.get('model_fingerprint'))[:12]}, not from {fingerprint[:12]}; "
                "re-export it (`idmqa index`)"
            )
        files = marker.get("files", {})
        # Unigram tokenizers only
        subset = [n for n in (SUBSET, SUBSET_IDS, *PIECE_FILES) if n in files]
        needed = [*variant_files(variant), FULL, *subset]
        for name in needed:
            path = directory / name
            if not path.is_file() or (verify and not _intact(path, marker, name)):
                raise OnnxEncoderError(
                    f"ONNX export file {path} is missing or altered (sha256 mismatch); "
                    "re-export it (`idmqa index`)"
                )
        self.variant = variant
        self.path = directory / VARIANTS[variant]
        self.onnx_sha256 = files[VARIANTS[variant]]
        self.fingerprint = fingerprint
        self._runtime = OnnxRuntime(
            self.path, directory, int(marker.get("max_length", 512)), threads
        )
        self.threads = self._runtime.threads
        self.tokenizer = self._runtime.tokenizer
        dim = marker.get("dim") or self._runtime.session.get_outputs()[0].shape[-1]
        self.dim = dim if isinstance(dim, int) else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings (texts carry their own prompt)."""
        return self._runtime.encode(texts)

    def wait_loaded(self) -> None:
        """Return once the ONNX session (created in the background) is ready."""
        self._runtime.wait()
