"""fill_markers: the benchmark scripts' way of writing generated blocks into the docs."""

from adeada.fileformats import fill_markers


def test_blocks_replace_what_is_between_their_markers_and_nothing_else(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("intro\n<!-- table:a -->\nold a\n<!-- /table:a -->\nmiddle\n"
                   "<!-- table:b -->\n<!-- /table:b -->\nend $1 \\1\n")
    found = fill_markers(doc, {"a": "new a\nline 2", "b": "x \\1 $ y", "c": "never"})
    assert found == ["a", "b"]
    assert doc.read_text() == ("intro\n<!-- table:a -->\nnew a\nline 2\n<!-- /table:a -->\nmiddle\n"
                               "<!-- table:b -->\nx \\1 $ y\n<!-- /table:b -->\nend $1 \\1\n")
    # filling again with the same blocks changes nothing
    before = doc.read_text()
    fill_markers(doc, {"a": "new a\nline 2", "b": "x \\1 $ y"})
    assert doc.read_text() == before
