"""The docs quote the committed suite (docs/benchmarks/suite/): its leaderboard and every generated
block are what the code makes of the committed results files (<shift>_results.csv)."""

from pathlib import Path

from adeada.active.suite import SUITE
from adeada.reports.leaderboard import common_strategies, leaderboard_markdown
from tests.scripts import load_benchmark
from tests.test_docs_benchmarks import quoted

ROOT = Path(__file__).resolve().parents[1]
SUITE_DIR = ROOT / "docs" / "benchmarks" / "suite"


def _results():
    return load_benchmark("suite_publish").published_results(SUITE_DIR)


def test_every_shift_of_the_suite_is_committed_with_every_cell_of_one_warm_up():
    mod = load_benchmark("suite_publish")
    results = _results()
    assert list(results) == list(SUITE)
    names = common_strategies(results)
    assert {"conf", "ripu", "adeada_plus", "adeada_plus_ent"} <= set(names)
    for shift, rows in results.items():
        cells = {(r["strategy"], r["seed"]) for r in rows if r["strategy"] in names}
        assert cells == {(s, seed) for s in names for seed in ("0", "1", "2")}, shift
        for s in names:
            for seed in ("0", "1", "2"):
                assert sorted(int(r["round"]) for r in rows if (r["strategy"], r["seed"]) == (s, seed)) == \
                    list(range(6)), (shift, s, seed)
        mod.check_one_warmup(rows, shift)  # one machine's cells, from one warm-up


def test_the_committed_leaderboard_is_what_the_code_makes_of_the_results():
    assert (SUITE_DIR / "leaderboard.md").read_text() == leaderboard_markdown(_results())


def test_every_generated_block_of_the_docs_is_what_the_script_makes_of_the_committed_files():
    made = load_benchmark("suite_publish").blocks(SUITE_DIR)
    assert {"verdict", "suite_ranks", "suite_paired", "suite_details", "suite_candidates", "suite_p1",
            "suite_p2", "suite_part_errors"} <= set(made)
    for name, text in made.items():
        assert quoted(name) == text, name
    assert "ripu" in made["suite_p1"] and "ripu" in made["suite_p2"]
    front = (ROOT / "docs" / "benchmarks.md").read_text().splitlines()
    assert front.index("<!-- /table:verdict -->") < 80  # the verdict is on the first screen or two


def test_the_suite_pages_statements_name_the_machine_the_time_and_a_real_reproduction():
    mod = load_benchmark("suite_publish")
    det = mod.details(SUITE_DIR, mod.COMMITTED)  # as blocks() calls it
    assert {"machine", "time", "reproduction"} <= set(det)
    # both protocols' baselines and the entropy-ranked ADeADA+ ran again in the suite, RIPU's
    # protocol-2 file included; ADeADA+ with least confidence was run again into the protocols later
    for shift in ("camvid_day_dusk", "camvid_day_dusk_fine"):
        assert (f"{shift}: 72 seed-round values of adeada_plus, adeada_plus_ent, conf, ripu in both, 72 equal"
                in det["reproduction"])
    assert "AVX2" in (SUITE_DIR / "machine.txt").read_text()
    setup = next(line for line in (ROOT / "docs" / "benchmarks.md").read_text().splitlines()
                 if line.startswith("| machine, precision |"))
    assert "the suite ran on an AVX2 CPU" in setup


def _published_as_runs(tmp_path):
    """The committed suite laid out as an `adeada suite` folder (each shift's results.csv)."""
    runs = tmp_path / "runs"
    for shift in SUITE:
        (runs / shift).mkdir(parents=True)
        (runs / shift / "results.csv").write_bytes((SUITE_DIR / f"{shift}_results.csv").read_bytes())
    return runs


def test_publishing_writes_the_folder_and_every_block_of_a_doc(tmp_path):
    mod = load_benchmark("suite_publish")
    runs, dest = _published_as_runs(tmp_path), tmp_path / "dest"
    dest.mkdir()
    kept = (SUITE_DIR / "part_errors.csv").read_bytes()
    (dest / "part_errors.csv").write_bytes(kept)  # not made by publishing: kept
    (dest / "gone_shift_results.csv").write_text("stale\n")  # a shift no longer in the suite: removed
    names = list(mod.blocks(SUITE_DIR))
    doc = tmp_path / "doc.md"
    doc.write_text("".join(f"<!-- table:{n} -->\nold\n<!-- /table:{n} -->\n" for n in names))
    assert mod.main([str(runs), str(dest), "--machine", "here, float32", "--fill", str(doc)]) == 0
    assert (dest / "part_errors.csv").read_bytes() == kept and not (dest / "gone_shift_results.csv").exists()
    assert (dest / "machine.txt").read_text() == "here, float32\n"
    made = mod.blocks(dest)
    assert "Every cell of the suite ran on one kind of machine: here, float32." in made["suite_details"]
    for n in names:
        assert f"<!-- table:{n} -->\n{made[n]}\n<!-- /table:{n} -->" in doc.read_text(), n


