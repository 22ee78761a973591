"""Pure statistics with confidence intervals: the national (OHID Fingertips / PHEindicatormethods) methods.

One module per statistic; every function takes a DataFrame and column names and returns tidy rows with
``value``, ``lower_ci``, ``upper_ci``, ``confidence``, ``statistic`` and ``method``; ``by=`` groups. No I/O, no
knowledge of places or files. Public names are loaded lazily so that importing :mod:`healthintel.stats` is cheap.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "proportion": "proportion",
    "rate": "rate",
    "mean": "mean",
    "dsr": "dsr",
    "ESP2013": "dsr",
    "isr": "indirect",
    "smr": "indirect",
    "life_expectancy": "life_expectancy",
    "slope_index_of_inequality": "sii",
    "assign_quantiles": "quantiles",
    "proportion_difference": "differences",
    "proportion_ratio": "differences",
    "funnel_limits": "funnels",
    "funnel_significance": "funnels",
    "funnel_points": "funnels",
    "parse_confidence": "_common",
}

__all__ = sorted(_EXPORTS)


# Binding every name of a loaded submodule matters: importing submodule "dsr" (e.g. for ESP2013) sets the
# package attribute "dsr" to the module, which would otherwise shadow the function of the same name.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
