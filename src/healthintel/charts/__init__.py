"""Charts: matplotlib/seaborn/geopandas figures from the tidy frames the library returns.

Every chart function returns a :class:`Chart` (the matplotlib Figure plus alt text) which Jupyter and the HTML
reports show as an accessible ``<img>`` with that alt text; use ``chart.figure`` for further styling.
Public names are loaded lazily (``_EXPORTS`` maps each to its module).
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "Chart": "base",
    "style": "base",
    "PALETTE": "base",
    "BENCHMARK_COLOURS": "base",
    "benchmark_colour": "base",
    "deprivation_colours": "base",
    "quiet": "base",
    "compare_areas": "areas",
    "spine_chart": "profiles",
    "overview": "profiles",
    "deprivation_gradient": "inequality",
    "sii_chart": "inequality",
    "population_pyramid": "population",
    "funnel_plot": "funnels",
    "choropleth": "maps",
    "deprivation_map": "deprivation",
    "domain_bars": "deprivation",
    "population_by_quintile": "deprivation",
    # trends.py (outcomes tracker): trend with CIs and comparator, target trajectory
    "trend": "trends",
    "target_trajectory": "trends",
    # obesity.py (child obesity chapter): the deprivation gap with CIs against a target trajectory
    "gap_trajectory": "obesity",
}

__all__ = sorted(_EXPORTS)


# Binding every name of a loaded submodule matters: importing submodule "dsr" (e.g. for ESP2013) sets the
# package attribute "dsr" to the module, which would otherwise shadow the function of the same name.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
