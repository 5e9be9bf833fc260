#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv. Sourced by the other scripts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${IDMQA_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.idmqa-installed"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
# Re-install only when pyproject.toml changed since the last install.
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # The CPU torch wheel first: pinned, so pip never reaches for a CUDA build.
  "$VENV/bin/python" -m pip install --quiet "torch==2.13.0"
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[build,dev,otel]"
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
# FreeDict's English–French dictionaries give English questions French words to search
# (`idmqa index` turns them into the index's bilingual table). Debian packages: installed
# here when apt can (root, or sudo without a password); otherwise say what is missing.
if [ ! -f /usr/share/dictd/freedict-eng-fra.index ] || [ ! -f /usr/share/dictd/freedict-fra-eng.index ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  if command -v apt-get >/dev/null && { [ -z "$SUDO" ] || sudo -n true 2>/dev/null; }; then
    $SUDO apt-get install -y -qq dict-freedict-eng-fra dict-freedict-fra-eng >/dev/null 2>&1 \
      || { $SUDO apt-get update -qq >/dev/null 2>&1 \
           && $SUDO apt-get install -y -qq dict-freedict-eng-fra dict-freedict-fra-eng >/dev/null 2>&1; } \
      || echo "idmqa: could not install dict-freedict-eng-fra/-fra-eng; English questions get no bilingual table" >&2
  else
    echo "idmqa: install dict-freedict-eng-fra and dict-freedict-fra-eng (apt) for the bilingual table" >&2
  fi
fi
