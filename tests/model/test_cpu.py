"""The CPU's flags and the question-encoder variant chosen from them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from idmqa.model.cpu import VARIANT_BY_CLASS, auto_variant, cpu_class, cpu_flags
from idmqa.model.exported import VARIANTS
from idmqa.settings import Settings

EPYC = "processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2 fma\nprocessor\t: 1\n"
XEON = "flags\t\t: fpu avx avx2 fma avx512f avx512_vnni\n"


def _flags(tmp_path: Path, text: str) -> frozenset[str]:
    path = tmp_path / "cpuinfo"
    path.write_text(text)
    return cpu_flags.__wrapped__(path)


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    assert _flags(tmp_path, EPYC) == {"fpu", "sse4_2", "avx", "avx2", "fma"}
    assert cpu_flags.__wrapped__(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [(EPYC, "avx2"), (XEON, "vnni"), ("flags : fpu sse4_2\n", "other"), ("", "other")],
)
def test_cpu_class(tmp_path: Path, text: str, expected: str) -> None:
    assert cpu_class(_flags(tmp_path, text)) == expected


def test_every_class_has_an_onnx_variant() -> None:
    assert set(VARIANT_BY_CLASS) == {"vnni", "avx2", "other"}
    assert set(VARIANT_BY_CLASS.values()) <= set(VARIANTS)


def test_auto_resolves_from_this_cpu_and_a_setting_wins(monkeypatch) -> None:
    monkeypatch.delenv("IDMQA_QUERY_ENCODER", raising=False)
    chosen = Settings()
    assert chosen.query_encoder == auto_variant() == VARIANT_BY_CLASS[cpu_class(cpu_flags())]
    assert chosen.query_encoder_chosen_by == "cpu"
    forced = Settings(query_encoder="onnx-fp32")
    assert (forced.query_encoder, forced.query_encoder_chosen_by) == ("onnx-fp32", "setting")


def test_ready_reports_the_encoder_and_the_cpu(server: str) -> None:
    body = httpx.get(f"{server}/ready", timeout=10).json()
    encoder = body["query_encoder"]
    assert encoder["variant"] in VARIANTS and encoder["chosen_by"] in {"cpu", "setting"}
    assert encoder["cpu"]["class"] == cpu_class(cpu_flags())
    assert set(encoder["cpu"]["flags"]) <= cpu_flags()
