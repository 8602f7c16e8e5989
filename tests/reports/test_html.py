"""report.html: self-contained, and its images really load in a browser."""

from __future__ import annotations

import numpy as np

from adeada.fileformats import atomic_save_png
from adeada.reports.html import Figure, Section, Table, write_html_report
from tests.reports.chromium import loaded_images


def _page(tmp_path, damage: bool = False):
    pngs = []
    for i in range(3):
        path = tmp_path / f"p{i}.png"
        atomic_save_png(path, np.full((20, 30, 3), 60 * i, np.uint8))
        pngs.append(path)
    if damage:  # a truncated PNG: the page still has the <img>, the browser cannot decode it
        pngs[1].write_bytes(pngs[1].read_bytes()[:40])
    return write_html_report(tmp_path / "report.html", "a <test> page", [
        Section("tables", ["round 1/2: text & more"], [Table([{"round": 1, "mIoU": 12.345}, {"round": 2, "mIoU": float("nan")}])]),
        Section("pictures", [], [Figure(p, f"picture {i}") for i, p in enumerate(pngs)]),
    ])


def test_page_is_self_contained_and_escaped(tmp_path):
    text = _page(tmp_path).read_text()
    assert "a &lt;test&gt; page" in text and "text &amp; more" in text
    assert "12.35" in text and "<td>-</td>" in text
    assert text.count('src="data:image/png;base64,') == 3
    assert "http://" not in text and "https://" not in text


def test_every_image_loads_in_headless_chromium(tmp_path):
    assert loaded_images(_page(tmp_path)) == (3, 3)


def test_a_broken_image_is_caught(tmp_path):
    assert loaded_images(_page(tmp_path, damage=True)) == (2, 3)
