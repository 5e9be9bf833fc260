"""Load test of the idmqa HTTP API: concurrent clients, latency, memory, SIGTERM under load.

    python bench/load.py                          # start a server on 127.0.0.1, 32 clients × 60 s
    python bench/load.py --clients 8 --duration 20 --json /tmp/load.json
    python bench/load.py --url http://127.0.0.1:8000 --pid 1234   # an already running server

Phase 1 (load): ``--clients`` concurrent clients POST varied questions (a built-in list of
French and English questions about migration governance, random ``k``) to ``/ask`` for
``--duration`` seconds, at most ``--max-requests`` requests in all. Reports requests, errors by
status (or exception), throughput and p50/p95/p99 latency, and the server process's RSS sampled
every second: after ``--warmup`` seconds and at the end, to show memory does not keep growing.

Phase 2 (SIGTERM, only for a server this script started or one given by ``--pid``): the same
clients load the server again, SIGTERM is sent while requests are in flight, and every request
in flight at that moment is classified: completed (200), failed cleanly (connection refused,
reset or closed after shutdown began) or failed badly (a 5xx, or any other status). Also the
exit code of the process and how long it took to exit.

Only 127.0.0.1 is contacted; every phase is bounded in time and in requests. Rate limiting is
disabled in the server this script starts (IDMQA_RATE_LIMIT=""); a server given by ``--url``
must be configured so itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]

#: Questions a user might ask about the report, in both languages (not the evaluation set).
QUESTIONS = [
    "Qu'est-ce que le MiGOF ?",
    "Quels sont les principes du cadre de gouvernance des migrations ?",
    "Pourquoi les partenariats sont-ils essentiels à la gouvernance des migrations ?",
    "Quel rôle jouent les autorités locales dans la gestion des migrations ?",
    "Comment associer le secteur privé à la gouvernance des migrations ?",
    "Que dit le rapport sur le pacte mondial pour des migrations sûres, ordonnées et régulières ?",
    "Quelles recommandations concernent la société civile ?",
    "Comment les diasporas contribuent-elles au développement ?",
    "Quel est le rôle des processus consultatifs régionaux ?",
    "Qu'est-ce que le Forum mondial sur la migration et le développement ?",
    "Comment améliorer la collecte de données sur les migrations ?",
    "Quelles sont les conclusions de l'atelier de Genève ?",
    "Que recommande le rapport pour la coopération entre pays d'origine et de destination ?",
    "Comment protéger les droits des travailleurs migrants ?",
    "Quel lien entre migration et objectifs de développement durable ?",
    "Qui a financé le Dialogue international sur la migration en 2018 ?",
    "Comment les villes accueillent-elles les migrants ?",
    "Quels mécanismes de coordination entre ministères sont évoqués ?",
    "Que dit le rapport sur les jeunes et les migrations ?",
    "Comment renforcer la cohérence des politiques migratoires ?",
    "What is the Migration Governance Framework?",
    "Why are partnerships needed for good migration governance?",
    "What role do local authorities play in migration management?",
    "How can the private sector be involved in migration governance?",
    "What does the report say about the Global Compact for Migration?",
    "Which recommendations address civil society organizations?",
    "How do diaspora communities contribute to development?",
    "What is the role of regional consultative processes?",
    "What is the Global Forum on Migration and Development?",
    "How can migration data collection be improved?",
    "What were the conclusions of the New York workshop?",
    "How should countries of origin and destination cooperate?",
    "How can the rights of migrant workers be protected?",
    "How is migration linked to the Sustainable Development Goals?",
    "Who opened the Geneva workshop?",
    "How do cities include migrants in their policies?",
    "What is the whole-of-government approach to migration?",
    "What did speakers say about youth and migration?",
    "How can policy coherence on migration be strengthened?",
    "What is the seed fund mentioned in the report?",
]

#: Exceptions that mean the server is gone or going: expected once shutdown has begun.
CLEAN_FAILURES = (
    httpx.ConnectError,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.CloseError,
)


@dataclass
class Sample:
    """One request: when it started and ended (monotonic seconds) and what came back."""

    start: float
    end: float
    status: int | None  # None when it failed without a response
    error: str | None = None


@dataclass
class Run:
    """All samples of a phase, plus memory samples (seconds since start, RSS bytes)."""

    samples: list[Sample] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_loopback(url: str) -> None:
    """Refuse any target that is not this machine's loopback interface."""
    host = urlsplit(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit(f"load.py: only 127.0.0.1 may be loaded, not {host!r}")


def start_server(
    port: int, index_dir: str | None, cache_size: int | None, log_path: Path
) -> subprocess.Popen:
    """``idmqa serve`` on 127.0.0.1 with rate limiting off; its output goes to ``log_path``."""
    env = {**os.environ, "IDMQA_RATE_LIMIT": ""}
    if index_dir:
        env["IDMQA_INDEX_DIR"] = index_dir
    if cache_size is not None:
        env["IDMQA_QUERY_CACHE_SIZE"] = str(cache_size)
    log = log_path.open("w")
    cmd = [sys.executable, "-m", "idmqa.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base: str, proc: subprocess.Popen | None, timeout: float = 180) -> float:
    """Seconds until ``/ready`` answers 200; fails early if the process dies."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"load.py: server exited with {proc.returncode} before it was ready")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    sys.exit(f"load.py: {base} not ready after {timeout} s")


def rss_of(pid: int) -> int:
    """Resident memory of a process and its children, in bytes."""
    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return total


async def client_loop(
    http: httpx.AsyncClient,
    base: str,
    rng: random.Random,
    deadline: float,
    budget: list[int],
    out: list[Sample],
    headers: dict[str, str],
    stop_on_failure: bool = False,
) -> None:
    """POST questions until the deadline or the shared request budget runs out."""
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        body = {"question": rng.choice(QUESTIONS), "k": rng.choice((1, 3, 5, 10))}
        start = time.monotonic()
        try:
            r = await http.post(f"{base}/ask", json=body, headers=headers)
            out.append(Sample(start, time.monotonic(), r.status_code))
        except httpx.HTTPError as exc:
            out.append(Sample(start, time.monotonic(), None, type(exc).__name__))
            if stop_on_failure:
                return
            await asyncio.sleep(0.05)  # a failing server is not hammered in a tight loop


async def sample_rss(pid: int | None, t0: float, out: list[tuple[float, int]], stop) -> None:
    """Append (seconds since t0, RSS) every second until ``stop`` is set."""
    while pid is not None and not stop.is_set():
        try:
            out.append((time.monotonic() - t0, rss_of(pid)))
        except psutil.NoSuchProcess:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


def http_client(clients: int, timeout: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    return httpx.AsyncClient(timeout=timeout, limits=limits, trust_env=False)


async def load_phase(args, base: str, pid: int | None, headers: dict[str, str]) -> Run:
    """``args.clients`` clients for ``args.duration`` seconds, with RSS sampled every second."""
    run, stop = Run(), asyncio.Event()
    t0 = time.monotonic()
    deadline = t0 + args.duration
    budget = [args.max_requests]
    async with http_client(args.clients, args.timeout) as http:
        sampler = asyncio.create_task(sample_rss(pid, t0, run.rss, stop))
        await asyncio.gather(
            *(
                client_loop(http, base, random.Random(i), deadline, budget, run.samples, headers)
                for i in range(args.clients)
            )
        )
        if pid is not None:
            run.rss.append((time.monotonic() - t0, rss_of(pid)))
        stop.set()
        await sampler
    return run


async def sigterm_phase(
    args, base: str, proc: psutil.Process, headers: dict[str, str]
) -> tuple[list[Sample], float, float | None, int | None]:
    """Load the server, SIGTERM it mid-flight; the samples, when SIGTERM went, exit time/code."""
    samples: list[Sample] = []
    budget = [args.max_requests]
    deadline = time.monotonic() + args.sigterm_after + 30  # clients stop once refused anyway
    async with http_client(args.clients, args.timeout) as http:
        clients = [
            asyncio.create_task(
                client_loop(
                    http,
                    base,
                    random.Random(1000 + i),
                    deadline,
                    budget,
                    samples,
                    headers,
                    stop_on_failure=True,
                )
            )
            for i in range(args.clients)
        ]
        await asyncio.sleep(args.sigterm_after)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        exit_code, exited = None, None
        loop = asyncio.get_running_loop()
        try:
            exit_code = await loop.run_in_executor(None, proc.wait, args.exit_timeout)
            exited = time.monotonic() - sent
        except psutil.TimeoutExpired:
            pass
        await asyncio.gather(*clients)
    return samples, sent, exited, exit_code


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise_load(run: Run, args) -> dict:
    """Counts, errors, throughput, latency percentiles and memory of the load phase."""
    samples = run.samples
    ok = [s for s in samples if s.status == 200]
    errors: dict[str, int] = {}
    for s in samples:
        if s.status != 200:
            key = str(s.status) if s.status is not None else s.error or "error"
            errors[key] = errors.get(key, 0) + 1
    span = (max(s.end for s in samples) - min(s.start for s in samples)) if samples else 0.0
    lat = [(s.end - s.start) * 1000 for s in ok]
    summary = {
        "clients": args.clients,
        "duration_s": round(span, 2),
        "requests": len(samples),
        "ok": len(ok),
        "errors": errors,
        "throughput_rps": round(len(ok) / span, 2) if span else 0.0,
        "latency_ms": {
            "mean": round(statistics.fmean(lat), 1) if lat else None,
            "p50": round(percentile(lat, 50), 1),
            "p95": round(percentile(lat, 95), 1),
            "p99": round(percentile(lat, 99), 1),
            "max": round(max(lat), 1) if lat else None,
        },
    }
    if run.rss:
        after_warmup = next((b for t, b in run.rss if t >= args.warmup), run.rss[-1][1])
        end = run.rss[-1][1]
        summary["rss_mb"] = {
            "start": round(run.rss[0][1] / 2**20, 1),
            "after_warmup": round(after_warmup / 2**20, 1),
            "end": round(end / 2**20, 1),
            "peak": round(max(b for _, b in run.rss) / 2**20, 1),
            "growth_after_warmup_pct": round(100 * (end - after_warmup) / after_warmup, 2),
            "samples": [(round(t, 1), round(b / 2**20, 1)) for t, b in run.rss],
        }
    return summary


def summarise_sigterm(samples: list[Sample], sent: float, exited, exit_code) -> dict:
    """Classify the requests in flight when SIGTERM was sent, and those sent after it."""
    in_flight = [s for s in samples if s.start < sent < s.end]
    after = [s for s in samples if s.start >= sent]

    def classify(group: list[Sample]) -> dict[str, int]:
        out = {"completed_200": 0, "failed_cleanly": 0, "failed_5xx": 0, "other_status": 0}
        for s in group:
            if s.status == 200:
                out["completed_200"] += 1
            elif s.status is None:
                out["failed_cleanly" if s.error in CLEAN_NAMES else "other_status"] += 1
            elif s.status >= 500:
                out["failed_5xx"] += 1
            else:
                out["other_status"] += 1
        return out

    return {
        "requests_before_sigterm": sum(1 for s in samples if s.end <= sent),
        "in_flight_at_sigterm": len(in_flight),
        "in_flight": classify(in_flight),
        "sent_after_sigterm": len(after),
        "after": classify(after),
        "errors_seen": sorted({s.error for s in samples if s.error}),
        "exit_code": exit_code,
        "exit_after_s": round(exited, 2) if exited is not None else None,
        "clean": all(s.status is None or s.status < 500 for s in samples) and exit_code is not None,
    }


CLEAN_NAMES = {cls.__name__ for cls in CLEAN_FAILURES}


def print_report(load: dict, term: dict | None) -> None:
    lat, rows = load["latency_ms"], []
    rows += [
        ("clients", load["clients"]),
        ("duration (s)", load["duration_s"]),
        ("requests", load["requests"]),
        ("200 OK", load["ok"]),
        ("errors", ", ".join(f"{k}: {v}" for k, v in load["errors"].items()) or "none"),
        ("throughput (req/s)", load["throughput_rps"]),
        ("latency p50 / p95 / p99 (ms)", f"{lat['p50']} / {lat['p95']} / {lat['p99']}"),
        ("latency mean / max (ms)", f"{lat['mean']} / {lat['max']}"),
    ]
    if "rss_mb" in load:
        rss = load["rss_mb"]
        rows += [
            ("RSS start / after warm-up (MB)", f"{rss['start']} / {rss['after_warmup']}"),
            ("RSS end / peak (MB)", f"{rss['end']} / {rss['peak']}"),
            ("RSS growth after warm-up", f"{rss['growth_after_warmup_pct']} %"),
        ]
    if term:
        fl, af = term["in_flight"], term["after"]
        rows += [
            ("SIGTERM: in flight", term["in_flight_at_sigterm"]),
            (
                "  completed 200 / clean fail / 5xx / other",
                f"{fl['completed_200']} / {fl['failed_cleanly']} / {fl['failed_5xx']} / "
                f"{fl['other_status']}",
            ),
            (
                "SIGTERM: sent after (200/clean/5xx/other)",
                f"{af['completed_200']} / {af['failed_cleanly']} / {af['failed_5xx']} / "
                f"{af['other_status']}",
            ),
            ("SIGTERM: exit code / after (s)", f"{term['exit_code']} / {term['exit_after_s']}"),
        ]
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def find_listener(port: int) -> int | None:
    """The pid listening on 127.0.0.1:port, if this user may see it."""
    try:
        for conn in psutil.net_connections("tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return conn.pid
    except psutil.AccessDenied:
        return None
    return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", help="an already running server on 127.0.0.1 (else one is started)")
    p.add_argument("--pid", type=int, help="pid of that server, for RSS and the SIGTERM check")
    p.add_argument("--index-dir", help="IDMQA_INDEX_DIR of the server this script starts")
    p.add_argument(
        "--query-cache-size",
        type=int,
        help="IDMQA_QUERY_CACHE_SIZE of the server this script starts (0: embed every question)",
    )
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds before the RSS baseline")
    p.add_argument("--max-requests", type=int, default=100_000, help="request cap per phase")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout (s)")
    p.add_argument("--api-key", default=os.environ.get("IDMQA_LOAD_API_KEY"))
    p.add_argument("--no-sigterm", action="store_true", help="skip the SIGTERM check")
    p.add_argument("--sigterm-after", type=float, default=3.0, help="seconds of load before it")
    p.add_argument("--exit-timeout", type=float, default=20.0, help="seconds to wait for exit")
    p.add_argument("--json", type=Path, help="also write the results to this file")
    args = p.parse_args(argv)
    if not (1 <= args.clients <= 256 and 0 < args.duration <= 600):
        p.error("--clients must be 1–256 and --duration 0–600 s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    proc: subprocess.Popen | None = None
    logdir = Path(tempfile.mkdtemp(prefix="idmqa-load-"))
    if args.url:
        base = args.url.rstrip("/")
        check_loopback(base)
        pid = args.pid or find_listener(urlsplit(base).port or 80)
    else:
        base = f"http://127.0.0.1:{free_port()}"
        proc = start_server(
            urlsplit(base).port, args.index_dir, args.query_cache_size, logdir / "server.log"
        )
        pid = proc.pid
        print(f"server pid {pid} on {base}, log {logdir / 'server.log'}", file=sys.stderr)
    try:
        ready_s = wait_ready(base, proc)
        print(
            f"ready after {ready_s:.1f} s; {args.clients} clients × {args.duration:.0f} s",
            file=sys.stderr,
        )
        load = summarise_load(asyncio.run(load_phase(args, base, pid, headers)), args)
        term = None
        if not args.no_sigterm and pid is not None:
            print(f"SIGTERM check: load {args.sigterm_after} s, then SIGTERM", file=sys.stderr)
            term = summarise_sigterm(
                *asyncio.run(sigterm_phase(args, base, psutil.Process(pid), headers))
            )
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print_report(load, term)
    result = {
        "target": base,
        "query_cache_size": args.query_cache_size,
        "load": load,
        "sigterm": term,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}", file=sys.stderr)
    bad = load["errors"] or (term is not None and not term["clean"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
