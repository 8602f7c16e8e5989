"""Training and inference throughput of every segmentation model on this CPU.

Three settings per model, in one run so the ratios compare like with like:
``fp32`` (contiguous tensors), ``fp32+cl`` (channels-last, the default of ``build_model``) and
``bf16+cl`` (bfloat16 autocast + channels-last). Training = forward + cross-entropy + backward +
SGD step with frozen BatchNorm, as in fine-tuning. Weights are random (speed does not depend on
them). Usage::

    python benchmarks/bench_models.py            # all models: 3-6 minutes on 2 shared cores
    python benchmarks/bench_models.py --models tiny lite0_deeplabv3plus --threads 2
"""
from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

import torch
import torch.nn.functional as F

from adeada.models import ModelConfig, build_model

# arch -> (batch, height, width): the lite0 size is the CPU-scale experiments'; the ResNet-101s
# run smaller so the whole benchmark stays near 3 minutes.
CASES = {"tiny": (8, 96, 128), "lite0_deeplabv3plus": (2, 240, 320),
         "deeplabv2_r101": (1, 160, 320), "deeplabv3plus_r101": (1, 160, 320)}
SETTINGS = {"fp32": (False, False), "fp32+cl": (True, False), "bf16+cl": (True, True)}


def _runner(arch: str, setting: str, num_classes: int = 19):
    """(train_step, infer) closures for one model and setting, on random weights and data."""
    batch, h, w = CASES[arch]
    channels_last, bf16 = SETTINGS[setting]
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, pretrained=False, freeze_bn=True,
                                    channels_last=channels_last), num_classes)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(batch, 3, h, w).contiguous(memory_format=fmt)
    y = torch.randint(0, num_classes, (batch, h, w))
    opt = torch.optim.SGD(model.param_groups(2.5e-4), lr=2.5e-4, momentum=0.9)

    def amp():
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()

    def train_step() -> None:
        model.train()
        with amp():
            logits, _ = model(x)
            logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
            loss = F.cross_entropy(logits.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def infer() -> None:
        model.eval()
        with torch.no_grad(), amp():
            model(x)

    return train_step, infer


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(arch: str, steps: int) -> dict[str, tuple[float, float]]:
    """Best seconds per training step and per inference batch, for every setting of one model.

    The settings are timed in turn within each repetition and the minimum is kept, so that a
    burst of load from other processes on a shared machine does not bias one setting.
    """
    runners = {s: _runner(arch, s) for s in SETTINGS}
    for train_step, infer in runners.values():  # warm-up: oneDNN builds kernels per shape/layout
        train_step()
        infer()
    best = {s: [float("inf"), float("inf")] for s in SETTINGS}
    for _ in range(steps):
        for s, (train_step, infer) in runners.items():
            best[s][0] = min(best[s][0], _seconds(train_step))
            best[s][1] = min(best[s][1], _seconds(infer))
    return {s: (t[0], t[1]) for s, t in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3, help="timed repetitions after one warm-up")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads; best of {args.steps} steps after "
          f"1 warm-up, settings interleaved; images/s (seconds per batch)")
    print(f"{'model':<22}{'input':<16}{'setting':<9}{'train img/s':>18}{'infer img/s':>18}"
          f"{'train x':>9}{'infer x':>9}")
    for arch in args.models:
        batch, h, w = CASES[arch]
        results = bench(arch, args.steps)
        base = results["fp32"]
        for setting, (tt, ti) in results.items():
            print(f"{arch:<22}{f'{batch}x3x{h}x{w}':<16}{setting:<9}"
                  f"{batch / tt:>10.2f} ({tt:5.2f}s){batch / ti:>10.2f} ({ti:5.2f}s)"
                  f"{base[0] / tt:>8.2f}x{base[1] / ti:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
