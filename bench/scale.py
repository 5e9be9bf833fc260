"""Scale benchmark of the dense index: exact (flat) vs approximate (HNSW) at ≥ 100k passages.

    python bench/scale.py --index-dir /tmp/idmqa-index            # 100k vectors, default HNSW
    python bench/scale.py --index-dir /tmp/idx --sizes 50000,100000,200000 \
        --json bench/results/scale.json

Embedding 100k real passages takes about an hour on 2 cores, so the vectors are derived from a
real index's passage embeddings (the Red Book series would be ~80 documents, ~100k passages):
each synthetic vector is a random convex mix of two real passage vectors plus Gaussian noise,
L2-normalised (``--noise``). The real vectors are included. Queries are the real dev questions
embedded by the configured question encoder, plus held-out synthetic vectors made the same way
(never added to the index).

For each size it builds the flat index and the HNSW index idmqa would build
(``IDMQA_HNSW_M``, ``IDMQA_HNSW_EF_CONSTRUCTION``) and reports: build time, index size on disk,
the memory a memory-mapped load costs a process (anonymous RSS: private; file RSS: page cache
shared by all workers), single-query latency p50/p95 with one thread (one request in a
worker), and HNSW's recall@10 and recall@100 (the candidates the fusion takes) against exact
search, for several efSearch values. Also the exact filtered scan idmqa does under a filter.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from idmqa.index.dense import all_vectors, flat_vectors, read_dense, search_dense  # noqa: E402
from idmqa.index.reuse import dense_index  # noqa: E402
from idmqa.index.store import current_build  # noqa: E402
from idmqa.settings import Settings  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def synthesise(base: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` vectors: random convex mixes of two real vectors plus noise, normalised."""
    i = rng.integers(0, len(base), n)
    j = rng.integers(0, len(base), n)
    lam = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    mixed = lam * base[i] + (1 - lam) * base[j]
    eps = rng.standard_normal(mixed.shape).astype(np.float32) / np.sqrt(base.shape[1])
    return _normalise(mixed + noise * eps)


def real_questions(settings: Settings, limit: int) -> np.ndarray:
    """The dev questions embedded by the configured question encoder (empty if unavailable)."""
    if not DEV_SET.exists():
        return np.zeros((0, 384), np.float32)
    from idmqa.model.query import onnx_query_encoder

    questions = [json.loads(line)["question"] for line in DEV_SET.open() if line.strip()]
    encoder = onnx_query_encoder(settings)
    return encoder.encode_queries(questions[:limit])


def latency_ms(fn, queries: np.ndarray) -> tuple[float, float]:
    times = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


_MEMORY_PROBE = """
import sys, numpy as np
from pathlib import Path
from idmqa.index.dense import flat_vectors, read_dense
def kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
anon, file_ = kb("RssAnon"), kb("RssFile")
index = read_dense(Path(sys.argv[1]), mmap=True)
matrix = flat_vectors(index)
for q in matrix[:: max(1, len(matrix) // 200)]:
    index.search(q[None, :], 100)
(matrix @ matrix[0]).max()  # a filtered scan touches every row
print((kb("RssAnon") - anon) / 1024, (kb("RssFile") - file_) / 1024)
"""


