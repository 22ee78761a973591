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
- :func:`outcomes_tracker` — every outcome indicator of an area with benchmark, trend, progress and neighbours.

Public names are loaded lazily.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from ..periods import parse_period as parse_period  # re-exported
from ..polarity import parse_polarity as parse_polarity  # re-exported

_EXPORTS = {
    "benchmark": "benchmark",
    "quintile_benchmark": "benchmark",
    "recent_trend": "trend",
    "load_targets": "targets",
    "target_progress": "targets",
    "kpi_status": "kpi",
    "kpi_dashboard": "kpi",
    "kpi_dashboard_frames": "kpi",
    "outcomes_tracker": "tracker",
    "forecast": "forecast",
}

__all__ = sorted([*_EXPORTS, "parse_period", "parse_polarity"])

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
