"""density_scale.md's table of the fast estimator against the authors' recipe on another seed is
what the committed outputs of benchmarks/bench_selection.py say (docs/benchmarks/density_seeds/)."""

import re
from pathlib import Path

from adeada.fileformats import format_markdown_table
from tests.test_docs_benchmarks import quoted

ROOT = Path(__file__).resolve().parents[1]
RUNS = {"protocol 1": ROOT / "docs" / "benchmarks" / "density_seeds" / "protocol1_round1.txt",
        "protocol 2": ROOT / "docs" / "benchmarks" / "density_seeds" / "protocol2_round1.txt"}


def parse(text: str) -> dict[str, str]:
    """The figures of one run of bench_selection.py --tables."""
    def find(pattern: str) -> tuple[str, ...]:
        m = re.search(pattern, text)
        assert m, pattern
        return m.groups()

    out = {}
    out["regions"] = "{} / {}".format(*find(r"target ([\d,]+) regions, source ([\d,]+) regions"))
    out["recipe_s"], = find(r"authors' recipe \(gmm_full.*?\): ([\d.]+) s")
    out["fast_s"], = find(r"fast \(gmm_full_fast.*?\): ([\d.]+) s")
    out["floor_s"], out["floor_top"], out["floor_sel"] = find(
        r"noise floor.*?\(([\d.]+) s\): top-10% overlap ([\d.]+%), selection overlap ([\d.]+%)")
    out["same_top"], out["same_sel"] = find(r"the same seed: top-10% overlap ([\d.]+%).*?selection overlap ([\d.]+%)")
    out["other_top"], out["other_sel"] = find(r"different seeds: top-10% overlap ([\d.]+%).*?selection overlap ([\d.]+%)")
    out["plus_n"], out["plus_floor"], out["plus_same"], out["plus_other"] = find(
        r"ADeADA\+ round-1 selection \((\d+) regions.*?recipe ([\d.]+%) \(floor\); fast same seed ([\d.]+%); "
        r"fast seed 1 ([\d.]+%)")
    return out


def table() -> str:
    rows = []
    for name, path in RUNS.items():
        f = parse(path.read_text())
        rows += [
            {"protocol (round-1 tables: target / source regions)": f"{name} ({f['regions']})",
             "agreement with the recipe (seed 0)": "top-10% of Eq. 2's scores",
             "the recipe, seed 1 (its floor)": f["floor_top"], "fast, seed 0 (the same)": f["same_top"],
             "fast, seed 1 (another)": f["other_top"]},
            {"protocol (round-1 tables: target / source regions)": "",
             "agreement with the recipe (seed 0)": "ADeADA's selection",
             "the recipe, seed 1 (its floor)": f["floor_sel"], "fast, seed 0 (the same)": f["same_sel"],
             "fast, seed 1 (another)": f["other_sel"]},
            {"protocol (round-1 tables: target / source regions)": "",
             "agreement with the recipe (seed 0)": f"ADeADA+'s selection ({f['plus_n']} regions)",
             "the recipe, seed 1 (its floor)": f["plus_floor"], "fast, seed 0 (the same)": f["plus_same"],
             "fast, seed 1 (another)": f["plus_other"]},
            {"protocol (round-1 tables: target / source regions)": "",
             "agreement with the recipe (seed 0)": f"time of the density step (the recipe, seed 0: {f['recipe_s']} s)",
             "the recipe, seed 1 (its floor)": f"{f['floor_s']} s", "fast, seed 0 (the same)": f"{f['fast_s']} s",
             "fast, seed 1 (another)": "not printed"},
        ]
    return format_markdown_table(rows, join_mean_std=False).strip()


def test_the_doc_quotes_the_committed_runs():
    assert quoted("density_seeds") == table()


def test_the_sentences_state_the_differences_to_the_floor():
    text = (ROOT / "docs" / "benchmarks" / "density_scale.md").read_text()

    def diff(f, a, b):
        d = float(f[a].rstrip("%")) - float(f[b].rstrip("%"))
        return f"{abs(d):.1f} points {'above' if d > 0 else 'below'}"

    p1, p2 = (parse(path.read_text()) for path in RUNS.values())
    assert (f"On protocol 2 it is {diff(p2, 'other_top', 'floor_top')} the floor in top-10%\noverlap, "
            f"{diff(p2, 'other_sel', 'floor_sel')} it in ADeADA's selection and "
            f"{diff(p2, 'plus_other', 'plus_floor')} it in ADeADA+'s.") in text
    assert f"protocol 1 it is {diff(p1, 'other_top', 'floor_top')} the floor in top-10% overlap" in text.replace("\n", " ")
    assert p1["other_sel"] == p1["floor_sel"]  # "level with it"
    assert p1["plus_floor"] == "100.0%" and p1["plus_n"] == "34"
    assert round(float(p1["plus_other"].rstrip("%")) * 34 / 100) == 33  # one region of 34 apart
