"""The design the code must keep: serving never imports building, no import cycle, small
modules and functions."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from idmqa.settings import Settings
from tests.helpers import ROOT

PACKAGE = ROOT / "src" / "idmqa"
#: What a serving process must never load: parsing, chunking, corpus reading, attribution,
#: index building, model conversion and export, and the heavy libraries they need.
BUILD_ONLY = (
    "idmqa.ingest",
    "idmqa.index.build",
    "idmqa.index.reuse",
    "idmqa.model.convert",
    "idmqa.model.export",
    "idmqa.model.encoder",
    "idmqa.cli",
    "torch",
    "sentence_transformers",
    "transformers",
    "onnx",
    "onnxscript",
    "bm25s",  # it imports scipy: serving reads its index with numpy (idmqa.index.lexical)
    "scipy",
)
#: The only people modules serving may load (the people, their lookup, the rules' thresholds);
#: the others build the person index.
PEOPLE_AT_QUERY_TIME = {
    "idmqa.people",
    "idmqa.people.model",
    "idmqa.people.lookup",
    "idmqa.people.rules",
}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80

_SERVE = """
import json, sys, time
from fastapi.testclient import TestClient
from idmqa.api.app import create_app
from idmqa.runtime import configure_threads
from idmqa.settings import Settings

settings = Settings(index_dir={index_dir!r}, rate_limit="")
configure_threads(settings)
with TestClient(create_app(settings)) as client:
    deadline = time.monotonic() + 120
    while client.get("/ready").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    asked = client.post("/ask", json={{"question": "Qui a financé le dialogue ?", "k": 3}})
    first = asked.json()["passages"][0]["id"]
    statuses = [
        asked.status_code,
        client.get(f"/passages/{{first}}").status_code,
        client.get("/speakers", params={{"q": "arbour"}}).status_code,
        client.get("/speakers/louise-arbour").status_code,
        client.post("/context", json={{"question": "Qui a financé le dialogue ?",
                                       "max_tokens": 500}}).status_code,
        client.post("/verify", json={{"quote": "Migration is a common good."}}).status_code,
    ]
print(json.dumps({{"statuses": statuses, "modules": sorted(sys.modules)}}))
"""


def _is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_serving_imports_nothing_of_building(settings: Settings, manifest: dict) -> None:
    """A fresh process serving /ask, /passages, /speakers, /context and /verify loads no
    build-time module."""
    code = _SERVE.format(index_dir=str(settings.index_dir))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200] * 6
    loaded = report["modules"]
    assert "idmqa.service" in loaded and "onnxruntime" in loaded  # it really served
    build = [m for m in loaded if any(_is_under(m, p) for p in BUILD_ONLY)]
    people = [m for m in loaded if _is_under(m, "idmqa.people") and m not in PEOPLE_AT_QUERY_TIME]
    assert build == [] and people == []


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines of ``if TYPE_CHECKING:`` blocks (imports for annotations only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """idmqa modules ``path`` imports, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module in modules:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            out.update((subs & modules.keys()) or {node.module})
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph``, or [] when it is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert _cycle(graph) == []


def test_cycle_detection_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_modules_and_functions_stay_small() -> None:
    too_long = []
    for name, path in _modules().items():
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert too_long == []


def test_at_most_ten_modules_at_the_top() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= 10
