"""Charts a reviewer can read (issue 16, item 5): what each chart draws, checked from its artists, not pixels.

- the gap bracket carries the sign of the difference the chapter's text uses (least − most for life expectancy);
- life expectancy is drawn as points on an axis that starts near the data, not as bars from 0;
- every coloured marker has a colour key (trend markers, the deprivation scale) and every sequential scale says
  that darker is worse (or more deprived);
- a missing period is a gap (spaced by time, the line broken, the tick labelled "(no data)");
- legends are rounded; the SII of a percentage is in percentage points;
- charts are embedded as PNGs at twice their CSS size with width/height attributes (crisp at every width).
"""

from __future__ import annotations

import base64
import re
import struct

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from healthintel import charts, stats
from healthintel.charts.base import PALETTE, PIXEL_RATIO
from healthintel.charts.trends import broken_line, period_positions


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def _bars(ax) -> list:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c]


# ---------------------------------------------------------------------------------------------- the gap's sign
@pytest.mark.parametrize(("direction", "words", "expected"), [("most - least", "most − least", -9.0),
                                                              ("least - most", "least − most", 9.0)])
def test_gap_label_has_the_sign_of_the_difference_it_names(decile_frame, direction, words, expected):
    chart = charts.deprivation_gradient(decile_frame, unit="years", value_label="Life expectancy", gap=direction)
    label = [t for t in chart.figure.axes[0].texts if t.get_gid() == "gap"][0].get_text()
    most, least = decile_frame.sort_values("quantile")["value"].iloc[[0, -1]]
    difference = most - least if direction == "most - least" else least - most  # computed here, not by the chart
    assert difference == pytest.approx(expected)
    sign = "+" if difference > 0 else ""
    assert label == f"Gap ({words} deprived): {sign}{difference:.1f} years"
    assert label in chart.alt


def test_gap_and_style_must_be_known(decile_frame):
    from healthintel.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="gap must be one of"):
        charts.deprivation_gradient(decile_frame, gap="10 - 1")
    with pytest.raises(InvalidInputError, match="style must be one of"):
        charts.deprivation_gradient(decile_frame, style="pie")


# ----------------------------------------------------------------------------------- points on an axis near data
def test_life_expectancy_gradient_is_points_on_an_axis_near_the_data(decile_frame):
    chart = charts.deprivation_gradient(decile_frame, unit="years", value_label="Life expectancy", style="point",
                                        gap="least - most")
    ax = chart.figure.axes[0]
    assert not _bars(ax)
    points = [c for c in ax.collections if c.get_gid() == "quantile-points"][0]
    assert list(points.get_offsets()[:, 1]) == pytest.approx(list(decile_frame["value"]))
    bottom, top = ax.get_ylim()
    low, high = decile_frame["lower_ci"].min(), decile_frame["upper_ci"].max()
    assert low - (high - low) * 0.5 < bottom < low  # starts just below the lowest CI limit, not at 0
    assert top > high
    # the 9-year difference spans most of the axis, not a few pixels of an 85-year bar
    assert (decile_frame["value"].max() - decile_frame["value"].min()) / (top - bottom) > 0.5
    assert chart.alt.startswith("Dot chart of")


def test_bars_still_start_at_zero(quintile_frame):
    ax = charts.deprivation_gradient(quintile_frame, unit="%").figure.axes[0]
    assert len(_bars(ax)) == 5 and ax.get_ylim()[0] == 0


def test_compare_areas_points_start_near_the_data():
    data = pd.DataFrame({"area_name": ["Ashford", "Dover", "Thanet"], "value": [80.4, 78.9, 77.8],
                         "lower_ci": [79.8, 78.2, 77.1], "upper_ci": [81.0, 79.6, 78.5],
                         "benchmark": ["Better", "Similar", "Worse"]})
    chart = charts.compare_areas(data, comparator=79.5, top_areas=(), unit="years", style="point")
    ax = chart.figure.axes[0]
    assert not _bars(ax)
    points = [c for c in ax.collections if c.get_gid() == "area-points"][0]
    assert sorted(points.get_offsets()[:, 0]) == pytest.approx(sorted(data["value"]))
    left, right = ax.get_xlim()
    assert 70 < left < data["lower_ci"].min() and right > data["upper_ci"].max()
    fills = {to_hex(c) for c in points.get_facecolors()}
    assert fills == {PALETTE["better"].lower(), PALETTE["similar"].lower(), PALETTE["worse"].lower()}
    assert {"Better", "Similar", "Worse", "England: 79.5"} <= set(_legend_texts(ax))
    assert chart.alt.startswith("Dot chart of")


