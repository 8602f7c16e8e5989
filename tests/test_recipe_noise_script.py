"""benchmarks/recipe_noise.py: fine-tuning noise with the selection held fixed."""

import csv

import pytest
import yaml

from adeada.active.loop import run_loop
from adeada.fileformats import read_csv
from adeada.config import load_run_config
from tests.scripts import load_benchmark

pytestmark = pytest.mark.slow


def _script():
    return load_benchmark("recipe_noise")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from tests.tiny_run import TINY

    root = tmp_path_factory.mktemp("recipe")
    path = root / "tiny.yaml"
    path.write_text(yaml.safe_dump(dict(TINY, cache_dir=str(root / "cache"),
                                        selection=dict(TINY["selection"], strategy="rand"),
                                        loop=dict(TINY["loop"], rounds=1, seed=1))))
    return run_loop(load_run_config(path), root / "run", progress=False)


def test_the_runs_own_recipe_and_seed_give_its_round_back_and_other_seeds_and_recipes_differ(tiny_run, tmp_path, capsys):
    out = tmp_path / "noise.csv"
    argv = [str(out), "--condition", f"r1={tiny_run.root}:1", "--recipe", "base",
            "--recipe", "long:iterations=8,average_last=1.0", "--seeds", "1,2", "--jobs", "1"]
    assert _script().main(argv) == 0
    rows = {(r["recipe"], int(r["seed"])): float(r["miou"]) for r in csv.DictReader(open(out))}
    assert set(rows) == {("base", 1), ("base", 2), ("long", 1), ("long", 2)}
    run_miou = 100 * float([r for r in read_csv(tiny_run.metrics_csv) if int(r["round"]) == 1][0]["miou"])
    assert rows[("base", 1)] == pytest.approx(run_miou, abs=1e-9)  # the round, redone exactly
    assert len(set(rows.values())) == 4  # another seed, another recipe: another model
    text = capsys.readouterr().out
    assert "| recipe | r1 | mean std | mean mIoU |" in text and "| long |" in text
    # A second call finds every row done and trains nothing.
    assert _script().main(argv) == 0
    assert "0 fine-tunings to run (4 already in" in capsys.readouterr().out
    assert len(open(out).read().splitlines()) == 5


@pytest.mark.parametrize("flag,value", [("--condition", "r1=somewhere"), ("--condition", "r1=runs/x:0"),
                                        ("--recipe", "fast:iterations")])
def test_malformed_arguments_are_refused_with_the_expected_form(tmp_path, capsys, flag, value):
    argv = [str(tmp_path / "o.csv"), "--condition", "r1=runs/x:1", flag, value]
    assert _script().main(argv) == 2
    assert "expected" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_split_separates_training_from_selection_noise_by_hand():
    rows = [{"condition": c, "miou": m} for c, ms in (("a", (1.0, 3.0)), ("b", (5.0, 7.0))) for m in ms]
    train, select = _script().split_noise(rows)
    # within each selection: variance 2; the means 2 and 6: variance 8, minus 2 / 2 seeds = 7
    assert train == pytest.approx(2 ** 0.5)
    assert select == pytest.approx(7 ** 0.5)
    same = [{"condition": c, "miou": m} for c in ("a", "b") for m in (1.0, 3.0)]
    assert _script().split_noise(same) == (pytest.approx(2 ** 0.5), 0.0)  # floored, not negative
    with pytest.raises(ValueError, match="at least 2 conditions"):
        _script().split_noise(rows[:2])


def test_without_conditions_it_summarises_the_csv_and_refuses_a_missing_one(tmp_path, capsys):
    out = tmp_path / "n.csv"
    assert _script().main([str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    out.write_text("condition,recipe,seed,miou,train_seconds\n"
                   "a,r,0,30,1\na,r,1,32,1\nb,r,0,40,1\nb,r,1,40,1\n")
    assert _script().main([str(out), "--split"]) == 0
    text = capsys.readouterr().out
    assert "| r | 1.41 | 0.00 | 0.71 | 35.50 |" in text
    assert "r: std from fine-tuning 1.00, from the selection" in text
