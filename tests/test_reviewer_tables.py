"""Every chapter's tables and figures as a reviewer reads them (issue 16, items 4 and 5), built in-process.

Each chapter is built with its notebook's default area and every call the notebook makes (``ch.<method>()``)
is made here, so a table or chart added to a notebook is checked too: no column header is a code name, districts
are in name order, numbers carry their unit, the life-expectancy gap is signed as the text gives it, a one-district
area gets a value statement instead of a map, and the wording fixes hold. The rendered pages are checked in a
browser by ``tests/render/test_reviewer_pages.py`` (slow).
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from healthintel import chapters, config, tables
from healthintel.charts.base import Chart

#: A header that reads like a column name in code: lower-case letters, digits and underscores only
#: ("sex", "lower_ci", "deaths_used", "le_age").
CODE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def code_like(header: str) -> bool:
    return bool(CODE_NAME.match(header.strip()))


class _Headers(HTMLParser):
    """Column headers (``<th>`` text) of every table in a page fragment, and the body rows' cells."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._section = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"headers": [], "rows": [], "attrs": dict(attrs)})
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            key = "headers" if self._section == "thead" else "rows"
            if key == "headers":
                self.tables[-1]["headers"] = self._row  # the last header row names the columns
            else:
                self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_tables(page: str) -> list[dict]:
    parser = _Headers()
    parser.feed(page)
    return parser.tables