# ------------------------------------------------------------------------------------------------- colour keys
def _series(periods, benchmark):
    value = np.linspace(18.0, 21.0, len(periods))
    return pd.DataFrame({"period": periods, "value": value, "lower_ci": value - 0.5, "upper_ci": value + 0.5,
                         "benchmark": benchmark})


def test_trend_markers_have_a_colour_key():
    data = _series(["2019", "2020", "2021", "2022"], ["Better", "Similar", "Worse", None])
    chart = charts.trend(data, comparator=data[["period"]].assign(value=20.0), area_name="Kent", unit="%",
                         comparator_name="England (real, Fingertips)")
    ax = chart.figure.axes[0]
    legend = ax.get_legend()
    texts = _legend_texts(ax)
    assert texts == ["Kent", "England (real, Fingertips)", "Better than England", "Similar to England",
                     "Worse than England", "Not compared"]
    markers = {t.get_text(): to_hex(h.get_markerfacecolor()) for t, h in zip(legend.get_texts(),
                                                                            legend.legend_handles)
               if t.get_text() not in ("Kent", "England (real, Fingertips)")}
    points = ax.collections[-1]
    assert set(markers.values()) == {to_hex(c) for c in points.get_facecolors()}  # the key is the points' colours
    assert markers["Better than England"] == PALETTE["better"].lower()
    assert markers["Worse than England"] == PALETTE["worse"].lower()
    assert "key under the chart" in chart.alt


def test_only_the_labels_present_are_keyed():
    chart = charts.trend(_series(["2019", "2020"], ["Better", "Better"]))
    assert [t for t in _legend_texts(chart.figure.axes[0]) if "England" in t or "compared" in t] == [
        "Better than England"]


def test_deprivation_colours_are_keyed_darker_more_deprived(quintile_frame, decile_frame):
    ax = charts.deprivation_gradient(quintile_frame, unit="%").figure.axes[0]
    assert "Darker = more deprived" in _legend_texts(ax)
    darkest = charts.deprivation_colours(5)[0]
    assert to_hex(sorted(_bars(ax), key=lambda p: p.get_x())[0].get_facecolor()) == to_hex(darkest)
    sii = stats.slope_index_of_inequality(decile_frame, "quantile", "population", value="value",
                                          lower_ci="lower_ci", upper_ci="upper_ci", repetitions=1000, seed=1)
    sii_ax = charts.sii_chart(decile_frame, sii, unit="years").figure.axes[0]
    assert any("darker = more deprived" in t for t in _legend_texts(sii_ax))


def test_benchmark_filled_gradient_keeps_its_fingertips_key(quintile_frame):
    framed = quintile_frame.assign(benchmark=["Similar", "Worse", "Worse", "Better", "Better"])
    texts = _legend_texts(charts.deprivation_gradient(framed, benchmark="benchmark").figure.axes[0])
    assert texts == ["Better", "Similar", "Worse"]


@pytest.mark.parametrize(("polarity", "note", "darkest_name"), [("low_is_good", "Darker = higher\n(worse)", "South"),
                                                                ("high_is_good", "Darker = lower\n(worse)", "North"),
                                                                (None, "Darker = lower", "North")])
def test_maps_are_darker_at_the_worse_end_and_say_so(squares, polarity, note, darkest_name):
    chart = charts.choropleth(squares, label_col="lad_name", value_label="Obesity", unit="%", polarity=polarity)
    ax, bar = chart.figure.axes
    fills = dict(zip(squares["lad_name"], (to_hex(c) for c in ax.collections[0].get_facecolors())))
    viridis = matplotlib.colormaps["viridis"]
    assert fills[darkest_name] == to_hex(viridis(0.0))  # viridis' dark end
    assert bar.get_title(loc="left") == note
    assert note.replace("\n", " ").lower() in chart.alt.lower()


