"""Helpers shared by the tests: paths, a passage factory, a real server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from idmqa.ingest.parse import expand_lines
from idmqa.model.exported import onnx_dir, read_marker
from idmqa.model.query import onnx_token_counter
from idmqa.model.store import model_path
from idmqa.model.tokenizer import EncoderTokenizer
from idmqa.schema import Block, Passage
from idmqa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
REPORT = CORPUS / "idm-28-2018-partenariats.fr.txt"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
#: A second report of the series, written for the tests (fictional people).
SECOND_REPORT = ROOT / "tests" / "data" / "corpus2" / "idm-29-2019-inclusion.fr.txt"
#: A few hand-checked (person, statement line) pairs of the report, one unknown to it.
ATTRIBUTION_SAMPLE = ROOT / "tests" / "data" / "attribution_sample.jsonl"
#: Debian's Chromium, driven by Playwright in the browser tests (never a downloaded browser).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long a browser test waits for an element or a page (a busy machine answers slowly).
BROWSER_TIMEOUT_MS = 30_000


def assert_every_line_once(blocks: Sequence[Block], lines: Sequence[str]) -> None:
    """Every non-blank source line is in exactly one block, and a block's lines are its own."""
    seen: Counter[int] = Counter()
    for b in blocks:
        src = expand_lines(b.meta["src_lines"])
        assert b.lines == (min(src), max(src))
        seen.update(src)
    nonblank = {i for i, s in enumerate(lines, 1) if s.strip()}
    assert set(seen) == nonblank
    assert all(v == 1 for v in seen.values())


def assert_blocks_verbatim(blocks: Sequence[Block], lines: Sequence[str]) -> None:
    """A block's text is its source lines, verbatim, joined by a space or line breaks (agenda
    rows excepted: their HTML is read)."""
    for b in blocks:
        if b.kind == "agenda":
            continue
        rest = b.text
        for n in expand_lines(b.meta["src_lines"]):
            line = lines[n - 1]
            assert rest.startswith(line), (b.lines, n)
            rest = rest[len(line) :]
            rest = re.sub(r"^(\n\n|\n| )", "", rest, count=1)
        assert rest == "", b.lines


def make_passage(text: str, **fields: object) -> Passage:
    """A passage for unit tests: a paragraph of document "d" at line 1, unless ``fields``
    say otherwise."""
    defaults: dict = {
        "id": "d:1-1",
        "document": "d",
        "kind": "paragraph",
        "lines": (1, 1),
        "section": (),
        "tokens": 1,
    }
    return Passage(text=text, **{**defaults, **fields})


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path | None = None) -> subprocess.Popen:
    """``idmqa serve`` as a real uvicorn process on 127.0.0.1; its access log (stdout) to
    ``log`` if given."""
    with open(log or os.devnull, "w") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "idmqa.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )


def client(source: str = "127.0.0.1", **kwargs: object) -> httpx.Client:
    """An HTTP client whose connections come from ``source``, a loopback address (127.0.0.x):
    several clients of a server, all on the loopback interface."""
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(transport=transport, timeout=30, **kwargs)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Poll ``/ready`` until 200, failing early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{base} not ready after {timeout} s")


@contextlib.contextmanager
def running_server(env: dict[str, str], log: Path | None = None) -> Iterator[str]:
    """A real ``idmqa serve`` on a free port of 127.0.0.1 with ``env`` (access log to ``log``);
    yields its base URL."""
    port = free_port()
    proc = start_server(env, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def passage_token_counter(
    settings: Settings, request: pytest.FixtureRequest
) -> Callable[[str], int]:
    """Model tokens of a passage as :meth:`idmqa.model.encoder.Encoder.count_tokens` counts
    them. Until the model was first converted and exported there is no tokenizer file: then
    the real encoder (which converts and exports it) counts."""
    model_dir = Path(model_path(settings))
    marker = read_marker(model_dir)
    path = onnx_dir(model_dir) / "tokenizer.json"
    if marker is None or not path.is_file():
        return request.getfixturevalue("encoder").count_tokens
    # the counter reads only the encoder's tokenizer: the ONNX session is never loaded
    tokenizer = EncoderTokenizer(path.parent, int(marker.get("max_length", 512)))
    count = onnx_token_counter(SimpleNamespace(tokenizer=tokenizer))
    return lambda text: count(settings.passage_prompt + text)


def wait_until_listening(base: str, timeout: float = 30) -> None:
    """Poll ``/health`` of a server started in this process until it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/health", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{base} not listening after {timeout} s")


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright browser on Debian's Chromium; the test is skipped without it (failed
    when ``IDMQA_REQUIRE_BROWSER`` is set, as in CI)."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        if os.environ.get("IDMQA_REQUIRE_BROWSER"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install -y chromium)")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()
