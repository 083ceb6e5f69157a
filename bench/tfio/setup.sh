#!/usr/bin/env bash
# Creates bench/tfio/.venv with the tutorial's Python stack (TensorFlow + TensorFlow I/O +
# kafka-python) from PyPI. Idempotent: does nothing when the venv already matches requirements.txt.
# Usage: bench/tfio/setup.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
   && "$venv/bin/python" -c 'import tensorflow, tensorflow_io, kafka, confluent_kafka' 2>/dev/null; then
  echo "tfio venv ready: $venv"
  exit 0
fi

"$python" -c 'import sys; assert sys.version_info[:2] in [(3,9),(3,10),(3,11),(3,12)], f"tensorflow-io 0.37.1 has wheels for Python 3.9-3.12, not {sys.version}"'
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
# Fail here, not in the benchmark, if the pair does not load together.
"$venv/bin/python" - <<'PY'
import tensorflow as tf, tensorflow_io as tfio, keras, kafka, confluent_kafka
print(f"tensorflow {tf.__version__}, tensorflow-io {tfio.__version__}, keras {keras.__version__}, "
      f"kafka-python {kafka.__version__}, confluent-kafka {confluent_kafka.__version__}")
PY
echo "$want" > "$stamp"
echo "tfio venv ready: $venv"
