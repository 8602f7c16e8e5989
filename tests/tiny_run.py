"""A tiny run config shared by the loop, resume and CLI tests (seconds, not minutes)."""

import hashlib
import json
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
    "warmup": {"method": "adaptsegnet", "train": {"iterations": 6, "batch_size": 4, "lr": 0.01,
                                                  "checkpoint_every": 3, "log_every": 1}},
    "finetune": {"iterations": 4, "batch_size": 4, "lr": 0.005, "checkpoint_every": 2, "log_every": 1},
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


# Smaller than the tiny config, with a training checkpoint every step so that kills also land
# between the checkpoints of a warm-up or a fine-tuning.
_DEMO = {"n_source": 6, "n_pool": 6, "n_test": 3, "size": [32, 48]}
CHAOS = dict(
    TINY,
    data={name: {"kind": "demo", "demo": dict(_DEMO, which=which)}
          for name, which in (("source", "source"), ("target_pool", "pool"), ("target_test", "test"))},
    regions={"n_segments": 8, "workers": 1},
    warmup={"method": "adaptsegnet", "train": {"iterations": 3, "batch_size": 3, "lr": 0.01,
                                               "checkpoint_every": 1, "log_every": 1}},
    finetune={"iterations": 3, "batch_size": 3, "lr": 0.005, "checkpoint_every": 1, "log_every": 1},
    selection={"strategy": "adeada", "budget_fraction": 0.05, "density": {"n_jobs": 1}},
    evaluation={"batch_size": 3},
    loop={"rounds": 2, "device": "cpu", "overlays_per_round": 1},
)


def _without_timings(obj):
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if not k.endswith("seconds")}
    return obj


def run_files(root: Path) -> dict[str, bytes]:
    """Every file of a run folder, byte for byte, except wall-clock timings: state.json is
    compared by its steps and SHA-256 records, selection_info.json without its ``*seconds``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    state = json.loads(out.pop("state.json"))
    out["state.json"] = json.dumps({"done": state["done"], "sha256": state.get("sha256")}, sort_keys=True).encode()
    for name in [n for n in out if n.endswith("selection_info.json")]:
        out[name] = json.dumps(_without_timings(json.loads(out[name])), sort_keys=True).encode()
    return out


def folder_digest(root: Path) -> str:
    """One hash of every file's relative path and bytes under ``root``: "the folder is as it was"."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()
