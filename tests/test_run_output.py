"""A run explains itself: a line per round, a final summary, tables and report.html for a single
run, --quiet after the subcommand, a Ctrl-C hint that names the folder, a README that matches."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
import yaml

from adeada.cli import _default_out, main
from tests.reports.chromium import loaded_images
from tests.tiny_run import CHAOS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("output")
    cfg = root / "chaos.yaml"
    cfg.write_text(yaml.safe_dump(dict(CHAOS, cache_dir=str(root / "cache"))))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", "--config", str(cfg), "--out", str(root / "run"), "--quiet"]) == 0  # --quiet after
    return root / "run", out.getvalue()


def test_one_line_per_round_and_a_final_summary(finished):
    run, stdout = finished
    lines = stdout.strip().splitlines()
    pattern = r"adeada: round {k}/2: \d+\.\d\d% labelled, mIoU \d+\.\d \([+-]\d+\.\d over the warm-up\)"
    assert re.fullmatch(pattern.format(k=1), lines[0]) and re.fullmatch(pattern.format(k=2), lines[1]), lines
    assert re.match(r"adeada: done: 2 rounds, \d+\.\d\d% of the target pixels labelled, mIoU \d+\.\d after the "
                    r"warm-up -> \d+\.\d \([+-]\d+\.\d\)", lines[2]) and str(run / "report.html") in lines[2], lines


def test_report_of_a_single_run_writes_its_tables_and_a_page_whose_images_load(finished, capsys):
    run, _ = finished
    (run / "table.md").unlink()
    assert main(["report", "--run", str(run), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "| strategy | 0% (warm-up) |" in out and f"open {run / 'report.html'}" in out
    for name in ("table.md", "summary.md", "summary.csv", "report.html"):
        assert (run / name).stat().st_size > 50
    page = (run / "report.html").read_text()
    overlays = sorted((run / "plots" / "overlays").glob("*.png"))
    assert len(overlays) == 2 and all(f"round {k}: " in page for k in (1, 2))
    assert loaded_images(run / "report.html") == (2 + len(overlays), 2 + len(overlays))
    # the last round's confusion matrix, read back as "where each class's pixels go"
    from adeada.fileformats import read_confusion_csv

    confusion, names = read_confusion_csv(run / "rounds" / "02" / "confusion.csv")
    assert "test pixels go (round 2)</h2>" in page
    present = [n for i, n in enumerate(names) if confusion[i].sum() or confusion[:, i].sum()]
    assert present and all(f"<td>{n}</td>" in page for n in present)


def test_ctrl_c_names_the_run_folder(monkeypatch, tmp_path, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("adeada.active.loop.run_loop", interrupted)
    assert main(["run", "--out", str(tmp_path / "r"), "--quiet"]) == 130
    assert f"adeada run --resume --out {tmp_path / 'r'}" in capsys.readouterr().err


def test_readme_says_where_a_second_run_goes_and_what_the_install_costs(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    Path("runs/demo").mkdir(parents=True)
    assert _default_out("demo") == Path("runs/demo-2")
    readme = (ROOT / "README.md").read_text()
    assert "runs/demo-2/" in readme
    assert "--index-url https://download.pytorch.org/whl/cpu" in readme and "4 GB" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y -qq chromium" in ci and "the pin itself does not" in ci


def test_the_quick_start_is_exactly_two_command_lines():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    commands = [ln for b in blocks for ln in b.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert commands == ['pip install "torch==2.14.1" "torchvision==0.29.1" -e . && adeada run',
                        'pip install "torch==2.14.1" "torchvision==0.29.1" -e ".[test]" && python -m pytest tests']
    # the CPU-only route lives under its own heading, after the Quick start
    assert readme.index("## Smaller install without CUDA") > readme.index("## Quick start")
    ci = (ROOT / ".ci" / "run").read_text()
    assert '-m pytest -q -p no:cacheprovider tests' in ci and "venv .venv-ci" in ci  # the README's command, in a venv
