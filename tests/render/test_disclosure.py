"""Disclosure control in published reports: tables.table(counts=...) suppresses, and the render guard refuses
any report with a bare table, a small count, a record identifier or a listing-sized table."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from healthintel import disclosure, tables
from healthintel.render import load_series, render_chapter, render_series
from healthintel.render.export import export_html
from healthintel.render.guard import DisclosureError, check_notebook, html_tables

from .conftest import leftovers


def _nb(*htmls: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(x)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": h, "text/plain": "t"}) for h in htmls]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    return nb


COUNTS = pd.DataFrame({"group": ["a", "b", "c", "d"], "children": [0, 3, 12, 1_250], "rate": [0.0, 1.5, 2.25, 9.0]})


def test_rule_text_and_threshold_from_environment(monkeypatch):
    assert disclosure.rule_text(5) == disclosure.RULE and "between 1 and 4" in disclosure.RULE
    assert "between 1 and 9" in disclosure.rule_text(10)
    monkeypatch.setenv(disclosure.THRESHOLD_ENV, "10")
    assert disclosure.threshold() == 10
    monkeypatch.setenv(disclosure.THRESHOLD_ENV, "0")
    with pytest.raises(ValueError, match="integer >= 1"):
        disclosure.threshold()
    monkeypatch.delenv(disclosure.THRESHOLD_ENV)
    assert disclosure.threshold() == 5


def test_table_with_counts_suppresses_and_is_tagged(monkeypatch):
    monkeypatch.delenv(disclosure.THRESHOLD_ENV, raising=False)
    page = tables.table(COUNTS, caption="Children", counts=["children"], derived=["rate"],
                        formats={"rate": "{:.1f}"}).to_html()
    table, = html_tables(page)
    assert table.attrs["data-hi-table"] == "table" and table.attrs["data-hi-threshold"] == "5"
    assert table.header == ["group", "children", "rate"]
    assert table.rows == [["a", "0", "0.0"], ["b", "c", "c"], ["c", "12", "2.2"], ["d", "1,250", "9.0"]]
    check_notebook(_nb(page), threshold=5)  # publishable

    monkeypatch.setenv(disclosure.THRESHOLD_ENV, "20")
    rows = html_tables(tables.table(COUNTS, caption="Children", counts=["children"]).to_html())[0].rows
    assert [r[1] for r in rows] == ["0", "c", "c", "1,250"]


def test_guard_refuses_a_bare_dataframe():
    with pytest.raises(DisclosureError, match=r"not made with healthintel.tables.table\(\)"):
        check_notebook(_nb(COUNTS.to_html()))
    with pytest.raises(DisclosureError, match="not made with"):
        check_notebook(_nb(COUNTS.style.to_html()))


def test_guard_refuses_small_counts_at_the_render_threshold():
    page = tables.table(COUNTS, caption="Children", counts=["children"]).to_html()
    check_notebook(_nb(page), threshold=5)
    with pytest.raises(DisclosureError, match=r"1 count\(s\) in 'children' below the disclosure threshold 20 "
                                              r"\(e.g. '12'\)"):
        check_notebook(_nb(page), threshold=20)


def test_guard_refuses_record_identifiers_and_listings():
    people = pd.DataFrame({"NHS number": ["9434765919"], "age": [4]})
    with pytest.raises(DisclosureError, match="record identifier column"):
        check_notebook(_nb(tables.table(people, caption="x").to_html()))
    listing = tables.table(pd.DataFrame({"x": range(250)}), caption="x").to_html()
    with pytest.raises(DisclosureError, match=r"250 rows \(> max_rows 200\)"):
        check_notebook(_nb(listing))
    check_notebook(_nb(listing), max_rows=300)


def test_guard_ignores_hidden_and_non_table_outputs():
    nb = _nb("<p>No table here</p>")
    nb.cells[1].outputs.append(nbformat.v4.new_output("error", ename="E", evalue="", traceback=[]))
    check_notebook(nb)


def test_footer_states_the_rule():
    page = export_html(_nb(), parameters={"area": "Kent"}, disclosure_threshold=10)
    footer = page[page.index('<footer class="hi-footer">'):]
    assert "Disclosure control." in footer and "Counts between 1 and 9 are suppressed" in footer
    assert "no record-level data is published" in footer
    assert "<script src=" not in page  # self-contained: nothing is fetched from a CDN


def test_series_disclosure_settings(tmp_path):
    path = tmp_path / "series.yaml"
    path.write_text("chapters:\n  fixture: {}\n  failing:\n    disclosure: {threshold: 10}\n"
                    "areas: [Kent]\ndisclosure: {threshold: 7, max_rows: 50}\n", encoding="utf-8")
    fixture, failing = load_series(path)
    assert fixture["disclosure"] == {"threshold": 7, "max_rows": 50}
    assert failing["disclosure"] == {"threshold": 10, "max_rows": 50}
    assert load_series()[0]["disclosure"] == {"threshold": 5, "max_rows": 200}


def test_bad_disclosure_settings_are_refused_before_any_kernel(notebooks, reports, no_kernel):
    from healthintel.errors import RenderError

    with pytest.raises(RenderError, match="disclosure.threshold must be an integer"):
        render_series([{"chapter": "fixture", "parameters": {}, "disclosure": {"threshold": "five"}}],
                      notebooks_dir=notebooks, reports_dir=reports, progress=False)
    with pytest.raises(RenderError, match="unknown key"):
        render_chapter("fixture", {}, notebooks_dir=notebooks, reports_dir=reports, disclosure={"thresh": 5})


@pytest.mark.slow
@pytest.mark.parametrize("mode, message", [
    ("bare", "not made with healthintel.tables.table()"),
    ("identifier", "record identifier column(s) ['nhs_number']"),
    ("long", "300 rows (> max_rows 200)"),
    ("weak", "1 count(s) in 'children' below the disclosure threshold 5 (e.g. '3')"),
])
def test_render_refuses_to_publish(notebooks, reports, mode, message):
    stale = reports / "leaky" / "kent.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<html>old</html>")
    result = render_chapter("leaky", {"mode": mode}, notebooks_dir=notebooks, reports_dir=reports)
    assert result.status == "failed" and result.error.startswith("disclosure: "), result.error
    assert message in result.error
    assert result.html_path is None and not stale.exists()
    assert result.notebook_path.is_file()  # kept for the analyst
    assert not (reports / "leaky" / "kent.hash").exists() and leftovers(reports) == []


@pytest.mark.slow
def test_series_threshold_reaches_the_kernel(notebooks, reports):
    ok, = render_series([{"chapter": "leaky", "parameters": {"mode": "ok"}, "disclosure": {"threshold": 20}}],
                        jobs=1, notebooks_dir=notebooks, reports_dir=reports, progress=False)
    assert ok.status == "ok", ok.error
    page = ok.html_path.read_text(encoding="utf-8")
    table = html_tables(page[page.index("<main"):])[0]
    assert [r[1] for r in table.rows] == ["0", "c", "c"]  # 3 and 12 suppressed at 20
    assert "Counts between 1 and 19 are suppressed" in page
