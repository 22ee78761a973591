"""Charts: matplotlib/seaborn/geopandas figures from the tidy frames the library returns.

Every chart function returns a :class:`Chart` (the matplotlib Figure plus alt text) which Jupyter and the HTML
reports show as an accessible ``<img>`` with that alt text; use ``chart.figure`` for further styling.
Public names are loaded lazily (``_EXPORTS`` maps each to its module).
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Chart": "base",
    "style": "base",
    "PALETTE": "base",
    "deprivation_map": "deprivation",
    "domain_bars": "deprivation",
    "population_by_quintile": "deprivation",
    # trends.py (outcomes tracker): trend with CIs and comparator, target trajectory
    "trend": "trends",
    "target_trajectory": "trends",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'healthintel.charts' has no attribute {name!r}") from None
    mod = importlib.import_module(f".{module}", __name__)
    for key, value in _EXPORTS.items():
        if value == module and hasattr(mod, key):
            globals()[key] = getattr(mod, key)
    return globals()[name]


def __dir__():
    return __all__