def test_publishing_with_a_missing_marker_changes_nothing(tmp_path, capsys):
    mod = load_benchmark("suite_publish")
    runs, dest = _published_as_runs(tmp_path), tmp_path / "dest"
    doc = tmp_path / "doc.md"
    doc.write_text("<!-- table:verdict -->\nold\n<!-- /table:verdict -->\n")
    assert mod.main([str(runs), str(dest), "--fill", str(doc)]) == 1
    assert "no markers for" in capsys.readouterr().err
    assert not dest.exists() and doc.read_text() == "<!-- table:verdict -->\nold\n<!-- /table:verdict -->\n"


def test_the_readmes_results_lines_are_the_verdicts():
    mod = load_benchmark("suite_publish")
    from adeada.fileformats import read_csv

    said = mod.verdict(_results(), {name: read_csv(path) for name, path in mod.PROTOCOLS.items()})
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- results -->\n", 1)[1].split("\n<!-- /results -->", 1)[0]
    assert len(block.splitlines()) <= 3 and "docs/benchmarks.md" in block
    for key in ("protocols", "ranks", "vs_conf"):
        assert said[key] in " ".join(block.split()), key


def test_publishing_refuses_a_shift_whose_cells_start_from_two_warm_ups(tmp_path, capsys):
    from adeada.fileformats import write_csv

    mod = load_benchmark("suite_publish")
    rows = [{"strategy": "conf", "seed": 0, "round": 0, "labelled_percent": 0.0, "miou": 30.0},
            {"strategy": "ripu", "seed": 0, "round": 0, "labelled_percent": 0.0, "miou": 30.5}]
    (tmp_path / "runs" / "camvid_day_dusk").mkdir(parents=True)
    write_csv(rows, tmp_path / "runs" / "camvid_day_dusk" / "results.csv")
    assert mod.main([str(tmp_path / "runs"), str(tmp_path / "dest")]) == 2
    assert "another warm-up" in capsys.readouterr().err
    assert not (tmp_path / "dest").exists()  # nothing published


def test_the_warm_up_check_tells_cells_of_two_warm_ups_from_evaluation_noise():
    import pytest

    mod = load_benchmark("suite_publish")
    rows = [{"strategy": "conf", "seed": 0, "round": 0, "labelled_percent": 0.0, "miou": 30.0},
            {"strategy": "ripu", "seed": 0, "round": 0, "labelled_percent": 0.0, "miou": 30.5}]
    with pytest.raises(ValueError, match="another warm-up"):
        mod.check_one_warmup(rows, "x")
    with pytest.raises(ValueError, match="no round-0 row"):
        mod.check_one_warmup([dict(rows[0], round=1)], "x")
    mod.check_one_warmup([rows[0], dict(rows[0], miou=30.00001)], "x")  # evaluation noise below 1e-4 points


def test_the_part_errors_measurement_covers_every_shift():
    from adeada.fileformats import read_csv

    rows = read_csv(SUITE_DIR / "part_errors.csv")
    assert {r["shift"] for r in rows} == set(SUITE)  # its table is checked with the other blocks above


def _beside(tmp_path, name="later", shift_warmup=0.0):
    """A later suite of one strategy on every shift: adeada_plus's committed rows renamed."""
    from adeada.fileformats import read_csv, write_csv

    runs = tmp_path / "beside"
    for shift in SUITE:
        rows = [dict(r, strategy=name, miou=float(r["miou"]) + (shift_warmup if r["round"] == "0" else 0.0))
                for r in read_csv(SUITE_DIR / f"{shift}_results.csv") if r["strategy"] == "adeada_plus"]
        (runs / shift).mkdir(parents=True)
        write_csv(rows, runs / shift / "results.csv")
        (runs / shift / "timings.json").write_text('{"wall_seconds": 600.0}\n')
    return runs


