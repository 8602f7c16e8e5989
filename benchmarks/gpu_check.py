"""One short GPU check of everything that would run on CUDA; one line per check.

Nothing in this project has run on a GPU before this script: it is prepared so that a session
lent a GPU machine runs it once (``bash benchmarks/gpu_check.sh``, under 10 minutes on one GPU)
and records its lines in docs/benchmarks.md. Checks:

1. density step at full GTA5 -> Cityscapes scale (119k target / 999k source synthetic regions):
   the authors' recipe on CUDA (``backend: torch``, float64, the same EM as scikit-learn) - time,
   and its top-10% overlap with the CPU fast estimator (``gmm_full_fast``, this machine's cores);
   at scale 0.05 the CUDA recipe against the CPU (scikit-learn) recipe itself, which should agree
   to rounding (their log-densities are equal to about 1e-10);
2. fine-tuning steps of ``deeplabv3plus_r101`` (random weights) and ``lite0_deeplabv3plus`` under
   AMP, bfloat16 and float16 with the gradient scaler: seconds per step, finite weights;
3. evaluation of each fine-tuned model with bfloat16 autocast: seconds per image, mIoU finite.

``--device cpu --quick`` runs the same code on tiny sizes (a smoke test that the script itself
works; tests/test_gpu_check_script.py runs it with the lite0 model on every CI).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_selection import data, density_step, overlap, top_overlap  # noqa: E402

from adeada.data.demo import DemoDataset  # noqa: E402
from adeada.evaluation import evaluate  # noqa: E402
from adeada.models import ModelConfig, build_model  # noqa: E402
from adeada.selection import DensityConfig  # noqa: E402
from adeada.selection.config import GmmFullOptions  # noqa: E402
from adeada.training import TrainConfig, finetune  # noqa: E402


def line(name: str, ok: bool, text: str) -> None:
    print(f"CHECK {name}: {'OK' if ok else 'FAIL'}  {text}", flush=True)


def check_density(device: str, full: float, small: float, jobs: int) -> None:
    gpu = DensityConfig(gmm_full=GmmFullOptions(backend="torch", device=device), n_jobs=1)
    tgt, src = data(small)
    budget = int(0.01 * tgt.pixels.sum())
    pi_c, _, t_c, _ = density_step(tgt, src, DensityConfig(n_jobs=jobs), budget)
    pi_g, _, t_g, _ = density_step(tgt, src, gpu, budget)
    ov = top_overlap(pi_c, pi_g, tgt.pred)
    line(f"density_recipe_{device}_vs_cpu_scale{small}", ov >= 0.99,
         f"top-10% overlap {ov:.1%}; {device} {t_g:.1f} s, cpu scikit-learn {t_c:.1f} s ({jobs} processes)")
    del tgt, src
    tgt, src = data(full)
    budget = int(0.01 * tgt.pixels.sum())
    pi_g, sel_g, t_g, _ = density_step(tgt, src, gpu, budget)
    pi_f, sel_f, t_f, _ = density_step(tgt, src, DensityConfig(estimator="gmm_full_fast", n_jobs=jobs), budget)
    ov = top_overlap(pi_g, pi_f, tgt.pred)
    sel = overlap(sel_g, sel_f)
    line(f"density_recipe_{device}_scale{full}", bool(np.isfinite(pi_g[np.isfinite(pi_f)]).all()),
         f"{t_g:.1f} s for {len(tgt):,} target / {len(src):,} source regions; cpu gmm_full_fast {t_f:.1f} s, "
         f"top-10% overlap with it {ov:.1%}, round-1 selection overlap {sel:.1%}")


def check_training(device: str, arch: str, amp_dtype: str, size: tuple[int, int], steps: int):
    torch.manual_seed(0)
    src = DemoDataset("source", "train", 8, size=size)
    tgt = DemoDataset("target", "pool", 8, size=size)
    model = build_model(ModelConfig(arch=arch, pretrained=False), len(src.classes))
    cfg = TrainConfig(iterations=steps, batch_size=2, lr=1e-3, device=device, amp=True, amp_dtype=amp_dtype,
                      checkpoint_every=0, log_every=1, seed=0)
    times = []

    def log(it, stats):
        times.append(time.perf_counter())

    t0 = time.perf_counter()
    finetune(model, src, tgt, cfg, progress=False, log_fn=log)
    total = time.perf_counter() - t0
    per = (times[-1] - times[0]) / max(len(times) - 1, 1) if len(times) > 1 else total / steps
    finite = all(torch.isfinite(p).all().item() for p in model.parameters())
    line(f"finetune_{arch}_{amp_dtype}_{device}", finite,
         f"{steps} steps of batch 2+2 at {size[0]}x{size[1]}: {total:.1f} s in all, {per:.3f} s a step after the "
         f"first; weights finite: {finite}")
    return model


def check_eval(device: str, arch: str, model, size: tuple[int, int]) -> None:
    test = DemoDataset("target", "test", 8, size=size)
    t0 = time.perf_counter()
    res = evaluate(model, test, device=device, batch_size=4, progress=False, bf16=True)
    dt = time.perf_counter() - t0
    miou = float(res.miou)
    line(f"evaluate_{arch}_{device}", math.isfinite(miou),
         f"{len(test)} images at {size[0]}x{size[1]}, bf16: {dt / len(test):.3f} s an image; mIoU {miou:.4f} (random weights)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test of the script")
    ap.add_argument("--skip-density", action="store_true")
    ap.add_argument("--archs", default="deeplabv3plus_r101,lite0_deeplabv3plus", help="comma-separated")
    args = ap.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        line("cuda", False, "torch.cuda.is_available() is False")
        return 1
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(f"torch {torch.__version__}, device {args.device} ({name}), {os.cpu_count()} cpu cores", flush=True)
    full, small = (0.004, 0.002) if args.quick else (1.0, 0.05)
    size = (64, 96) if args.quick else (512, 1024)
    steps = 2 if args.quick else 10
    jobs = 2 if args.quick else max(1, min(16, (os.cpu_count() or 2)))
    failed = 0
    checks = [] if args.skip_density else [("density", lambda: check_density(args.device, full, small, jobs))]
    for arch in args.archs.split(","):
        for dtype in ("bfloat16", "float16"):
            def run(arch=arch, dtype=dtype):
                model = check_training(args.device, arch, dtype, size, steps)
                if dtype == "bfloat16":
                    check_eval(args.device, arch, model, size)
            checks.append((f"{arch}/{dtype}", run))
    for label, fn in checks:
        try:
            fn()
        except Exception as e:  # one failed check must not hide the others
            failed += 1
            line(label, False, f"{type(e).__name__}: {e}")
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
