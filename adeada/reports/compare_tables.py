"""The tables of a comparison, from its summary rows: the paper's Table 6 layout and Table 2 (ablation).

Pure functions of ``summary_table`` rows; each table is a ``*_rows`` function (the data, which the
HTML page shows) and a ``*_markdown`` one (the same rows as a file). The run folders are read by
``adeada.active.report``.
"""

from __future__ import annotations

from adeada.fileformats import format_markdown_table, mean_std_text, number

from .tables import pivot_table, sort_key

# The cell name of the 100% reference (the whole target pool labelled), beside the strategies.
FULL = "full_supervision"


def table_markdown(summary: list[dict]) -> str:
    """The paper's Table 6 layout: one row per strategy, mean +- std mIoU (%) per round.

    A column is headed by the round's labelled share of the pool (the mean over the active
    strategies; round 0 is the shared warm-up); the full-supervision reference has its own
    "100%" column.
    """
    return format_markdown_table(table_rows(summary), join_mean_std=False)


def table_rows(summary: list[dict], mark=None) -> list[dict]:
    """``table_markdown``'s rows; ``mark(strategy, round, text)`` may rewrite an active cell."""
    active = [s for s in summary if s["strategy"] != FULL]
    full = [s for s in summary if s["strategy"] == FULL]
    rounds = sorted({str(s["round"]) for s in active}, key=sort_key)
    names = {str(k): v for k, v in round_names(summary).items()}
    rows = []
    for r in pivot_table(active):
        cells = {k: r.get(k, "-") for k in rounds}
        if mark is not None:
            cells = {k: mark(str(r["strategy"]), int(k), v) for k, v in cells.items()}
        rows.append({"strategy": r["strategy"], **{names[k]: v for k, v in cells.items()}})
    if full:
        for r in rows:
            r["100%"] = "-"
        ref = pivot_table(full)[0]
        rows.append({"strategy": FULL, **{names[k]: "-" for k in rounds}, "100%": ref.get("1", "-")})
    return rows


def round_names(summary: list[dict]) -> dict[int, str]:
    """Round -> its labelled share of the pool, the mean over the active strategies ("1.02%");
    round 0 is the shared warm-up."""
    active = [s for s in summary if s["strategy"] != FULL]
    names = {}
    for k in sorted({int(number(s["round"])) for s in active}):
        shares = [number(s["labelled_percent_mean"]) for s in active if int(number(s["round"])) == k]
        names[k] = "0% (warm-up)" if k == 0 else f"{sum(shares) / len(shares):.2f}%"
    return names


# The paper's Table 2: its row labels and the strategy that runs each row here. Which parts a row
# keeps (the check marks) is read from that strategy's own settings, never restated here.
TABLE2 = (("(a)", "adeada_a"), ("(b)", "density"), ("(c)", "adeada_c"), ("(d)", "adeada_d"), ("(e)", "adeada"))
TABLE2_COLUMNS = ("uncertainty", "density", "category balance", "dynamic schedule")


def components(strategy: str) -> dict[str, bool]:
    """The parts of the method the strategy registered as ``strategy`` runs, from its preset
    (``Strategy.components`` of the density-aware family)."""
    from adeada.selection import get_strategy

    return get_strategy(strategy).components()


def _ablation_columns(summary: list[dict], name: str) -> dict | None:
    """An ablation row's result columns: labelled share and mIoU after the last round, and the
    mean mIoU over the rounds after the warm-up; None when ``name`` did not run."""
    mine = [s for s in summary if s["strategy"] == name and str(s["round"]) != "0"]
    if not mine:
        return None
    last = max(mine, key=lambda s: sort_key(s["round"]))
    return {
        "labelled %": f"{number(last['labelled_percent_mean']):.2f}",
        f"mIoU after round {last['round']}": mean_std_text(last["miou_mean"], last["miou_std"]),
        "mean mIoU over rounds": f"{sum(number(s['miou_mean']) for s in mine) / len(mine):.2f}",
    }


def _marks(strategy: str, columns: tuple[str, ...]) -> dict[str, str]:
    parts = components(strategy)
    return {col: "✓" if parts[col] else "" for col in columns}


