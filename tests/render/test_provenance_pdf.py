"""The provenance footer (wrapping table, short hash with the full value, credits only for the sources used) and
the PDF pieces that need no browser (templates, missing Chromium, --format)."""

from __future__ import annotations

import html
import re

from typer.testing import CliRunner

from healthintel import tables
from healthintel.cli import app
from healthintel.render import pdf
from healthintel.render.execute import ChapterResult
from healthintel.sources.catalog import dataset


def _footer(ids):
    return tables.provenance_footer(ids)._repr_html_()


def test_a_page_without_ons_or_os_data_credits_neither():
    page = _footer(["fingertips_le_birth_90366", "imd2019_index"])  # OHID and MHCLG only
    assert tables.OGL_CREDIT in page
    assert "Office for National Statistics" not in page and "OS data" not in page


def test_ons_and_os_credits_come_with_the_sources_that_need_them():
    ons = _footer(["population_lsoa11_2019"])
    assert tables.ONS_CREDIT in ons and "OS data" not in ons
    maps = _footer(["boundaries_lad24", "boundaries_lsoa11_kent_medway"])
    assert tables.ONS_CREDIT in maps
    assert "Contains OS data © Crown copyright and database right 2011, 2024." in maps


def test_source_credits_reads_publishers_and_licences():
    assert tables.source_credits(["Kent County Council"], ["CC-BY-4.0"]) == []
    assert tables.source_credits(["Office for National Statistics (ONS)"], ["Open Government Licence v3.0"]) == [
        tables.OGL_CREDIT, tables.ONS_CREDIT]


def test_hash_is_short_with_the_full_value_on_hover_and_one_click_away():
    full = dataset("imd2019_index").sha256
    page = _footer(["imd2019_index"])
    assert f'title="SHA-256 {full}"' in page  # hover
    assert f"<code>{full}</code>" in page and f"{full[:12]}…" in page  # the whole value inside <details>
    assert re.search(r"<details class=\"hi-hash\"><summary", page)


def test_provenance_table_wraps_and_labels_its_cells():
    page = _footer(["imd2019_index"])
    assert 'class="hi-table hi-provenance-table"' in page
    assert '<td data-label="Official URL"><a href="https://www.gov.uk/' in page
    assert page.count("<tr>") == 2 and page.count('<th scope="col">') == 7


def test_running_header_and_footer_templates():
    header = pdf.header_template("Child <obesity>", "Kent and Medway", "2023/24")
    assert "Child &lt;obesity&gt;" in header and "Kent and Medway · 2023/24" in header
    footer = pdf.footer_template()
    assert '<span class="pageNumber"></span>' in footer and '<span class="totalPages"></span>' in footer


def test_missing_chromium_is_a_pdf_error_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.setattr(pdf, "DEBIAN_CHROMIUM", str(tmp_path / "also-missing"))
    page = tmp_path / "kent.html"
    page.write_text("<html><body>x</body></html>")
    result = ChapterResult(chapter="fixture", slug="kent", parameters={"area": "Kent"}, status="ok",
                           html_path=page, notebook_path=None)
    failed = ChapterResult(chapter="fixture", slug="dover", parameters={}, status="failed", html_path=None,
                           notebook_path=None)
    assert pdf.print_reports([result, failed]) == [result]
    assert "PDF export needs Chromium" in (result.pdf_error or "") and result.pdf_path is None
    assert failed.pdf_error is None  # nothing to print for a failed report


def test_an_existing_pdf_is_not_printed_again(tmp_path):
    page = tmp_path / "kent.html"
    page.write_text("<html></html>")
    page.with_suffix(".pdf").write_bytes(b"%PDF-1.4")
    result = ChapterResult(chapter="fixture", slug="kent", parameters={}, status="skipped", html_path=page,
                           notebook_path=None)
    assert pdf.print_reports([result]) == [] and result.pdf_path == page.with_suffix(".pdf")


def test_render_refuses_an_unknown_format(no_kernel):
    out = CliRunner().invoke(app, ["render", "--chapter", "fixture", "--format", "docx"])
    assert out.exit_code == 2 and "html, pdf, both" in html.unescape(out.output)
