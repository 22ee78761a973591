"""Structural visual regression: what each chart draws (artists, colours, extents, text), not pixels.

A change of look (a colour, an order, a missing whisker) fails here and has to be a reviewed decision.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.patches import Rectangle

from healthintel import charts, stats
from healthintel.charts.base import BENCHMARK_COLOURS, PALETTE
from healthintel.errors import InvalidInputError

FINGERTIPS = {"Better": "#92d050", "Similar": "#ffc000", "Worse": "#c00000", "Higher": "#bed2ff",
              "Lower": "#5555e6", "Not compared": "#c9c9c9"}


def bars(ax):
    """Every bar drawn with bar()/barh() (missing values give zero-length bars, still counted)."""
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c]


def whisker_segments(ax):
    """Segments of every errorbar's bar lines (sorted), in data coordinates."""
    segs = []
    for coll in ax.collections:
        if isinstance(coll, LineCollection) and not coll.get_gid():
            segs += [np.asarray(s) for s in coll.get_segments()]
    return segs


def hexes(colours):
    return [to_hex(c) for c in colours]


def test_palette_is_fingertips():
    for label, colour in FINGERTIPS.items():
        assert PALETTE[label.lower()].lower() == colour
        assert BENCHMARK_COLOURS[label].lower() == colour
    assert charts.benchmark_colour("WORST").lower() == FINGERTIPS["Worse"]
    assert charts.benchmark_colour(None).lower() == FINGERTIPS["Not compared"]
    assert charts.benchmark_colour(pd.NA).lower() == FINGERTIPS["Not compared"]


# ------------------------------------------------------------------------------------------- compare areas
def test_compare_areas_bars_order_colours_and_whiskers(areas_frame):
    chart = charts.compare_areas(areas_frame, unit="%", value_label="Smoking prevalence", title="Smoking")
    ax = chart.figure.axes[0]
    b = bars(ax)
    assert len(b) == 5
    by_y = sorted(b, key=lambda p: -p.get_y())  # top first
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == ["England", "Dover", "Thanet", "Ashford", "Swale"]  # England pinned, then descending, NA last
    assert hexes(p.get_facecolor() for p in by_y) == [FINGERTIPS[k] for k in
                                                      ["Not compared", "Worse", "Similar", "Better", "Not compared"]]
    assert [p.get_width() for p in by_y][:4] == pytest.approx([14.0, 16.5, 13.8, 12.0])
    segs = whisker_segments(ax)
    extents = sorted((round(s[0][0], 6), round(s[1][0], 6)) for s in segs)
    assert extents == sorted([(13.9, 14.1), (15.4, 17.6), (12.9, 14.8), (11.0, 13.1)])
    assert ax.get_xlabel() == "Smoking prevalence (%)"
    assert any(round(line.get_xdata()[0], 6) == 14.0 for line in ax.lines)  # England line
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["Better", "Similar", "Worse"]
    assert "Highest: Dover 16.5% (95% CI 15.4 to 17.6)" in chart.alt
    assert "Lowest: Ashford 12.0%" in chart.alt and "1 better, 1 similar, 1 worse" in chart.alt


def test_compare_areas_ascending_alphabetical_and_bad_order(areas_frame):
    asc = charts.compare_areas(areas_frame, order="asc", top_areas=())
    assert [t.get_text() for t in asc.figure.axes[0].get_yticklabels()][:3] == ["Ashford", "Thanet", "England"]
    alpha = charts.compare_areas(areas_frame, order="alphabetical", top_areas=())
    assert [t.get_text() for t in alpha.figure.axes[0].get_yticklabels()] == sorted(areas_frame["area_name"])
    with pytest.raises(InvalidInputError, match="order"):
        charts.compare_areas(areas_frame, order="random")
    with pytest.raises(InvalidInputError, match="'rate'"):
        charts.compare_areas(areas_frame, value="rate")


