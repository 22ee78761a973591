"""``compare.recent_trend`` with its DEFAULT method against every FingertipsNext series and platform test case
in ../shared/reference/fingertips (read at run time).

Fingertips (``TrendMarkerCalculator``, reused by FingertipsNext) uses the chi-squared test for linear trend only
for indicators benchmarked by "SPC for proportions", and the inverse-variance weighted regression for all the
others — proportions included — so the default must not pick the chi-squared path just because counts are given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel.compare import recent_trend

pytestmark = pytest.mark.reference

NEXT_LABELS = {
    "Increasing": "Increasing", "Decreasing": "Decreasing", "NoChange": "No significant change",
    "CannotBeCalculated": "Cannot be calculated",
    "IncreasingAndGettingWorse": "Increasing and getting worse",
    "IncreasingAndGettingBetter": "Increasing and getting better",
    "DecreasingAndGettingWorse": "Decreasing and getting worse",
    "DecreasingAndGettingBetter": "Decreasing and getting better",
}
VALUE_TYPES = {"Proportion": "proportion", "Crude rate": "crude_rate", "Directly standardised rate": "dsr",
               "Indirectly standardised proportion": "isp"}


@pytest.fixture(scope="module")
def series(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "fingertips" / "fingertipsnext_trend_series.csv")


def _default(rows: pd.DataFrame, **kw) -> pd.Series:
    out = recent_trend(rows, period="to_date", value="value", count="count", denominator="denominator",
                       lower_ci="lower_ci95", upper_ci="upper_ci95",
                       value_type=VALUE_TYPES[rows["value_type"].iloc[0]], polarity=rows["polarity"].iloc[0], **kw)
    return out.iloc[0]


def test_default_method_matches_all_six_fingertipsnext_series(series):
    got, expected = {}, {}
    for dataset, rows in series.groupby("dataset", sort=False):
        got[dataset] = _default(rows)["trend"]
        expected[dataset] = NEXT_LABELS[rows["expected_trend"].iloc[0]]
    assert len(got) == 6
    assert got == expected  # 6 of 6


def test_gp_population_over_65_is_no_significant_change_by_default(series):
    """The case the issue names: a proportion with counts but no CIs. The chi-squared path said "Increasing";
    Fingertips (not an SPC-for-proportions indicator) shows no significant change."""
    rows = series[series["dataset"] == "GpRegisteredPopulationOver65"]
    row = _default(rows)
    assert row["trend"] == "No significant change"
    assert row["trend_method"] == "inverse-variance weighted regression"
    assert rows["lower_ci95"].isna().all()  # nothing to weight by: the platform's NaN statistic is not significant


def test_spc_for_proportions_indicator_gets_the_chi_squared_path(reference_dir):
    cases = pd.read_csv(reference_dir / "fingertips" / "trend_marker_cases.csv")
    rows = cases[cases["case"] == "proportion_set1"]
    out = recent_trend(rows, period="year", value="value", count="count", denominator="denominator",
                       lower_ci="lower_ci95", upper_ci="upper_ci95", comparator_method="SPC for proportions").iloc[0]
    assert out["trend_method"] == "chi-squared test for linear trend"
    assert round(out["chi2"], 2) == pytest.approx(47.9, abs=0.006) and out["trend"] == "Increasing"
    generic = cases[cases["case"] == "generic_set1"]
    out = recent_trend(generic, period="year", value="value", count="count", denominator="denominator",
                       lower_ci="lower_ci95", upper_ci="upper_ci95").iloc[0]  # default: weighted regression
    assert round(out["chi2"], 2) == pytest.approx(46.77, abs=0.006) and out["trend"] == "Increasing"


def _slopes(t, y, w) -> list[float]:
    """Weighted least-squares slopes of y on t: all points, then each leave-one-out subset."""
    def fit(tt, yy, ww):
        tb, yb = np.average(tt, weights=ww), np.average(yy, weights=ww)
        return float(np.sum(ww * (tt - tb) * (yy - yb)) / np.sum(ww * (tt - tb) ** 2))

    return [fit(t, y, w)] + [fit(np.delete(t, i), np.delete(y, i), np.delete(w, i)) for i in range(len(t))]


def test_outlier_check_is_the_unweighted_logit_slope():
    """``NoOutliersCheckForProportion`` fits log(r/(n-r)) on t without weights. In this series (found by search)
    the unweighted slopes all keep one sign, so the platform reports a trend, while inverse-variance weighted
    empirical-logit slopes (the old check) flip sign and would have said "No significant change"."""
    t = np.arange(1.0, 6.0)
    n = np.array([2_000_000, 100_000, 100_000, 200, 200], dtype=float)
    r = np.array([452_105, 28_253, 24_378, 63, 76], dtype=float)
    data = pd.DataFrame({"year": 2014 + t.astype(int), "count": r, "den": n, "value": 100 * r / n})
    unweighted = _slopes(t, np.log(r / (n - r)), np.ones(5))
    pe = (r + 0.5) / (n + 1)
    weighted = _slopes(t, np.log(pe / (1 - pe)), n * pe * (1 - pe))
    assert len({np.sign(s) for s in unweighted}) == 1 and len({np.sign(s) for s in weighted}) == 2
    expected = "Increasing" if unweighted[0] > 0 else "Decreasing"  # the platform's Slope is the unweighted one
    out = recent_trend(data, period="year", value="value", count="count", denominator="den",
                       comparator_method="spc_proportion").iloc[0]
    assert out["chi2"] > 9.5495 and out["trend_method"] == "chi-squared test for linear trend"
    assert out["trend"] == expected
