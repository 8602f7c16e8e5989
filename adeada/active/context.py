"""What the steps of a run share: its config, folder, datasets, regions and device, built lazily."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adeada.active.rundir import RunDir
from adeada.config import RunConfig, load_run_config
from adeada.configtools import to_dict
from adeada.devices import resolve_device


def config_hash(*parts: Any, length: int = 12) -> str:
    """A short stable hash of config fragments (dataclasses or plain values)."""
    blob = json.dumps([to_dict(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


# Written beside a warm-up's model.pth when it is trained: what its training computed in.
WARMUP_PRECISION = "precision.json"


class RunContext:
    """Lazily built shared objects of one run (nothing heavy happens until a step asks)."""

    def __init__(self, cfg: RunConfig, run: RunDir, progress: bool = True, strategy=None):
        self.cfg = cfg
        self.run = run
        self.progress = progress
        self.cache_dir = Path(os.path.expanduser(cfg.cache_dir))
        self._prepared: set[int] = set()
        if strategy is not None:
            self.strategy = strategy

    # ----- the strategy: built once per run (or handed in by ``adeada compare``)
    @functools.cached_property
    def strategy(self):
        from adeada.selection import get_strategy

        return get_strategy(self.cfg.selection.strategy, self.cfg.selection)

    # ----- data
    @functools.cached_property
    def source(self):
        from adeada.data import build_dataset

        return build_dataset(self.cfg.data.source)

    @functools.cached_property
    def pool(self):
        from adeada.data import build_dataset

        return build_dataset(self.cfg.data.target_pool)

    @functools.cached_property
    def test(self):
        from adeada.data import build_dataset

        return build_dataset(self.cfg.data.target_test)

    @property
    def classes(self) -> list[str]:
        return list(self.pool.classes)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    # ----- regions
    @functools.cached_property
    def store(self):
        from adeada.regions import SuperpixelStore

        return SuperpixelStore(self.cache_dir / "superpixels", self.cfg.regions)

    def prepared_store(self, dataset):
        """The store, with ``dataset``'s superpixels computed (checked once per dataset and run)."""
        if id(dataset) not in self._prepared:
            self.store.prepare(dataset, progress=self.progress)
            self._prepared.add(id(dataset))
        return self.store

    @functools.cached_property
    def pool_pixels(self) -> int:
        """All target-pool pixels at label resolution (the denominator of every budget)."""
        store = self.prepared_store(self.pool)
        return int(sum(int(store.pixel_counts(self.pool, i).sum()) for i in range(len(self.pool))))

    # ----- model
    @functools.cached_property
    def device(self) -> torch.device:
        return torch.device(resolve_device(self.cfg.loop.device))

    def new_model(self):
        from adeada.models import build_model

        # Seeded by the warm-up's seed, not the run's: the warm-up is shared by runs of any seed.
        torch.manual_seed(self.cfg.warmup.train.seed)
        model = build_model(self.cfg.model, self.num_classes).to(self.device)
        return self._memoize(model)

    def load_model(self, checkpoint: Path):
        from adeada.models import build_model

        model = build_model(self.cfg.model, self.num_classes).to(self.device)
        try:
            state = torch.load(checkpoint, map_location=self.device, weights_only=False)
            model.load_state_dict(state["model"] if isinstance(state, dict) and "model" in state else state)
        except FileNotFoundError:
            raise
        except Exception as err:  # pickle, zip and key/shape errors all mean "not a checkpoint of this model"
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ValueError(f"checkpoint {checkpoint} cannot be loaded into {self.cfg.model.arch} "
                             f"with {self.num_classes} classes: {first}") from None
        return self._memoize(model)

    def _memoize(self, model):
        """With a frozen backbone, remember its outputs across rounds and runs of this process."""
        if self.cfg.model.freeze_backbone and self.cfg.loop.backbone_memo_mb > 0:
            from adeada.models.backbone_memo import memoize_backbone

            memoize_backbone(model, self.cfg.loop.backbone_memo_mb)
        return model

    # ----- the shared warm-up
    @property
    def warmup_key(self) -> str:
        cfg = self.cfg
        warmup = to_dict(cfg.warmup)
        # The warm-up's own BatchNorm flag (gone: model.freeze_bn is the only one) was part of this
        # key; hashing the value it had to have keeps every warm-up cached before valid.
        warmup["train"]["freeze_bn"] = cfg.model.bn_frozen
        # The precision the warm-up will really train in, not the literal "auto": two machines
        # sharing a cache_dir, one with native bf16 and one without, must not share a warm-up. An
        # explicit true/false hashes as it always did, so those entries stay valid.
        if warmup["train"]["cpu_bf16"] == "auto":
            from adeada.devices import train_precision

            warmup["train"]["cpu_bf16"] = train_precision(cfg.warmup.train, self.device.type) == "bfloat16"
        # The CPU kernels' vector code changes the last bits of a warm-up trained on the CPU, so a
        # cache_dir shared by an AVX-512 run and an AVX2-capped one must not hand one's warm-up to
        # the other. Every key made before this record comes from AVX2 machines (the benchmarks'):
        # AVX2 hashes as nothing, so those entries stay valid.
        if self.device.type == "cpu":
            from adeada.cpu_isa import computed_isa

            kernels = computed_isa()
            if kernels != "AVX2":
                warmup["cpu_kernels"] = kernels
        # The datasets in the flat layout their settings had when these keys were first made.
        return config_hash(cfg.data.source.flat_settings(), cfg.data.target_pool.flat_settings(), cfg.model, warmup)

    @property
    def precision(self) -> dict[str, str]:
        """What each phase computed in ("float32", "bfloat16", "float16"), ``auto`` resolved:
        recorded in every round's metrics.json. Fine-tuning and evaluation run here, as this
        machine resolves the config; the warm-up's is the one written beside it when it was trained
        (``precision.json``), wherever that was, and "unknown" for a warm-up from before that
        record or given as ``loop.warmup_checkpoint``."""
        import json

        from adeada.devices import eval_precision, train_precision

        cfg, kind = self.cfg, self.device.type
        from adeada.cpu_isa import computed_isa

        record = self.warmup_checkpoint.with_name(WARMUP_PRECISION)
        made = json.loads(record.read_text()) if record.exists() else {}
        return {"warmup": made.get("warmup", "unknown"), "finetune": train_precision(cfg.finetune, kind),
                "evaluation": eval_precision(cfg.evaluation.bf16, kind),
                # The vector code of the CPU kernels (loop.cpu_isa): the same precision adds in
                # another order under AVX-512 than under AVX2.
                "cpu_kernels": computed_isa(), "warmup_cpu_kernels": made.get("cpu_kernels", "unknown")}

    @property
    def warmup_checkpoint(self) -> Path:
        """Where this run's warm-up lives: a given file, or a cache entry shared by runs with the same setup."""
        if self.cfg.loop.warmup_checkpoint:
            return Path(os.path.expanduser(self.cfg.loop.warmup_checkpoint))
        recorded = self._recorded_warmup()
        if recorded is not None:
            return recorded
        return self.cache_dir / "warmups" / self.warmup_key / "model.pth"

    def _recorded_warmup(self) -> Path | None:
        """The warm-up a run already started from (state.json), while that file is there: a run
        keeps its own warm-up even where today's key would name another (its `auto` precision,
        say, hashed as the literal before and as what it resolves to now)."""
        if self.run is None or not (self.run.root / "state.json").exists():
            return None
        state = self.run.read_state()
        path = state.get("info", {}).get("warmup", {}).get("checkpoint") if "warmup" in state["done"] else None
        return Path(path) if path and Path(path).exists() else None

    def round_checkpoint(self, k: int) -> Path:
        """Weights after round ``k`` (round 0 = the warm-up)."""
        if k == 0:
            return self.warmup_checkpoint
        return self.run.round_dir(k) / "model.pth"

    # ----- logging
    @functools.cached_property
    def tensorboard(self):
        """A SummaryWriter into RUN/tensorboard when ``loop.tensorboard`` is on, else None."""
        if not self.cfg.loop.tensorboard:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise ValueError(f"loop.tensorboard is on but TensorBoard is not installed ({err}); "
                             "pip install tensorboard, or set loop.tensorboard=false") from None
        return SummaryWriter(str(self.run.root / "tensorboard"))

    def log_fn(self, stage: str):
        """A training ``log_fn(step, values)`` that writes scalars under ``stage/``, or None."""
        writer = self.tensorboard
        if writer is None:
            return None

        def log(step: int, values: dict) -> None:
            for name, value in values.items():
                writer.add_scalar(f"{stage}/{name}", float(value), step)
            writer.flush()

        return log

    def rng(self, k: int) -> np.random.Generator:
        """The selection generator of round ``k``: a function of (seed, round) only."""
        return np.random.default_rng([self.cfg.loop.seed, k])


def open_run(run_dir: str | Path) -> RunContext:
    """A RunContext over an existing run folder (its own config)."""
    run = RunDir(run_dir)
    run.require_exists()
    return RunContext(load_run_config(run.config_path), run, progress=False)