def test_demo_frames_say_so_in_the_title(areas_frame):
    framed = areas_frame.copy()
    framed.attrs["demo"] = True
    chart = charts.compare_areas(framed, title="Smoking")
    assert chart.title == "Smoking (demo data)"
    assert chart.figure.axes[0].get_title(loc="left") == "Smoking (demo data)"


# ------------------------------------------------------------------------------------------ spine + overview
def test_spine_chart_scaling_polarity_and_colours(profile_frame):
    chart = charts.spine_chart(profile_frame, "Local")
    table, ax = chart.figure.axes
    assert len(bars(ax)) == 6  # range + interquartile bar per indicator
    points = [c for c in ax.collections if isinstance(c, PathCollection)][0]
    assert hexes(points.get_facecolors()) == [FINGERTIPS["Better"], FINGERTIPS["Worse"], FINGERTIPS["Similar"]]
    xs = points.get_offsets()[:, 0]
    # low is good: lower than England plots right of centre (better side); high is good: lower plots left
    assert xs[0] > 0.5 and xs[1] < 0.5 and xs[2] > 0.5
    assert all(0 <= x <= 1 for x in xs)
    centre = [line for line in ax.lines if list(line.get_xdata()) == [0.5, 0.5]]
    assert centre
    texts = [t.get_text() for t in table.texts]
    assert "10.0" in texts and "13.0" in texts and "England\nvalue" in texts
    assert "Smoking: 10.0% (better; England 13.0%)" in chart.alt
    assert "1 better, 1 similar, 1 worse" in chart.alt


def test_spine_chart_unknown_area(profile_frame):
    with pytest.raises(InvalidInputError, match="Nowhere"):
        charts.spine_chart(profile_frame, "Nowhere")


def test_overview_tiles_colours_and_values(profile_frame):
    small = profile_frame[profile_frame["area_name"].isin(["England", "Local", "A1"])]
    chart = charts.overview(small)
    ax = chart.figure.axes[0]
    tiles = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(tiles) == 3 * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["England", "Local", "A1"]
    row0 = sorted((p for p in tiles if p.get_y() == 2), key=lambda p: p.get_x())  # top row = first indicator
    assert hexes(p.get_facecolor() for p in row0) == [FINGERTIPS["Not compared"], FINGERTIPS["Better"],
                                                      FINGERTIPS["Similar"]]
    labels = [t.get_text() for t in ax.texts]
    assert "13.0" in labels and "10.0" in labels
    white = [t for t in ax.texts if t.get_text() == "60.0"]
    assert to_hex(white[0].get_color()) == "#ffffff"  # white on the dark Worse fill
    assert "3 indicators" in chart.alt and "1 better" in chart.alt


# ------------------------------------------------------------------------------------------- inequality
def test_deprivation_gradient_bars_whiskers_and_gap(quintile_frame):
    chart = charts.deprivation_gradient(quintile_frame, unit="%", value_label="Obesity", comparator=20.0)
    ax = chart.figure.axes[0]
    b = sorted(bars(ax), key=lambda p: p.get_x())
    assert [p.get_height() for p in b] == pytest.approx([26.0, 24.0, 20.0, 17.0, 14.0])  # 1 = most deprived first
    segs = whisker_segments(ax)
    assert sorted((round(s[0][1], 6), round(s[1][1], 6)) for s in segs) == sorted(
        zip(quintile_frame["lower_ci"], quintile_frame["upper_ci"]))
    gap = [t for t in ax.texts if t.get_gid() == "gap"][0]
    assert gap.get_text() == "Gap (most − least deprived): +12.0 percentage points"
    assert ax.get_ylabel() == "Obesity (%)"
    assert ax.get_xlabel() == "Deprivation quintile (1 = most deprived)"
    assert "1: 26.0% (95% CI 24.5 to 27.6)" in chart.alt and "ratio 1.86" in chart.alt


