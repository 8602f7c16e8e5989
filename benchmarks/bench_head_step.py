"""Where a fine-tuning step of the CamVid benchmarks spends its time: the head, or the loss at label size.

    python benchmarks/bench_head_step.py [--config camvid_day_dusk] [--steps 10] [--batch 8]

Fine-tuning is most of a CamVid comparison's time (protocol 1: 5,243 of 8,065 process-seconds,
docs/benchmarks/protocol1.md), and with the frozen backbone memoised a step is the head's forward
and backward on cached features, twice (a source and a target batch). The loss is taken at the
labels' size (360x480 on CamVid), so the head's 1/4-resolution logits are upsampled bilinearly and
put through log-softmax at every pixel, labelled or not. This measures, in one run, with one thread
as each cell of ``adeada compare`` has, a step as fine-tuning does it (source batch fully labelled,
target batch with 1% of its pixels labelled) against the same step with the loss at the logits'
own size (the labels nearest-downsampled: the reference, a step without the upsampling), and
prints both in seconds and the share of the step that the full-size loss takes. The reference
changes what is trained, so it is a measure of where the time goes, not a proposal.

A third step keeps the objective and drops the work it does not need: the target batch's loss is
taken only at its labelled pixels, each one's logits interpolated bilinearly from the four
logits around it exactly as the full upsampling would (``loss_at_labelled_pixels``; the source
batch, fully labelled, keeps the full-size loss). It prints that step's time and how far its loss
and gradient are from the full-size step's (float rounding only: the same sum in another order).
That bounds what the loss can save without changing what fine-tuning computes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from adeada.training.steps import seg_loss


def source_index(out_size: int, in_size: int, device=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For each output row (or column) of a bilinear resize with ``align_corners=False``: the two
    input rows it reads and the weight of the second, as ``F.interpolate`` computes them."""
    scale = in_size / out_size
    src = ((torch.arange(out_size, dtype=torch.float32, device=device) + 0.5) * scale - 0.5).clamp(min=0.0)
    low = src.long()  # src >= 0, so truncation is floor
    high = torch.clamp(low + 1, max=in_size - 1)
    return low, high, src - low


def loss_at_labelled_pixels(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = 255) -> torch.Tensor:
    """The cross-entropy of ``F.interpolate(logits, labels' size, bilinear)`` against ``labels``
    (mean over labelled pixels), computed at the labelled pixels only."""
    b, c, h, w = logits.shape
    size_h, size_w = labels.shape[-2:]
    bi, yi, xi = torch.nonzero(labels != ignore_index, as_tuple=True)
    y0, y1, wy = (t[yi] for t in source_index(size_h, h, logits.device))
    x0, x1, wx = (t[xi] for t in source_index(size_w, w, logits.device))
    flat = logits.float().permute(0, 2, 3, 1).reshape(b * h * w, c)
    base = bi * (h * w)

    def at(y, x):
        return flat[base + y * w + x]

    wy, wx = wy[:, None], wx[:, None]
    top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
    bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
    return F.cross_entropy(top * (1 - wy) + bottom * wy, labels[bi, yi, xi])


def step_seconds(model, feats, labels: list[torch.Tensor], at_logits: bool, steps: int,
                 sparse_after: int | None = None) -> list[float]:
    """Seconds of each of ``steps`` training steps (one backward per batch of ``labels``);
    from batch ``sparse_after`` on, the loss at the labelled pixels only."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=1e-3)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        for k, lab in enumerate(labels):
            logits = head_logits(model, feats)
            if sparse_after is not None and k >= sparse_after:
                loss = loss_at_labelled_pixels(logits, lab)
            elif at_logits:
                small = F.interpolate(lab[:, None].float(), size=logits.shape[-2:], mode="nearest")[:, 0].long()
                loss = F.cross_entropy(logits.float(), small, ignore_index=255)
            else:
                loss = seg_loss(logits, lab, None)  # fine-tuning's own loss
            loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="camvid_day_dusk", help="a built-in config or YAML (its model and sizes)")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8, help="images per batch (the benchmarks: 8 source + 8 target)")
    ap.add_argument("--label-size", type=int, nargs=2, default=[360, 480], metavar=("H", "W"))
    args = ap.parse_args(argv)
    if args.steps < 2:
        print("bench_head_step: --steps must be at least 2 (the first is a warm-up)", file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # as each cell of `adeada compare --jobs 2` on 2 cores
    torch.manual_seed(0)
    from adeada.config import load_run_config
    from adeada.models import build_model

    cfg = load_run_config(args.config)
    model = build_model(cfg.model, 11)
    model.train()
    h, w = cfg.finetune.resize or args.label_size
    with torch.no_grad():
        feats = model.forward_backbone(torch.randn(args.batch, 3, h, w))
    size = tuple(args.label_size)
    source = torch.randint(0, 11, (args.batch, *size))
    target = torch.full((args.batch, *size), 255, dtype=torch.long)
    side = max(1, int((0.01 * size[0] * size[1]) ** 0.5))  # 1% of each image's pixels, one block
    target[:, :side, :side] = torch.randint(0, 11, (args.batch, side, side))
    full = step_seconds(model, feats, [source, target], at_logits=False, steps=args.steps)[1:]
    small = step_seconds(model, feats, [source, target], at_logits=True, steps=args.steps)[1:]
    sparse = step_seconds(model, feats, [source, target], at_logits=False, steps=args.steps, sparse_after=1)[1:]
    a, b, c = statistics.median(full), statistics.median(small), statistics.median(sparse)
    loss_gap, grad_gap = same_objective_gap(model, feats, target)
    print(f"{args.config}: a fine-tuning step (2 batches of {args.batch}, head only, 1 thread), median of "
          f"{len(full)} steps")
    print(f"  loss at label size {size[0]}x{size[1]} (what fine-tuning does): {a:.4g} s")
    print(f"  loss at the logits' size {tuple(feats_shape(model, feats))} (reference): {b:.4g} s")
    print(f"  ratio {a / b:.2f}x: the label-size loss is {100 * (1 - b / a):.0f}% of the step")
    print(f"  the target batch's loss at its labelled pixels only (the same objective): {c:.4g} s, "
          f"{100 * (1 - c / a):.0f}% less than the step fine-tuning does")
    print(f"  its loss and gradient against the full-size loss: largest differences {loss_gap:.2g} and {grad_gap:.2g}")
    return 0


def same_objective_gap(model, feats, labels: torch.Tensor) -> tuple[float, float]:
    """Largest |difference| of the loss, and of the head's gradient, between the full-size loss and
    the loss at the labelled pixels only, on one batch."""
    params = [p for p in model.parameters() if p.requires_grad]
    results = []
    for loss_of in (lambda x: seg_loss(x, labels, None), lambda x: loss_at_labelled_pixels(x, labels)):
        loss = loss_of(head_logits(model, feats))
        results.append((loss.detach(), torch.autograd.grad(loss, params, allow_unused=True)))
    (l0, g0), (l1, g1) = results
    return float((l0 - l1).abs()), max(float((a - b).abs().max()) for a, b in zip(g0, g1) if a is not None)


def feats_shape(model, feats) -> tuple[int, int]:
    with torch.no_grad():
        return tuple(head_logits(model, feats).shape[-2:])


def head_logits(model, feats) -> torch.Tensor:
    """The head's logits on cached backbone features (a head with an auxiliary output gives a tuple)."""
    out = model.forward_head(feats)
    return out[0] if isinstance(out, (tuple, list)) else out


if __name__ == "__main__":
    sys.exit(main())
