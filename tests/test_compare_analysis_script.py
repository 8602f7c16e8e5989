"""benchmarks/compare_analysis.py --into: a later comparison of a few rows merged into a published one."""

import csv
import io

import pytest

from adeada.active.compare import run_compare
from adeada.config import load_run_config
from adeada.fileformats import read_csv
from adeada.reports import summary_table
from adeada.reports.compare_tables import table_markdown
from tests.scripts import load_benchmark
from tests.tiny_run import write_tiny_config


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A published comparison (rand, ent, full supervision; seeds 0, 1) and a later one of ent."""
    root = tmp_path_factory.mktemp("into")
    cfg = load_run_config(write_tiny_config(root))
    run_compare(cfg, root / "first", ["rand", "ent"], [0, 1], progress=False, full_supervision=True)
    run_compare(cfg, root / "later", ["ent"], [0, 1], progress=False)
    run_compare(cfg, root / "one_seed", ["ent"], [0], progress=False)
    mod = load_benchmark("compare_analysis")
    assert mod.main([str(root / "first"), str(root / "pub")]) == 0
    return root, mod


def _lines(path, strategy):
    return [line for line in path.read_text().splitlines() if line.startswith(strategy + ",")]


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_rows_merge_in_renamed_and_replaced(published, tmp_path):
    root, mod = published
    import shutil

    pub = tmp_path / "pub"
    shutil.copytree(root / "pub", pub)
    before = (pub / "results.csv").read_text()
    assert mod.main([str(root / "later"), str(pub), "--into", "--rename", "ent=ent_before"]) == 0
    after = pub / "results.csv"
    old = io.StringIO(before)
    # untouched cells byte for byte, the renamed ones with their values, the later ones as they ran
    assert _lines(after, "rand") == [line for line in old.read().splitlines() if line.startswith("rand,")]
    assert [line.split(",", 1)[1] for line in _lines(after, "ent_before")] == \
        [line.split(",", 1)[1] for line in before.splitlines() if line.startswith("ent,")]
    assert _lines(after, "ent") == _lines(root / "later" / "results.csv", "ent")
    assert _lines(after, "full_supervision") == [line for line in before.splitlines()
                                                 if line.startswith("full_supervision,")]
    rows = read_csv(after)
    order = list(dict.fromkeys(r["strategy"] for r in rows))
    assert order == ["rand", "ent", "ent_before", "full_supervision"]  # the freed name keeps its place
    # the tables are made again from the merged rows
    assert (pub / "table.md").read_text() == table_markdown(summary_table(rows))
    iou = {r["strategy"] for r in read_csv(pub / "per_class_iou.csv")}
    assert {"rand", "ent", "ent_before"} <= iou
    later_iou = [r for r in read_csv(pub / "per_class_iou.csv") if r["strategy"] == "ent"]
    first_iou = [r for r in read_csv(root / "pub" / "per_class_iou.csv") if r["strategy"] == "ent"]
    assert len(later_iou) == len(first_iou) > 0
    assert (pub / "timings_later.json").exists()
    import json

    assert json.loads((pub / "merged.json").read_text()) == [
        {"comparison": "later", "strategies": ["ent"], "renamed": {"ent": "ent_before"}, "timings": "timings_later.json"}]
    assert (pub / "timings.json").read_bytes() == (root / "pub" / "timings.json").read_bytes()


@pytest.mark.parametrize("case", ["missing", "taken", "seeds", "warmup", "no_into"])
def test_what_cannot_be_merged_is_refused_and_changes_nothing(published, tmp_path, case, capsys):
    root, mod = published
    import shutil

    pub = tmp_path / "pub"
    shutil.copytree(root / "pub", pub)
    later = root / "later"
    args = ["--into", "--rename", "ent=ent_before"]
    if case == "missing":
        args = ["--into", "--rename", "conf=conf_before"]
    elif case == "taken":
        args = ["--into", "--rename", "ent=rand"]
    elif case == "seeds":
        later = root / "one_seed"
    elif case == "warmup":
        later = tmp_path / "other_warmup"
        shutil.copytree(root / "later", later)
        rows = read_csv(later / "results.csv")
        for r in rows:
            if r["round"] == "0":
                r["miou"] = str(float(r["miou"]) + 0.5)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (later / "results.csv").write_text(buf.getvalue())
    elif case == "no_into":
        args = ["--rename", "ent=ent_before"]
    before = _files(pub)
    assert mod.main([str(later), str(pub)] + args) == 2
    err = capsys.readouterr().err
    assert {"missing": "has no row conf", "taken": "already has a row rand", "seeds": "same seeds",
            "warmup": "round 0 ranges", "no_into": "needs --into"}[case] in err
    assert _files(pub) == before
