"""The cached ONNX export of a model: where it lives, its marker, whether it is current.

Shared by the exporter (:mod:`idmqa.model.export`, index time, torch) and the runtime
(:mod:`idmqa.model.runtime`, serving, no torch). The files sit beside the model
(``<cache>/models/<model dir>.onnx/``) with ``idmqa-onnx.json``: the fingerprint of the model
they derive from and the sha256 of each file.
"""

from __future__ import annotations

import json
from pathlib import Path

from idmqa.model.store import WEIGHT_SUFFIXES

#: Bump when the export changes, so stale cached exports are rebuilt (3: the tokenizer's
#: Latin-script subset, file stamps, the embedding dimension in the marker; 4: the weights
#: of each graph in a file of their own, ``<graph>.data``, and the tokenizer's pieces as
#: arrays, :mod:`idmqa.model.pieces`).
EXPORT_VERSION = 4
MARKER_FILE = "idmqa-onnx.json"
VARIANTS = {"onnx-fp32": "model-fp32.onnx", "onnx-int8": "model-int8.onnx"}
#: Suffix of the file holding a graph's weights (ONNX external data), beside the graph.
WEIGHTS_SUFFIX = ".data"


def variant_files(variant: str) -> tuple[str, str]:
    """The files of an export variant: its graph and its weights."""
    graph = VARIANTS[variant]
    return graph, graph + WEIGHTS_SUFFIX


class OnnxEncoderError(RuntimeError):
    """The ONNX export is missing, altered or derived from another model."""


def onnx_dir(model_dir: Path) -> Path:
    """Where the ONNX export of the model in ``model_dir`` is cached (a sibling directory)."""
    model_dir = Path(model_dir).resolve()
    return model_dir.parent / f"{model_dir.name}.onnx"


def weight_stamp(model_dir: Path) -> list[list]:
    """(relative path, size, mtime) of the model's weight files: a cheap change detector."""
    model_dir = Path(model_dir).resolve()
    files = sorted(
        p for p in model_dir.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)
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


def max_length(model_dir: Path) -> int:
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
