"""Author commentary: Markdown files rendered (sanitised) into the report, in a Commentary section or named slots."""

from __future__ import annotations

import re

import nbformat
import pytest

from healthintel.errors import RenderError
from healthintel.render import cache, commentary, export

from .conftest import FIXTURES


@pytest.fixture
def folder(tmp_path, monkeypatch):
    target = tmp_path / "commentary"
    monkeypatch.setenv(commentary.COMMENTARY_ENV, str(target))
    return target


def write(folder, chapter, slug, text):
    path = folder / chapter / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folder_defaults_to_the_project_and_follows_the_environment(tmp_path, monkeypatch):
    from healthintel import config

    monkeypatch.delenv(commentary.COMMENTARY_ENV, raising=False)
    assert commentary.commentary_path("child_obesity", "kent") == config.project_root() / "commentary" / \
        "child_obesity" / "kent.md"
    monkeypatch.setenv(commentary.COMMENTARY_ENV, str(tmp_path))
    assert commentary.commentary_path("child_obesity", "kent") == tmp_path / "child_obesity" / "kent.md"


def test_no_file_means_no_commentary(folder):
    assert commentary.read("child_obesity", "kent") is None
    write(folder, "child_obesity", "kent", "  \n\n")
    assert commentary.read("child_obesity", "kent") is None  # whitespace only: nothing to show


def test_parse_splits_main_text_and_slots(folder):
    write(folder, "fixture", "dover", "Main text.\n\n<!-- slot: Results -->\nAbout results.\n"
                                      "<!--slot:method_notes-->\nOn methods.\n<!-- SLOT: results -->\nMore.\n")
    found = commentary.read("fixture", "dover")
    assert found.main == "Main text."
    assert found.slots == {"results": "About results.\n\nMore.", "method-notes": "On methods."}


def test_empty_slot_name_is_an_error():
    with pytest.raises(RenderError, match="names no section"):
        commentary.parse("x\n<!-- slot: -->\ny\n", "a.md")


def test_markdown_is_rendered_and_sanitised():
    out = commentary.to_html(
        "# Title\n\nSome **bold** and [a link](https://example.org) and [bad](javascript:alert(1)).\n\n"
        '<script>alert("x")</script>\n\n<p onclick="steal()" style="color:red">para</p>\n\n'
        '<img src="x.png" onerror="steal()" alt="pic">\n\n<iframe src="https://evil.example"></iframe>\n\n'
        "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h3>Title</h3>" in out  # moved under the section's h2
    assert "<strong>bold</strong>" in out and 'href="https://example.org"' in out
    lowered = out.lower()
    for banned in ("<script", 'alert("x")', "onclick", "onerror", 'href="javascript:', "style=", "<iframe"):
        assert banned not in lowered, banned  # (markdown-it leaves the javascript: link as plain text)
    assert "<table>" in out and "<td>1</td>" in out
    assert 'alt="pic"' in out


def test_heading_levels_move_down_and_stop_at_h6():
    out = commentary.to_html("# one\n\n## two\n\n##### five\n")
    assert re.findall(r"<h(\d)>", out) == ["3", "4", "6"]


def _notebook():
    nb = nbformat.v4.new_notebook()
    footer = nbformat.v4.new_code_cell("")
    footer.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<section class="hi-provenance"><table data-hi-table="provenance"></table></section>'})]
    nb.cells = [nbformat.v4.new_markdown_cell("## Results\n\nFigures."),
                nbformat.v4.new_markdown_cell("### Method notes"),
                nbformat.v4.new_markdown_cell("Notes text."),
                nbformat.v4.new_markdown_cell("## Map"),
                footer]
    return nb


def _texts(nb):
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            out.append(cell.source)
        else:
            out.append("".join(o.get("data", {}).get("text/html", "") for o in cell.outputs))
    return out


def test_insert_places_main_before_the_footer_and_slots_at_the_end_of_their_sections():
    found = commentary.parse("Overall view.\n<!-- slot: method notes -->\nMethod remark.\n"
                             "<!-- slot: Results -->\nResult remark.\n<!-- slot: map -->\nMap remark.\n")
    nb = commentary.insert(_notebook(), found)
    texts = _texts(nb)
    pos = {key: next(i for i, t in enumerate(texts) if key in t) for key in
           ("## Results", "### Method notes", "Notes text.", "Method remark", "Result remark", "## Map",
            "Map remark", "## Commentary", "Overall view", "hi-provenance")}
    # the h3 "Method notes" ends where "## Map" starts, and so does the h2 "Results" around it
    assert pos["Notes text."] < pos["Method remark"] < pos["## Map"]
    assert pos["Method remark"] < pos["Result remark"] < pos["## Map"] or \
        pos["Result remark"] < pos["Method remark"] < pos["## Map"]
    # the last section ends at the provenance footer, then comes the Commentary section
    assert pos["## Map"] < pos["Map remark"] < pos["## Commentary"] < pos["Overall view"] < pos["hi-provenance"]
    assert len(nb.cells) == len(_notebook().cells) + 5


def test_unknown_slot_names_the_sections():
    with pytest.raises(RenderError, match=r"'nowhere' name no section.*map, method-notes, results"):
        commentary.insert(_notebook(), commentary.parse("<!-- slot: nowhere -->\ntext\n", "c.md"))


def test_commentary_reaches_the_page_and_its_contents(folder):
    write(folder, "fixture", "dover", "An **author's** view.\n<!-- slot: Results -->\nOn the results.\n")
    nb = nbformat.read(str(FIXTURES / "chapters" / "fixture.ipynb"), as_version=4)
    page = export.export_html(nb, parameters={"area": "Dover"}, chapter="fixture",
                              commentary=commentary.read("fixture", "dover"))
    assert '<h2 id="Commentary">' in page and "An <strong>author's</strong> view." in page
    assert page.index("On the results.") < page.index('<h2 id="Commentary">')
    assert 'href="#Commentary"' in page  # listed in the contents
    plain = export.export_html(nb, parameters={"area": "Dover"}, chapter="fixture")
    body = plain[plain.index("<body"):]
    assert "Commentary" not in body and 'class="hi-commentary"' not in body  # no file: nothing, no placeholder


def test_commentary_is_part_of_the_cache_key(folder):
    notebook = FIXTURES / "chapters" / "fixture.ipynb"

    def key():
        return cache.chapter_hash(notebook, {"area": "Dover"}, kernel="k", threshold=5,
                                  commentary=commentary.fingerprint("fixture", "dover"))["hash"]

    none = key()
    assert commentary.fingerprint("fixture", "dover") == "none"
    write(folder, "fixture", "dover", "First words.")
    first = key()
    write(folder, "fixture", "dover", "Second words.")
    assert len({none, first, key()}) == 3
