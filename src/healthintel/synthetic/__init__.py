"""Seeded synthetic demo data, built on the domain modules: an opt-in demonstration, labelled "synthetic"
wherever it is shown.

- :mod:`.ncmp`: pupil-level NCMP records for Kent and Medway calibrated to England's published prevalence by
  deprivation decile;
- :mod:`.deaths`: deaths by LSOA, sex, age band and year calibrated to published life expectancy and its SII.

A chapter uses these only when the analyst gives no extract of their own; every result built on them carries
``synthetic = True`` and a note the chapter shows.
"""
