"""House style and the :class:`Chart` wrapper (figure + alt text, shown as an accessible image).

Owns the Fingertips significance palette (:data:`PALETTE`, :data:`BENCHMARK_COLOURS`), the colour-blind-safe
sequential and diverging colour maps with one convention across chapters (darker = worse outcome or more deprived,
:func:`sequential_scale`, :func:`deprivation_colours`), number formatting, CI whiskers drawn the same way on every
chart, :func:`quiet` (charts never print matplotlib/geopandas warnings into reports) and how a chart is embedded
in a page (:class:`Chart`: a PNG at twice its CSS size, so it is crisp at every width).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import logging
import math
import struct
import warnings
from dataclasses import dataclass

import matplotlib
import pandas as pd

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402

from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD, parse_polarity  # noqa: E402

# Fingertips significance palette and a colour-blind-safe sequential scale for deprivation.
PALETTE = {
    "better": "#92D050", "similar": "#FFC000", "worse": "#C00000", "higher": "#BED2FF", "lower": "#5555E6",
    "not compared": "#C9C9C9", "area": "#1f5f8b", "england": "#9e9e9e", "text": "#222222",
}


#: Fingertips benchmark label -> fill colour (fingertipscharts ``scale_fill_phe``; FingertipsNext benchmark legend).
#: Best/Worst (99.8% level) share Better/Worse's colours; labels are matched case-insensitively.
BENCHMARK_COLOURS = {
    "Better": PALETTE["better"], "Best": PALETTE["better"], "Similar": PALETTE["similar"],
    "Worse": PALETTE["worse"], "Worst": PALETTE["worse"], "Higher": PALETTE["higher"], "Lower": PALETTE["lower"],
    "Not compared": PALETTE["not compared"],
}
#: Legend order of the benchmark labels.
BENCHMARK_ORDER = ("Better", "Similar", "Worse", "Higher", "Lower", "Not compared")
#: Fills dark enough to need white text on them (contrast ≥ 4.5:1).
DARK_FILLS = {PALETTE["worse"], PALETTE["lower"], PALETTE["area"]}
#: Colour-blind-safe maps: sequential (prevalence, rates) and diverging (differences around a comparator).
SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "PuOr"
#: Text of a period with no data (a tick of its own, so the gap in the series is named), readable grey.
MISSING_TEXT = "#595959"
CI_STYLE = {"ecolor": PALETTE["text"], "elinewidth": 0.9, "capsize": 2.5, "capthick": 0.9}
DEMO_LABEL = "demo data"


def benchmark_colour(label) -> str:
    """Fill colour of a benchmark label (Better/Similar/Worse/Higher/Lower/…); grey for missing or unknown."""
    if label is None or label is pd.NA or (isinstance(label, float) and math.isnan(label)):
        return PALETTE["not compared"]
    text = str(label).strip().lower()
    for name, colour in BENCHMARK_COLOURS.items():
        if name.lower() == text:
            return colour
    return PALETTE["not compared"]


def canonical_label(label) -> str:
    """The label as the legend writes it (Best -> Better, Worst -> Worse, missing -> Not compared)."""
    if label is None or label is pd.NA or (isinstance(label, float) and math.isnan(label)):
        return "Not compared"
    text = str(label).strip().lower()
    return {"best": "Better", "worst": "Worse"}.get(text, next(
        (k for k in BENCHMARK_ORDER if k.lower() == text), "Not compared"))


def benchmark_phrase(label: str, comparator_name: str = "England") -> str:
    """The legend text of a benchmark label: "Better than England", "Similar to England", "Not compared"."""
    label = canonical_label(label)
    if label == "Not compared":
        return label
    return f"{label} {'to' if label == 'Similar' else 'than'} {comparator_name}"


def benchmark_key(labels, comparator_name: str = "England", *, marker: str = "o") -> list:
    """Legend handles (coloured markers) for the benchmark labels present in ``labels``, in legend order: the
    colour key of markers coloured by :func:`benchmark_colour`."""
    from matplotlib.lines import Line2D

    present = {canonical_label(v) for v in labels}
    return [Line2D([], [], linestyle="", marker=marker, markersize=7, markerfacecolor=benchmark_colour(lab),
                   markeredgecolor=PALETTE["text"], markeredgewidth=0.5,
                   label=benchmark_phrase(lab, comparator_name))
            for lab in BENCHMARK_ORDER if lab in present]


def text_colour(fill) -> str:
    """White on the dark fills, near-black elsewhere."""
    return "white" if fill in DARK_FILLS else PALETTE["text"]


def fmt(value, dps: int = 1, unit: str = "") -> str:
    """A number for labels and alt text: thousands separators, ``dps`` decimals, "no value" when missing."""
    try:
        if value is None or math.isnan(float(value)):
            return "no value"
    except (TypeError, ValueError):
        return str(value)
    text = f"{float(value):,.{dps}f}"
    if unit == "%":
        return text + "%"
    return f"{text} {unit}".strip() if unit else text


def fmt_ci(lower, upper, dps: int = 1) -> str:
    """``"95% CI a to b"`` or ``""`` when either limit is missing."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (lower, upper)):
        return ""
    return f"95% CI {fmt(lower, dps)} to {fmt(upper, dps)}"