def ablation_rows(summary: list[dict]) -> list[dict]:
    """The paper's Table 2 from a comparison's summary: the parts each row keeps and its
    mean +- std mIoU (%) after the last round (and averaged over all rounds after the warm-up).
    Rows whose strategy was not run are left out."""
    rows = []
    for label, name in TABLE2:
        result = _ablation_columns(summary, name)
        if result is not None:
            rows.append({"row": label, "strategy": name, **_marks(name, TABLE2_COLUMNS), **result})
    return rows


def ablation_markdown(summary: list[dict]) -> str:
    """``ablation_rows`` as markdown; empty string when no row ran."""
    rows = ablation_rows(summary)
    return format_markdown_table(rows, join_mean_std=False) if rows else ""


# ADeADA+'s ablation: ADeADA+ and its rows with one change from the paper's method switched off
# (the fixed split, the confidence discount, the least-confidence ranking of the uncertainty part).
# The row without the discount is run as itself: it is not the paper's row (d), which ranks by
# entropy and fits the config's mixtures where ADeADA+ fits with its own fast estimator (issue 24).
PLUS_ROWS = (("adeada_plus",), ("adeada_plus_dyn",), ("adeada_plus_flat",), ("adeada_plus_ent",))
PLUS_COLUMNS = ("fixed split", "confidence discount", "least confidence")


def plus_ablation_rows(summary: list[dict]) -> list[dict]:
    """ADeADA+ and its ablation rows in the layout of ``ablation_rows``; empty unless
    ``adeada_plus`` and at least one of its rows ran."""
    rows = []
    for names in PLUS_ROWS:
        for name in names:
            result = _ablation_columns(summary, name)
            if result is not None:
                rows.append({"strategy": name, **_marks(name, PLUS_COLUMNS), **result})
                break
    return rows if len(rows) > 1 and rows[0]["strategy"] == "adeada_plus" else []


def plus_ablation_markdown(summary: list[dict]) -> str:
    """``plus_ablation_rows`` as markdown; empty string when they are empty."""
    rows = plus_ablation_rows(summary)
    return format_markdown_table(rows, join_mean_std=False) if rows else ""


# Above ADeADA+'s table in ablation.md, below the paper's Table 2.
PLUS_HEADING = "ADeADA+ with each of its changes from the paper's method switched off:"


def ablation_file_markdown(summary: list[dict]) -> str:
    """ablation.md: the paper's Table 2 and, when they ran, ADeADA+ and its rows; "" when neither."""
    paper, plus = ablation_markdown(summary), plus_ablation_markdown(summary)
    parts = ([paper.strip()] if paper else []) + ([f"{PLUS_HEADING}\n\n{plus.strip()}"] if plus else [])
    return "\n\n".join(parts) + "\n" if parts else ""


def headline_markdown(results: list[dict], level: float = 0.95) -> str:
    """``headline_rows`` as markdown."""
    return format_markdown_table(headline_rows(results, level), join_mean_std=False)


def headline_rows(results: list[dict], level: float = 0.95) -> list[dict]:
    """The page's one table: ``table_rows``' layout (mean +- std per strategy and round), with
    each round's highest mean in bold and a ▼ after every strategy that is decided behind it (the
    paired difference, best minus it over the seeds they share, has its ``level`` interval above
    zero). Unmarked cells are within the seed noise of the best. ``results``: results.csv rows.
    """
    from .paired import paired_differences
    from .tables import summary_table

    summary = summary_table(results)
    active = [s for s in summary if s["strategy"] != FULL]
    behind: set[tuple[str, int]] = set()
    best: dict[int, str] = {}
    for k in sorted({int(number(s["round"])) for s in active if int(number(s["round"])) >= 1}):
        cells = [s for s in active if int(number(s["round"])) == k]
        top = max(cells, key=lambda s: number(s["miou_mean"]))
        best[k] = str(top["strategy"])
        for p in paired_differences(results, best[k], level=level, exclude=[FULL]):
            if int(p["round"]) == k and p["verdict"] == "better":
                behind.add((str(p["strategy"]), k))
    def mark(strategy: str, k: int, text: str) -> str:
        if k == 0 or text == "-":
            return text
        if best.get(k) == strategy:
            return f"**{text}**"
        return f"{text} ▼" if (strategy, k) in behind else text

    return table_rows(summary, mark)
