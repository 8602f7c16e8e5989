"""``adeada report``: redraw the plots and tables of a finished (or running) run or comparison."""

from __future__ import annotations

from pathlib import Path

from adeada.active.rundir import RunDir, RunFolderError


def report(folder: str | Path) -> list[Path]:
    """Plots and tables for a run folder, or for a comparison folder (one subfolder per strategy)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder} does not exist")
    run = RunDir(folder)
    if (folder / "state.json").exists():
        from adeada.active.human import open_run
        from adeada.active.steps import draw_round, write_run_plots

        ctx = open_run(folder)
        paths = write_run_plots(run, ctx.classes, ctx.cfg.selection.strategy)
        for k in run.completed_rounds():
            if (run.labels_dir(k)).exists():
                paths.extend(draw_round(ctx, k))
        return paths
    cells = sorted(p.parent.parent for p in folder.glob("*/seed*/config.yaml"))
    if not cells:
        raise RunFolderError(f"{folder} holds neither a run (state.json) nor a comparison (<strategy>/seed<N>/)")
    from adeada.active.compare import FULL, write_compare_report

    found = {c.name for c in cells} - {FULL}  # the reference is read separately
    # Keep the order the comparison was run in (its results.csv), new strategies after it.
    known = []
    if (folder / "results.csv").exists():
        from adeada.active.rundir import read_csv

        known = [s for s in dict.fromkeys(r["strategy"] for r in read_csv(folder / "results.csv")) if s in found]
    strategies = known + sorted(found - set(known))
    seeds = sorted({int(p.name[4:]) for p in folder.glob("*/seed*") if p.name[4:].isdigit()})
    write_compare_report(folder, strategies, seeds)
    return [folder / "summary.md", folder / "miou_vs_labels.png"]