def with_demo(title: str, demo: bool) -> str:
    """Mark a title as built on generated data, so no reader mistakes it for a real figure."""
    return f"{title} ({DEMO_LABEL})" if demo and DEMO_LABEL not in title.lower() else title


def ci_whiskers(ax, position, value, lower, upper, *, horizontal: bool = False, **kw):
    """Draw 95% CI whiskers from ``lower`` to ``upper`` (absolute limits) at each position; missing limits skip."""
    import numpy as np

    value = np.asarray(value, dtype=float)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    ok = ~(np.isnan(value) | np.isnan(lower) | np.isnan(upper))
    if not ok.any():
        return None
    err = [value[ok] - lower[ok], upper[ok] - value[ok]]
    pos = np.asarray(position, dtype=float)[ok]
    style_kw = {**CI_STYLE, **kw}
    if horizontal:
        return ax.errorbar(value[ok], pos, xerr=err, fmt="none", zorder=3, **style_kw)
    return ax.errorbar(pos, value[ok], yerr=err, fmt="none", zorder=3, **style_kw)


@contextlib.contextmanager
def quiet():
    """Silence warnings and matplotlib/geopandas/pyogrio log chatter while a chart is drawn."""
    loggers = [logging.getLogger(n) for n in ("matplotlib", "matplotlib.font_manager", "pyogrio", "fiona")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


#: What darker means, stated in every legend of a sequential scale (one convention across chapters: darker =
#: worse outcome or more deprived).
MORE_DEPRIVED_NOTE = "darker = more deprived"


def sequential_scale(polarity: str | None = None) -> tuple[str, str]:
    """``(colour map, legend note)`` of a sequential scale: darker is the worse end.

    ``polarity`` "high_is_good" (life expectancy): viridis, darker = lower (worse); "low_is_good" (obesity,
    mortality): viridis reversed, darker = higher (worse); otherwise (no judgement) viridis, darker = lower.
    """
    kind = parse_polarity(polarity) if polarity else None
    if kind == LOW_IS_GOOD:
        return SEQUENTIAL_CMAP + "_r", "darker = higher (worse)"
    if kind == HIGH_IS_GOOD:
        return SEQUENTIAL_CMAP, "darker = lower (worse)"
    return SEQUENTIAL_CMAP, "darker = lower"


def deprivation_colours(n: int) -> list:
    """``n`` colours from most deprived (dark) to least deprived (light), colour-blind safe (viridis family)."""
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(x) for x in [i / max(n - 1, 1) * 0.92 for i in range(n)]]


def style() -> None:
    """Apply the house style to matplotlib (called on import of the chart modules)."""
    plt.rcParams.update({
        "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans"],
        "figure.dpi": 110, "savefig.dpi": 130, "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold",
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.axisbelow": True, "legend.frameon": False, "figure.autolayout": False,
    })


style()


#: CSS pixels per inch of a chart on the page (the figure's inches times this is its width attribute).
CSS_PPI = 130
#: The PNG is drawn at this many device pixels per CSS pixel, so it stays crisp on 2x (phone, retina) screens
#: and when the page is zoomed or printed.
PIXEL_RATIO = 2


