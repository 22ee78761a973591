"""Charts: matplotlib/seaborn/geopandas figures from the tidy frames the library returns.

Every chart function returns a :class:`Chart` (the matplotlib Figure plus alt text) which Jupyter and the HTML
reports show as an accessible ``<img>`` with that alt text; use ``chart.figure`` for further styling.
"""

from .base import Chart, style
from .deprivation import deprivation_map, domain_bars, population_by_quintile

__all__ = ["Chart", "style", "deprivation_map", "domain_bars", "population_by_quintile"]
