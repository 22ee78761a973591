"""Child obesity (National Child Measurement Programme): pupil records → weight categories → prevalence by
deprivation → the deprivation gap, its trend, the SII and progress against a target. Compute only.

Submodules (every public name is re-exported here, so ``obesity.prevalence(...)`` and
``from healthintel.obesity import prepare`` work):

- :mod:`.growth` — the UK90 BMI reference: :func:`lms`, :func:`bmi_centile` (vectorised LMS), :func:`bmi_for_z`,
  :func:`height_for_z` and :func:`classify_weight` (NCMP population-monitoring or clinical thresholds);
- :mod:`.ncmp` — the pupil-level input: :data:`NCMP_SCHEMA` (pandera), :func:`validate`, :func:`age_in_years`,
  :func:`prepare` (bad records excluded with a count per reason, never silently; extreme BMI z-scores flagged
  and kept, as NHS England does) → :class:`Prepared`, and :func:`add_local_quantiles`;
- :mod:`.cohort` — the area's cohort: :func:`select_cohort` (children *resident* in the area, as OHID publishes,
  or ``cohort="school"``: pupils at its schools) and :func:`cohort_counts` (residents at schools elsewhere,
  non-residents at the area's schools ...);
- :mod:`.measures` — :func:`counts`, :func:`prevalence` (Wilson CIs), :func:`deprivation_gap` (Newcombe CI, and
  the ratio with its Katz CI), :func:`sii`, :func:`gap_trend`, :func:`target_progress`, :func:`trajectory`,
  :func:`basis_label` and :func:`published_prevalence` (the real Fingertips NCMP obesity figures).

The ``child_obesity`` chapter (tables, charts, text) is :mod:`healthintel.chapters.child_obesity`. Method notes:
``docs/methods/ncmp-child-weight.md`` in the shared docs.
"""

from __future__ import annotations

from .cohort import COHORT_CATEGORIES, COHORTS, check_cohort, cohort_counts, school_area_codes, select_cohort
from .growth import (
    CLINICAL,
    CLINICAL_CUTS,
    GROWTH_HINT,
    POPULATION,
    POPULATION_CUTS,
    SEXES,
    _reference as _reference,  # tests clear its cache
    _sex_codes as _sex_codes,
    bmi_centile,
    bmi_for_z,
    classify_weight,
    height_for_z,
    lms,
)
from .measures import (
    DEFAULT_TARGET,
    MEASURES,
    PUBLISHED_IDS,
    basis_label,
    counts,
    deprivation_gap,
    gap_trend,
    prevalence,
    published_prevalence,
    quantile_column,
    sii,
    start_year,
    target_progress,
    trajectory,
)
from .ncmp import (
    EXCLUSION_REASONS,
    LIMITS,
    SCHOOL_YEARS,
    Prepared,
    add_local_quantiles,
    age_in_years,
    exclusion_reasons,
    exclusion_table,
    prepare,
    validate,
)

# NCMP_SCHEMA (the pandera schema, built on first use: importing pandera is not free) is served by __getattr__.
__all__ = [
    "POPULATION", "CLINICAL", "POPULATION_CUTS", "CLINICAL_CUTS", "GROWTH_HINT", "SEXES", "MEASURES",
    "DEFAULT_TARGET", "PUBLISHED_IDS", "SCHOOL_YEARS", "EXCLUSION_REASONS", "LIMITS", "Prepared",
    "lms", "bmi_centile", "bmi_for_z", "height_for_z", "classify_weight",
    "validate", "age_in_years", "prepare", "exclusion_reasons", "exclusion_table", "add_local_quantiles",
    "counts", "prevalence", "deprivation_gap", "sii", "gap_trend", "target_progress", "trajectory",
    "basis_label", "quantile_column", "start_year", "published_prevalence",
    "COHORTS", "COHORT_CATEGORIES", "check_cohort", "cohort_counts", "school_area_codes", "select_cohort",
]


def __getattr__(name: str):
    if name == "NCMP_SCHEMA":
        from . import ncmp

        return ncmp.NCMP_SCHEMA
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
