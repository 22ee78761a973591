"""House style and the :class:`Chart` wrapper (figure + alt text, shown as an accessible image)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402

# Fingertips significance palette and a colour-blind-safe sequential scale for deprivation.
PALETTE = {
    "better": "#92D050", "similar": "#FFC000", "worse": "#C00000", "higher": "#BED2FF", "lower": "#5555E6",
    "not compared": "#C9C9C9", "area": "#1f5f8b", "england": "#9e9e9e", "text": "#222222",
}


def deprivation_colours(n: int) -> list:
    """``n`` colours from most deprived (dark) to least deprived (light), colour-blind safe (viridis family)."""
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(x) for x in [i / max(n - 1, 1) * 0.92 for i in range(n)]]


def style() -> None:
    """Apply the house style to matplotlib (called on import of the chart modules)."""
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 130, "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold",
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.axisbelow": True, "legend.frameon": False, "figure.autolayout": False,
    })


style()


@dataclass
class Chart:
    """A finished figure with its alt text; displays in Jupyter/HTML as ``<img alt=...>``."""

    figure: "matplotlib.figure.Figure"
    alt: str
    title: str = ""

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png()).decode("ascii")
        return (f'<figure class="hi-chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                f'style="max-width:100%;height:auto"/>'
                f'<figcaption class="hi-visually-hidden">{html.escape(self.alt)}</figcaption></figure>')

    def savefig(self, *args, **kwargs):
        return self.figure.savefig(*args, **kwargs)


def finish(fig, alt: str, title: str = "") -> Chart:
    """Close the figure (so Jupyter does not show it twice) and wrap it with its alt text."""
    plt.close(fig)
    return Chart(fig, alt, title)