@dataclass
class Chart:
    """A finished figure with its alt text; displays in Jupyter/HTML as ``<img alt=...>``."""

    figure: matplotlib.figure.Figure
    alt: str
    title: str = ""

    def png(self, scale: float = 1.0) -> bytes:
        """The figure as PNG at ``scale`` times :data:`CSS_PPI` pixels per inch (tight bounding box)."""
        buf = io.BytesIO()
        with quiet():
            self.figure.savefig(buf, format="png", bbox_inches="tight", dpi=CSS_PPI * scale)
        return buf.getvalue()

    @property
    def axes(self):
        """The figure's axes (for further styling)."""
        return self.figure.axes

    def __repr__(self) -> str:
        # text/plain beside the HTML: consoles and screen readers get the description, not "<Figure ...>"
        return f"<Chart: {self.alt}>"

    def _repr_html_(self) -> str:
        """``<figure><img></figure>``: a PNG at :data:`PIXEL_RATIO` x the CSS size, with ``width``/``height``
        attributes of the CSS size (crisp at every width; the page's CSS scales it down to the column)."""
        png = self.png(PIXEL_RATIO)
        width, height = struct.unpack(">II", png[16:24])
        data = base64.b64encode(png).decode("ascii")
        return (f'<figure class="hi-chart" data-title="{html.escape(self.title)}">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                f'width="{round(width / PIXEL_RATIO)}" height="{round(height / PIXEL_RATIO)}" '
                f'style="max-width:100%;height:auto"/>'
                f'<figcaption class="hi-visually-hidden">{html.escape(self.alt)}</figcaption></figure>')

    def savefig(self, *args, **kwargs):
        with quiet():
            return self.figure.savefig(*args, **kwargs)


def finish(fig, alt: str, title: str = "") -> Chart:
    """Close the figure (so Jupyter does not show it twice) and wrap it with its alt text."""
    plt.close(fig)
    if DEMO_LABEL in title.lower() and DEMO_LABEL not in alt.lower():
        alt = f"{alt} Values are {DEMO_LABEL} (generated, not real)."
    return Chart(fig, alt, title)


def is_demo(frame) -> bool:
    """True when a frame is generated demo data (``attrs["demo"]`` or a ``source`` column saying so)."""
    if frame is None:
        return False
    if getattr(frame, "attrs", {}).get("demo") is True:
        return True
    return "source" in getattr(frame, "columns", ()) and frame["source"].astype(str).str.lower().eq(DEMO_LABEL).any()


def require(frame, who: str, **columns) -> None:
    """Raise :class:`InvalidInputError` naming the missing columns and what the chart expects."""
    from ..errors import InvalidInputError

    missing = {arg: col for arg, col in columns.items() if col is not None and col not in frame.columns}
    if missing:
        raise InvalidInputError(
            f"{who}: column(s) {', '.join(repr(c) for c in missing.values())} not in the frame (arguments "
            f"{', '.join(missing)}); it has {', '.join(map(repr, list(frame.columns)[:12]))}. Pass the column "
            "names as keyword arguments."
        )


def legend_below(ax, handles: list, *, ncol: int = 2, fontsize: float = 8):
    """The axes' legend placed under its x-axis labels (call after ``fig.tight_layout()``): the plot keeps the
    figure's whole width (which matters when the page scales the chart down to a phone's column) and no entry
    covers the data. The saved image (``bbox_inches="tight"``) grows to include it."""
    fig = ax.figure
    below = ax.get_tightbbox(fig.canvas.get_renderer())  # ticks, tick labels and the axis label
    y = ax.transAxes.inverted().transform((0, below.y0))[1]
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, y - 0.03), ncol=ncol,
                     fontsize=fontsize)


def fit_title(title: str, width_in: float) -> str:
    """``title`` wrapped to the figure's width (about 9 characters of the bold title font per inch), so a long
    title never makes the image wider than its chart; a title with its own line breaks is kept."""
    import textwrap

    if "\n" in title:
        return title
    return textwrap.fill(title, max(30, int(width_in * 9)))


def unit_label(label: str, unit: str) -> str:
    """An axis label with its unit in brackets (``"Prevalence (%)"``)."""
    return f"{label} ({unit})" if unit and f"({unit})" not in label else label
