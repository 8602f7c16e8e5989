"""benchmarks/bench_head_step.py runs on a tiny model and prints both step times and their ratio."""

import re

from tests.scripts import load_benchmark
from tests.tiny_run import write_tiny_config


def test_it_prints_the_step_at_label_size_against_the_reference(tmp_path, capsys):
    mod = load_benchmark("bench_head_step")
    cfg = write_tiny_config(tmp_path)
    assert mod.main(["--config", str(cfg), "--steps", "3", "--batch", "2", "--label-size", "48", "64"]) == 0
    out = capsys.readouterr().out
    full = float(re.search(r"what fine-tuning does\): ([0-9.e-]+) s", out).group(1))
    ref = float(re.search(r"\(reference\): ([0-9.e-]+) s", out).group(1))
    ratio = float(re.search(r"ratio ([0-9.]+)x", out).group(1))
    assert full > 0 and ref > 0 and abs(ratio - full / ref) < 0.02 * ratio + 0.01
    assert float(re.search(r"labelled pixels only \(the same objective\): ([0-9.e-]+) s", out).group(1)) > 0
    loss_gap, grad_gap = map(float, re.search(r"largest differences ([0-9.e+-]+) and ([0-9.e+-]+)", out).groups())
    assert loss_gap < 1e-5 and grad_gap < 1e-5


def test_one_step_is_refused(capsys):
    assert load_benchmark("bench_head_step").main(["--steps", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err


def test_the_loss_at_labelled_pixels_is_the_full_size_loss():
    import torch
    import torch.nn.functional as F

    loss_at_labelled_pixels = load_benchmark("bench_head_step").loss_at_labelled_pixels
    torch.manual_seed(0)
    for (h, w), size in (((9, 12), (36, 48)), ((7, 5), (30, 17)), ((8, 8), (8, 8))):
        logits = torch.randn(3, 5, h, w, requires_grad=True)
        labels = torch.randint(0, 5, (3, *size))
        labels[torch.rand(labels.shape) < 0.9] = 255  # sparse, as a round's target labels
        labels[:, -1, -1] = 1  # the bottom-right corner, where both neighbours clamp
        full = F.cross_entropy(F.interpolate(logits, size=size, mode="bilinear", align_corners=False), labels,
                               ignore_index=255)
        sparse = loss_at_labelled_pixels(logits, labels)
        g_full, = torch.autograd.grad(full, logits)
        g_sparse, = torch.autograd.grad(sparse, logits)
        assert abs(float(full - sparse)) < 1e-5
        assert float((g_full - g_sparse).abs().max()) < 1e-6
