"""Every run records the precision it really ran in; a comparison never pools two precisions silently."""

import json

import pytest

from adeada.active.loop import run_loop
from adeada.active.report import check_one_precision
from adeada.fileformats import read_csv
from adeada.config import load_run_config
from tests.tiny_run import write_tiny_config

F32 = {"warmup": "float32", "finetune": "float32", "evaluation": "float32"}


@pytest.mark.slow
def test_a_run_records_its_precision_in_metrics_json_not_in_metrics_csv(tmp_path):
    from adeada.cpu_isa import computed_isa

    run = run_loop(load_run_config(write_tiny_config(tmp_path)), tmp_path / "run", progress=False)
    kernels = {"cpu_kernels": computed_isa(), "warmup_cpu_kernels": computed_isa()}
    for k in (0, 1, 2):
        assert json.loads((run.round_dir(k) / "metrics.json").read_text())["precision"] == dict(F32, **kernels)
    # the warm-up's own record, beside it in the cache, read by every run that reuses it
    (warmup,) = (tmp_path / "cache" / "warmups").glob("*/precision.json")
    assert json.loads(warmup.read_text()) == {"warmup": "float32", "cpu_kernels": computed_isa()}
    assert "precision" not in read_csv(run.metrics_csv)[0] and "miou" in read_csv(run.metrics_csv)[0]


def test_cells_of_two_precisions_are_refused_naming_both(tmp_path, caplog):
    def cell(strategy, seed, precision):
        folder = tmp_path / strategy / f"seed{seed}" / "rounds" / "01"
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps({"round": 1, "miou": 0.3, "precision": precision}))

    for seed in (0, 1):
        cell("rand", seed, F32)
        cell("ent", seed, F32)
    assert check_one_precision(tmp_path, ["rand", "ent"], [0, 1]) == F32
    cell("conf", 0, F32)
    cell("conf", 1, dict(F32, finetune="bfloat16"))  # one row, two machines: its mean would mix them
    with pytest.raises(ValueError, match=r"conf/seed1 ran in .*bfloat16.*conf/seed0 in .*float32.*does not pool"):
        check_one_precision(tmp_path, ["rand", "ent", "conf"], [0, 1])
    # a row of its own in another precision (a sweep of it) is kept, with a warning naming both
    cell("bf16", 0, dict(F32, finetune="bfloat16"))
    with caplog.at_level("WARNING"):
        assert check_one_precision(tmp_path, ["rand", "bf16"], [0, 1]) == F32
    assert any("bf16" in r.getMessage() and "rand" in r.getMessage() for r in caplog.records)
    old = tmp_path / "old" / "seed0" / "rounds" / "01"  # a cell from before the record
    old.mkdir(parents=True)
    (old / "metrics.json").write_text(json.dumps({"round": 1, "miou": 0.3}))
    assert check_one_precision(tmp_path, ["rand", "old"], [0, 1]) == F32
