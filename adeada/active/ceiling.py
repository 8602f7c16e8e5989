"""The converged full-supervision ceiling: every target pool label, trained until more steps stop helping.

A comparison's ``--full-supervision`` cell is a same-cost reference: the whole pool labelled,
fine-tuned for as many steps as all the rounds of an active run together. It says what the
labels buy at the active runs' training budget, not how far the model could go on them; a
strategy at 5% can pass it. The paper's "% of full supervision" means the second: a model trained
on every target label until it stops improving. This module measures that number without ever
choosing anything on the test set:

1. The pool is cut in two by its order (frame order for the built-in sequences): the last
   ``heldout_fraction`` of its images is the held-out block, the rest the training block. A
   contiguous block, not every n-th frame: neighbouring video frames are near-copies of each
   other, so a held-out set interleaved with the training frames keeps improving long after the
   test set has stopped (an earlier measurement on CamVid, in the closing note of issue 24: +2.5
   points a doubling at 1,600 steps, where the test mIoU gained 0.2).
2. From the shared warm-up, the run's fine-tuning recipe is trained on the training block's full
   labels for L = ``start_steps`` steps, then 2L, 4L, ... (each a run of its own from the warm-up:
   the poly schedule and the weight average are over a run's own length). Each is scored on the
   held-out block; the search stops at the first doubling that gains less than ``min_gain``
   points of held-out mIoU, or at ``max_steps``. The chosen length is the one with the best
   held-out mIoU.
3. The ceiling is that recipe, at the chosen length, trained on the whole pool and scored on the
   test set. The test mIoU of every searched length is recorded as well, to show where the test
   curve flattens, but it chooses nothing.

The folder holds ``config.yaml``, ``search.csv`` (a row per seed and length, written as each
finishes: a stopped measurement resumes where it was), ``ceiling.csv`` (a row per seed) and
``ceiling.json`` (the rule, the precision and the mean over every seed in the folder). In
``ceiling.csv``, ``heldout_miou`` is the chosen length's score in the search (trained without the
held-out block); ``test_miou`` is the final model's, trained on the whole pool. Every row records
the precision it was computed in, and a resume on a machine that resolves the config to another
precision is refused.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import statistics
import time
from pathlib import Path
from typing import Optional, Sequence

from adeada.atomic import atomic_write_text
from adeada.config import RunConfig, dump_config, load_run_config
from adeada.fileformats import read_csv, write_csv

log = logging.getLogger(__name__)

SEARCH_COLUMNS = ["seed", "steps", "heldout_miou", "test_miou", "precision", "seconds"]
CEILING_COLUMNS = ["seed", "steps", "stopped_by", "heldout_miou", "test_miou", "precision", "seconds"]


@dataclasses.dataclass(frozen=True)
class CeilingRule:
    """How the ceiling's length is chosen (every number in points of mIoU or steps).

    Attributes:
        heldout_fraction: share of the pool (its last images, in order) held out to choose the length.
        start_steps: the first length tried; None: the same-cost length (finetune.iterations x rounds).
        max_steps: the longest length tried; None: 16 x start_steps.
        min_gain: a doubling that gains less held-out mIoU than this (in points) ends the search.
    """

    heldout_fraction: float = 0.2
    start_steps: Optional[int] = None
    max_steps: Optional[int] = None
    min_gain: float = 0.5

    def __post_init__(self) -> None:
        # Named as the command's flags too: the rule is what `adeada ceiling` is given.
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction={self.heldout_fraction} (--heldout); expected a share strictly "
                             "between 0 and 1")
        if self.start_steps is not None and self.start_steps < 1:
            raise ValueError(f"start_steps={self.start_steps} (--start-steps); expected >= 1")
        if self.max_steps is not None and self.max_steps < (self.start_steps or 1):
            raise ValueError(f"max_steps={self.max_steps} (--max-steps) is below start_steps="
                             f"{self.start_steps or 1} (--start-steps)")
        if not self.min_gain >= 0.0:
            raise ValueError(f"min_gain={self.min_gain} (--min-gain); expected >= 0 (points of held-out mIoU)")

    def lengths(self, cfg: RunConfig) -> list[int]:
        """The lengths the search may try, shortest first (it may stop before the last)."""
        start = self.start_steps or cfg.finetune.iterations * cfg.loop.rounds
        if start < 1:
            raise ValueError(f"the same-cost length finetune.iterations x loop.rounds is {start}; "
                             "give start_steps >= 1 (--start-steps)")
        top = self.max_steps or 16 * start
        if top < start:
            where = "--start-steps" if self.start_steps else "the same-cost length, finetune.iterations x loop.rounds"
            raise ValueError(f"max_steps={top} (--max-steps) is below the first length {start} ({where})")
        out = [start]
        while out[-1] * 2 <= top:
            out.append(out[-1] * 2)
        return out


def split_pool(n: int, heldout_fraction: float, name: str = "the target pool") -> tuple[list[int], list[int]]:
    """(training block, held-out block): the held-out block is the pool's last images in order.

    Both blocks have at least one image; the held-out one has ``ceil(n * heldout_fraction)``.
    """
    if n < 2:
        raise ValueError(f"{name} has {n} image(s); a held-out block needs a pool of at least 2")
    held = min(n - 1, max(1, math.ceil(n * heldout_fraction)))
    return list(range(n - held)), list(range(n - held, n))


def next_step(searched: Sequence[tuple[int, float]], lengths: Sequence[int], min_gain: float) -> tuple[Optional[int], str]:
    """The next length to try, or None with the reason the search ended.

    ``searched`` holds (steps, held-out mIoU in points) of the lengths tried so far, in the order
    of ``lengths``. The search ends when the last doubling gained less than ``min_gain`` points
    ("plateau") or when every length was tried ("max_steps").
    """
    done = len(searched)
    if done >= 2 and searched[-1][1] - searched[-2][1] < min_gain:
        return None, "plateau"
    if done >= len(lengths):
        return None, "max_steps"
    return lengths[done], ""


def chosen_length(searched: Sequence[tuple[int, float]]) -> tuple[int, float]:
    """(steps, held-out mIoU) with the best held-out mIoU; the shorter one on a tie."""
    if not searched:
        raise ValueError("no length was searched")
    return max(searched, key=lambda s: (s[1], -s[0]))


class _Trainer:
    """The run's fine-tuning recipe from the shared warm-up, on a chosen part of the pool's full labels."""

    def __init__(self, cfg: RunConfig, progress: bool):
        from adeada.active.context import RunContext
        from adeada.active.phases.warmup import warmup
        from adeada.cpu_isa import warn_if_not_applied

        warn_if_not_applied(cfg.loop.cpu_isa)  # as run_loop does: a caller that is not the command
        # No run folder to log into: TensorBoard, if the config asks for it, stays off here.
        cfg = dataclasses.replace(cfg, loop=dataclasses.replace(cfg.loop, tensorboard=False))
        self.ctx = RunContext(cfg, None, progress=progress)
        warmup(self.ctx)  # trained here only if no run has cached it yet
        self.cfg = cfg
        self.progress = progress
        self._labels: dict = {}  # pool index -> label map, read once for every length and seed

    @property
    def precision(self) -> str:
        """What fine-tuning and evaluation compute in here (``auto`` resolved), e.g. float32/float32."""
        p = self.ctx.precision
        return f"{p['finetune']}/{p['evaluation']}"

    def labelled(self, indices: Sequence[int]):
        from adeada.active.labels import PartialLabelDataset

        pool = self.ctx.pool
        for i in indices:
            if int(i) not in self._labels:
                self._labels[int(i)] = pool.load_label(int(i))
        return PartialLabelDataset(pool, {int(i): self._labels[int(i)] for i in indices})

    def train(self, steps: int, seed: int, indices: Sequence[int]):
        from adeada.training import finetune

        model = self.ctx.load_model(self.ctx.warmup_checkpoint)
        # Seeded as the comparison's full-supervision cell of this seed (round 1 of seed ``seed``).
        recipe = dataclasses.replace(self.cfg.finetune, iterations=steps, checkpoint_every=0,
                                     seed=self.cfg.finetune.seed + 1000 * seed + 1, device=self.cfg.loop.device)
        return finetune(model, self.ctx.source, self.labelled(indices), recipe, progress=self.progress)

    def score(self, model, indices: Optional[Sequence[int]] = None) -> float:
        """mIoU in points: on the test set, or (``indices``) on those pool images."""
        from adeada.active.phases.evaluate import test_result

        if indices is None:
            return 100.0 * float(test_result(self.ctx, model).miou)
        return 100.0 * float(test_result(self.ctx, model, self.ctx.pool, indices).miou)


def run_ceiling(cfg: RunConfig, out: str | Path, seeds: Sequence[int], rule: CeilingRule = CeilingRule(),
                resume: bool = False, progress: bool = True) -> dict:
    """Measure the converged full-supervision ceiling for each seed into ``out``; returns ceiling.json's content."""
    out = Path(out)
    if not seeds:
        raise ValueError("no seed given")
    lengths = rule.lengths(cfg)
    search_path, ceiling_path = out / "search.csv", out / "ceiling.csv"
    if (out / "config.yaml").exists():
        if not resume:
            raise FileExistsError(f"{out} already holds a ceiling measurement; pass --resume to continue it")
        if load_run_config(out / "config.yaml") != cfg:
            raise ValueError(f"{out / 'config.yaml'} differs from the config given; resume with the config "
                             "the measurement started with, or choose another --out")
        saved = _read_json(out / "rule.json") if (out / "rule.json").exists() else None
        if saved is not None and saved != dataclasses.asdict(rule):
            raise ValueError(f"{out / 'rule.json'} holds the rule {saved}, not the one given "
                             f"{dataclasses.asdict(rule)}; resume with the same rule or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, out / "config.yaml")
    atomic_write_text(out / "rule.json", json.dumps(dataclasses.asdict(rule), indent=1) + "\n")
    search = read_csv(search_path) if search_path.exists() else []
    finals = read_csv(ceiling_path) if ceiling_path.exists() else []
    trainer = _Trainer(cfg, progress)
    here = trainer.precision
    for path, rows in ((search_path, search), (ceiling_path, finals)):
        other = sorted({r.get("precision", "") for r in rows} - {here})
        if other:
            raise ValueError(f"{path} holds rows computed in {', '.join(other) or 'an unrecorded precision'}, "
                             f"and this machine runs the config in {here}; resume where it started, or pin "
                             "finetune.cpu_bf16 / finetune.bf16 / evaluation.bf16 to what the rows used")
    train_idx, held_idx = split_pool(len(trainer.ctx.pool), rule.heldout_fraction,
                                     f"the target pool ({cfg.data.target_pool.kind})")
    everything = list(range(len(trainer.ctx.pool)))
    for seed in seeds:
        mine = {int(r["steps"]): float(r["heldout_miou"]) for r in search if int(r["seed"]) == seed}
        tried: list[tuple[int, float]] = []
        while True:
            steps, why = next_step(tried, lengths, rule.min_gain)
            if steps is None:
                break
            if steps not in mine:  # else measured before a resume
                start = time.perf_counter()
                model = trainer.train(steps, seed, train_idx)
                row = {"seed": seed, "steps": steps, "heldout_miou": round(trainer.score(model, held_idx), 4),
                       "test_miou": round(trainer.score(model), 4), "precision": here,
                       "seconds": round(time.perf_counter() - start, 1)}
                search.append(row)
                write_csv(search, search_path, SEARCH_COLUMNS)
                mine[steps] = row["heldout_miou"]
                log.info("ceiling seed %d: %d steps, held-out %.2f, test %.2f", seed, steps, row["heldout_miou"],
                         row["test_miou"])
            tried.append((steps, mine[steps]))
        if any(int(r["seed"]) == seed for r in finals):
            continue
        best, held = chosen_length(tried)
        start = time.perf_counter()
        model = trainer.train(best, seed, everything)
        finals.append({"seed": seed, "steps": best, "stopped_by": why, "heldout_miou": held,
                       "test_miou": round(trainer.score(model), 4), "precision": here,
                       "seconds": round(time.perf_counter() - start, 1)})
        write_csv(finals, ceiling_path, CEILING_COLUMNS)
    return write_summary(out, cfg, rule, trainer.ctx.precision, len(train_idx), len(held_idx))


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); delete it to start the measurement again") from None


def ceiling_of(finals: Sequence[dict]) -> dict[str, float]:
    """``ceiling_miou`` and ``ceiling_std``: the mean and sample std over seeds of ceiling.csv's rows."""
    values = [float(r["test_miou"]) for r in finals]
    return {"ceiling_miou": round(statistics.fmean(values), 4),
            "ceiling_std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0}


def write_summary(out: Path, cfg: RunConfig, rule: CeilingRule, precision: dict, n_train: int, n_held: int) -> dict:
    """ceiling.json: the mean ceiling over the seeds in ceiling.csv, with how it was chosen."""
    finals = read_csv(out / "ceiling.csv")
    summary = {
        "config": cfg.name,
        "seeds": [int(r["seed"]) for r in finals],
        **ceiling_of(finals),
        "steps": [int(r["steps"]) for r in finals],
        "same_cost_steps": cfg.finetune.iterations * cfg.loop.rounds,
        "rule": dataclasses.asdict(rule),
        "pool_images": {"training_block": n_train, "heldout_block": n_held},
        "precision": precision,
    }
    atomic_write_text(out / "ceiling.json", json.dumps(summary, indent=1) + "\n")
    return summary
