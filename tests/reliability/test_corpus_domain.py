"""Reliability corpus, comparisons and domain modules: benchmark, quintiles, recent trend, deprivation, life
expectancy and child obesity. One test per case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import compare, deprivation, obesity
from healthintel import life_expectancy as le
from healthintel.errors import GeographyError, InvalidInputError, MissingColumnError

from .corpus import Case, check, error, na

INF, NAN = np.inf, np.nan


# ---------------------------------------------------------------------------------------------- inputs
def areas(**cols) -> pd.DataFrame:
    base = pd.DataFrame({"area": ["a", "b", "c"], "value": [10.0, 20.0, 30.0], "lower_ci": [8.0, 18.0, 28.0],
                         "upper_ci": [12.0, 22.0, 32.0], "n": [100.0, 200.0, 300.0]})
    return base.assign(**cols)


def series(n=6, **cols) -> pd.DataFrame:
    base = pd.DataFrame({"year": range(2015, 2015 + n), "value": np.linspace(20, 30, n),
                         "count": np.linspace(200, 300, n), "den": 1000.0})
    base["lo"], base["hi"] = base["value"] - 1, base["value"] + 1
    return base.assign(**cols)


def trend(data, **kw):
    args = dict(period="year", value="value", count="count", denominator="den", lower_ci="lo", upper_ci="hi")
    args.update(kw)
    return compare.recent_trend(data, **args)


def lsoas(**cols) -> pd.DataFrame:
    base = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002", "E01000003"], "imd_quintile": [1, 2, 5],
                         "population": [100.0, 200.0, 300.0], "imd_score": [30.0, 20.0, 10.0],
                         "population_2015": [1.0, 2.0, 3.0], "imd_rank": [1, 2, 3]})
    return base.assign(**cols)


def pupils(years=("2021/22", "2022/23")) -> pd.DataFrame:
    rows = []
    for year in years:
        for q in range(1, 6):
            n, x = 100, 10 + q
            cent = np.r_[np.full(x, 97.0), np.full(n - x, 50.0)]
            rows.append(pd.DataFrame({"academic_year": year, "national_quintile": q, "bmi_centile": cent}))
    frame = pd.concat(rows, ignore_index=True)
    frame["category"] = obesity.classify_weight(frame["bmi_centile"])
    return frame


P = pupils()


def gaps(**cols) -> pd.DataFrame:
    base = pd.DataFrame({"academic_year": ["2016/17", "2017/18", "2018/19"], "value": [1.0, 2.0, 3.0],
                         "lower_ci": [0.0, 1.0, 2.0], "upper_ci": [2.0, 3.0, 4.0]})
    return base.assign(**cols)


def deciles(missing=(), value_na=()) -> pd.DataFrame:
    """LE by decile as le_table() returns it (two ages), for one area and sex."""
    rows = [{"area_code": "X", "sex": "Male", "period": "2017-19", "decile": d, "le_age": age,
             "value": (70.0 if age == 0 else 15.0) + d * 0.5, "population_used": 10_000.0 + d}
            for d in range(1, 11) if d not in missing for age in (0, 65)]
    out = pd.DataFrame(rows)
    out.loc[out["decile"].isin(value_na), "value"] = np.nan
    out["lower_ci"], out["upper_ci"] = out["value"] - 1, out["value"] + 1
    out["se"] = 1 / 1.959964
    return out


def le_inputs(lsoa="E01016016"):
    from healthintel.synthetic import deaths as sd

    pop = sd.populations([lsoa], years=[2017])
    dth = pd.DataFrame({"lsoa_code": [lsoa] * 2, "sex": ["male", "female"], "age": [80, 85], "year": [2017, 2017],
                        "deaths": [2, 3]})
    return dth, pop


# ---------------------------------------------------------------------------------------------- cases
BENCHMARK = [
    error("benchmark-swapped-limits", lambda: compare.benchmark(areas(lower_ci=[12.0, 18.0, 28.0],
                                                                      upper_ci=[8.0, 22.0, 32.0]), 9.0),
          InvalidInputError, r"'lower_ci' is above 'upper_ci'.*row 0.*swapped"),
    error("benchmark-confidence-text", lambda: compare.benchmark(areas(), 15.0, method="spc_proportion",
                                                                 denominator="n", confidence="high"),
          InvalidInputError, r"confidence must be 0.95, 0.998"),
    error("benchmark-confidence-unsupported", lambda: compare.benchmark(areas(), 15.0, method="spc_dsr",
                                                                        denominator="n", confidence=0.9),
          InvalidInputError, r"Fingertips levels 0.95 and/or 0.998"),
    error("benchmark-infinite-value", lambda: compare.benchmark(areas(value=[INF, 20.0, 30.0]), 15.0),
          InvalidInputError, r"column 'value' has infinite values.*row 0"),
    error("benchmark-infinite-limit", lambda: compare.benchmark(areas(upper_ci=[INF, 22.0, 32.0]), 15.0),
          InvalidInputError, r"column 'upper_ci' has infinite values"),
    error("benchmark-infinite-comparator", lambda: compare.benchmark(areas(), INF), InvalidInputError,
          r"column 'comparator' has infinite values"),
    error("benchmark-99-8-inside-95", lambda: compare.benchmark(
        areas(lower_ci_99_8=[9.0, 17.0, 27.0], upper_ci_99_8=[13.0, 23.0, 33.0]), 15.0, method="ci_overlap_95_99_8"),
        InvalidInputError, r"99.8% interval must contain the 95%"),
    error("benchmark-comparator-limits-swapped", lambda: compare.benchmark(
        areas(period=1), pd.DataFrame({"period": [1], "value": [15.0], "lower_ci": [16.0], "upper_ci": [14.0]}),
        on="period", method="double_ci_overlap"), InvalidInputError, r"comparator confidence limits"),
    error("benchmark-comparator-duplicated-key", lambda: compare.benchmark(
        areas(period=1), pd.DataFrame({"period": [1, 1], "value": [15.0, 16.0]}), on="period"),
        InvalidInputError, r"comparator has more than one row per \['period'\]"),
    error("benchmark-negative-denominator", lambda: compare.benchmark(areas(n=[-1.0, 200.0, 300.0]), 15.0,
                                                                      method="spc_dsr", denominator="n"),
          InvalidInputError, r"denominator column 'n' must not be negative.*row 0"),
    error("benchmark-proportion-above-100", lambda: compare.benchmark(areas(value=[10.0, 20.0, 130.0]), 15.0,
                                                                      method="spc_proportion", denominator="n"),
          InvalidInputError, r"value column 'value' must be a proportion between 0 and multiplier=100.*row 2"),
    error("benchmark-unknown-method", lambda: compare.benchmark(areas(), 15.0, method="funnel"), InvalidInputError,
          r"method 'funnel' is not one of"),
    error("benchmark-unknown-polarity", lambda: compare.benchmark(areas(), 15.0, polarity="up"), InvalidInputError,
          r"polarity 'up' is not recognised"),
    error("benchmark-comparator-object", lambda: compare.benchmark(areas(), object()), InvalidInputError,
          r"comparator must be a number, the name of a column"),
    error("quintiles-infinite-value", lambda: compare.quintile_benchmark(areas(value=[INF, 1.0, 2.0])),
          InvalidInputError, r"column 'value' has infinite values"),
    error("quintiles-n-not-integer", lambda: compare.quintile_benchmark(areas(), n=2.5), InvalidInputError,
          r"n must be an integer"),
]

TREND = [
    error("trend-swapped-limits", lambda: trend(series().rename(columns={"lo": "hi", "hi": "lo"})),
          InvalidInputError, r"lower_ci column 'lo' is above upper_ci column 'hi'.*swapped"),
    error("trend-infinite-value", lambda: trend(series(value=INF)), InvalidInputError,
          r"column 'value' has infinite values"),
    error("trend-negative-count", lambda: trend(series(count=-1.0)), InvalidInputError,
          r"count column 'count' must not be negative"),
    error("trend-count-above-denominator", lambda: trend(series(count=2000.0)), InvalidInputError,
          r"count column 'count' is greater than denominator column 'den'"),
    error("trend-missing-period-label", lambda: trend(series(year=[2015, 2016, None, 2018, 2019, 2020])),
          InvalidInputError, r"period column 'year' has labels that are not periods.*row 2"),
    error("trend-text-period", lambda: trend(series(year=["2015", "soon", "2017", "2018", "2019", "2020"])),
          InvalidInputError, r"not periods.*'soon'"),
    error("trend-duplicated-period", lambda: trend(pd.concat([series(), series()])), InvalidInputError,
          r"more than one row per group and period"),
    error("trend-multiplier-text", lambda: trend(series(), multiplier="x"), InvalidInputError,
          r"multiplier must be a finite number"),
    error("trend-spc-without-counts", lambda: trend(series(), count=None, denominator=None,
                                                    comparator_method="spc_proportion"),
          InvalidInputError, r"SPC for proportions gets the chi-squared trend, which needs count="),
    error("trend-unknown-value-type", lambda: trend(series(), value_type="percent"), InvalidInputError,
          r"value_type 'percent' is not known"),
    error("trend-weighted-without-limits", lambda: trend(series(), lower_ci=None, upper_ci=None), InvalidInputError,
          r"needs 95% confidence limits"),
    na("trend-too-few-points", lambda: trend(series(4)), "chi2", "fewer than 5 points", reason="reason",
       warning=None),
    na("trend-count-equals-denominator", lambda: trend(series(count=[200.0, 220, 240, 260, 280, 1000])), "chi2",
       "count = denominator", reason="reason", warning=None),
    na("trend-pooled-periods", lambda: trend(series(5, year=["2013-15", "2014-16", "2015-17", "2016-18",
                                                             "2017-19"])), "chi2", "not single years",
       reason="reason", warning=None),
    na("trend-life-expectancy-has-no-trend", lambda: trend(series(), value_type="life_expectancy"), "chi2",
       "has no Fingertips trend", reason="reason", warning=None),
    na("trend-nan-group-key-reported", lambda: trend(pd.concat([series().assign(area="a"),
                                                                series(3).assign(area=np.nan)]), by="area"),
       "chi2", "fewer than 5 points", reason="reason", warning=None),
]

DEPRIVATION = [
    error("population-by-quintile-missing-quintile", lambda: deprivation.population_by_quintile(
        lsoas(imd_quintile=[1, NAN, 5])), InvalidInputError, r"column 'imd_quintile' must hold whole quantiles.*row 1"),
    error("population-by-quintile-lsoa-twice", lambda: deprivation.population_by_quintile(
        pd.concat([lsoas(), lsoas().iloc[[0]]])), InvalidInputError, r"an LSOA appears more than once.*E01000001"),
    error("population-by-quintile-quintile-zero", lambda: deprivation.population_by_quintile(
        lsoas(imd_quintile=[0, 2, 5])), InvalidInputError, r"whole quantiles 1, 2"),
    error("population-by-quintile-negative-population", lambda: deprivation.population_by_quintile(
        lsoas(population=[-1.0, 2.0, 3.0])), InvalidInputError, r"population column 'population'.*row 0"),
    error("population-by-quintile-england-missing-quintile", lambda: deprivation.population_by_quintile(
        lsoas(), lsoas(imd_quintile=[1, 2, NAN])), InvalidInputError, r"england: column 'imd_quintile'"),
    error("average-score-empty", lambda: deprivation.average_score(lsoas().iloc[:0]), InvalidInputError,
          r"needs at least one LSOA"),
    error("average-score-zero-population", lambda: deprivation.average_score(lsoas(population_2015=0.0)),
          InvalidInputError, r"sums to zero"),
    error("average-score-missing-score", lambda: deprivation.average_score(lsoas(imd_score=[NAN, 1.0, 2.0])),
          InvalidInputError, r"column 'imd_score' has missing or infinite scores.*row 0"),
    error("local-quantiles-missing-population-column", lambda: deprivation.local_quantiles(
        lsoas().drop(columns="population"), weighted=True), MissingColumnError, r"population='population'"),
    error("local-quantiles-infinite-score", lambda: deprivation.local_quantiles(lsoas(imd_score=[INF, 1.0, 2.0])),
          InvalidInputError, r"value column 'imd_score' has infinite values"),
    error("most-deprived-k-text", lambda: deprivation.most_deprived_lsoas(lsoas(), k="ten"), InvalidInputError,
          r"k must be a whole number"),
    error("attach-deprivation-missing-code", lambda: deprivation.attach_deprivation(
        pd.DataFrame({"l": ["E01000001", None]}), "l"), GeographyError, r"column 'l' has 1 missing LSOA code"),
]

LIFE_EXPECTANCY = [
    error("le-aggregate-nan-group-key", lambda: le.aggregate(*le_inputs(), pd.DataFrame(
        {"lsoa_code": ["E01016016"], "lad_code": [None]})), InvalidInputError,
        r"groups has missing values.*E01016016.*drop out"),
    error("le-aggregate-lsoa-in-two-groups", lambda: le.aggregate(*le_inputs(), pd.DataFrame(
        {"lsoa_code": ["E01016016", "E01016016"], "decile": [1, 2]})), InvalidInputError,
        r"maps an LSOA more than once.*counted twice"),
    error("le-deaths-row-twice", lambda: le.validate_inputs(
        pd.concat([le_inputs()[0], le_inputs()[0].iloc[[0]]]), le_inputs()[1]), InvalidInputError,
        r"deaths has more than one row for the same lsoa_code, sex, age and year"),
    error("le-population-row-twice", lambda: le.validate_inputs(
        le_inputs()[0], pd.concat([le_inputs()[1], le_inputs()[1].iloc[[0]]])), InvalidInputError,
        r"population has more than one row"),
    error("le-deaths-year-2099", lambda: le.validate_inputs(le_inputs()[0].assign(year=2101), le_inputs()[1]),
          InvalidInputError, r"column 'year' fails"),
    error("le-pool-nan-key", lambda: le.pool(pd.DataFrame({"a": [NAN], "sex": ["Male"], "age": [0], "year": [2017],
                                                           "deaths": [1], "population": [1.0]}), "2017", "a"),
          InvalidInputError, r"pool: missing group, sex or age"),
    error("le-gap-decile-twice", lambda: le.gap(pd.concat([deciles(), deciles().iloc[[0]]])), InvalidInputError,
          r"more than one row per group and decile"),
    error("le-period-backwards", lambda: le.parse_period("2019-17"), InvalidInputError, r"ends before it starts"),
    na("le-gap-least-deprived-missing", lambda: le.gap(deciles(missing=(10,))), "value",
       "no life expectancy for decile 1 or 10", warning=None),
    na("le-gap-most-deprived-suppressed", lambda: le.gap(deciles(value_na=(1,))), "value",
       "no life expectancy for decile 1 or 10", warning=None),
    na("le-sii-decile-suppressed", lambda: le.sii(deciles(value_na=(4,)), repetitions=1000), "value",
       "a suppressed or missing value for quantile(s) [4]"),
    na("le-sii-decile-missing-everywhere", lambda: le.sii(deciles(missing=(10,)), repetitions=1000), "value",
       "no row for quantile(s) [10]"),
]

OBESITY = [
    na("obesity-gap-quintile-missing-in-a-year", lambda: obesity.deprivation_gap(
        P[~((P.academic_year == "2022/23") & (P.national_quintile == 5))]), "value", "no rows for one of quantile"),
    na("obesity-gap-no-quintile-in-a-year", lambda: obesity.deprivation_gap(P.assign(
        national_quintile=P.national_quintile.where(P.academic_year != "2022/23"))), "value",
       "no pupils with a national quintile in this period"),
    na("obesity-gap-quintile-5-nowhere", lambda: obesity.deprivation_gap(P[P.national_quintile != 5]), "value",
       "in any period"),
    na("obesity-sii-quintile-missing-in-a-year", lambda: obesity.sii(
        P[~((P.academic_year == "2022/23") & (P.national_quintile == 5))], repetitions=1000), "sii",
       "no row for quantile(s) [5]"),
    na("obesity-sii-no-quintile-in-a-year", lambda: obesity.sii(P.assign(
        national_quintile=P.national_quintile.where(P.academic_year != "2022/23")), repetitions=1000), "sii",
       "no pupils with a national quintile in this period"),
    na("obesity-sii-zero-prevalence", lambda: obesity.sii(P.assign(
        category=obesity.classify_weight(np.full(len(P), 50.0))), repetitions=1000), "sii",
       "infinite on the logit scale"),
    error("obesity-pupils-measured-in-2099", lambda: obesity.deprivation_gap(P.assign(
        date_of_measurement=pd.Timestamp("2099-01-15"))), InvalidInputError,
        r"column 'date_of_measurement' is in the future.*2099"),
    error("obesity-academic-year-2099", lambda: obesity.prevalence(P.assign(academic_year="2099/00")),
          InvalidInputError, r"column 'academic_year' is an academic year that has not started"),
    error("obesity-measured-before-birth", lambda: obesity.counts(P.assign(
        date_of_birth=pd.Timestamp("2015-06-01"), date_of_measurement=pd.Timestamp("2014-10-01"),
        academic_year="2014/15")), InvalidInputError, r"column 'date_of_birth' is after the measurement"),
    error("obesity-measured-outside-academic-year", lambda: obesity.counts(P.assign(
        date_of_measurement=pd.Timestamp("2019-10-01"))), InvalidInputError,
        r"outside its academic year.*academic_year='2021/22'"),
    error("obesity-missing-academic-year", lambda: obesity.deprivation_gap(P.assign(
        academic_year=P.academic_year.where(P.index != 0))), InvalidInputError,
        r"by column\(s\) \['academic_year'\] have missing values.*row 0"),
    error("obesity-gap-trend-swapped", lambda: obesity.gap_trend(gaps().rename(
        columns={"lower_ci": "upper_ci", "upper_ci": "lower_ci"})), InvalidInputError, r"the limits look swapped"),
    error("obesity-gap-trend-infinite", lambda: obesity.gap_trend(gaps(value=INF)), InvalidInputError,
          r"column 'value' has infinite values"),
    error("obesity-gap-trend-bad-period", lambda: obesity.gap_trend(gaps(academic_year=["2016/17", "soon",
                                                                                        "2018/19"])),
          InvalidInputError, r"\['soon'\] are not periods"),
    error("obesity-gap-trend-period-twice", lambda: obesity.gap_trend(pd.concat([gaps(), gaps()])),
          InvalidInputError, r"more than one gap per period"),
    error("obesity-gap-trend-missing-column", lambda: obesity.gap_trend(gaps().drop(columns="value")),
          MissingColumnError, r"value='value'"),
    error("obesity-target-not-a-number", lambda: obesity.target_progress(gaps(), {"baseline_value": "x"}),
          InvalidInputError, r"target baseline_value must be a number"),
    error("obesity-trajectory-bad-period", lambda: obesity.trajectory({"baseline_period": "soon"}, ["2021/22"]),
          InvalidInputError, r"\['soon'\] are not periods"),
    error("obesity-unknown-measure", lambda: obesity.deprivation_gap(P, measure="fat"), InvalidInputError,
          r"unknown measure\(s\) \['fat'\]"),
]

CASES: list[Case] = BENCHMARK + TREND + DEPRIVATION + LIFE_EXPECTANCY + OBESITY


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_domain_corpus(case: Case):
    check(case)


def test_corpus_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
