"""``idmqa ask`` forwarding to a running server (real uvicorn on 127.0.0.1), and what a
one-question process imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from idmqa.settings import Settings

QUESTION = "Qu'est-ce que le MiGOF ?"
#: Run the console entry point, then report (on stderr's last line) what it imported.
_RUN = """
import json, sys
from idmqa.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""
#: Never imported by `idmqa ask`, in process or through a server (bm25s imports scipy; the
#: default rate limits are not parsed with `limits`).
HEAVY = (
    *("torch", "sentence_transformers", "transformers", "fastapi", "uvicorn", "onnx"),
    *("bm25s", "scipy", "limits"),
)


def _ask(index_dir: Path, *args: str, server: str = "") -> tuple[dict, str, set[str]]:
    env = {**os.environ, "IDMQA_INDEX_DIR": str(index_dir), "IDMQA_SERVER_URL": server}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "-v", "ask", "--json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    *errors, last = done.stderr.strip().splitlines()
    report = json.loads(last)
    answer = json.loads(done.stdout) if report["code"] == 0 else {}
    return answer, "\n".join(errors), set(report["modules"])


def _without_timing(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "took_ms"}


def test_ask_forwards_to_a_server_of_the_same_index(settings: Settings, server: str) -> None:
    remote, _, remote_modules = _ask(settings.index_dir, QUESTION, "-k", "3", server=server)
    local, _, local_modules = _ask(
        settings.index_dir, "--local", QUESTION, "-k", "3", server=server
    )
    assert len(remote["passages"]) == 3
    assert _without_timing(remote) == _without_timing(local)
    # forwarded: neither the model nor the index was loaded in the process
    assert not {"onnxruntime", "idmqa.service", "numpy"} & remote_modules
    assert {"onnxruntime", "idmqa.service"} <= local_modules
    assert not [m for m in local_modules | remote_modules if m.split(".")[0] in HEAVY]


def test_ask_answers_locally_when_the_server_serves_another_build(
    settings: Settings, server: str, tmp_path: Path
) -> None:
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy)
    build = copy / "builds" / (copy / "CURRENT").read_text().strip()
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["built_at"] = "2000-01-01T00:00:00Z"
    (build / "manifest.json").write_text(json.dumps(manifest))
    answer, _, modules = _ask(copy, QUESTION, server=server)
    assert answer["passages"] and "onnxruntime" in modules


def test_ask_without_a_server_answers_locally(settings: Settings, manifest: dict) -> None:
    # a port of 127.0.0.1 nothing listens on (the kernel refuses it at once)
    answer, errors, modules = _ask(settings.index_dir, QUESTION, server="http://127.0.0.1:9")
    assert answer["passages"] and "onnxruntime" in modules
    assert "answering locally" in errors


def test_a_question_the_server_refuses_is_reported_without_loading(
    settings: Settings, server: str
) -> None:
    too_long = "x" * (settings.max_question_chars + 1)
    answer, errors, modules = _ask(settings.index_dir, too_long, server=server)
    assert answer == {} and "longer than" in errors and too_long not in errors
    assert "onnxruntime" not in modules
