#!/usr/bin/env bash
# Creates the drift benchmark's Python venv (River 0.26 + matplotlib, PyPI only) at $DRIFT_VENV
# (default bench/drift/.venv). Idempotent: does nothing when the venv already matches requirements.txt.
# Usage: bench/drift/setup.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${DRIFT_VENV:-$here/.venv}"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/python" -c 'import river, matplotlib' 2>/dev/null; then
  echo "drift venv ready: $venv" >&2
  exit 0
fi

# River 0.26 imports only on Python 3.12 or newer: take the first such interpreter found.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then python="$candidate"; break; fi
  done
fi
[[ -n "$python" ]] || { echo "bench/drift needs Python >= 3.12 for river 0.26 (set PYTHON=/path/to/python3.12)" >&2; exit 2; }

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
"$venv/bin/python" -c 'import river, matplotlib, sys; print(f"river {river.__version__}, matplotlib {matplotlib.__version__}, Python {sys.version.split()[0]}")' >&2
echo "$want" > "$stamp"
echo "drift venv ready: $venv" >&2
