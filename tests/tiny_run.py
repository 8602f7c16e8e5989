"""A tiny run config shared by the loop, resume and CLI tests (seconds, not minutes)."""

from pathlib import Path

import yaml

TINY = {
    "name": "tiny",
    "data": {
        "source": {"kind": "demo", "demo": {"which": "source", "n_source": 12, "n_pool": 8, "n_test": 6, "size": [48, 64]}},
        "target_pool": {"kind": "demo", "demo": {"which": "pool", "n_source": 12, "n_pool": 8, "n_test": 6, "size": [48, 64]}},
        "target_test": {"kind": "demo", "demo": {"which": "test", "n_source": 12, "n_pool": 8, "n_test": 6, "size": [48, 64]}},
    },
    "regions": {"n_segments": 12, "workers": 1},
    "model": {"arch": "tiny", "pretrained": False},
    "warmup": {"method": "adaptsegnet", "train": {"iterations": 6, "batch_size": 4, "lr": 0.01, "freeze_bn": False,
                                                  "checkpoint_every": 3, "log_every": 1}},
    "finetune": {"iterations": 4, "batch_size": 4, "lr": 0.005, "freeze_bn": False, "checkpoint_every": 2, "log_every": 1},
    "selection": {"strategy": "adeada", "budget_fraction": 0.03, "density": {"n_jobs": 1}},
    "evaluation": {"batch_size": 6},
    "loop": {"rounds": 2, "device": "cpu", "overlays_per_round": 1},
}



def write_tiny_config(root: Path, **changes) -> Path:
    """Write the tiny config with a private cache folder under ``root``; ``changes`` replace sections."""
    data = dict(TINY, cache_dir=str(Path(root) / "cache"), **changes)
    path = Path(root) / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
