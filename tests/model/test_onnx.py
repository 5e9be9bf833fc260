"""The ONNX question encoder: agrees with torch, is cached atomically, refuses mismatches."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from idmqa.model.batching import MicroBatcher
from idmqa.model.encoder import Encoder, batched
from idmqa.model.export import ensure_onnx
from idmqa.model.exported import (
    MARKER_FILE,
    VARIANTS,
    OnnxEncoderError,
    export_is_current,
    onnx_dir,
    variant_files,
)
from idmqa.model.pieces import FILES as PIECE_FILES
from idmqa.model.query import normalise_question
from idmqa.model.runtime import OnnxQueryEncoder
from idmqa.model.tokenizer import FULL, SUBSET, SUBSET_IDS
from idmqa.settings import Settings

QUESTIONS = [
    "Qui a financé l'IDM 2018 ?",
    "Qu'est-ce que le MiGOF ?",
    "Quels sont les messages clés du premier atelier sur les partenariats ?",
    "Who opened the Geneva workshop?",
    "What did speakers say about the role of the private sector in labour migration?",
    "Which government paid for IDM 2018?",
]


@pytest.fixture(scope="module")
def torch_vectors(encoder: Encoder) -> np.ndarray:
    """The reference: sentence-transformers float32 with the query prompt."""
    return encoder._encode(QUESTIONS, encoder.settings.query_prompt, False)


@pytest.mark.parametrize(("variant", "minimum"), [("onnx-fp32", 0.9999), ("onnx-int8", 0.985)])
def test_onnx_agrees_with_torch(encoder, torch_vectors, variant, minimum):
    onnx = OnnxQueryEncoder(Path(encoder.path), variant, encoder.fingerprint)
    got = onnx.encode([encoder.settings.query_prompt + q for q in QUESTIONS])
    assert got.shape == torch_vectors.shape
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(got * torch_vectors, axis=1)
    assert cosines.min() >= minimum, cosines


def test_dynamic_shapes_batch_and_length(encoder):
    """The export is not specialised to the example's shapes: batching equals one by one."""
    onnx = OnnxQueryEncoder(Path(encoder.path), "onnx-fp32", encoder.fingerprint)
    texts = ["query: " + q for q in [*QUESTIONS, "x", "Migration " * 120]]
    batch = onnx.encode(texts)
    single = np.vstack([onnx.encode([t]) for t in texts])
    assert np.allclose(batch, single, atol=1e-4)


