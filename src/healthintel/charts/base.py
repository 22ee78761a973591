"""House style and the :class:`Chart` wrapper (figure + alt text, shown as an accessible image).

Owns the Fingertips significance palette (:data:`PALETTE`, :data:`BENCHMARK_COLOURS`), the colour-blind-safe
sequential and diverging colour maps, number formatting, CI whiskers drawn the same way on every chart, and
:func:`quiet` (charts never print matplotlib/geopandas warnings into reports).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import logging
import math
import warnings
from dataclasses import dataclass

import matplotlib
import pandas as pd

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402

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


@dataclass
class Chart:
    """A finished figure with its alt text; displays in Jupyter/HTML as ``<img alt=...>``."""

    figure: matplotlib.figure.Figure
    alt: str
    title: str = ""

    def png(self) -> bytes:
        buf = io.BytesIO()
        with quiet():
            self.figure.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    @property
    def axes(self):
        """The figure's axes (for further styling)."""
        return self.figure.axes

    def __repr__(self) -> str:
        # text/plain beside the HTML: consoles and screen readers get the description, not "<Figure ...>"
        return f"<Chart: {self.alt}>"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png()).decode("ascii")
        return (f'<figure class="hi-chart" data-title="{html.escape(self.title)}">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
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


def unit_label(label: str, unit: str) -> str:
    """An axis label with its unit in brackets (``"Prevalence (%)"``)."""
    return f"{label} ({unit})" if unit and f"({unit})" not in label else label