def test_diverging_maps_state_no_darker_note(squares):
    chart = charts.choropleth(squares, centre=20.0, polarity="low_is_good")
    assert chart.figure.axes[1].get_title(loc="left") == ""


def test_deprivation_map_legend_says_darker_is_more_deprived(squares):
    chart = charts.deprivation_map(squares.assign(decile=[1, 5, 10, 10]), "decile", "Test")
    legend = chart.figure.axes[0].get_legend()
    assert legend.get_title().get_text() == "Decile\n(darker = more deprived)"
    first = legend.legend_handles[0]
    assert to_hex(first.get_facecolor()) == to_hex(charts.deprivation_colours(10)[0])


# -------------------------------------------------------------------------------------------- missing periods
NCMP_YEARS = ["2016/17", "2017/18", "2018/19", "2019/20", "2021/22", "2022/23", "2023/24"]


def test_a_missing_academic_year_is_a_labelled_gap():
    data = _series(NCMP_YEARS, ["Better"] * 7)
    chart = charts.trend(data, comparator=data[["period"]].assign(value=20.0), unit="%")
    ax = chart.figure.axes[0]
    points = ax.collections[-1].get_offsets()[:, 0]
    assert list(points) == [0, 1, 2, 3, 5, 6, 7]  # 2021/22 is two steps after 2019/20
    ticks = {t.get_text(): x for t, x in zip(ax.get_xticklabels(), ax.get_xticks())}
    assert ticks["2020/21\n(no data)"] == 4
    missing = [t for t in ax.get_xticklabels() if t.get_gid() == "missing-period"]
    assert len(missing) == 1 and to_hex(missing[0].get_color()) != to_hex(PALETTE["text"])
    named = [line for line in ax.lines if line.get_label() in ("Area", "England")]
    assert len(named) == 2
    for line in named:  # the area's line and England's both break at the gap
        y = np.asarray(line.get_ydata(), dtype=float)
        assert len(y) == 8 and np.isnan(y[4]) and not np.isnan(np.delete(y, 4)).any()
    assert "No value for 2020/21 (a gap in the line)" in chart.alt


def test_evenly_spaced_series_have_no_gap():
    ax = charts.trend(_series(["2015-17", "2016-18", "2017-19"], ["Similar"] * 3)).figure.axes[0]
    assert list(ax.collections[-1].get_offsets()[:, 0]) == [0, 1, 2]
    assert not [t for t in ax.get_xticklabels() if t.get_gid() == "missing-period"]


@pytest.mark.parametrize(("labels", "starts", "positions", "missing"), [
    (["2016/17", "2019/20", "2021/22"], [2016, 2019, 2021], [0, 3, 5],
     [(1, "2017/18"), (2, "2018/19"), (4, "2020/21")]),
    (["2015-17", "2017-19"], [2015, 2017], [0, 2], [(1, "2016-18")]),
    (["2019", "2021"], [2019, 2021], [0, 2], [(1, "2020")]),
    (["2023/24 Q1", "2023/24 Q3"], [2023.0, 2023.5], [0, 2], [(1, "")]),
    (["2012", "2015", "2018", "2021"], [2012, 2015, 2018, 2021], [0, 1, 2, 3], []),  # sparse: its own interval
    (["2011", "2021"], [2011, 2021], [0, 1], []),  # census years: nothing is missing
    (["2019", "2020.5"], [2019.0, 2020.7], [0, 1], []),  # not whole steps: evenly spaced
])
def test_period_positions(labels, starts, positions, missing):
    pos, gaps = period_positions(np.asarray(starts, dtype=float), labels[0])
    assert list(pos) == positions and gaps == missing


