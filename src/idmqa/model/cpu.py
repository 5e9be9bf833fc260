"""The CPU's instruction-set flags, and the question-encoder variant chosen from them.

ONNX Runtime's int8 matrix products take their fast path with VNNI (AVX-512 VNNI or
AVX-VNNI); with AVX2 only they take slower ones, so which export is fastest depends on the
machine the server starts on. ``IDMQA_QUERY_ENCODER=auto`` (the default) picks the variant
measured fastest for the CPU's class (``docs/performance.md``), and ``/ready`` reports it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: The flags that decide the variant (and that the benchmark prints).
REPORTED_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")

#: Variant per CPU class, from measurements (docs/performance.md, "Quantisation levers").
VARIANT_BY_CLASS = {"vnni": "onnx-int8", "avx2": "onnx-int8", "other": "onnx-int8"}


@cache
def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The flags of the first CPU in ``/proc/cpuinfo`` (empty where there is none)."""
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def cpu_class(flags: frozenset[str]) -> str:
    """``vnni`` (int8 dot products in one instruction), ``avx2``, or ``other``."""
    if flags & {"avx512_vnni", "avx_vnni", "amx_int8"}:
        return "vnni"
    if {"avx2", "fma"} <= flags:
        return "avx2"
    return "other"


def auto_variant(flags: frozenset[str] | None = None) -> str:
    """The question-encoder variant for a CPU with ``flags`` (this machine's by default)."""
    return VARIANT_BY_CLASS[cpu_class(cpu_flags() if flags is None else flags)]


def describe(flags: frozenset[str] | None = None) -> dict:
    """The CPU class and the reported flags it has (for ``/ready`` and the benchmarks)."""
    flags = cpu_flags() if flags is None else flags
    return {"class": cpu_class(flags), "flags": [f for f in REPORTED_FLAGS if f in flags]}


def encoder_choice(variant: str, chosen_by: str) -> dict:
    """What ``/ready`` says of the question encoder: the variant, why, and the CPU."""
    return {"variant": variant, "chosen_by": chosen_by, "cpu": describe()}
