#!/usr/bin/env bash
# The whole GPU check in one call (under 10 minutes on one GPU): one "CHECK name: OK|FAIL ..."
# line per check. Runs the repository's adeada from the source tree (no install: GPU machines
# often have no package index); torch, numpy, scipy, scikit-learn, scikit-image, Pillow, PyYAML,
# tqdm, matplotlib and threadpoolctl must already be there, for the interpreter in $PYTHON (default:
# python3 on the PATH; a test or a virtual environment passes its own).
#   bash benchmarks/gpu_check.sh                        # on a machine with CUDA
#   bash benchmarks/gpu_check.sh --device cpu --quick   # a smoke test of the script itself
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PYTHON_BIN="${PYTHON:-python3}"
missing=$("$PYTHON_BIN" - <<'PY'
import importlib.util as u
mods = ["torch", "torchvision", "numpy", "scipy", "sklearn", "skimage", "PIL", "yaml", "tqdm", "matplotlib", "threadpoolctl"]
print(" ".join(m for m in mods if u.find_spec(m) is None))
PY
)
if [ -n "$missing" ]; then echo "CHECK imports: FAIL  missing: $missing"; exit 1; fi
timeout 570 "$PYTHON_BIN" benchmarks/gpu_check.py "$@"
rc=$?
[ "$rc" = 124 ] && echo "CHECK all: FAIL  stopped at the 570 s cap"
exit "$rc"
