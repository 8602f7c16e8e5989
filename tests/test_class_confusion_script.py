"""benchmarks/class_confusion.py: where one class's pixels go, for finished runs (the summary itself:
tests/reports/test_class_errors.py)."""

import numpy as np
import pytest
import yaml

from adeada.active.loop import run_loop
from adeada.config import load_run_config
from tests.scripts import load_benchmark

NAMES = ["road", "fence", "building"]
# rows = label, columns = prediction
CM = np.array([[50, 0, 0],
               [5, 2, 13],   # fence: 20 px, 2 right, 13 called building, 5 road
               [0, 6, 24]])  # 6 building px called fence


def test_the_round_matrix_survives_the_csv_round_trip(tmp_path):
    from adeada.fileformats import read_confusion_csv, write_confusion_csv

    write_confusion_csv(tmp_path / "c.csv", CM, NAMES)
    cm, names = read_confusion_csv(tmp_path / "c.csv")
    assert names == NAMES and cm.dtype == np.int64
    np.testing.assert_array_equal(cm, CM)
    with pytest.raises(ValueError, match="shape \\(3, 3\\) does not fit 2 classes"):
        write_confusion_csv(tmp_path / "d.csv", CM, NAMES[:2])


@pytest.mark.slow
def test_a_finished_run_gives_the_iou_of_its_metrics(tmp_path, capsys):
    from tests.tiny_run import TINY

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(dict(TINY, cache_dir=str(tmp_path / "cache"),
                                        selection=dict(TINY["selection"], strategy="rand"),
                                        loop=dict(TINY["loop"], rounds=1, seed=1))))
    run = run_loop(load_run_config(path), tmp_path / "run", progress=False)
    from adeada.fileformats import read_confusion_csv, read_csv

    row = [r for r in read_csv(run.metrics_csv) if int(r["round"]) == 1][0]
    iou_cols = [c for c in row if c.startswith("iou_")]
    name = iou_cols[0][4:]
    # every round, the warm-up's too, keeps its test-set confusion matrix beside metrics.json
    for k in (0, 1):
        cm, names = read_confusion_csv(run.round_dir(k) / "confusion.csv")
        assert names == [c[4:] for c in iou_cols] and cm.sum() > 0
    mod = load_benchmark("class_confusion")
    expected = f"(round 1): {name} IoU {100 * float(row[iou_cols[0]]):.1f};"
    assert mod.main([name, str(run.root)]) == 0
    from_csv = capsys.readouterr().out
    assert expected in from_csv
    # an older run without confusion.csv: the weights are evaluated again, to the same line
    saved = run.round_dir(1) / "confusion.csv"
    saved.rename(tmp_path / "kept.csv")
    assert mod.main([name, str(run.root)]) == 0
    assert capsys.readouterr().out == from_csv
    # with the matrix back, the weights are not needed
    (tmp_path / "kept.csv").rename(saved)
    (run.round_dir(1) / "model.pth").unlink()
    assert mod.main([name, str(run.root)]) == 0
    assert capsys.readouterr().out == from_csv
    assert mod.main(["no_such_class", str(run.root)]) == 2
    assert "is not one of the run's classes" in capsys.readouterr().err
    assert mod.main([name, str(run.root), "--round", "3"]) == 2
    assert "no confusion.csv and no weights for round 3" in capsys.readouterr().err