def test_rows_of_a_later_suite_are_added_beside_the_published_ones_never_replacing_them(tmp_path, capsys):
    import json
    import shutil

    mod = load_benchmark("suite_publish")
    dest = tmp_path / "dest"
    shutil.copytree(SUITE_DIR, dest)  # a published folder is a source too: republished with rows beside
    before = {s: (dest / f"{s}_results.csv").read_text() for s in SUITE}
    assert mod.main([str(dest), str(dest), "--beside", str(_beside(tmp_path)), "--beside-machine", "there"]) == 0
    for s in SUITE:
        text = (dest / f"{s}_results.csv").read_text()
        assert text.startswith(before[s]) and "\nlater,0,5," in text  # appended byte for byte
    # the committed folder has a later suite already: this one is the next record, with its own timings
    first = json.loads((SUITE_DIR / "beside.json").read_text())
    records = json.loads((dest / "beside.json").read_text())
    assert records == [first, {"machine": "there", "strategies": ["later"]}]
    for s in SUITE:
        assert json.loads((dest / f"{s}_timings_beside2.json").read_text())["wall_seconds"] == 600.0
        assert (dest / f"{s}_timings_beside.json").read_bytes() == (SUITE_DIR / f"{s}_timings_beside.json").read_bytes()
    assert (dest / "machine.txt").read_text() == (SUITE_DIR / "machine.txt").read_text()  # kept, not dropped
    assert "later" in (dest / "leaderboard.md").read_text()
    assert mod.details(dest, mod.COMMITTED)["machine"].startswith("Every cell of the first suite ran on")
    said = mod.details(dest, mod.COMMITTED)["beside"]
    assert said.startswith(f"The rows of {', '.join(first['strategies'])} were added later")
    assert "The rows of later were added later by another suite, on there," in said and "50 min" in said
    assert said.count("to the last digit, across the suites on 5 of 5 shifts") == 2
    # the same rows again: refused, and the folder stays as it was
    published = {p.name: p.read_bytes() for p in dest.iterdir()}
    assert mod.main([str(dest), str(dest), "--beside", str(_beside(tmp_path / "again"))]) == 2
    assert "later in both" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == published


def test_rename_swaps_rows_on_every_shift_keeping_every_other_byte(tmp_path, capsys):
    import json
    import shutil

    mod = load_benchmark("suite_publish")
    dest = tmp_path / "dest"
    shutil.copytree(SUITE_DIR, dest)
    before = {s: (dest / f"{s}_results.csv").read_text() for s in SUITE}
    assert mod.main([str(dest), str(dest), "--rename", "adeada_plus=old", "--rename", "adeada_plus_ent=adeada_plus",
                     "--rename", "adeada_plus_ripu=ripu_half"]) == 0
    for s in SUITE:
        old, new = before[s].splitlines(), (dest / f"{s}_results.csv").read_text().splitlines()
        assert len(old) == len(new)
        for a, b in zip(old, new):
            name, rest = a.split(",", 1)
            want = {"adeada_plus": "old", "adeada_plus_ent": "adeada_plus", "adeada_plus_ripu": "ripu_half"}.get(name, name)
            assert b == f"{want},{rest}"
    assert "ripu_half" in json.loads((dest / "beside.json").read_text())["strategies"]
    assert "| old |" in (dest / "leaderboard.md").read_text()
    published = {p.name: p.read_bytes() for p in dest.iterdir()}
    for args, said in ((["--rename", "nothing=x"], "has no row nothing"), (["--rename", "ripu=conf"], "already has a row conf"),
                       (["--rename", "a=b", "--rename", "c=b"], "two rows renamed b"), (["--rename", "conf"], "expected OLD=NEW")):
        assert mod.main([str(dest), str(dest)] + args) == 2
        assert said in capsys.readouterr().err
        assert {p.name: p.read_bytes() for p in dest.iterdir()} == published


def test_rows_beside_from_another_warm_up_are_refused(tmp_path, capsys):
    mod = load_benchmark("suite_publish")
    dest = tmp_path / "dest"
    beside = _beside(tmp_path, shift_warmup=0.01)  # e.g. made on AVX-512 kernels, without loop.cpu_isa
    assert mod.main([str(SUITE_DIR), str(dest), "--beside", str(beside)]) == 2
    assert "another warm-up" in capsys.readouterr().err and not dest.exists()
