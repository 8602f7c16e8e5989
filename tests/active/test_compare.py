"""``adeada compare``: parallel cells equal serial ones; round 1's work is done once for all cells."""

import hashlib
import json
from pathlib import Path

import pytest

from adeada.active.compare import run_compare
from adeada.active.loop import run_loop
from adeada.config import load_run_config
from tests.tiny_run import write_tiny_config

pytestmark = pytest.mark.slow


def file_digests(root: Path) -> dict[str, str]:
    """Digest of every result file of a comparison (tables, selections, statistics, metrics)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.suffix in {".csv", ".npz"} and p.name != "timings.json"}


def test_two_workers_give_the_files_of_one_process(tmp_path):
    # Separate caches: the second comparison must compute everything itself, not read the first's.
    results = {}
    for jobs in (1, 2):
        root = tmp_path / f"jobs{jobs}"
        root.mkdir()
        cfg = load_run_config(write_tiny_config(root))
        run_compare(cfg, root / "cmp", ["density"], [0, 1], progress=False, full_supervision=True, jobs=jobs)
        results[jobs] = file_digests(root / "cmp")
    assert len(results[1]) > 15 and any("density/seed1/rounds/02/selection.csv" in k for k in results[1])
    assert results[1] == results[2]


def test_round_one_statistics_and_density_fits_are_shared(tmp_path, monkeypatch):
    import sys

    from adeada.selection import density_scores  # noqa: F401  (loads the module of that name, lazily)

    ds = sys.modules["adeada.selection.density.scores"]  # the package re-exports a function of that name

    fitted = []
    real = ds._run_serial

    def counting(jobs, *args, **kwargs):
        fitted.extend(c for c, _, _ in jobs)
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(ds, "_run_serial", counting)
    cfg = load_run_config(write_tiny_config(tmp_path))
    run_compare(cfg, tmp_path / "cmp", ["rand", "ent", "density", "adeada"], [0, 1], progress=False)
    stats = sorted(p.name.split("-")[0] for p in (tmp_path / "cache" / "region_stats").glob("*.npz"))
    assert stats == ["source", "target_pool"]  # one entry each, for 8 cells
    firsts = {(tmp_path / "cmp" / s / f"seed{seed}" / "rounds" / "01" / "stats_target.npz").read_bytes()
              for s in ("rand", "ent", "density", "adeada") for seed in (0, 1)}
    assert len(firsts) == 1
    # Classes each cell fitted per round (n_components > 0), from the selections' diagnostics.
    scored = {}
    for s in ("density", "adeada"):
        for seed in (0, 1):
            for k in (1, 2):
                info = json.loads((tmp_path / "cmp" / s / f"seed{seed}" / "rounds" / f"{k:02d}" /
                                   "selection_info.json").read_text())["diagnostics"]
                scored[s, seed, k] = sum(1 for n in info.get("n_components", []) if n > 0)
    round1 = {n for (s, seed, k), n in scored.items() if k == 1}
    assert len(round1) == 1 and round1.pop() > 0
    once = scored["density", 0, 1] + sum(n for (s, seed, k), n in scored.items() if k == 2)
    assert len(fitted) == once  # round 1 fitted by the first cell only, reused by the other three
    # Only round 1's fits are kept: later rounds' features belong to one run's own model.
    assert len(list((tmp_path / "cache" / "density_fits").glob("*.npz"))) == scored["density", 0, 1]


def test_run_loop_refuses_an_unknown_stop_point(tmp_path, tiny_config):
    with pytest.raises(ValueError, match="until='eval'"):
        run_loop(load_run_config(tiny_config), tmp_path / "run", until="eval")
    assert not (tmp_path / "run").exists()


def test_a_sweeps_rows_are_the_runs_made_one_by_one(tmp_path):
    from adeada.fileformats import read_csv

    path = write_tiny_config(tmp_path)
    cfg = load_run_config(path)
    run_compare(cfg, tmp_path / "sweep", ["adeada"], [0], progress=False, sweeps=["selection.adeada.alpha=0.5,0"])
    rows = read_csv(tmp_path / "sweep" / "results.csv")
    assert list(dict.fromkeys(r["strategy"] for r in rows)) == ["adeada[alpha=0.5]", "adeada[alpha=0]"]
    assert (tmp_path / "sweep" / "adeada[alpha=0]" / "seed0" / "metrics.csv").exists()
    assert "adeada[alpha=0.5]" in (tmp_path / "sweep" / "table.md").read_text()
    for value in ("0.5", "0"):
        alone = tmp_path / f"alone{value}"
        run_compare(load_run_config(path, [f"selection.adeada.alpha={value}"]), alone, ["adeada"], [0], progress=False)
        mine = [(r["round"], r["miou"]) for r in rows if r["strategy"] == f"adeada[alpha={value}]"]
        assert mine == [(r["round"], r["miou"]) for r in read_csv(alone / "results.csv")]
    # alpha = 0 gives the density part nothing: the two rows did differ
    assert read_csv(tmp_path / "sweep" / "adeada[alpha=0]" / "seed0" / "rounds" / "01" / "selection.csv")[0]["part"] == "uncertainty"


@pytest.mark.parametrize("sweep, message", [
    ("selection.adeada.alhpa=0,1", "alhpa"),
    ("selection.adeada.alpha=0,abc", "selection.adeada.alpha: expected a number, got 'abc'"),
    ("selection.adeada.alpha=0,-1", "selection.adeada.alpha=-1.0; expected >= 0"),
    ("selection.adeada.alpha", "expected KEY=V1,V2"),
    ("selection.adeada.alpha=0,,1", "expected KEY=V1,V2"),
    ("selection.strategy=rand,ent", "set by each cell itself"),
    ("loop.warmup_checkpoint=/a/x.pth", "may not hold '/'"),
])
def test_a_bad_sweep_is_one_line_before_any_work(tmp_path, capsys, sweep, message):
    from adeada.cli import main

    out = tmp_path / "cmp"
    code = main(["--quiet", "compare", "--config", str(write_tiny_config(tmp_path)), "--strategies", "adeada",
                 "--seeds", "0", "--sweep", sweep, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and not out.exists()


def test_each_cell_and_the_comparison_report_the_warm_ups_mispredicted_regions_bought(tmp_path):
    import numpy as np

    from adeada.active.context import open_run
    from adeada.fileformats import read_csv
    from adeada.selection import RegionStats

    cfg = load_run_config(write_tiny_config(tmp_path))
    run_compare(cfg, tmp_path / "cmp", ["ent"], [0, 1], progress=False)
    cell = tmp_path / "cmp" / "ent" / "seed0"
    rows = {r["class"]: r for r in read_csv(cell / "mispredicted_recall.csv")}
    # By hand, with none of the module's helpers: majority label per region, warm-up prediction, bought rounds.
    ctx = open_run(cell)
    warm = RegionStats.load(cell / "rounds" / "01" / "stats_target.npz")
    store = ctx.prepared_store(ctx.pool)
    bought = {(int(r["image"]), int(r["region"])): k for k in (1, 2)
              for r in read_csv(cell / "rounds" / f"{k:02d}" / "selection.csv")}
    wrong, got = 0, {1: 0, 2: 0}
    for n, (img, reg) in enumerate(zip(warm.image, warm.region)):
        lab = ctx.pool.load_label(int(img))[store.get(ctx.pool, int(img)) == reg]
        lab = lab[lab != 255]
        if lab.size and np.bincount(lab).argmax() != warm.pred[n]:
            wrong += 1
            for k in (1, 2):
                got[k] += bought.get((int(img), int(reg)), 99) <= k
    assert int(rows["all"]["mispredicted"]) == wrong > 0
    for k in (1, 2):
        assert float(rows["all"][f"bought_r{k}"]) == pytest.approx(100.0 * got[k] / wrong)
    both = [r for r in read_csv(tmp_path / "cmp" / "mispredicted_recall.csv") if r["class"] == "all"]
    assert len(both) == 1 and both[0]["seeds"] == "2"  # the mean over the two seeds
    assert "mispredicted regions" in (tmp_path / "cmp" / "report.html").read_text()
    assert "mispredicted regions" in (cell / "report.html").read_text()


def test_a_sweep_the_strategy_overrides_is_refused_before_any_work(tmp_path, capsys):
    from adeada.cli import main

    out = tmp_path / "cmp"
    # row (d) is the even split by definition: a swept schedule would be relabelled, not run
    code = main(["--quiet", "compare", "--config", str(write_tiny_config(tmp_path)), "--strategies", "adeada_d",
                 "--seeds", "0", "--sweep", "selection.adeada.schedule=linear_decay,half_decay", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "strategy 'adeada_d' sets selection.adeada.schedule itself (to 'even')" in err and not out.exists()


def test_sweep_rows_keep_their_names_and_read_keys_as_set_does():
    from adeada.active.compare import sweep_rows, variant_config

    names = lambda sweeps: [r[0] for r in sweep_rows(["adeada"], sweeps)]  # noqa: E731
    assert names(["selection.alpha=0,1"]) == names(["selection.adeada.alpha=0,1"]) == ["adeada[alpha=0]", "adeada[alpha=1]"]
    assert names(["selection.adeada_plus.uncertainty=margin"]) == ["adeada[adeada_plus.uncertainty=margin]"]
    assert names(["finetune.lr=0.01"]) == ["adeada[finetune.lr=0.01]"]
    # a value the old key renames: read per value, as --set does
    assert sweep_rows(["adeada"], ["selection.dynamic_schedule=true,false"])[1][2] == ("selection.adeada.schedule=fixed",)
    # data keys: the flat name under the config's kind, and a switched kind forgets the old one's section
    cfg = load_run_config("camvid_day_dusk")
    [(_, _, over)] = sweep_rows(["rand"], ["data.source.preset=not_0006r0"])
    assert variant_config(cfg, "rand", 0, over).data.source.camvid.preset == "not_0006r0"
    [(_, _, over)] = sweep_rows(["rand"], ["data.target_test.kind=folder"])
    assert variant_config(cfg, "rand", 0, over + ("data.target_test.folder.images_dir=/i",)).data.target_test.camvid.root is None


def test_an_adeada_plus_row_off_the_configs_chosen_estimator_is_named_once():
    from adeada.active.compare import Cell, own_estimator_notes
    from adeada.config import load_run_config
    from adeada.selection import get_strategy

    def cells(*overrides):
        cfg = load_run_config(None, list(overrides))
        return [Cell(name, seed, cfg, get_strategy(name, cfg.selection))
                for name in ("adeada", "adeada_plus", "adeada_plus_diag") for seed in (0, 1)]

    notes = own_estimator_notes(cells("selection.density.estimator=gmm_diag"))
    assert notes == ["row adeada_plus fits its mixtures with selection.adeada_plus.estimator=gmm_full_fast, not the "
                     "config's selection.density.estimator=gmm_diag (set selection.adeada_plus.estimator=null to "
                     "follow it)"]
    assert own_estimator_notes(cells()) == []  # the config's default: nothing chosen
    assert own_estimator_notes(cells("selection.density.estimator=gmm_full_fast")) == []  # the same fit
    assert own_estimator_notes(cells("selection.density.estimator=gmm_diag", "selection.adeada_plus.estimator=null")) == []
