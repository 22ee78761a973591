"""Comparisons that give every figure its context: benchmark vs a comparator, recent trend, targets, KPI status.

The Fingertips methods (OHID, fingertips-open and FingertipsNext, MIT) with their labels, for any indicator —
including the first user's own derived ones that no public tool benchmarks:

- :func:`benchmark` — CI overlap (95%, 99.8%, two levels), double CI overlap, SPC for proportions and DSRs;
- :func:`quintile_benchmark` — quintiles of all areas (PERCENTILE.INC bounds, or FingertipsNext NTILE);
- :func:`recent_trend` — the "Recent trend" marker (chi-squared for linear trend / weighted regression);
- :func:`load_targets`, :func:`target_progress` — the outcome-framework registry and progress to goal;
- :func:`kpi_status`, :func:`kpi_dashboard` — RAG against target and floor, direction of travel, the dashboard
  frame;
- :func:`forecast` — the recent linear trend projected to a goal period, with a prediction interval and the
  probability that the goal is met;
- :func:`area_targets`, :func:`published_series` — one area's goals with baselines fixed from published values
  (one source of truth for each goal) and its real published series of a registry indicator;
- :func:`outcomes_tracker` — every outcome indicator of an area with benchmark, trend, progress, neighbours and
  the projection of each real series to its goal;
- :func:`area_priorities` — the indicators significantly worse than England and not improving, and the goals
  unlikely to be met, ranked.

Public names are loaded lazily.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from ..periods import parse_period as parse_period  # re-exported
from ..polarity import parse_polarity as parse_polarity  # re-exported

# ``benchmark`` is both a submodule and its main function: bound eagerly, or a module importing
# ``compare.benchmark`` (the submodule) first would leave ``compare.benchmark`` the module, not the function.
from .benchmark import benchmark as benchmark

# ``forecast`` likewise (the tracker imports the submodule, which would otherwise shadow the lazy function).
from .forecast import forecast as forecast

_EXPORTS = {
    "quintile_benchmark": "benchmark",
    "recent_trend": "trend",
    "load_targets": "targets",
    "target_progress": "targets",
    "kpi_status": "kpi",
    "kpi_dashboard": "kpi",
    "kpi_dashboard_frames": "kpi",
    "outcomes_tracker": "tracker",
    "area_targets": "published",
    "published_series": "published",
    "area_priorities": "priorities",
}

__all__ = sorted([*_EXPORTS, "benchmark", "forecast", "parse_period", "parse_polarity"])

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
