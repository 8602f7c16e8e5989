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


def _time(fn, steps: int) -> float:
    fn()  # warm-up: oneDNN builds its kernels for each new shape and layout
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def bench(arch: str, setting: str, steps: int, num_classes: int = 19) -> tuple[float, float]:
    """Seconds per training step and per inference batch for one model and setting."""
    batch, h, w = CASES[arch]
    channels_last, bf16 = SETTINGS[setting]
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, pretrained=False, freeze_bn=True,
                                    channels_last=channels_last), num_classes)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(batch, 3, h, w).contiguous(memory_format=fmt)
    y = torch.randint(0, num_classes, (batch, h, w))
    opt = torch.optim.SGD(model.param_groups(2.5e-4), lr=2.5e-4, momentum=0.9)
    amp = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()

    def train_step() -> None:
        with amp:
            logits, _ = model(x)
            logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
            loss = F.cross_entropy(logits.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def infer() -> None:
        with torch.no_grad(), amp:
            model(x)

    model.train()
    t_train = _time(train_step, steps)
    model.eval()
    t_infer = _time(infer, steps)
    return t_train, t_infer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2, help="timed steps after one warm-up")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, {args.steps} timed steps "
          f"after 1 warm-up; images/s (seconds per batch)")
    print(f"{'model':<22}{'input':<16}{'setting':<9}{'train img/s':>18}{'infer img/s':>18}"
          f"{'train x':>9}{'infer x':>9}")
    for arch in args.models:
        batch, h, w = CASES[arch]
        base = None
        for setting in SETTINGS:
            tt, ti = bench(arch, setting, args.steps)
            base = base or (tt, ti)
            print(f"{arch:<22}{f'{batch}x3x{h}x{w}':<16}{setting:<9}"
                  f"{batch / tt:>10.2f} ({tt:5.2f}s){batch / ti:>10.2f} ({ti:5.2f}s)"
                  f"{base[0] / tt:>8.2f}x{base[1] / ti:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
