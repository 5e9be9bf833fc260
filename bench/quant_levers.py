"""ONNX Runtime's quantisation and session levers for the question encoder, on this CPU.

    python bench/quant_levers.py [--out bench/results/quant-levers.json] [--rounds 3]

Builds each int8 variant from the cached float32 export (into a temporary directory), then
embeds the dev questions with every variant **interleaved question by question** (A/B/C/…
per question, several rounds: a busy machine disturbs them all alike) and prints, per
variant: p50 ms per question (1 intra-op thread, and 2 for the default), session creation
time, file size, and min/mean cosine against float32. Retrieval quality is ``idmqa eval``'s
business (``--keep DIR`` keeps the files for it). The CPU's flags are printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from idmqa.model.cpu import cpu_flags  # noqa: E402
from idmqa.model.exported import VARIANTS, onnx_dir  # noqa: E402
from idmqa.model.runtime import OnnxRuntime  # noqa: E402
from idmqa.model.store import model_path  # noqa: E402
from idmqa.settings import get_settings  # noqa: E402

SETS = [
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT.parent / "shared" / "eval" / "dev2.jsonl",
]


def _variants(fp32: Path, out: Path) -> dict[str, Path]:
    """The int8 variants to compare: (name → file)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from idmqa.model.export import _rowwise_int8_gather

    base = onnx.load(str(fp32))
    _rowwise_int8_gather(base)
    specs = {
        "s8-perchannel (current)": dict(weight_type=QuantType.QInt8, per_channel=True),
        "u8-perchannel": dict(weight_type=QuantType.QUInt8, per_channel=True),
        "s8-pertensor": dict(weight_type=QuantType.QInt8, per_channel=False),
        "u8-pertensor": dict(weight_type=QuantType.QUInt8, per_channel=False),
        "s8-perchannel-reduce_range": dict(
            weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
        ),
        "s8-perchannel-matmul+gather+attention-types": dict(
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types=["MatMul", "Attention", "Gather", "EmbedLayerNormalization"],
        ),
    }
    files = {}
    for name, spec in specs.items():
        path = out / (name.split(" ")[0] + ".onnx")
        op_types = spec.pop("op_types", ["MatMul"])
        quantize_dynamic(
            onnx.ModelProto.FromString(base.SerializeToString()),
            str(path),
            op_types_to_quantize=op_types,
            **spec,
        )
        files[name] = path
    files["fp32"] = fp32
    return files


def _fused(fp32: Path, out: Path) -> Path | None:
    """fp32 through onnxruntime's BERT fusion (Attention, SkipLayerNorm, …), then int8
    MatMul + Attention, if the fusion recognises the exported graph."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model

        from idmqa.model.export import _rowwise_int8_gather

        opt = optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384)
        print("fusion:", opt.get_fused_operator_statistics(), file=sys.stderr)
        model = opt.model
        _rowwise_int8_gather(model)
        path = out / "fused-s8-perchannel.onnx"
        quantize_dynamic(
            model,
            str(path),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],
        )
        onnx.checker.check_model(str(path))
        return path
    except Exception as exc:  # a lever that does not apply is reported, not fatal
        print(f"fusion not applicable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def _open(path: Path, tokenizer: Path, threads: int) -> tuple[OnnxRuntime, float]:
    t0 = time.perf_counter()
    runtime = OnnxRuntime(path, tokenizer, 512, threads=threads)
    return runtime, time.perf_counter() - t0


def _preoptimised(path: Path, out: Path) -> Path:
    """The session's optimised graph saved to disk (ORT_ENABLE_EXTENDED: portable)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    saved = out / "preoptimised.onnx"
    options.optimized_model_filepath = str(saved)
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "quant-levers.json"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the variant files in this directory")
    args = parser.parse_args(argv)
    flags = cpu_flags()
    print("CPU flags:", " ".join(sorted(f for f in flags if f.startswith(("avx", "fma", "amx")))))
    print("load average:", os.getloadavg())
    directory = onnx_dir(model_path(get_settings()))
    tokenizer = directory
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="idmqa-quant-"))
    tmp.mkdir(parents=True, exist_ok=True)
    files = _variants(directory / VARIANTS["onnx-fp32"], tmp)
    fused = _fused(directory / VARIANTS["onnx-fp32"], tmp)
    if fused:
        files["fused MatMul+Attention s8-perchannel"] = fused
    files["s8-perchannel, graph pre-optimised on disk"] = _preoptimised(
        files["s8-perchannel (current)"], tmp
    )
    questions = [
        "query: " + json.loads(line)["question"] for s in SETS for line in s.open(encoding="utf-8")
    ]
    runs: dict[str, tuple[OnnxRuntime, float]] = {}
    for name, path in files.items():
        runs[name] = _open(path, tokenizer, 1)
    runs["s8-perchannel (current), 2 threads"] = _open(
        files["s8-perchannel (current)"], tokenizer, 2
    )
    reference = runs["fp32"][0].encode(questions)
    times: dict[str, list[float]] = {name: [] for name in runs}
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in runs}
    for rnd in range(args.rounds):
        for q in questions:
            for name, (runtime, _) in runs.items():
                t0 = time.perf_counter()
                v = runtime.encode([q])[0]
                times[name].append(time.perf_counter() - t0)
                if rnd == 0:
                    vectors[name].append(v)
    base = statistics.median(times["s8-perchannel (current)"])
    rows = []
    for name, (_, created) in runs.items():
        cos = np.sum(np.stack(vectors[name]) * reference, axis=1)
        path = files.get(name.split(",")[0] if "threads" in name else name)
        rows.append(
            {
                "variant": name,
                "p50_ms": round(1000 * statistics.median(times[name]), 2),
                "ratio_to_current": round(statistics.median(times[name]) / base, 3),
                "session_create_s": round(created, 3),
                "size_mb": round(path.stat().st_size / 2**20, 1) if path else None,
                "min_cosine_fp32": round(float(cos.min()), 4),
                "mean_cosine_fp32": round(float(cos.mean()), 4),
            }
        )
    print(f"\n{len(questions)} questions × {args.rounds} rounds, interleaved per question\n")
    print("| variant | p50 ms | × current | session create s | MB | min cos fp32 | mean cos |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['variant']} | {r['p50_ms']} | {r['ratio_to_current']} | "
            f"{r['session_create_s']} | {r['size_mb']} | {r['min_cosine_fp32']} | "
            f"{r['mean_cosine_fp32']} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"flags": sorted(flags), "load": os.getloadavg(), "rows": rows}, indent=2) + "\n"
    )
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