def loaded_memory(path: Path) -> tuple[float, float, faiss.Index]:
    """(anon MB, file MB) a memory-mapped load plus queries cost a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    ).stdout.split()
    return float(out[0]), float(out[1]), read_dense(path, mmap=True)


def run_size(
    n: int, base: np.ndarray, queries: np.ndarray, n_real: int, args, tmp: Path
) -> list[dict]:
    rng = np.random.default_rng(n)
    vectors = np.concatenate([base, synthesise(base, n - len(base), args.noise, rng)])
    rows = []
    exact_ids = {}
    for kind in ("flat", "hnsw"):
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # build with every core
        started = time.perf_counter()
        index, _ = dense_index(
            vectors,
            threshold=0 if kind == "hnsw" else n + 1,
            m=args.m,
            ef_construction=args.ef_construction,
            ef_search=args.ef_search[0],
        )
        build_s = time.perf_counter() - started
        path = tmp / f"{kind}-{n}.faiss"
        faiss.write_index(index, str(path))
        del index
        anon_mb, file_mb, index = loaded_memory(path)
        faiss.omp_set_num_threads(1)  # one request inside one worker
        _, top100 = index.search(queries, 100) if kind == "flat" else (None, None)
        if kind == "flat":
            exact_ids = {"10": top100[:, :10], "100": top100}
        efs = args.ef_search if kind == "hnsw" else [None]
        for ef in efs:
            params = faiss.SearchParametersHNSW(efSearch=ef) if ef else None

            def one(q, index=index, params=params):
                index.search(q[None, :], 100, params=params)

            p50, p95 = latency_ms(one, queries)
            row = {
                "passages": n,
                "index": kind,
                "ef_search": ef,
                "build_s": round(build_s, 1),
                "file_mb": round(path.stat().st_size / 2**20, 1),
                "anon_rss_mb": round(anon_mb, 1),
                "file_rss_mb": round(file_mb, 1),
                "p50_ms": round(p50, 3),
                "p95_ms": round(p95, 3),
                "recall@10": 1.0,
                "recall@100": 1.0,
                "recall@10_real_questions": 1.0,
            }
            if kind == "hnsw":
                _, ids = index.search(queries, 100, params=params)
                for k in (10, 100):
                    hits = [
                        len(set(a[:k]) & set(b[:k])) / k
                        for a, b in zip(ids, exact_ids[str(k)], strict=True)
                    ]
                    row[f"recall@{k}"] = round(float(np.mean(hits)), 4)
                    if k == 10 and n_real:
                        row["recall@10_real_questions"] = round(float(np.mean(hits[:n_real])), 4)
            rows.append(row)
        if kind == "flat":
            # The exact scan idmqa runs under a filter: one document (~1/80) and one language.
            matrix = flat_vectors(index)
            for label, share in (("filter_document", 1 / 80), ("filter_language", 1 / 2)):
                allowed = np.sort(rng.choice(n, int(n * share), replace=False)).astype(np.int64)
                p50, p95 = latency_ms(
                    lambda q, a=allowed, m=matrix, i=index: search_dense(i, m, q, 100, a),
                    queries,
                )
                rows.append(
                    {
                        "passages": n,
                        "index": f"flat/{label}",
                        "p50_ms": round(p50, 3),
                        "p95_ms": round(p95, 3),
                        "allowed": len(allowed),
                    }
                )
        del index
        path.unlink()
    return rows


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'passages':>9} {'index':<22} {'efS':>4} {'build s':>8} {'file MB':>8} "
        f"{'anon MB':>8} {'file RSS':>8} {'p50 ms':>8} {'p95 ms':>8} {'R@10':>6} {'R@100':>6} "
        f"{'R@10 real':>9}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:

        def g(key, fmt, r=r):
            value = r.get(key)
            return format(value, fmt) if value is not None else "-"

        print(
            f"{r['passages']:>9} {r['index']:<22} {g('ef_search', '>4')} {g('build_s', '>8')} "
            f"{g('file_mb', '>8')} {g('anon_rss_mb', '>8')} {g('file_rss_mb', '>8')} "
            f"{g('p50_ms', '>8.3f')} {g('p95_ms', '>8.3f')} {g('recall@10', '>6.3f')} "
            f"{g('recall@100', '>6.3f')} {g('recall@10_real_questions', '>9.3f')}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=Settings().index_dir)
    parser.add_argument("--sizes", default="100000", help="comma-separated passage counts")
    parser.add_argument("--queries", type=int, default=500, help="queries in all")
    parser.add_argument("--noise", type=float, default=0.25, help="noise added to each mix")
    parser.add_argument("--m", type=int, default=Settings().hnsw_m)
    parser.add_argument("--ef-construction", type=int, default=Settings().hnsw_ef_construction)
    parser.add_argument(
        "--ef-search",
        default=f"{Settings().hnsw_ef_search},64,256",
        help="comma-separated efSearch values (the first is idmqa's setting)",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    args = parser.parse_args()
    args.ef_search = [int(x) for x in args.ef_search.split(",")]

    settings = Settings(index_dir=args.index_dir)
    build = current_build(args.index_dir)
    base = all_vectors(read_dense(build / "dense.faiss", mmap=False))
    rng = np.random.default_rng(0)
    real = real_questions(settings, args.queries)
    synthetic = synthesise(base, max(0, args.queries - len(real)), args.noise, rng)
    queries = np.ascontiguousarray(np.concatenate([real, synthetic]), dtype=np.float32)
    nearest = (synthesise(base, 2000, args.noise, rng) @ base.T).max(axis=1)
    print(
        f"{len(base)} real passage vectors from {build}; {len(real)} real questions + "
        f"{len(synthetic)} synthetic queries; synthetic vectors' cosine to their nearest real "
        f"passage: median {np.median(nearest):.3f}; cores {os.cpu_count()}; faiss "
        f"{faiss.__version__}\n"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="idmqa-scale-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            rows += run_size(n, base, queries, len(real), args, Path(tmp))
    print_table(rows)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "base_vectors": len(base),
                "real_questions": len(real),
                "synthetic_queries": len(synthetic),
                "noise": args.noise,
                "median_cosine_to_nearest_real": round(float(np.median(nearest)), 4),
                "hnsw": {"m": args.m, "ef_construction": args.ef_construction},
                "cores": os.cpu_count(),
                "faiss": faiss.__version__,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
