"""CSV downloads: each data table's CSV is the table the page shows (headers, rows, rounding, suppression)."""

from __future__ import annotations

import csv
import io

import nbformat
import pandas as pd
import pytest

from healthintel import tables
from healthintel.render import downloads, export
from healthintel.render.guard import html_tables

from .conftest import FIXTURES


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def styled():
    frame = pd.DataFrame({"District": ["Ashford", "Dover", "Thanet"], "Children": [1234, 3, 40],
                          "Obese": [150.0, 2.0, 9.0], "Share": [0.1215, 0.6667, 0.225],
                          "Prevalence (%)": [12.155, 66.67, 22.5]})
    return tables.table(frame, caption="Obesity by district, 2023/24", counts=["Children"],
                        derived=["Obese", "Prevalence (%)"],
                        formats={"Share": "{:.1%}", "Prevalence (%)": "{:.1f}", "Obese": "{:,.0f}"}).to_html()


def test_csv_is_the_displayed_table(styled):
    found = downloads.table_download(styled, set())
    assert found.name == "obesity-by-district-2023-24" and found.caption == "Obesity by district, 2023/24"
    assert found.rows == 3
    rows = _rows(found.text)
    assert rows[0] == ["District", "Children", "Obese", "Share (%)", "Prevalence (%)"]
    # thousands separators dropped, the page's rounding kept; Dover's 3 children are suppressed with the row's
    # derived statistics, exactly as on the page (c), its share stays (not declared derived)
    assert rows[1] == ["Ashford", "1234", "150", "12.2", "12.2"]
    assert rows[2] == ["Dover", "c", "c", "66.7", "c"]
    assert rows[3] == ["Thanet", "40", "9", "22.5", "22.5"]
    page = html_tables(styled)[0]
    assert [r[0] for r in page.rows] == [r[0] for r in rows[1:]] and len(page.header) == len(rows[0])


def test_missing_values_are_empty_and_minus_signs_plain():
    frame = pd.DataFrame({"Measure": ["Gap", "SII"], "Value": [-8.04, None]})
    text = tables.table(frame, caption="Gap", formats={"Value": lambda v: f"{v:.1f}".replace("-", "\u2212")}).to_html()
    rows = _rows(downloads.table_download(text, set()).text)
    assert rows[1:] == [["Gap", "-8.0"], ["SII", ""]]


def test_names_are_unique_short_and_can_be_given():
    taken: set[str] = set()
    long_caption = "A very long caption " * 10
    first = downloads.table_download(tables.table(pd.DataFrame({"a": [1]}), caption=long_caption).to_html(), taken)
    second = downloads.table_download(tables.table(pd.DataFrame({"a": [2]}), caption=long_caption).to_html(), taken)
    assert len(first.name) <= downloads.MAX_NAME and second.name == first.name + "-2"
    named = tables.table(pd.DataFrame({"a": [1]}), caption="x").set_table_attributes(
        'class="hi-table" data-hi-table="table" data-hi-download="LE by sex"').to_html()
    assert downloads.table_download(named, taken).name == "le-by-sex"


def test_links_follow_each_data_table_and_not_the_provenance_table(styled):
    footer = tables.provenance_footer(["imd2019_index"])._repr_html_()
    text, found = downloads.add_links(styled + footer, "kent", set())
    assert len(found) == 1
    link = 'href="kent/obesity-by-district-2023-24.csv"'
    assert text.count("Download CSV") == 1 and link in text
    assert text.index("</table>") < text.index(link) < text.index("hi-provenance")
    assert "of the table: Obesity by district, 2023/24" in text  # the link's accessible name says which table


def test_write_html_puts_the_csvs_beside_the_report_and_replaces_old_ones(tmp_path):
    nb = nbformat.read(str(FIXTURES / "chapters" / "fixture.ipynb"), as_version=4)
    frame = pd.DataFrame({"quintile": [1, 2, 3], "people": [0, 2, 40], "value": [3, 4, 5]})
    table_html = tables.table(frame, caption="Value by quintile", counts=["people"], derived=["value"]).to_html()
    nb.cells[4].outputs = [nbformat.v4.new_output("display_data", data={"text/html": table_html})]
    html_path = tmp_path / "fixture" / "dover.html"
    stale = tmp_path / "fixture" / "dover" / "old-table.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("old\n")
    export.write_html(nb, html_path, parameters={"area": "Dover"}, chapter="fixture")
    files = sorted(p.name for p in (tmp_path / "fixture" / "dover").iterdir())
    assert files == ["value-by-quintile.csv"]
    assert _rows((tmp_path / "fixture" / "dover" / "value-by-quintile.csv").read_text()) == [
        ["quintile", "people", "value"], ["1", "0", "3.000000"], ["2", "c", "c"], ["3", "40", "5.000000"]]  # as shown
    assert 'href="dover/value-by-quintile.csv"' in html_path.read_text()
    export.remove_downloads(html_path)
    assert not (tmp_path / "fixture" / "dover").exists()
