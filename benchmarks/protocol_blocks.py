"""The CamVid protocols' result tables, made from their committed results.csv, into the docs.

    python benchmarks/protocol_blocks.py --fill docs/benchmarks.md --fill docs/benchmarks/protocol1.md \
        --fill docs/benchmarks/protocol2.md

Per protocol (the marker names of protocol 2 start with ``fine_``): ``main`` (mean +- std per
strategy and budget), ``headline`` (the front page's), ``paired`` (ADeADA minus every other row),
``ablation`` (the paper's Table 2), ``plus_ablation`` (ADeADA+ and its rows), each exactly what
``adeada compare`` writes for those rows, and ``spread`` (the standard deviation over seeds) (tests/test_docs_benchmarks.py checks the docs against
the same functions). Without --fill the blocks are printed. Reads only the committed files, so a
comparison merged into a published folder (``compare_analysis.py --into``) is quoted again in
seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# protocol folder -> prefix of its marker names
PROTOCOLS = {"camvid_day_dusk": "", "camvid_day_dusk_fine": "fine_"}


def blocks(folder: Path = ROOT / "docs" / "benchmarks") -> dict[str, str]:
    """Every protocol block, by marker name, from ``folder``/<protocol>/results.csv."""
    from adeada.fileformats import read_csv
    from adeada.reports import summary_table
    from adeada.reports.compare_tables import (
        FULL, ablation_markdown, headline_markdown, plus_ablation_markdown, round_names, table_markdown,
    )
    from adeada.reports.paired import paired_differences, paired_markdown

    out = {}
    for name, pre in PROTOCOLS.items():
        rows = read_csv(folder / name / "results.csv")
        summary = summary_table(rows)
        out[pre + "main"] = table_markdown(summary).strip()
        out[pre + "headline"] = headline_markdown(rows).strip()
        out[pre + "paired"] = paired_markdown(paired_differences(rows, "adeada", exclude=[FULL]),
                                              round_names(summary)).strip()
        out[pre + "ablation"] = ablation_markdown(summary).strip()
        out[pre + "plus_ablation"] = plus_ablation_markdown(summary).strip()
        out[pre + "spread"] = spread_text(summary)
    return out


def spread_text(summary: list[dict]) -> str:
    """The spread block: the mean and largest standard deviation over seeds, over every row and
    round and per strategy (full supervision left out)."""
    from adeada.fileformats import format_markdown_table
    from adeada.reports.compare_tables import FULL
    from adeada.reports.paired import seed_spread

    spread = seed_spread(summary, exclude=[FULL])
    every = next(r for r in spread if r["strategy"] == "all")
    rounds = max(int(r["round"]) for r in summary if r["strategy"] != FULL)
    table = format_markdown_table([{"strategy": r["strategy"], "mean std": r["mean_std"], "largest std": r["max_std"]}
                                   for r in spread if r["strategy"] != "all"])
    return (f"Spread: the standard deviation over seeds is {every['mean_std']:.2f} mIoU points on average over all "
            f"strategies and rounds (at most {every['max_std']:.2f}); per strategy, the mean over its {rounds} rounds:"
            f"\n\n{table.strip()}")


def main(argv: list[str] | None = None) -> int:
    from adeada.fileformats import emit_blocks, fill_markers, missing_markers

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fill", type=Path, action="append", default=[], metavar="DOC",
                    help="write the blocks into DOC's markers (repeatable; together the docs must hold every one)")
    args = ap.parse_args(argv)
    absent = [str(d) for d in args.fill if not d.is_file()]
    if absent:
        print(f"protocol_blocks: --fill {', '.join(absent)}: no such file", file=sys.stderr)
        return 2
    made = blocks()
    if not args.fill:
        return emit_blocks(made)
    missing = missing_markers(args.fill, list(made))
    if missing:
        print(f"protocol_blocks: no markers for {', '.join(missing)} in {', '.join(map(str, args.fill))}",
              file=sys.stderr)
        return 1
    for doc in args.fill:
        print(f"filled {len(fill_markers(doc, made))} blocks of {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
