"""The question encoder at serving time: an ONNX export run by onnxruntime.

Only ``onnxruntime``, ``tokenizers`` (the model's own ``tokenizer.json``) and numpy — no
torch, no transformers — so a serving process starts in about a second. Loading refuses an
ONNX file whose sha256 or source-model fingerprint does not match the marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from idmqa.fsutil import sha256_file
from idmqa.model.exported import VARIANTS, OnnxEncoderError, onnx_dir, read_marker
from idmqa.settings import available_cores


class OnnxRuntime:
    """An ONNX embedding model and its tokenizer: onnxruntime + tokenizers + numpy."""

    def __init__(self, path: Path, tokenizer: Path, max_length: int, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.threads = threads if threads > 0 else available_cores()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between runs: on two shared cores a spinning pool steals the CPU
        # that the web server, the other requests and other processes need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.output = self.session.get_outputs()[0].name
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        pad = self.tokenizer.token_to_id("<pad>")
        self.pad_id = 1 if pad is None else pad

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings (texts carry their own prompt)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        (out,) = self.session.run([self.output], {"input_ids": ids, "attention_mask": mask})
        return np.ascontiguousarray(out, dtype=np.float32)


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
        for name in (VARIANTS[variant], "tokenizer.json"):
            path = directory / name
            if not path.is_file() or (verify and sha256_file(path) != files.get(name)):
                raise OnnxEncoderError(
                    f"ONNX export file {path} is missing or altered (sha256 mismatch); "
                    "re-export it (`idmqa index`)"
                )
        self.variant = variant
        self.path = directory / VARIANTS[variant]
        self.onnx_sha256 = files[VARIANTS[variant]]
        self.fingerprint = fingerprint
        self._runtime = OnnxRuntime(
            self.path, directory / "tokenizer.json", int(marker.get("max_length", 512)), threads
        )
        self.threads = self._runtime.threads
        self.tokenizer = self._runtime.tokenizer
        self.dim = self._runtime.session.get_outputs()[0].shape[-1]
        self.dim = self.dim if isinstance(self.dim, int) else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings (texts carry their own prompt)."""
        return self._runtime.encode(texts)
