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


def test_one_step_is_refused(capsys):
    assert load_benchmark("bench_head_step").main(["--steps", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