def test_deprivation_gradient_benchmark_colours(quintile_frame):
    framed = quintile_frame.assign(benchmark=["Similar", "Worse", "Worse", "Better", "Better"])
    ax = charts.deprivation_gradient(framed, benchmark="benchmark").figure.axes[0]
    b = sorted(bars(ax), key=lambda p: p.get_x())
    assert hexes(p.get_facecolor() for p in b) == [FINGERTIPS[k] for k in
                                                   ["Worse", "Worse", "Similar", "Better", "Better"]]


def test_sii_chart_line_matches_the_sii(decile_frame):
    sii = stats.slope_index_of_inequality(decile_frame, "quantile", "population", value="value",
                                          lower_ci="lower_ci", upper_ci="upper_ci", repetitions=1000, seed=1)
    chart = charts.sii_chart(decile_frame, sii, unit="years", value_label="Life expectancy")
    ax = chart.figure.axes[0]
    line = [line for line in ax.lines if line.get_gid() == "sii-line"][0]
    x, y = line.get_xdata(), line.get_ydata()
    assert list(x) == [0.0, 1.0]
    assert y[1] - y[0] == pytest.approx(float(sii["sii"].iloc[0]))
    assert y[0] == pytest.approx(74.5, abs=1e-9)  # the exact WLS fit: value = 74.5 + 10 x rank
    points = [c for c in ax.collections if c.get_gid() == "quantile-points"][0]
    assert list(points.get_offsets()[:, 0]) == pytest.approx(list(np.arange(10) / 10 + 0.05))
    label = [t for t in ax.texts if t.get_gid() == "sii-label"][0].get_text()
    assert label.startswith("SII = 10.0 years (95% CI")
    assert "0 = most deprived" in ax.get_xlabel() and ax.get_ylabel() == "Life expectancy (years)"
    with pytest.raises(InvalidInputError, match="one row"):
        charts.sii_chart(decile_frame, pd.concat([sii, sii]))


# -------------------------------------------------------------------------------------------- population
def test_population_pyramid_bars_and_shares(pyramid_frame):
    chart = charts.population_pyramid(pyramid_frame, "Kent")
    ax = chart.figure.axes[0]
    b = bars(ax)
    assert len(b) == 2 * 19  # 0-4 … 85-89, 90+
    widths = np.array([p.get_width() for p in b])
    assert (widths[:19] < 0).all() and (widths[19:] > 0).all()  # males left
    assert np.abs(widths).sum() == pytest.approx(100.0)
    assert [ax.get_yticklabels()[0].get_text(), ax.get_yticklabels()[-1].get_text()] == ["0-4", "90+"]
    assert ax.get_xlabel() == "Share of the total population (%)"
    assert all(t.get_text().lstrip("−-").replace(".", "").isdigit() for t in ax.get_xticklabels())
    assert "England" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Population pyramid of Kent (total" in chart.alt and "England (outline)" in chart.alt
    with pytest.raises(InvalidInputError, match="at most two"):
        charts.population_pyramid(pyramid_frame, "Kent", comparators=["England", "Kent", "England"])


# ---------------------------------------------------------------------------------------------- funnel
def test_funnel_plot_limits_and_point_colours(funnel_frame):
    points = stats.funnel_significance(funnel_frame, "numerator", "denominator", statistic="proportion")
    limits = stats.funnel_limits(funnel_frame, "numerator", "denominator", statistic="proportion", multiplier=100)
    chart = charts.funnel_plot(points, limits, unit="%", value_label="Prevalence", polarity="low_is_good")
    ax = chart.figure.axes[0]
    for name in ("lower_2s", "upper_2s", "lower_3s", "upper_3s"):
        line = [line for line in ax.lines if line.get_gid() == f"{name}_limit"][0]
        assert list(line.get_ydata()) == pytest.approx(list(limits[f"{name}_limit"]))
    baseline = [line for line in ax.lines if line.get_gid() == "baseline"][0]
    assert baseline.get_ydata()[0] == pytest.approx(limits["baseline"].iloc[0])
    colours = {"High (0.001)": FINGERTIPS["Worse"], "High (0.025)": FINGERTIPS["Worse"],
               "Low (0.001)": FINGERTIPS["Better"], "Low (0.025)": FINGERTIPS["Better"],
               "Not significant": FINGERTIPS["Similar"]}
    drawn = 0
    for coll in ax.collections:
        if coll.get_gid() in colours:
            assert set(hexes(coll.get_facecolors())) == {colours[coll.get_gid()]}
            assert len(coll.get_offsets()) == int((points["significance"] == coll.get_gid()).sum())
            drawn += len(coll.get_offsets())
    assert drawn == len(points)
    assert points["significance"].iloc[0] == "High (0.001)"
    assert f"Funnel plot of {len(points)} points" in chart.alt and "above the 95% limit" in chart.alt


# ----------------------------------------------------------------------------------------------- maps
def test_choropleth_colours_labels_and_no_data(squares):
    import matplotlib

    chart = charts.choropleth(squares, label_col="lad_name", value_label="Prevalence", unit="%", area_name="Test")
    ax, bar = chart.figure.axes
    fills = hexes(ax.collections[0].get_facecolors())
    cmap = matplotlib.colormaps["viridis"]
    assert fills[:3] == [to_hex(cmap(0.0)), to_hex(cmap(0.5)), to_hex(cmap(1.0))]
    assert fills[3] == "#e0e0e0"  # no data
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "area-label") == ["East", "North", "South",
                                                                                      "West"]
    assert bar.get_ylabel() == "Prevalence (%)"
    assert "Map of 4 districts in Test" in chart.alt and "lowest North (10.0%), highest South (30.0%)" in chart.alt
    assert "1 without data" in chart.alt


