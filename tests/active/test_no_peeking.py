"""A strategy must never read a target label it did not buy: noise in the others changes nothing."""

import numpy as np
import pytest

from adeada.active.loop import run_loop
from adeada.fileformats import read_csv
from adeada.config import load_run_config
from adeada.data.demo import DemoDataset
from tests.tiny_run import TINY, write_tiny_config

pytestmark = pytest.mark.slow


def _run(root, strategy):
    root.mkdir()
    selection = dict(TINY["selection"], strategy=strategy)
    cfg = load_run_config(write_tiny_config(root, selection=selection))  # its own cache: its own warm-up
    run = run_loop(cfg, root / "run", progress=False)
    return [read_csv(run.round_dir(k) / "selection.csv") for k in (1, 2)]


@pytest.mark.parametrize("strategy", ["adeada_plus", "adeada_plus_recipe", "adeada_plus_relmass", "ripu",
                                      "adeada_plus_ent", "adeada_plus_ripu", "adeada_plus_gain", "adeada_plus_ent_gain"])
def test_selection_is_the_same_when_unbought_pool_labels_are_noise(tmp_path, monkeypatch, strategy):
    clean = _run(tmp_path / "clean", strategy)
    bought = {int(r["image"]) for rows in clean for r in rows}
    real = DemoDataset.load_label
    replaced, read = set(), set()

    def noisy(self, i):
        label = real(self, i)
        if self.split == "pool":
            read.add(int(i))
        if self.split == "pool" and int(i) not in bought:
            replaced.add(int(i))
            rng = np.random.default_rng(int(i))
            return rng.integers(0, len(self.classes), label.shape).astype(label.dtype)
        return label

    monkeypatch.setattr(DemoDataset, "load_label", noisy)
    # The recall report reads every pool label on purpose, after the fact: here it only checks that
    # it is called when the last round is evaluated, i.e. after every selection, and reads nothing.
    reports = []

    def after_the_fact(ctx):
        rounds = ctx.cfg.loop.rounds
        assert ctx.run.is_done(f"r{rounds:02d}.eval"), "the recall report ran before the last selection"
        reports.append(ctx.run.root)

    monkeypatch.setattr("adeada.active.loop.write_mispredicted_recall", after_the_fact)
    noisy_run = _run(tmp_path / "noisy", strategy)
    assert len(reports) == 1
    assert noisy_run == clean
    n_pool = TINY["data"]["target_pool"]["demo"]["n_pool"]
    assert len(bought) < n_pool  # there were unbought images whose labels became noise
    assert read == bought  # the oracle read the bought images' labels through the patched loader
    # Nothing asked for them: had anything read one, it would be in ``replaced``.
    assert not replaced, f"labels of unbought pool images {sorted(replaced)} were read"
