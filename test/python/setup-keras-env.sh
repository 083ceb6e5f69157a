#!/usr/bin/env bash
# Creates the Python environment of the Keras import proof (test/integration/keras-import.test.ts):
# TensorFlow 2.16.2 (CPU), Keras 2 (tf-keras) and the tensorflowjs converter, from PyPI only, every
# package pinned in requirements-keras.txt and installed with --no-deps (why: see that file).
# Idempotent: does nothing when the venv already matches requirements-keras.txt.
# Usage: test/python/setup-keras-env.sh [--force]
#   STREAMFIT_KERAS_VENV  where the venv goes (default: .venv-keras in the repository root; the
#                         test reads the same variable)
#   PYTHON                the interpreter to build it from (3.9-3.12: TensorFlow 2.16's wheels)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${STREAMFIT_KERAS_VENV:-$here/../../.venv-keras}"
req="$here/requirements-keras.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
   && "$venv/bin/python" -c 'import importlib.metadata as m; [m.version(p) for p in ("tensorflow-cpu", "tf-keras", "tensorflowjs")]' 2>/dev/null; then
  echo "keras venv ready: $venv"
  exit 0
fi

"$python" -c 'import sys; assert sys.version_info[:2] in [(3,9),(3,10),(3,11),(3,12)], f"TensorFlow 2.16 has wheels for Python 3.9-3.12, not {sys.version}"'
started=$SECONDS
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --no-deps --only-binary=:all: -r "$req"
# Fail here, not in the test, if the set does not import together.
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" - <<'PY'
import logging
logging.disable(logging.WARNING)  # TF-DF's version note: its ops are never used by the Keras path
import tensorflow as tf, tf_keras, tensorflowjs
print(f"tensorflow {tf.__version__}, tf-keras {tf_keras.__version__}, tensorflowjs {tensorflowjs.__version__}")
PY
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/tensorflowjs_converter" --version >/dev/null
echo "$want" > "$stamp"
echo "keras venv ready: $venv ($((SECONDS - started)) s, $(du -sh "$venv" | cut -f1))"
