"""Container files: Dockerfile, compose, proxy configuration, ignore list."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.helpers import ROOT


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