def notebook_calls(chapter: str) -> list[str]:
    """The methods the chapter's notebook calls on ``ch`` without arguments, in order."""
    nb = json.loads((config.notebooks_dir() / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return list(dict.fromkeys(re.findall(r"\bch\.(\w+)\(\)", code)))


def shown(obj) -> list:
    """What a call displays, flattened (a method may return a list of tables, charts or callouts)."""
    return [x for item in obj for x in shown(item)] if isinstance(obj, list | tuple) else [obj]


def html_of(obj) -> str:
    if hasattr(obj, "to_html"):
        return obj.to_html()
    return obj._repr_html_() if hasattr(obj, "_repr_html_") else ""


BUILDS = {
    "deprivation_profile": lambda: chapters.deprivation_profile.build(),
    "life_expectancy": lambda: chapters.life_expectancy.build(repetitions=1000),
    "child_obesity": lambda: chapters.child_obesity.build(sii_repetitions=2000),
    "outcomes_tracker": lambda: chapters.outcomes_tracker.build(),
    "kpi_dashboard": lambda: chapters.kpi_dashboard.build(),
}


@pytest.fixture(scope="module")
def built():
    """Each default chapter and what its notebook displays: {chapter: (ch, [(method, object), ...])}."""
    import warnings

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, build in BUILDS.items():
            ch = build()
            out[name] = (ch, [(m, x) for m in notebook_calls(name) for x in shown(getattr(ch, m)())])
    return out


# ------------------------------------------------------------------------------------------------ item 4: tables
def test_the_code_name_check_catches_code_names():
    assert all(code_like(h) for h in ("sex", "le_age", "lower_ci", "deaths_used", "suppression_reason",
                                      "baseline_value", "progress", "value", "benchmark", "area_name"))
    assert not any(code_like(h) for h in ("Sex", "Lower 95% CI", "Deaths", "Progress", "2016/17", "Obesity %",
                                          "Life expectancy at", "KPI"))


@pytest.mark.parametrize("chapter", sorted(BUILDS))
def test_no_table_header_is_a_code_name(built, chapter):
    _, outputs = built[chapter]
    seen = 0
    for method, obj in outputs:
        for table in parse_tables(html_of(obj)):
            seen += 1
            bad = [h for h in table["headers"] if code_like(h)]
            assert not bad, f"{chapter}.{method}: code-name headers {bad} in {table['headers']}"
            assert all(h.strip() for h in table["headers"]), f"{chapter}.{method}: empty header"
    assert seen >= (1 if chapter == "kpi_dashboard" else 2), (chapter, seen)


def test_life_expectancy_tables_are_to_one_decimal_with_human_age_labels(built):
    ch, _ = built["life_expectancy"]
    headline = parse_tables(ch.headline_table().to_html())[0]
    assert headline["headers"][:5] == ["Sex", "Life expectancy at", "Life expectancy (years)", "Lower 95% CI",
                                       "Upper 95% CI"]
    male_birth = next(r for r in headline["rows"] if r[0] == "Male" and r[1] == "birth")
    assert male_birth[2] == f"{ch.value('Male'):.1f}"
    assert {r[1] for r in headline["rows"]} == {"birth", "age 65"}
    deciles = parse_tables(ch.decile_table().to_html())[0]
    assert "Deaths" in deciles["headers"] and "Not shown because" in deciles["headers"]
    population = deciles["headers"].index("Population (person-years)")
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", r[population]) for r in deciles["rows"])
    targets = parse_tables(ch.targets_table().to_html())[0]
    assert targets["headers"][0] == "Target" and "Progress" in targets["headers"]
    assert targets["headers"][-1] == "Chance of meeting the goal"  # the projection columns (issue 18) follow
    for row in targets["rows"]:
        for cell in row[2:3] + row[6:8]:
            assert cell == "–" or re.fullmatch(r"\d+\.\d", cell), row  # years to one decimal, not 80.9081


def _names(table: dict, column: str = "District") -> list[str]:
    i = table["headers"].index(column)
    return [r[i] for r in table["rows"]]


def _in_name_order(names: list[str]) -> bool:
    keys = [n.casefold() for n in names]
    return keys == sorted(keys)


def test_districts_are_in_name_order(built):
    le_ch, _ = built["life_expectancy"]
    le_names = _names(parse_tables(le_ch.district_table().to_html())[0])
    assert len(set(le_names)) == 12 and _in_name_order(le_names)  # Kent's 12 districts, each sex and age
    assert le_names.index("Folkestone and Hythe") < le_names.index("Gravesham")  # GSS order puts it after Swale
    ob_ch, _ = built["child_obesity"]
    ob_names = _names(parse_tables(ob_ch.district_table().to_html())[0])
    assert len(ob_names) == 13 and _in_name_order(ob_names) and "Medway" in ob_names  # Kent and Medway


def test_kpi_targets_are_in_the_unit_of_their_values(built):
    ch, _ = built["kpi_dashboard"]
    table = parse_tables(ch.dashboard_table().to_html())[0]
    target = table["headers"].index("Latest target")
    latest = target - 1
    for row in table["rows"]:
        percent_values = row[latest].split(" (")[0].endswith("%")
        assert row[target] == "–" or row[target].endswith("%") == percent_values, row
    ph03 = next(r for r in table["rows"] if r[0] == "PH03")
    kpis = ch.kpis[(ch.kpis["kpi_id"] == "PH03")]
    assert ph03[target] == f"{kpis['target'].iloc[-1]:g}%" == "25%"
    assert all(r[target + 1].split(" ", 1)[0] in "↑↓↔–" and " " in r[target + 1] for r in table["rows"])


def test_tracker_values_carry_their_unit_and_precision(built):
    ch, _ = built["outcomes_tracker"]
    table = parse_tables(ch.indicator_table().to_html())[0]
    value, unit = table["headers"].index("Value"), table["headers"].index("Unit")
    for row in table["rows"]:
        if row[unit] == "rank":
            assert re.fullmatch(r"[\d,]+", row[value]), row
        elif row[unit] == "ratio":
            assert re.fullmatch(r"\d+\.\d\d", row[value]), row
        elif row[value] != "–":
            assert re.fullmatch(r"[\d,]+\.\d", row[value]), row


def test_deprivation_headline_gives_counts_with_their_shares(built):
    ch, _ = built["deprivation_profile"]
    lsoas = ch.profile.lsoas
    n = len(lsoas)
    decile, quintile = int((lsoas["imd_decile"] == 1).sum()), int((lsoas["imd_quintile"] == 1).sum())
    text = ch.summary_markdown()
    assert (f"most deprived 10%: **{decile:,}** ({100 * decile / n:.1f}% of the area's LSOAs); in the most deprived "
            f"20%: **{quintile:,}** ({100 * quintile / n:.1f}%)") in text


# ------------------------------------------------------------------------------------------------ item 5: charts
def _charts(outputs) -> list[tuple[str, Chart]]:
    return [(m, x) for m, x in outputs if isinstance(x, Chart)]


def test_every_chart_is_embedded_at_twice_its_css_size(built):
    for chapter, (_, outputs) in built.items():
        for method, chart in _charts(outputs)[:3]:
            page = chart._repr_html_()
            css = int(re.search(r'width="(\d+)"', page).group(1))
            import base64
            import struct

            png = base64.b64decode(re.search(r"base64,([^\"]+)", page).group(1))
            assert abs(struct.unpack(">II", png[16:24])[0] - 2 * css) <= 1, (chapter, method)


def test_life_expectancy_gap_on_the_chart_is_the_gap_in_the_text_and_table(built):
    ch, _ = built["life_expectancy"]
    gap_rows = parse_tables(ch.gap_sii_table().to_html())[0]["rows"]
    for sex, chart in zip(ch.sexes, ch.decile_charts()):
        label = [t for t in chart.figure.axes[0].texts if t.get_gid() == "gap"][0].get_text()
        table = next(r for r in gap_rows if r[0].startswith("Gap") and r[1] == sex and r[2] == "birth")
        d = ch.deciles[(ch.deciles["sex"] == sex) & (ch.deciles["le_age"] == 0)].sort_values("decile")
        least_minus_most = float(d["value"].iloc[-1] - d["value"].iloc[0])  # computed here from the deciles
        assert least_minus_most > 0
        assert label == f"Gap (least − most deprived): +{least_minus_most:.1f} years"
        assert table[3] == f"{least_minus_most:.1f}"
        assert f"most and least deprived local decile {least_minus_most:.1f} years" in ch.summary_markdown()
        ax = chart.figure.axes[0]
        assert ax.get_ylim()[0] > 0.8 * d["lower_ci"].min()  # points near the data, not bars from 0


def test_life_expectancy_single_district_area_states_its_value(built):
    ch, _ = built["life_expectancy"]
    one = dataclasses.replace(ch, districts=ch.districts[ch.districts["area_name"] == "Thanet"])
    statement = one.map()
    assert isinstance(statement, tables.HTML) and "hi-value-statement" in statement.text
    for sex in ch.sexes:
        r = ch.headline[(ch.headline["sex"] == sex) & (ch.headline["le_age"] == 0)].iloc[0]
        assert (f"{sex.lower()}s {r['value']:.1f} years (95% CI {r['lower_ci']:.1f} to {r['upper_ci']:.1f})"
                in statement.text)
    assert isinstance(ch.map(), Chart)  # twelve districts: a map, darker = lower (worse)
    assert ch.map().figure.axes[1].get_title(loc="left") == "Darker = lower\n(worse)"


def test_suppression_reasons_read_as_a_list(built):
    ch, _ = built["life_expectancy"]
    text = ch.suppression_markdown()
    assert ".);" not in text and ".)." not in text
    from healthintel import life_expectancy as le

    for reason, why in le.SUPPRESSION_EXPLAINED.items():
        assert f"- **{reason}**: {why}" in text


def test_trend_markers_are_keyed_in_life_expectancy_and_child_obesity(built):
    for chapter, method in (("life_expectancy", "trend_charts"), ("child_obesity", "trend_chart")):
        ch, _ = built[chapter]
        for chart in shown(getattr(ch, method)()):
            ax = chart.figure.axes[0]
            keyed = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().endswith("England")]
            assert keyed, (chapter, [t.get_text() for t in ax.get_legend().get_texts()])
            colours = {to_hex(c) for c in ax.collections[-1].get_facecolors()}
            assert len(keyed) == len(colours), (chapter, keyed, colours)


def test_child_obesity_trend_shows_the_missing_year_as_a_gap(built):
    ch, _ = built["child_obesity"]
    assert "2020/21" not in ch.academic_years
    ax = ch.trend_chart().figure.axes[0]
    ticks = dict(zip((t.get_text() for t in ax.get_xticklabels()), ax.get_xticks()))
    assert ticks["2021/22"] - ticks["2019/20"] == 2 and "2020/21\n(no data)" in ticks


def test_child_obesity_sii_box_is_in_points_as_the_table(built):
    ch, _ = built["child_obesity"]
    label = [t for t in ch.sii_chart().figure.axes[0].texts if t.get_gid() == "sii-label"][0].get_text()
    s = ch.sii[(ch.sii["measure"] == "obesity") & (ch.sii["academic_year"] == ch.latest())].iloc[0]
    assert label.startswith(f"SII = {s['sii']:.1f} percentage points")
    assert "SII (pp)" in parse_tables(ch.sii_table().to_html())[0]["headers"]


def test_child_obesity_map_is_darker_where_obesity_is_higher(built):
    ch, _ = built["child_obesity"]
    chart = ch.district_map()
    ax, bar = chart.figure.axes
    assert bar.get_title(loc="left") == "Darker = higher\n(worse)"
    d = ch.district_frame()
    fills = [to_hex(c) for c in ax.collections[0].get_facecolors()]
    from healthintel.sources import readers

    order = readers.lad_boundaries().merge(d[["lad_code"]], on="lad_code", how="inner")["lad_code"].tolist()
    values = d.set_index("lad_code").loc[order, "value"].astype(float).to_numpy()
    assert fills[int(np.nanargmax(values))] == to_hex(matplotlib.colormaps["viridis_r"](1.0))  # the dark end
    assert fills[int(np.nanargmin(values))] == to_hex(matplotlib.colormaps["viridis_r"](0.0))
