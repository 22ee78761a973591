"""The gap (Newcombe), ratio (Katz), SII, gap trend and target progress against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import obesity

sm = pytest.importorskip("statsmodels.stats.proportion")

# children measured and obese per national quintile (1 = most deprived), two years
COUNTS = {"2021/22": [(300, 90), (280, 70), (260, 55), (250, 45), (240, 30)],
          "2022/23": [(310, 87), (270, 62), (265, 53), (255, 41), (230, 25)]}


def _pupils():
    rows = []
    for year, qs in COUNTS.items():
        for q, (n, x) in enumerate(qs, start=1):
            cent = np.r_[np.full(x, 97.0), np.full(n - x, 50.0)]
            rows.append(pd.DataFrame({"academic_year": year, "national_quintile": q, "bmi_centile": cent}))
    p = pd.concat(rows, ignore_index=True)
    p["category"] = obesity.classify_weight(p["bmi_centile"])
    return p


def test_gap_and_ratio_match_statsmodels():
    gaps = obesity.deprivation_gap(_pupils(), measure="obesity", basis="national")
    assert list(gaps["academic_year"]) == ["2021/22", "2022/23"]
    for _, g in gaps.iterrows():
        (n1, x1), (n5, x5) = COUNTS[g["academic_year"]][0], COUNTS[g["academic_year"]][4]
        assert g["value"] == pytest.approx(100 * (x1 / n1 - x5 / n5), abs=1e-12)
        lo, hi = sm.confint_proportions_2indep(x1, n1, x5, n5, method="newcomb", compare="diff")
        assert (g["lower_ci"], g["upper_ci"]) == pytest.approx((100 * lo, 100 * hi), abs=1e-9)
        rlo, rhi = sm.confint_proportions_2indep(x1, n1, x5, n5, method="log", compare="ratio")
        assert g["ratio"] == pytest.approx((x1 / n1) / (x5 / n5))
        assert (g["ratio_lower_ci"], g["ratio_upper_ci"]) == pytest.approx((rlo, rhi), abs=1e-9)
        assert g["quintile_basis"].startswith("national IMD 2019 quintiles")


def test_worked_example_newcombe_1998():
    # Newcombe (1998) Table II example (g): 56/70 vs 48/80 -> difference 0.2, method 10 CI 0.0524 to 0.3339
    frame = pd.DataFrame({"academic_year": "x", "national_quintile": np.r_[np.ones(70), np.full(80, 5)]})
    frame["category"] = obesity.classify_weight(np.r_[np.full(56, 97.0), np.full(14, 50.0), np.full(48, 97.0),
                                                      np.full(32, 50.0)])
    g = obesity.deprivation_gap(frame, measure="obesity").iloc[0]
    assert g["value"] == pytest.approx(20.0)
    assert (g["lower_ci"], g["upper_ci"]) == pytest.approx((5.24, 33.39), abs=0.01)


def test_sii_sign_and_value():
    s = obesity.sii(_pupils(), measure="obesity", repetitions=2000)
    assert list(s["academic_year"]) == ["2021/22", "2022/23"]
    # closed form: WLS of prevalence on mid-point rank, weights = shares; positive = higher when more deprived
    n = np.array([c[0] for c in COUNTS["2021/22"]], float)
    p = np.array([c[1] for c in COUNTS["2021/22"]]) / n
    a = n / n.sum()
    b = np.cumsum(a) - a / 2
    slope = np.sum(a * (b - np.sum(a * b)) * (p - np.sum(a * p))) / np.sum(a * (b - np.sum(a * b)) ** 2)
    assert s["sii"].iloc[0] == pytest.approx(-100 * slope, rel=1e-9)
    assert s["sii"].iloc[0] > 0 and s["sii_lower_ci"].iloc[0] < s["sii"].iloc[0] < s["sii_upper_ci"].iloc[0]


def test_gap_trend_matches_weighted_least_squares():
    wls = pytest.importorskip("statsmodels.api")
    gaps = pd.DataFrame({"academic_year": ["2016/17", "2017/18", "2018/19", "2021/22", "2022/23"],
                         "value": [18.0, 17.1, 16.5, 15.2, 14.0]})
    half = np.array([1.0, 1.2, 0.9, 1.1, 1.3])
    gaps["lower_ci"], gaps["upper_ci"] = gaps["value"] - half, gaps["value"] + half
    r = obesity.gap_trend(gaps).iloc[0]
    se = half / 1.959963984540054
    x = wls.add_constant(np.array([2016, 2017, 2018, 2021, 2022], float))
    fit = wls.WLS(gaps["value"].to_numpy(), x, weights=1 / se ** 2).fit()
    assert r["slope"] == pytest.approx(fit.params[1])
    # known variances: SE of the slope = sqrt((X'WX)^-1), not the residual-scaled one
    cov = np.linalg.inv(x.T @ np.diag(1 / se ** 2) @ x)
    assert r["upper_ci"] - r["slope"] == pytest.approx(1.959963984540054 * np.sqrt(cov[1, 1]))
    assert r["direction"] == "narrowing" and r["p_value"] < 0.001
    flat = gaps.assign(value=15.0, lower_ci=14.0, upper_ci=16.0)
    assert obesity.gap_trend(flat).iloc[0]["direction"] == "no significant change"


@pytest.mark.parametrize("latest, expected", [(12.5, "off track"), (12.0, "on track"), (9.9, "met")])
def test_target_progress_default_kent_and_medway(latest, expected):
    gaps = pd.DataFrame({"academic_year": ["2021/22", "2023/24"], "value": [13.2, latest]})
    r = obesity.target_progress(gaps).iloc[0]
    assert r["baseline_value"] == 13.2 and r["goal_value"] == 10.0
    assert r["required_value"] == pytest.approx(13.2 - 2 / 6 * 3.2)  # 2 of 6 years from 2021/22 to 2027/28
    assert r["progress"] == expected
