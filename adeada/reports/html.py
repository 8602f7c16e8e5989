"""A self-contained ``report.html``: text, tables and PNGs embedded as data URIs, no network.

The page is one file that opens anywhere (a laptop without access to the run's machine, an
e-mail attachment): no script, no style sheet or font from elsewhere, every picture inside it.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from adeada.atomic import atomic_write_text

from adeada.fileformats import PathLike

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 0.5em 0 1.5em; } img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
"""


@dataclass
class Table:
    """Rows (dicts) shown as an HTML table; the columns are the keys in order of first appearance."""

    rows: Sequence[Mapping[str, object]]
    float_format: str = "{:.2f}"


@dataclass
class Figure:
    """A PNG file embedded in the page, with a caption."""

    path: PathLike
    caption: str = ""


@dataclass
class Section:
    """A heading, paragraphs, then tables and figures in the order given."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Union[Table, Figure]] = field(default_factory=list)


def _cell(value: object, float_format: str) -> str:
    if isinstance(value, float):
        return "-" if value != value else float_format.format(value)
    return "" if value is None else str(value)


def _bold(text: str) -> str:
    """A cell written ``**like this**`` (markdown's bold, as the headline table marks a round's best)."""
    return f"<strong>{text[2:-2]}</strong>" if len(text) > 4 and text.startswith("**") and text.endswith("**") else text


def _table(table: Table) -> str:
    if not table.rows:
        return "<p>(no rows)</p>"
    columns = list(dict.fromkeys(k for r in table.rows for k in r))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_bold(html.escape(_cell(r.get(c), table.float_format)))}</td>" for c in columns) + "</tr>"
        for r in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(fig: Figure) -> str:
    data = base64.b64encode(Path(fig.path).read_bytes()).decode("ascii")
    alt = html.escape(fig.caption or Path(fig.path).name)
    caption = f"<figcaption>{html.escape(fig.caption)}</figcaption>" if fig.caption else ""
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">{caption}</figure>'


def write_html_report(out_path: PathLike, title: str, sections: Sequence[Section]) -> Path:
    """Write one self-contained HTML page (atomically).

    Args:
        out_path: the ``.html`` file to write.
        title: the page title and top heading.
        sections: what the page shows, in order.

    Returns:
        The path written.

    Raises:
        FileNotFoundError: a figure's PNG does not exist.
    """
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        for block in section.blocks:
            parts.append(_table(block) if isinstance(block, Table) else _figure(block))
    parts.append("</body></html>\n")
    return atomic_write_text(out_path, "\n".join(parts))
