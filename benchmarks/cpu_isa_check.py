"""Do the committed CamVid results come back on this CPU? Cells run here, value by value, against them.

    adeada compare --config camvid_day_dusk --strategies conf --seeds 0,1 --jobs 2 --out RUNS/capped
    adeada compare --config camvid_day_dusk --strategies conf --seeds 0,1 --jobs 2 --out RUNS/native \\
        --set loop.cpu_isa=native
    python benchmarks/cpu_isa_check.py RUNS/capped RUNS/native --label "capped at AVX2" --label "native" \\
        --publish docs/benchmarks/cpu_isa --machine "2 vCPU AMD EPYC (AVX-512), float32"

Each folder is an ``adeada compare`` folder of ``camvid_day_dusk`` (protocol 1, whose committed
results were made on an AVX2 CPU). For every (strategy, seed, round) it holds that the committed
``docs/benchmarks/camvid_day_dusk/results.csv`` holds too, it counts the values that are equal to
the last bit and the largest difference, and says which CPU kernels the cells recorded
(``cpu_kernels`` in their metrics.json; "unrecorded" for cells made before that record).
``--publish DEST`` copies each folder's results.csv to ``DEST/<folder name>_results.csv``, its
``--label`` and recorded kernels to ``DEST/kernels.json`` and ``--machine`` to ``DEST/machine.txt``; without folders it reads DEST back
(the docs' sentence is what ``sentence(DEST)`` makes of it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "benchmarks" / "camvid_day_dusk" / "results.csv"


def agreement(results: Path, committed: Path = COMMITTED) -> dict:
    """How many of ``results``' values the committed file holds, how many are equal, the largest gap
    (mIoU points), and the strategies and seeds compared."""
    from adeada.fileformats import read_csv
    from adeada.reports.leaderboard import value_agreement

    a = value_agreement(read_csv(results), read_csv(committed))
    if not a["values"]:
        raise ValueError(f"{results}: no (strategy, seed, round) in common with {committed}")
    return {k: a[k] for k in ("values", "equal", "largest", "strategies", "seeds")}


def recorded_kernels(folder: Path) -> str:
    """The CPU kernels every round of every cell of a compare folder recorded (one value, or the
    values joined when they differ)."""
    seen = {json.loads(p.read_text()).get("precision", {}).get("cpu_kernels", "unrecorded")
            for p in folder.glob("*/seed*/rounds/*/metrics.json")}
    return "/".join(sorted(seen)) or "unrecorded"


def sentence(dest: Path) -> str:
    """The docs' statement of a published check folder."""
    machine = (dest / "machine.txt").read_text().strip()
    kernels = json.loads((dest / "kernels.json").read_text())
    parts = []
    for name, how in kernels.items():
        a = agreement(dest / f"{name}_results.csv")
        parts.append(f"{name} ({how}; {', '.join(a['strategies'])}, seeds {', '.join(a['seeds'])}): "
                     f"{a['equal']} of {a['values']} seed-round values equal to the committed ones, largest "
                     f"difference {a['largest']:.4f} mIoU points")
    return f"On {machine}, protocol 1 run again against its committed results: " + "; ".join(parts) + "."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="*", help="adeada compare folders of camvid_day_dusk")
    ap.add_argument("--publish", type=Path, metavar="DEST")
    ap.add_argument("--machine", metavar="TEXT", help="where the folders ran (with --publish)")
    ap.add_argument("--label", action="append", default=[], metavar="TEXT",
                    help="how each folder ran (e.g. which kernels), one per folder in their order")
    args = ap.parse_args(argv)
    if args.folders and not (args.publish and args.machine and len(args.label) == len(args.folders)):
        print("cpu_isa_check: folders are published with --publish DEST --machine TEXT and one --label each",
              file=sys.stderr)
        return 2
    try:
        if args.folders:
            missing = [str(f / "results.csv") for f in args.folders if not (f / "results.csv").is_file()]
            if missing:
                raise ValueError(f"no {', '.join(missing)}: not a finished adeada compare folder")
            for f in args.folders:
                agreement(f / "results.csv")  # refuses a folder of another config before anything is written
            args.publish.mkdir(parents=True, exist_ok=True)
            kernels = {}
            for f, label in zip(args.folders, args.label):
                shutil.copyfile(f / "results.csv", args.publish / f"{f.name}_results.csv")
                seen = recorded_kernels(f)
                kernels[f.name] = label + ("" if seen == "unrecorded" else f"; its cells recorded {seen} kernels")
            (args.publish / "kernels.json").write_text(json.dumps(kernels, indent=1) + "\n")
            (args.publish / "machine.txt").write_text(args.machine.strip() + "\n")
        dest = args.publish or ROOT / "docs" / "benchmarks" / "cpu_isa"
        print(sentence(dest))
    except (ValueError, OSError) as err:
        print(f"cpu_isa_check: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