def test_broken_line_inserts_a_break_at_a_missing_step():
    x, y = broken_line([2016, 2017, 2018, 2019, 2021, 2022], [1, 2, 3, 4, 5, 6])
    assert list(x[:4]) == [2016, 2017, 2018, 2019] and np.isnan(x[4]) and np.isnan(y[4]) and list(x[5:]) == [2021,
                                                                                                             2022]


def test_gap_trajectory_breaks_at_the_missing_year_and_names_it():
    gaps = pd.DataFrame({"academic_year": NCMP_YEARS, "value": [11.8, 11.3, 11.6, 12.5, 12.9, 13.1, 12.1]})
    gaps["lower_ci"], gaps["upper_ci"] = gaps["value"] - 2, gaps["value"] + 2
    chart = charts.gap_trajectory(gaps, baseline=("2021/22", 13.2), goal=("2027/28", 10.0), area_name="Kent")
    ax = chart.figure.axes[0]
    area = [line for line in ax.lines if line.get_label() == "Kent"][0]
    assert np.isnan(np.asarray(area.get_xdata(), dtype=float)).sum() == 1
    assert "2020/21\n(no data)" in [t.get_text() for t in ax.get_xticklabels()]


# ---------------------------------------------------------------------------------------- rounding and units
def test_target_legend_and_alt_are_rounded():
    data = pd.DataFrame({"period": ["2018-20", "2019-21", "2020-22"], "value": [79.1, 79.0, 79.3]})
    chart = charts.target_trajectory(data, baseline=("2018-20", 79.40812), goal=("2026-28", 80.9081), unit="years")
    texts = _legend_texts(chart.figure.axes[0])
    assert "Required trajectory to 80.9 by 2026-28" in texts
    assert "80.9081" not in " ".join(texts) + chart.alt and "79.4 (2018-20)" in chart.alt


def test_gap_trajectory_legend_is_rounded():
    gaps = pd.DataFrame({"academic_year": ["2021/22", "2022/23"], "value": [13.0, 12.0]})
    chart = charts.gap_trajectory(gaps, baseline=("2021/22", 13.2345), goal=("2027/28", 10))
    assert "Required trajectory: 13.2 (2021/22) to 10.0 (2027/28)" in _legend_texts(chart.figure.axes[0])


def test_sii_of_a_percentage_is_in_percentage_points(quintile_frame):
    frame = quintile_frame.assign(population=1000)
    sii = pd.DataFrame({"sii": [12.3], "sii_lower_ci": [10.3], "sii_upper_ci": [14.3]})
    chart = charts.sii_chart(frame, sii, unit="%", value_label="Obesity")
    label = [t for t in chart.figure.axes[0].texts if t.get_gid() == "sii-label"][0].get_text()
    assert label == "SII = 12.3 percentage points (95% CI 10.3 to 14.3)"
    assert "12.3%" not in chart.alt


def test_long_titles_are_wrapped_to_the_figure(decile_frame):
    title = "Life expectancy at birth by local deprivation decile, females, 2022-24 (synthetic data)"
    chart = charts.deprivation_gradient(decile_frame, title=title, style="point")
    shown = chart.figure.axes[0].get_title(loc="left")
    assert "\n" in shown and shown.replace("\n", " ") == title and chart.title == title


# ---------------------------------------------------------------------------------------------- crisp images
def test_charts_are_embedded_at_twice_their_css_size(quintile_frame):
    chart = charts.deprivation_gradient(quintile_frame, unit="%")
    page = chart._repr_html_()
    data = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    width, height = struct.unpack(">II", data[16:24])
    css_w = int(re.search(r'width="(\d+)"', page).group(1))
    css_h = int(re.search(r'height="(\d+)"', page).group(1))
    assert PIXEL_RATIO == 2 and abs(width - 2 * css_w) <= 1 and abs(height - 2 * css_h) <= 1
    assert 500 < css_w < 1200  # the figure's inches at 130 CSS px per inch (7 in plus its legend)
    # the same chart at 1x is half as wide: the embedded PNG really has twice the pixels
    one = chart.png()
    assert abs(struct.unpack(">II", one[16:24])[0] * 2 - width) <= 2