def test_choropleth_diverging_centre_and_outlines(squares):
    chart = charts.choropleth(squares, outlines=squares, centre=20.0, centre_name="England", value_label="Value")
    ax, bar = chart.figure.axes
    assert to_hex(ax.collections[0].get_facecolors()[1]) == to_hex(__import__("matplotlib").colormaps["PuOr"](0.5))
    assert any(t.get_gid() == "centre-label" and t.get_text() == "England 20.0" for t in bar.texts)
    assert "diverge around England (20.0)" in chart.alt and "4 district outlines" in chart.alt


def test_deprivation_map_categories(squares):
    framed = squares.assign(decile=[1, 5, 10, 10])
    chart = charts.deprivation_map(framed, "decile", "Test", outlines=squares, label_col="lad_name")
    fills = hexes(chart.figure.axes[0].collections[0].get_facecolors())
    expected = hexes(charts.deprivation_colours(10))
    assert fills == [expected[0], expected[4], expected[9], expected[9]]
    assert "1: 1, 2: 0" in chart.alt


# -------------------------------------------------------------------------- every chart: HTML, alt, quiet
BUILDERS = {
    "compare_areas": lambda f: charts.compare_areas(f["areas"], unit="%"),
    "spine_chart": lambda f: charts.spine_chart(f["profile"], "Local"),
    "overview": lambda f: charts.overview(f["profile"][f["profile"]["area_name"].isin(["England", "Local"])]),
    "deprivation_gradient": lambda f: charts.deprivation_gradient(f["quintiles"], unit="%"),
    "sii_chart": lambda f: charts.sii_chart(f["deciles"], pd.DataFrame({"sii": [10.0], "sii_lower_ci": [9.0],
                                                                        "sii_upper_ci": [11.0]})),
    "population_pyramid": lambda f: charts.population_pyramid(f["pyramid"], "Kent"),
    "funnel_plot": lambda f: charts.funnel_plot(
        stats.funnel_significance(f["funnel"], "numerator", "denominator", statistic="proportion"),
        stats.funnel_limits(f["funnel"], "numerator", "denominator", statistic="proportion", multiplier=100)),
    "choropleth": lambda f: charts.choropleth(f["squares"], outlines=f["squares"], label_col="lad_name"),
    "deprivation_map": lambda f: charts.deprivation_map(f["squares"].assign(d=[1, 2, 3, 4]), "d", "Test", n=5,
                                                        outlines=f["squares"], label_col="lad_name"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_chart_renders_to_html_with_alt_and_no_warnings(name, areas_frame, profile_frame, quintile_frame,
                                                              decile_frame, pyramid_frame, funnel_frame, squares,
                                                              capsys):
    frames = {"areas": areas_frame, "profile": profile_frame, "quintiles": quintile_frame, "deciles": decile_frame,
              "pyramid": pyramid_frame, "funnel": funnel_frame, "squares": squares}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart = BUILDERS[name](frames)
        page = chart._repr_html_()
    assert isinstance(chart, charts.Chart)
    assert re.match(r'<figure class="hi-chart" data-title="[^"]+"><img src="data:image/png;base64,', page)
    alt = page.split('alt="', 1)[1].split('"', 1)[0]
    assert len(alt) > 40 and any(ch.isdigit() for ch in alt)  # numbers, not "a chart"
    assert chart.figure.axes and chart.title
    assert repr(chart).startswith("<Chart: ")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_funnel_plot_rates_use_each_limits_population_axis():
    rng = np.random.default_rng(5)
    pop = rng.integers(20_000, 200_000, 40)
    events = rng.poisson(pop * 3 * 500 / 100_000)
    data = pd.DataFrame({"events": events, "pop": pop})
    data["rate"] = 100_000 * data["events"] / data["pop"] / 3
    pts = stats.funnel_points(data, "events", "rate", rate_type="crude", years_of_data=3, multiplier=100_000)
    sig = stats.funnel_significance(pts, "events", statistic="rate", rate="rate", rate_type="crude",
                                    multiplier=100_000)
    limits = stats.funnel_limits(data, "events", statistic="rate", rate="rate", rate_type="crude",
                                 multiplier=100_000, years_of_data=3)
    chart = charts.funnel_plot(sig, limits, x="denominator_derived", y="rate_chart", unit="per 100,000",
                               value_label="Rate", polarity="low_is_good")
    ax = chart.figure.axes[0]
    upper = [line for line in ax.lines if line.get_gid() == "upper_3s_limit"][0]
    assert list(upper.get_xdata()) == pytest.approx(list(limits["upper_3s_population_1_year"]))
    assert ax.get_ylabel() == "Rate (per 100,000)"
    assert sum(len(c.get_offsets()) for c in ax.collections if c.get_gid()) == 40


def test_choropleth_classes_and_missing_column(squares):
    chart = charts.choropleth(squares, classes=2)
    fills = hexes(chart.figure.axes[0].collections[0].get_facecolors())
    assert fills[0] != fills[2] and fills[3] == "#e0e0e0"
    with pytest.raises(InvalidInputError, match="'rate'"):
        charts.choropleth(squares, "rate")


def test_overview_rejects_two_periods(profile_frame):
    doubled = pd.concat([profile_frame, profile_frame.assign(period="2024")])
    with pytest.raises(InvalidInputError, match="one period"):
        charts.overview(doubled)


def test_deprivation_gradient_deciles_and_no_ci(decile_frame):
    chart = charts.deprivation_gradient(decile_frame.drop(columns=["lower_ci", "upper_ci"]), unit="years",
                                        value_label="Life expectancy")
    ax = chart.figure.axes[0]
    assert len(bars(ax)) == 10 and not whisker_segments(ax)
    assert ax.get_xlabel() == "Deprivation decile (1 = most deprived)"
    assert [t for t in ax.texts if t.get_gid() == "gap"][0].get_text() == \
        "Gap (most − least deprived): -9.0 years"
    assert "Whiskers" not in chart.alt
