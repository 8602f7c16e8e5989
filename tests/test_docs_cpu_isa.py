"""The docs' statement that capped kernels give the committed results back on an AVX-512 CPU is what
benchmarks/cpu_isa_check.py makes of the committed check folder (docs/benchmarks/cpu_isa/)."""

from pathlib import Path

import pytest

from adeada.fileformats import write_csv
from tests.scripts import load_benchmark
from tests.test_docs_benchmarks import quoted

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "docs" / "benchmarks" / "cpu_isa"


def test_the_docs_sentence_is_what_the_script_makes_of_the_committed_check():
    mod = load_benchmark("cpu_isa_check")
    said = mod.sentence(DEST)
    assert quoted("cpu_isa") == said
    # the capped cells gave every value back; the same CPU's own kernels gave none
    capped, native = (mod.agreement(DEST / f"{n}_results.csv") for n in ("capped", "native"))
    assert capped["equal"] == capped["values"] >= 24 and "adeada_plus_ent" in capped["strategies"]
    assert native["equal"] == 0 < native["values"]


def _cell(rows, strategy, seed, values):
    rows += [{"strategy": strategy, "seed": seed, "round": k, "labelled_percent": k, "miou": v}
             for k, v in enumerate(values)]


def test_agreement_counts_equal_values_and_the_largest_gap(tmp_path):
    mod = load_benchmark("cpu_isa_check")
    old, new = [], []
    _cell(old, "conf", 0, [30.0, 31.0, 32.0])
    _cell(new, "conf", 0, [30.0, 31.25, 32.0])
    _cell(new, "rand", 0, [30.0])  # not in the committed file: not compared
    write_csv(old, tmp_path / "old.csv")
    write_csv(new, tmp_path / "new.csv")
    a = mod.agreement(tmp_path / "new.csv", tmp_path / "old.csv")
    assert a == {"values": 3, "equal": 2, "largest": 0.25, "strategies": ["conf"], "seeds": ["0"]}
    write_csv([{"strategy": "x", "seed": 9, "round": 0, "labelled_percent": 0, "miou": 1}], tmp_path / "other.csv")
    with pytest.raises(ValueError, match=r"no \(strategy, seed, round\) in common"):
        mod.agreement(tmp_path / "other.csv", tmp_path / "old.csv")


def test_a_folder_that_is_not_a_finished_comparison_publishes_nothing(tmp_path, capsys):
    mod = load_benchmark("cpu_isa_check")
    (tmp_path / "half").mkdir()
    args = [str(tmp_path / "half"), "--label", "x", "--publish", str(tmp_path / "dest"), "--machine", "m"]
    assert mod.main(args) == 2
    assert "not a finished adeada compare folder" in capsys.readouterr().err
    assert not (tmp_path / "dest").exists()
    assert mod.main([str(tmp_path / "half"), "--publish", str(tmp_path / "dest"), "--machine", "m"]) == 2  # no label
