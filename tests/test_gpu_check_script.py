"""The prepared GPU check must not rot between the sessions that have a GPU: its CPU smoke mode runs here."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_runs_every_check_in_its_cpu_smoke_mode():
    # The interpreter running the tests (a virtual environment's, say), not whatever is on the PATH.
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHON=sys.executable)
    out = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--device", "cpu", "--quick",
                          "--archs", "lite0_deeplabv3plus"],
                         capture_output=True, text=True, timeout=400, env=env, cwd=ROOT)
    checks = [ln for ln in out.stdout.splitlines() if ln.startswith("CHECK ")]
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    names = [ln.split(":")[0].split()[1] for ln in checks]
    assert names == ["density_recipe_cpu_vs_cpu_scale0.002", "density_recipe_cpu_scale0.004",
                     "finetune_lite0_deeplabv3plus_bfloat16_cpu", "evaluate_lite0_deeplabv3plus_cpu",
                     "finetune_lite0_deeplabv3plus_float16_cpu"], checks
    assert all(": OK " in ln for ln in checks), checks
