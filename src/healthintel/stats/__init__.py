"""Pure statistics with confidence intervals: the national (OHID Fingertips / PHEindicatormethods) methods.

One module per statistic; every function takes a DataFrame and column names and returns tidy rows with
``value``, ``lower_ci``, ``upper_ci``, ``confidence``, ``statistic`` and ``method``; ``by=`` groups. No I/O, no
knowledge of places or files. Public names are loaded lazily so that importing :mod:`healthintel.stats` is cheap.
"""

from __future__ import annotations

import importlib

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


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'healthintel.stats' has no attribute {name!r}") from None
    loaded = importlib.import_module(f".{module}", __name__)
    # Bind every name this module exports: importing submodule "dsr" (e.g. for ESP2013) sets the package
    # attribute "dsr" to the module, which would otherwise shadow the function of the same name.
    for other, home in _EXPORTS.items():
        if home == module:
            globals()[other] = getattr(loaded, other)
    return globals()[name]


def __dir__():
    return __all__
