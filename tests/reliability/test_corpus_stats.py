"""Reliability corpus, statistics: every bad input to :mod:`healthintel.stats` gets a named error or NA + reason.

One test per case (parametrised). Each error case checks the exception type and that the message names the
column (and, where there are rows to name, the offending rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import stats
from healthintel.errors import HealthIntelWarning, InvalidInputError, MissingColumnError, QuantileTieWarning
from healthintel.stats import ESP2013

from .corpus import Case, check, error, na

INF, NAN = np.inf, np.nan


# ---------------------------------------------------------------------------------------------- inputs
def counts(**cols) -> pd.DataFrame:
    base = pd.DataFrame({"area": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "n": [10.0, 20.0, 30.0]})
    return base.assign(**cols)


def bands(areas=("A", "B")) -> pd.DataFrame:
    """Counts and populations in the 19 ESP2013 bands for each area (band order)."""
    rows = [{"area": a, "band": b, "count": 10.0 + i, "pop": 1000.0 + 10 * i}
            for a in areas for i, b in enumerate(ESP2013.index)]
    return pd.DataFrame(rows)


def with_std(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(std=frame["band"].map(ESP2013).astype(float))


def swap_rows(frame: pd.DataFrame, i: int, j: int) -> pd.DataFrame:
    idx = list(frame.index)
    idx[i], idx[j] = idx[j], idx[i]
    return frame.loc[idx].reset_index(drop=True)


AGES = [0, 1] + list(range(5, 95, 5))


def life_table(groups=("a",), pop=2000.0) -> pd.DataFrame:
    return pd.DataFrame([{"g": g, "age": a, "deaths": 5.0 + 3 * i, "pop": pop}
                         for g in groups for i, a in enumerate(AGES)])


def quantile_values(groups=("a", "b"), k=5) -> pd.DataFrame:
    return pd.DataFrame([{"g": g, "q": q, "pop": 1000.0 + q, "v": 80.0 - q, "lo": 79.0 - q, "hi": 81.0 - q,
                          "se": 0.5} for g in groups for q in range(1, k + 1)])


def tidy_pairs(**cols) -> pd.DataFrame:
    base = pd.DataFrame({"year": [1, 1, 2, 2], "q": [1, 5, 1, 5], "x": [30.0, 10.0, 28.0, 12.0],
                         "n": [100.0, 100.0, 100.0, 100.0]})
    return base.assign(**cols)


def funnel(**cols) -> pd.DataFrame:
    base = pd.DataFrame({"x": [5.0, 20.0, 40.0, 60.0], "n": [100.0, 200.0, 400.0, 500.0],
                         "rate": [50.0, 100.0, 80.0, 120.0]})
    return base.assign(**cols)


def le(frame, **kw):
    return stats.life_expectancy(frame, "deaths", "pop", "age", by="g", **kw)


def sii(frame, **kw):
    args = dict(value="v", lower_ci="lo", upper_ci="hi", by="g", repetitions=1000, seed=1)
    args.update(kw)
    return stats.slope_index_of_inequality(frame, "q", "pop", **args)


def wide_pairs(**cols):
    base = pd.DataFrame({"x1": [30.0], "n1": [100.0], "x2": [10.0], "n2": [100.0]})
    return base.assign(**cols)


# ---------------------------------------------------------------------------------------------- cases
PROPORTION = [
    error("proportion-infinite-denominator", lambda: stats.proportion(counts(n=[10.0, INF, 30.0]), "x", "n"),
          InvalidInputError, r"denominator column 'n' must be greater than zero and finite.*row 1"),
    error("proportion-infinite-numerator", lambda: stats.proportion(counts(x=[INF, 2.0, 3.0]), "x", "n"),
          InvalidInputError, r"numerator column 'x'.*finite.*row 0"),
    error("proportion-negative-numerator", lambda: stats.proportion(counts(x=[-1.0, 2.0, 3.0]), "x", "n"),
          InvalidInputError, r"numerator column 'x'.*row 0"),
    error("proportion-numerator-above-denominator", lambda: stats.proportion(counts(x=[11.0, 2.0, 3.0]), "x", "n"),
          InvalidInputError, r"'x' is greater than column 'n'.*row 0"),
    error("proportion-zero-denominator", lambda: stats.proportion(counts(n=[0.0, 20.0, 30.0]), "x", "n"),
          InvalidInputError, r"denominator column 'n' must be greater than zero"),
    error("proportion-text-column", lambda: stats.proportion(counts(x=["1", "2", "3"]), "x", "n"),
          InvalidInputError, r"numerator column 'x' must be numeric"),
    error("proportion-boolean-column", lambda: stats.proportion(counts(x=[True, False, True]), "x", "n"),
          InvalidInputError, r"column 'x' holds True/False"),
    error("proportion-missing-column", lambda: stats.proportion(counts(), "cases", "n"), MissingColumnError,
          r"numerator='cases'"),
    error("proportion-not-a-frame", lambda: stats.proportion([1, 2], "x", "n"), InvalidInputError,
          r"must be a pandas DataFrame"),
    error("proportion-confidence-text", lambda: stats.proportion(counts(), "x", "n", confidence="95%"),
          InvalidInputError, r"confidence must be a number"),
    error("proportion-confidence-nan", lambda: stats.proportion(counts(), "x", "n", confidence=NAN),
          InvalidInputError, r"confidence level nan is out of range"),
    error("proportion-three-levels", lambda: stats.proportion(counts(), "x", "n", confidence=(0.95, 0.99, 0.998)),
          InvalidInputError, r"one confidence level or the pair"),
    error("proportion-multiplier-zero", lambda: stats.proportion(counts(), "x", "n", multiplier=0),
          InvalidInputError, r"multiplier must be greater than 0"),
    error("proportion-by-missing-column", lambda: stats.proportion(counts(), "x", "n", by="region"),
          MissingColumnError, r"by='region'"),
]

RATE_MEAN = [
    error("rate-infinite-count", lambda: stats.rate(counts(x=[INF, 2.0, 3.0]), "x", "n"), InvalidInputError,
          r"count column 'x'.*finite.*row 0"),
    error("rate-infinite-population", lambda: stats.rate(counts(n=[INF, 20.0, 30.0]), "x", "n"), InvalidInputError,
          r"population column 'n'.*finite.*row 0"),
    error("rate-negative-count", lambda: stats.rate(counts(x=[1.0, -2.0, 3.0]), "x", "n"), InvalidInputError,
          r"count column 'x'.*row 1"),
    error("rate-negative-population", lambda: stats.rate(counts(n=[10.0, -20.0, 30.0]), "x", "n"),
          InvalidInputError, r"population column 'n' must be greater than zero.*row 1"),
    error("rate-multiplier-infinite", lambda: stats.rate(counts(), "x", "n", multiplier=INF), InvalidInputError,
          r"multiplier must be a finite number"),
    error("rate-multiplier-text", lambda: stats.rate(counts(), "x", "n", multiplier="100000"), InvalidInputError,
          r"multiplier must be a finite number"),
    error("mean-infinite-value", lambda: stats.mean(counts(x=[1.0, INF, 3.0]), "x", by="area"), InvalidInputError,
          r"value column 'x' has infinite values.*row 1"),
    error("mean-text-value", lambda: stats.mean(counts(x=["a", "b", "c"]), "x"), InvalidInputError,
          r"value column 'x' must be numeric"),
    error("mean-missing-column", lambda: stats.mean(counts(), "bmi"), MissingColumnError, r"value='bmi'"),
]

DSR = [
    error("dsr-band-missing-by-label", lambda: stats.dsr(bands().drop(index=3), "count", "pop", by="area",
                                                         age_band="band"),
          InvalidInputError, r"lack some of the 19 bands.*area='A': missing \['15-19'\]"),
    error("dsr-band-twice-by-label", lambda: stats.dsr(pd.concat([bands(), bands().iloc[[4]]]), "count", "pop",
                                                       by="area", age_band="band"),
          InvalidInputError, r"band appears more than once.*band='20-24'"),
    error("dsr-band-missing-by-position", lambda: stats.dsr(bands().drop(index=3), "count", "pop", by="area"),
          InvalidInputError, r"exactly 19 rows.*area='A' \(18 rows\)"),
    error("dsr-band-twice-by-position", lambda: stats.dsr(pd.concat([bands().iloc[:19], bands().iloc[[4]]]),
                                                          "count", "pop"),
          InvalidInputError, r"exactly 19 rows"),
    error("dsr-rows-shuffled-without-age-band", lambda: stats.dsr(swap_rows(bands(), 2, 7), "count", "pop",
                                                                  by="area"),
          InvalidInputError, r"column 'band' holds age bands that are not in increasing order.*age_band='band'"),
    error("dsr-band-twice-and-one-missing-by-position",
          lambda: stats.dsr(bands().assign(band=lambda f: f["band"].where(f.index != 5, "20-24")), "count", "pop",
                            by="area"),
          InvalidInputError, r"not in increasing order \(or repeat\)"),
    error("dsr-band-missing-with-std-column", lambda: stats.dsr(with_std(bands()).drop(index=3), "count", "pop",
                                                                "std", by="area"),
          InvalidInputError, r"sums to different totals.*area='A'"),
    error("dsr-band-missing-with-std-column-and-label",
          lambda: stats.dsr(with_std(bands()).drop(index=3), "count", "pop", "std", by="area", age_band="band"),
          InvalidInputError, r"missing \['15-19'\]"),
    error("dsr-band-label-unknown", lambda: stats.dsr(bands().replace({"band": {"90+": "90-94"}}), "count", "pop",
                                                      by="area", age_band="band"),
          InvalidInputError, r"not in the standard population's index.*90-94"),
    error("dsr-band-label-missing-value", lambda: stats.dsr(bands().assign(band=lambda f: f["band"].where(
        f.index != 0)), "count", "pop", "count", by="area", age_band="band"),
        InvalidInputError, r"age_band column 'band' must not have missing values.*row 0"),
    error("dsr-infinite-population", lambda: stats.dsr(bands().assign(pop=lambda f: f["pop"].where(
        f.index != 2, INF)), "count", "pop", by="area", age_band="band"),
        InvalidInputError, r"population column 'pop'.*finite.*row 2"),
    error("dsr-infinite-count", lambda: stats.dsr(bands().assign(count=lambda f: f["count"].where(
        f.index != 2, INF)), "count", "pop", by="area", age_band="band"),
        InvalidInputError, r"count column 'count'.*finite.*row 2"),
    error("dsr-missing-population", lambda: stats.dsr(bands().assign(pop=lambda f: f["pop"].where(f.index != 2)),
                                                      "count", "pop", by="area", age_band="band"),
          InvalidInputError, r"population column 'pop' cannot have missing values.*row 2"),
    error("dsr-infinite-standard", lambda: stats.dsr(with_std(bands()).assign(std=lambda f: f["std"].where(
        f.index != 1, INF)), "count", "pop", "std", by="area"),
        InvalidInputError, r"standard populations must be zero or more and finite"),
    error("dsr-standard-as-frame", lambda: stats.dsr(bands(), "count", "pop", ESP2013.to_frame(), age_band="band"),
          InvalidInputError, r"standard_population must be a column name"),
    error("dsr-nonindependent-duplicate-band-frequency",
          lambda: stats.dsr(pd.concat([bands().assign(f=1), bands().assign(f=1).iloc[[0]]]), "count", "pop",
                            by="area", independent_events=False, event_frequency="f", age_band="band"),
          InvalidInputError, r"repeat the same group and band and event frequency"),
]

def three_bands(**cols) -> pd.DataFrame:
    """Observed events and populations in 3 bands for areas a and b (reference vectors of 3 values attach)."""
    base = pd.DataFrame({"area": ["a"] * 3 + ["b"] * 3, "x": [1.0, 2.0, 3.0, 2.0, 3.0, 4.0],
                         "n": [100.0, 200.0, 300.0, 150.0, 250.0, 350.0]})
    return base.assign(**cols)


REF_X, REF_N = [10.0, 20.0, 30.0], [1000.0, 2000.0, 3000.0]

INDIRECT = [
    na("smr-zero-population-everywhere", lambda: stats.smr(three_bands(n=[0.0, 0.0, 0.0, 150.0, 250.0, 350.0]), "x",
                                                           "n", REF_X, REF_N, by="area"),
       "value", "no expected events"),
    na("isr-missing-population-group", lambda: stats.isr(three_bands(n=[NAN, NAN, NAN, 150.0, 250.0, 350.0]), "x",
                                                         "n", REF_X, REF_N, by="area"),
       "value", "no expected events"),
    na("smr-observed-total-missing", lambda: stats.smr(three_bands().drop(columns="x"), "deaths", "n", REF_X, REF_N,
                                                       by="area", observed_totals=pd.DataFrame(
                                                           {"area": ["a"], "deaths": [3.0]})),
       "value", "no observed total"),
    error("smr-infinite-observed", lambda: stats.smr(three_bands(x=[INF, 1.0, 1.0, 1.0, 1.0, 1.0]), "x", "n", REF_X,
                                                     REF_N, by="area"),
          InvalidInputError, r"observed column 'x'.*finite.*row 0"),
    error("smr-negative-population", lambda: stats.smr(three_bands(n=[-1.0, 1.0, 1.0, 1.0, 1.0, 1.0]), "x", "n",
                                                       REF_X, REF_N, by="area"),
          InvalidInputError, r"population column 'n'.*row 0"),
    error("smr-reference-length", lambda: stats.smr(three_bands(), "x", "n", REF_X[:2], REF_N[:2], by="area"),
          InvalidInputError, r"reference_count has 2 values"),
    error("smr-reference-only-one-given", lambda: stats.smr(three_bands(), "x", "n", REF_X, by="area"),
          InvalidInputError, r"give both reference_count and reference_population"),
    error("smr-observed-totals-twice", lambda: stats.smr(three_bands(), "x", "n", REF_X, REF_N, by="area",
                                                         observed_totals=pd.DataFrame({"area": ["a", "a"],
                                                                                       "x": [1.0, 2.0]})),
          InvalidInputError, r"more than one row per group"),
    error("smr-zero-reference-population", lambda: stats.smr(three_bands(), "x", "n", REF_X, [1000.0, 0.0, 3000.0],
                                                             by="area"),
          InvalidInputError, r"reference_population.*greater than zero"),
    error("isr-multiplier-negative", lambda: stats.isr(three_bands(), "x", "n", REF_X, REF_N, by="area",
                                                       multiplier=-1),
          InvalidInputError, r"multiplier must be a finite number greater than 0"),
]

LIFE_EXPECTANCY = [
    error("le-infinite-deaths", lambda: le(life_table().assign(deaths=lambda f: f["deaths"].where(f.age != 50, INF))),
          InvalidInputError, r"column 'deaths' has infinite values.*age=50"),
    error("le-infinite-population", lambda: le(life_table().assign(pop=lambda f: f["pop"].where(f.age != 5, INF))),
          InvalidInputError, r"column 'pop' has infinite values"),
    error("le-age-not-a-band", lambda: le(life_table().replace({"age": {50: 52}})), InvalidInputError,
          r"age column 'age' has values that are not one of the 20 life-table bands"),
    error("le-age-missing", lambda: le(life_table().assign(age=lambda f: f["age"].where(f.index != 3))),
          InvalidInputError, r"age column 'age'"),
    error("le-bad-le-age", lambda: le(life_table(), le_age=3), InvalidInputError,
          r"le_age 3 is not the start of a life-table band"),
    na("le-band-missing", lambda: le(life_table().drop(index=4)), "value", "missing or duplicated age bands"),
    na("le-band-twice", lambda: le(pd.concat([life_table(), life_table().iloc[[4]]])), "value",
       "missing or duplicated age bands"),
    na("le-negative-deaths", lambda: le(life_table().assign(deaths=lambda f: f["deaths"].where(f.index != 2, -1.0))),
       "value", "negative deaths"),
    na("le-deaths-above-population", lambda: le(life_table().assign(deaths=lambda f: f["deaths"].where(
        f.index != 2, 5000.0))), "value", "more deaths than population"),
    na("le-small-population", lambda: le(life_table(pop=100.0)), "value", "total population 5,000 or less"),
    na("le-no-deaths-90-plus", lambda: le(life_table().assign(deaths=lambda f: f["deaths"].where(f.age != 90, 0.0))),
       "value", "no deaths in the 90+ band"),
    na("le-missing-deaths", lambda: le(life_table().assign(deaths=lambda f: f["deaths"].where(f.index != 6))),
       "value", "missing deaths or population"),
    na("le-zero-population-band", lambda: le(life_table().assign(pop=lambda f: f["pop"].where(f.index != 6, 0.0))),
       "value", "zero or negative population"),
    na("le-empty-frame-no-groups", lambda: stats.life_expectancy(life_table().iloc[:0], "deaths", "pop", "age"),
       "value", "missing or duplicated age bands"),
]

SII = [
    na("sii-quantile-missing-na-mode", lambda: sii(quantile_values().drop(index=2), incomplete="na"), "sii",
       "no row for quantile(s) [3]"),
    na("sii-quantile-suppressed-na-mode", lambda: sii(quantile_values().assign(v=lambda f: f["v"].where(
        f.index != 7)), incomplete="na"), "sii", "a suppressed or missing value for quantile(s) [3]"),
    na("sii-quantile-twice-na-mode", lambda: sii(pd.concat([quantile_values(), quantile_values().iloc[[1]]]),
                                                 incomplete="na"), "sii", "more than one row for quantile(s) [2]"),
    na("sii-quantile-missing-everywhere", lambda: sii(quantile_values(k=6).query("q != 6"), incomplete="na",
                                                      quantiles=range(1, 7)), "sii", "no row for quantile(s) [6]"),
    na("sii-proportion-zero-on-logit-scale", lambda: sii(quantile_values().assign(
        v=lambda f: np.where(f.q == 1, 0.0, 0.2), lo=lambda f: np.where(f.q == 1, 0.0, 0.1), hi=0.3),
        value_type="proportion", incomplete="na"), "sii", "infinite on the logit scale"),
    error("sii-label-outside-quantiles", lambda: sii(quantile_values(k=6), incomplete="na", quantiles=range(1, 6)),
          InvalidInputError, r"labels outside quantiles=\[1, 2, 3, 4, 5\].*q=6"),
    error("sii-too-few-quantiles", lambda: sii(quantile_values(k=4)), InvalidInputError,
          r"has 4 distinct labels.*between 5 and 100"),
    error("sii-infinite-value", lambda: sii(quantile_values().assign(v=lambda f: f["v"].where(f.index != 1, INF))),
          InvalidInputError, r"column 'v' must not have infinite values.*row 1"),
    error("sii-infinite-se", lambda: sii(quantile_values().assign(se=lambda f: f["se"].where(f.index != 1, INF)),
                                         se="se", lower_ci=None, upper_ci=None),
          InvalidInputError, r"column 'se' must not have infinite values"),
    error("sii-swapped-limits", lambda: sii(quantile_values().rename(columns={"lo": "hi", "hi": "lo"})),
          InvalidInputError, r"lower_ci is above upper_ci.*row 0"),
    error("sii-zero-population", lambda: sii(quantile_values().assign(pop=lambda f: f["pop"].where(f.index != 0,
                                                                                                  0.0))),
          InvalidInputError, r"population column 'pop' must be greater than 0.*row 0"),
    error("sii-bad-incomplete-option", lambda: sii(quantile_values(), incomplete="skip"), InvalidInputError,
          r"incomplete must be 'drop' or 'na'"),
    error("sii-too-few-repetitions", lambda: sii(quantile_values(), repetitions=10), InvalidInputError,
          r"repetitions must be a whole number of at least 1,000"),
    error("sii-proportion-out-of-range", lambda: sii(quantile_values(), value_type="proportion"), InvalidInputError,
          r"holds proportions and must lie between 0 and 1"),
]

QUANTILES = [
    error("quantiles-infinite-value", lambda: stats.assign_quantiles(pd.DataFrame({"v": [1.0, INF] + [2.0] * 8}), "v",
                                                                     n=5),
          InvalidInputError, r"value column 'v' has infinite values.*row 1"),
    error("quantiles-negative-weight", lambda: stats.assign_quantiles(pd.DataFrame({"v": range(10), "w": [-1.0] + [1.0]
                                                                                    * 9}), "v", n=5, weights="w"),
          InvalidInputError, r"weights column 'w'.*row 0"),
    error("quantiles-n-not-whole", lambda: stats.assign_quantiles(pd.DataFrame({"v": range(10)}), "v", n=2.5),
          InvalidInputError, r"n must be a whole number"),
    error("quantiles-text-values", lambda: stats.assign_quantiles(pd.DataFrame({"v": list("abcdefghij")}), "v", n=5),
          InvalidInputError, r"value column 'v' must be numeric"),
    na("quantiles-too-few-areas", lambda: stats.assign_quantiles(pd.DataFrame({"g": ["a"] * 3, "v": [1.0, 2.0, 3.0]}),
                                                                 "v", n=5, by="g").assign(
        reason=lambda f: np.where(f["quantile"].isna(), "too few areas", None)),
       "quantile", "too few areas", reason="reason"),
    Case("quantiles-ties-straddle-a-boundary", lambda: stats.assign_quantiles(
        pd.DataFrame({"v": [1, 2, 3, 4, 5, 5, 5, 8, 9, 10.0]}), "v", n=5).assign(
        review=lambda f: np.where(f["v"] == 5, "tied values straddle a boundary", None), flag=np.nan),
        na=("flag", "review", "tied values straddle"), warning=QuantileTieWarning),
]

DIFFERENCES = [
    error("difference-numerator-above-denominator", lambda: stats.proportion_difference(
        tidy_pairs(x=[300.0, 10.0, 28.0, 12.0]), "x", "n", group="q", compare=(1, 5), by="year"),
        InvalidInputError, r"'x' is greater than column 'n'.*row 0"),
    error("difference-category-absent", lambda: stats.proportion_difference(tidy_pairs(), "x", "n", group="q",
                                                                            compare=("1", "5"), by="year"),
          InvalidInputError, r"'q' has no rows with the value\(s\) \['1', '5'\]"),
    error("difference-infinite-denominator", lambda: stats.proportion_difference(
        tidy_pairs(n=[100.0, INF, 100.0, 100.0]), "x", "n", group="q", compare=(1, 5), by="year"),
        InvalidInputError, r"denominator column 'n'.*finite.*row 1"),
    error("difference-both-forms", lambda: stats.proportion_difference(wide_pairs(), "x1", "n1", numerator_2="x2",
                                                                       denominator_2="n2", group="q", compare=(1, 5)),
          InvalidInputError, r"give either numerator_2= and denominator_2="),
    na("difference-category-absent-in-one-year", lambda: stats.proportion_difference(
        tidy_pairs().drop(index=3), "x", "n", group="q", compare=(1, 5), by="year"),
       "value", "no rows for one of q = 1 / 5"),
    error("ratio-negative-numerator", lambda: stats.proportion_ratio(wide_pairs(x2=-1.0), "x1", "n1",
                                                                     numerator_2="x2", denominator_2="n2"),
          InvalidInputError, r"numerator column 'x2'"),
]

FUNNELS = [
    error("funnel-limits-empty", lambda: stats.funnel_limits(funnel().iloc[:0], "x", "n", statistic="proportion",
                                                             multiplier=100),
          InvalidInputError, r"needs at least one row"),
    error("funnel-limits-numerator-above-denominator", lambda: stats.funnel_limits(
        funnel(x=[500.0, 20.0, 40.0, 60.0]), "x", "n", statistic="proportion", multiplier=100),
        InvalidInputError, r"numerators must be less than or equal to denominator.*row 0"),
    error("funnel-limits-negative-numerator", lambda: stats.funnel_limits(
        funnel(x=[-5.0, 20.0, 40.0, 60.0]), "x", "n", statistic="proportion", multiplier=100),
        InvalidInputError, r"numerators must be finite and greater than or equal to zero.*row 0"),
    error("funnel-limits-infinite-denominator", lambda: stats.funnel_limits(
        funnel(n=[INF, 200.0, 400.0, 500.0]), "x", "n", statistic="ratio", ratio_type="count"),
        InvalidInputError, r"denominators must be finite and greater than zero.*row 0"),
    error("funnel-limits-zero-expected", lambda: stats.funnel_limits(
        funnel(n=[0.0, 200.0, 400.0, 500.0]), "x", "n", statistic="ratio", ratio_type="isr"),
        InvalidInputError, r"denominators must be finite and greater than zero"),
    error("funnel-limits-infinite-rate", lambda: stats.funnel_limits(
        funnel(rate=[INF, 100.0, 80.0, 120.0]), "x", rate="rate", statistic="rate", rate_type="crude",
        multiplier=100_000, years_of_data=1), InvalidInputError, r"rates must be provided \(and > 0\).*row 0"),
    error("funnel-significance-infinite-numerator", lambda: stats.funnel_significance(
        funnel(x=[INF, 20.0, 40.0, 60.0]), "x", "n", statistic="proportion"),
        InvalidInputError, r"numerators must be finite"),
    error("funnel-significance-numerator-above-denominator", lambda: stats.funnel_significance(
        funnel(x=[500.0, 20.0, 40.0, 60.0]), "x", "n", statistic="proportion"),
        InvalidInputError, r"less than or equal to denominator.*row 0"),
    error("funnel-points-negative-events", lambda: stats.funnel_points(
        funnel(x=[-5.0, 20.0, 40.0, 60.0]), "x", "rate", rate_type="crude", years_of_data=1, multiplier=100_000),
        InvalidInputError, r"numerators must be finite and greater than or equal to zero"),
    error("funnel-points-zero-rate-with-events", lambda: stats.funnel_points(
        funnel(rate=[0.0, 100.0, 80.0, 120.0]), "x", "rate", rate_type="crude", years_of_data=1, multiplier=100_000),
        InvalidInputError, r"rates must be finite and greater than zero.*row 0"),
    error("funnel-unknown-statistic", lambda: stats.funnel_limits(funnel(), "x", "n", statistic="mean"),
          InvalidInputError, r"statistic must be one of"),
]

CASES: list[Case] = PROPORTION + RATE_MEAN + DSR + INDIRECT + LIFE_EXPECTANCY + SII + QUANTILES + DIFFERENCES + FUNNELS


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_stats_corpus(case: Case):
    check(case)


def test_corpus_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_many_quantiles_still_warn_once():
    """A sanity check of the warning machinery the corpus relies on (not a corpus case)."""
    frame = quantile_values(k=12)
    with pytest.warns(HealthIntelWarning, match="12 quantiles"):
        sii(frame)
