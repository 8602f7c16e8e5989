"""The ``adeada`` command: run, compare, suite, ceiling, export, import, report.

Thin on purpose: parse, call the library, print. Every expected failure (a missing file, a wrong
round, an unknown config key, labels of the wrong size) ends as ONE line on stderr and exit
status 2, and leaves the run folder as it was.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

# OpenMP threads that spin while they wait made a training step 4x slower (0.68 s vs 0.18 s for
# the demo network, measured on 2 shared cores) whenever another process wanted the CPU. Must
# be set before torch loads its OpenMP runtime; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _add_config_args(p: argparse.ArgumentParser, default: str | None) -> None:
    from adeada.config import BUILTIN

    p.add_argument("--config", default=default, metavar="FILE",
                   help=f"YAML config, or a built-in name: {', '.join(BUILTIN)} (default: {default or 'demo'})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config field, e.g. --set selection.adeada.alpha=0.5 (repeatable)")


def _add_sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sweep", dest="sweeps", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="each value a row of its own for every strategy, named after it, e.g. "
                        "--sweep selection.adeada.alpha=0,0.25,0.5 gives adeada[alpha=0] ... (repeatable: every combination)")


def _add_quiet(p: argparse.ArgumentParser, top: bool = False) -> None:
    # Accepted before or after the subcommand; SUPPRESS keeps a subcommand's default from
    # overwriting a --quiet given before it.
    p.add_argument("--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="no progress bars and no step log (the per-round lines and errors still print)")


def build_parser() -> argparse.ArgumentParser:
    # The registries: the choices and their help come from them.
    from adeada.annotation import FORMATS
    from adeada.selection.strategies import STRATEGIES

    parser = argparse.ArgumentParser(prog="adeada", description="Active domain adaptation for semantic segmentation.")
    _add_quiet(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the active loop (no arguments: the built-in demo on the CPU)")
    _add_config_args(p, None)
    p.add_argument("--out", metavar="DIR", help="run folder (default: runs/<name>, or runs/<name>-2, -3, ... if taken)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from where it stopped")
    p.add_argument("--redo", metavar="STEP",
                   help="with --resume: run this finished step (e.g. r01.train) and every later one again")

    p = sub.add_parser("compare", help="several strategies x seeds on one config, sharing the warm-up")
    _add_config_args(p, "demo")
    p.add_argument("--strategies", default="rand,ent,adeada",
                   help=f"comma-separated strategy names: {', '.join(STRATEGIES)} "
                        "(adeada_a .. adeada_e: the rows of the paper's Table 2)")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--resume", action="store_true", help="skip finished cells, resume unfinished ones")
    p.add_argument("--full-supervision", action="store_true",
                   help="also run the 100%% reference: the whole target pool labelled, per seed")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="cells run at once, each in its own process with cores/N threads (default 1)")
    _add_sweep(p)
    p.add_argument("--executor", choices=["local", "ray"], default="local",
                   help="local: --jobs worker processes here; ray: each cell a Ray task (pip install -e \".[ray]\")")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="with --executor ray: an existing cluster (auto, ray://host:10001, host:6379); "
                        "default: a local Ray started and stopped here")
    p.add_argument("--ray-cpus", type=int, default=1, metavar="N", help="CPUs each Ray cell asks for (default 1)")
    p.add_argument("--ray-gpus", type=float, default=0.0, metavar="G", help="GPUs each Ray cell asks for (default 0)")

    p = sub.add_parser("suite", help="strategies x seeds on every shift of the suite, then one leaderboard")
    p.add_argument("--strategies", default="rand,conf,ripu,adeada,adeada_plus",
                   help="comma-separated strategy names (as for compare)")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    p.add_argument("--shifts", default=None, metavar="LIST",
                   help="comma-separated configs, built-in names or YAML files (default: the built-in suite, "
                        "camvid_day_dusk, camvid_day_dusk_fine, camvid_to_seq05vd, camvid_to_0006r0, camvid_to_0016e5)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config field on every shift (repeatable)")
    p.add_argument("--out", required=True, metavar="DIR", help="one comparison folder per shift, and the leaderboard")
    p.add_argument("--resume", action="store_true", help="skip finished cells, resume unfinished ones")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="cells run at once, each in its own process with cores/N threads (default 1)")
    _add_sweep(p)

    p = sub.add_parser("ceiling", help="the converged full-supervision ceiling: every pool label, trained "
                                       "until a held-out block of the pool stops improving")
    _add_config_args(p, "demo")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (default 0); ceiling.json averages every seed "
                                                "measured in --out, these and any measured before")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--resume", action="store_true", help="keep the lengths and seeds already measured")
    p.add_argument("--heldout", type=float, default=0.2, metavar="SHARE",
                   help="share of the pool, its last images in order, held out to choose the length (default 0.2)")
    p.add_argument("--start-steps", type=int, default=None, metavar="N",
                   help="first length tried (default: finetune.iterations x loop.rounds, the same-cost reference)")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="longest length tried (default 16 x start)")
    p.add_argument("--min-gain", type=float, default=0.5, metavar="POINTS",
                   help="a doubling of the length that gains less held-out mIoU ends the search (default 0.5)")

    p = sub.add_parser("export", help="write a round's selection as an annotation job")
    p.add_argument("--run", required=True, metavar="DIR")
    p.add_argument("--round", required=True, type=int, metavar="K")
    p.add_argument("--format", default="folder", choices=list(FORMATS),
                   help="; ".join(f"{name}: {f.title}" for name, f in FORMATS.items()))
    p.add_argument("--out", required=True, metavar="PATH", help="a zip if PATH ends in .zip, else a folder")
    p.add_argument("--image-url-prefix", default=None, metavar="URL",
                   help="label_studio: tasks load images from URL + images/<id>.png "
                        "(default: Label Studio's local-files URL of a folder named after --out)")

    p = sub.add_parser("import", help="read a round's labels back from annotators")
    p.add_argument("--run", required=True, metavar="DIR")
    p.add_argument("--round", required=True, type=int, metavar="K")
    p.add_argument("--labels", required=True, metavar="PATH")
    p.add_argument("--format", default=None, choices=list(FORMATS), help="default: detected from PATH")
    p.add_argument("--replace", action="store_true",
                   help="replace the round's imported labels (allowed until the round's fine-tuning starts)")
    p.add_argument("--allow-empty", action="store_true",
                   help="accept labels with no labelled pixel in the requested regions (the round's budget is lost)")

    p = sub.add_parser("report", help="plots, tables and report.html for an existing run (or comparison) folder")
    p.add_argument("--run", required=True, metavar="DIR")
    for p in sub.choices.values():
        _add_quiet(p)
    return parser


def _split(text: str, kind=str) -> list:
    return [kind(t.strip()) for t in text.split(",") if t.strip()]


def _default_out(name: str) -> Path:
    base = Path("runs") / name
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = Path(f"{base}-{n}")
    return candidate


def _pin_cpu_isa(args: argparse.Namespace, cfgs) -> None:
    """Run under the CPU kernel cap the configs pin (``loop.cpu_isa``): the ``adeada`` command
    restarts itself with it (the variables work only before numpy and torch load). A call of
    ``main`` from Python (``argv`` given) cannot restart; the run or ceiling it starts warns."""
    from adeada.cpu_isa import reexec_with_isa, wanted_isa

    isa = wanted_isa(c.loop.cpu_isa for c in cfgs)
    if getattr(args, "argv", None) is None:
        reexec_with_isa(isa)


def cmd_run(args: argparse.Namespace) -> int:
    from adeada.active.loop import AwaitingAnnotations, run_loop
    from adeada.config import load_run_config

    if args.resume:
        if not args.out:
            raise ValueError("--resume needs --out DIR, the run folder to continue")
        if args.overrides or args.config:
            raise ValueError("--resume continues a run with its own config.yaml; --config and --set are not allowed")
        cfg = None
    else:
        from adeada.config_checks import check_presets
        from adeada.selection import get_strategy

        cfg = load_run_config(args.config or "demo", args.overrides)
        # A new run's own settings must be what its strategy runs with; a comparison's rows are
        # presets by design and an existing folder's config is read as written.
        check_presets(cfg.selection, get_strategy(cfg.selection.strategy, cfg.selection),
                      f"config {args.config or 'demo'}")
    out = Path(args.out) if args.out else _default_out(cfg.name)
    if cfg is not None or (out / "config.yaml").exists():  # a missing folder is run_loop's error to name
        _pin_cpu_isa(args, [cfg if cfg is not None else load_run_config(out / "config.yaml")])
    args.run_folder = out  # for the Ctrl-C hint
    try:
        run = run_loop(cfg, out, resume=args.resume, progress=not args.quiet, redo=args.redo, on_round=_print_round)
    except AwaitingAnnotations as wait:
        print(f"adeada: {wait}", file=sys.stderr)
        return 3
    from adeada.reports.summary import run_summary

    print(f"adeada: {run_summary(run.root)}")
    return 0


def _print_round(k: int, rounds: int, row: dict, warmup: dict) -> None:
    from adeada.reports.summary import round_line

    print(f"adeada: {round_line(k, rounds, row, warmup)}", flush=True)


def cmd_compare(args: argparse.Namespace) -> int:
    from adeada.active.compare import run_compare
    from adeada.config import load_run_config
    from adeada.fileformats import format_markdown_table

    cfg = load_run_config(args.config, args.overrides)
    _pin_cpu_isa(args, [cfg])
    summary = run_compare(cfg, args.out, _split(args.strategies), _split(args.seeds, int),
                          resume=args.resume, progress=not args.quiet, full_supervision=args.full_supervision,
                          jobs=args.jobs, sweeps=args.sweeps, executor=args.executor, ray_address=args.ray_address,
                          ray_cpus=args.ray_cpus, ray_gpus=args.ray_gpus)
    print(format_markdown_table(summary))
    return 0


def cmd_suite(args: argparse.Namespace) -> int:
    from adeada.active.suite import SUITE, run_suite, suite_configs

    shifts = _split(args.shifts) if args.shifts else list(SUITE)
    _pin_cpu_isa(args, suite_configs(shifts, args.overrides).values())
    path = run_suite(args.out, _split(args.strategies), _split(args.seeds, int), shifts, args.overrides,
                     resume=args.resume, progress=not args.quiet, jobs=args.jobs, sweeps=args.sweeps)
    print(f"adeada: leaderboard of {len(shifts)} shifts in {path}")
    return 0


def cmd_ceiling(args: argparse.Namespace) -> int:
    from adeada.active.ceiling import CeilingRule, run_ceiling
    from adeada.config import load_run_config

    cfg = load_run_config(args.config, args.overrides)
    _pin_cpu_isa(args, [cfg])
    rule = CeilingRule(heldout_fraction=args.heldout, start_steps=args.start_steps, max_steps=args.max_steps,
                       min_gain=args.min_gain)
    summary = run_ceiling(cfg, args.out, _split(args.seeds, int), rule, resume=args.resume, progress=not args.quiet)
    print(f"adeada: ceiling {summary['ceiling_miou']:.2f} mIoU (std {summary['ceiling_std']:.2f} over "
          f"{len(summary['seeds'])} seed(s); {', '.join(map(str, summary['steps']))} steps) in {args.out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from adeada.active.human import export_round

    path = export_round(args.run, args.round, args.format, args.out, image_url_prefix=args.image_url_prefix)
    print(f"adeada: wrote round {args.round}'s annotation job to {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from adeada.active.human import import_round

    info = import_round(args.run, args.round, args.labels, args.format, replace=args.replace,
                        allow_empty=args.allow_empty)
    for warning in info.get("warnings", []):
        print(f"adeada: warning: {warning}", file=sys.stderr)
    replaced = ", replacing the earlier import" if info.get("replaced") else ""
    print(f"adeada: imported {info['images']} label images ({info['labelled_pixels']} labelled pixels) "
          f"into round {args.round}{replaced}; continue with `adeada run --resume --out {args.run}`")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from adeada.active.report import report

    paths = report(args.run)
    table = next((p for p in paths if p.name == "table.md"), None)
    if table is not None:
        print(table.read_text().rstrip())
    html = next((p for p in paths if p.name == "report.html"), None)
    print(f"adeada: wrote {len(paths)} files in {args.run}" + (f"; open {html}" if html else ""))
    return 0


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "suite": cmd_suite, "ceiling": cmd_ceiling, "export": cmd_export, "import": cmd_import, "report": cmd_report}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``adeada`` console script."""
    args = build_parser().parse_args(argv)
    args.argv = argv  # None: the real command line, which a pinned config may restart
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="adeada: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        folder = getattr(args, "run_folder", None) or getattr(args, "out", None)
        if args.command == "run" and folder:
            hint = f"; continue with `adeada run --resume --out {folder}`"
        elif args.command in ("compare", "suite", "ceiling"):
            hint = f"; continue with the same `adeada {args.command}` command plus --resume (--out {folder})"
        else:
            hint = ""
        print(f"adeada: interrupted{hint}", file=sys.stderr)
        return 130
    except (ValueError, OSError, KeyError, ImportError) as err:
        if os.environ.get("ADEADA_DEBUG"):
            raise
        text = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        message = text.splitlines()[0] if text else type(err).__name__
        print(f"adeada: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