def test_serving_encoder_does_not_need_torch(settings: Settings, encoder: Encoder):
    """A fresh process embeds questions with onnxruntime only (fast start, small RSS)."""
    import subprocess

    code = (
        "import sys; from idmqa.settings import Settings\n"
        "from idmqa.model.query import onnx_query_encoder\n"
        f"e = onnx_query_encoder(Settings(index_dir={str(settings.index_dir)!r}))\n"
        "v = e.encode_queries(['Qui a financé l’IDM 2018 ?'])\n"
        "assert v.shape == (1, e.dim) and 'torch' not in sys.modules, sorted(sys.modules)[:5]\n"
        "print(e.query_encoder)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "onnx-int8"


def test_query_vectors_match_the_torch_encoder(settings: Settings, encoder: Encoder):
    torch_encoder = Encoder(settings.model_copy(update={"query_encoder": "torch"}))
    torch_encoder._model = encoder.model  # same weights; skip loading them twice
    a = encoder.encode_queries(QUESTIONS)
    b = torch_encoder.encode_queries(QUESTIONS)
    assert np.sum(a * b, axis=1).min() >= 0.985


def test_query_cache_normalises_whitespace(encoder: Encoder):
    a = encoder.encode_queries(["  Qui a  financé l'IDM 2018 ? "])
    b = encoder.encode_queries(["Qui a financé l'IDM 2018 ?"])
    assert np.array_equal(a, b)
    assert normalise_question(" a \n b ") == "a b"


def _copy_model(src: Path, dst: Path) -> Path:
    """A copy of the converted model (hard links: cheap) to export on its own."""
    shutil.copytree(src, dst, copy_function=lambda a, b: Path(b).hardlink_to(a))
    return dst


def test_export_is_atomic_cached_and_refuses_mismatch(tmp_path, encoder: Encoder):
    model_dir = _copy_model(Path(encoder.path), tmp_path / "models" / "m")
    fingerprint = encoder.fingerprint
    # Simulate a crashed export: a stale temporary directory is cleaned up, never used.
    stale = tmp_path / "models" / ".m.onnx.tmp-crashed"
    stale.mkdir()
    target = ensure_onnx(model_dir, fingerprint)
    assert target == onnx_dir(model_dir) and not stale.exists()
    assert export_is_current(model_dir, fingerprint)
    marker = json.loads((target / MARKER_FILE).read_text())
    assert marker["model_fingerprint"] == fingerprint
    weights = {*(variant_files(v)[1] for v in VARIANTS)}
    tokenizer = {FULL, SUBSET, SUBSET_IDS, *PIECE_FILES}
    assert set(marker["files"]) == {*VARIANTS.values(), *weights, *tokenizer}
    assert set(marker["stamps"]) == set(marker["files"])
    assert not list(target.parent.glob(".m.onnx.tmp-*"))

    # Cached: a second call does not export again.
    mtime = (target / "model-int8.onnx").stat().st_mtime_ns
    assert ensure_onnx(model_dir, fingerprint) == target
    assert (target / "model-int8.onnx").stat().st_mtime_ns == mtime

    # Another model's fingerprint is refused at load (and would trigger a re-export).
    with pytest.raises(OnnxEncoderError, match="derives from model"):
        OnnxQueryEncoder(model_dir, "onnx-int8", "0" * 64)
    assert not export_is_current(model_dir, "0" * 64)

    # An altered graph or weights file is refused; the other variant's files still load.
    _alter(target / "model-int8.onnx")
    with pytest.raises(OnnxEncoderError, match="sha256 mismatch"):
        OnnxQueryEncoder(model_dir, "onnx-int8", fingerprint)
    OnnxQueryEncoder(model_dir, "onnx-fp32", fingerprint)
    _alter(target / "model-fp32.onnx.data")
    with pytest.raises(OnnxEncoderError, match="sha256 mismatch"):
        OnnxQueryEncoder(model_dir, "onnx-fp32", fingerprint)


def _alter(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.seek(-64, 2)
        fh.write(b"\0" * 64)


def test_micro_batcher_combines_concurrent_calls():
    gate = threading.Event()
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        gate.wait(5)
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)

    batcher = MicroBatcher(encode, max_batch=8)
    results: dict[str, float] = {}

    def ask(text: str) -> None:
        results[text] = float(batcher(text)[0])

    first = threading.Thread(target=ask, args=("a",))
    first.start()
    while not calls:  # the first caller is inside the encoder
        threading.Event().wait(0.001)
    others = [threading.Thread(target=ask, args=("b" * n,)) for n in range(2, 8)]
    for t in others:
        t.start()
    while len(batcher._queue) < len(others):
        threading.Event().wait(0.001)
    gate.set()
    for t in [first, *others]:
        t.join(5)
    assert results == {"a": 1.0, **{"b" * n: float(n) for n in range(2, 8)}}
    assert calls[0] == ["a"] and len(calls) == 2  # the six waiting questions in one call
    assert sorted(calls[1], key=len) == ["b" * n for n in range(2, 8)]


def test_micro_batcher_propagates_errors():
    def encode(texts: list[str]) -> np.ndarray:
        raise ValueError("boom")

    batcher = MicroBatcher(encode)
    with pytest.raises(ValueError, match="boom"):
        batcher("x")
    assert not batcher._running


def test_micro_batcher_two_lanes_many_threads():
    """Under contention every caller gets its own vector back, with at most two calls at once."""
    active, peak = [0], [0]
    lock = threading.Lock()

    def encode(texts: list[str]) -> np.ndarray:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        threading.Event().wait(0.002)
        with lock:
            active[0] -= 1
        return np.array([[float(t)] for t in texts], dtype=np.float32)

    batcher = MicroBatcher(encode, max_batch=4, lanes=2)
    wrong: list[tuple[int, float]] = []

    def worker(base: int) -> None:
        for i in range(base, base + 40):
            got = float(batcher(str(i))[0])
            if got != i:
                wrong.append((i, got))

    threads = [threading.Thread(target=worker, args=(1000 * n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not wrong
    assert peak[0] <= 2
    assert batcher.items == 480 and batcher.calls < 480  # some calls served several callers
    assert batcher._running == 0 and not batcher._queue


def test_index_time_batches_side_by_side_give_the_same_vectors(encoder: Encoder):
    """Batches run in parallel (one encoder call per core) give the bits of a sequential run,
    and every row is the vector of its own text."""
    texts = [f"{q} ({n})" * (1 + n % 5) for n, q in enumerate(QUESTIONS * 6)]
    sequential = batched(encoder.queries.onnx.encode, texts, "passage: ", encoder.dim, lanes=1)
    parallel = batched(encoder.queries.onnx.encode, texts, "passage: ", encoder.dim, lanes=3)
    assert np.array_equal(sequential, parallel)
    fp32 = OnnxQueryEncoder(Path(encoder.path), "onnx-fp32", encoder.fingerprint, threads=1)
    rows = batched(fp32.encode, texts, "passage: ", encoder.dim, lanes=2, batch=4)
    alone = np.vstack([fp32.encode(["passage: " + t]) for t in texts])
    assert np.allclose(rows, alone, atol=1e-5)
