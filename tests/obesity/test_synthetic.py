"""The synthetic demo extract: seeded, flagged as synthetic, and calibrated to the published England gradient."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from healthintel import obesity
from healthintel.synthetic import ncmp as synthetic_ncmp


def test_seeded_flagged_and_schema_valid():
    a = synthetic_ncmp.generate(seed=11, academic_years=["2021/22"], scale=0.02)
    b = synthetic_ncmp.generate(seed=11, academic_years=["2021/22"], scale=0.02)
    c = synthetic_ncmp.generate(seed=12, academic_years=["2021/22"], scale=0.02)
    assert a.equals(b) and not a.equals(c)
    assert a.attrs["synthetic"] is True and "synthetic" in a.attrs["note"].lower()
    obesity.validate(a)
    assert set(a["school_year"]) == {"Reception", "Year 6"}
    assert a["school_lad_code"].str.match(r"E0[679]").all()  # districts, unitaries, London boroughs
    prep = obesity.prepare(a)
    assert prep.synthetic
    ex = prep.exclusions.set_index("reason")["records"]
    assert ex.sum() == len(a) and ex.drop("records analysed").sum() > 0


def test_home_lsoa_and_school_district_differ_as_in_real_data():
    """Some Kent and Medway residents are measured at schools in other districts (some outside Kent and Medway),
    children of the bordering districts at Kent schools, and the residents' measurements do not depend on it."""
    from healthintel import geography

    a = synthetic_ncmp.generate(seed=11, academic_years=["2021/22"], scale=0.05)
    plain = synthetic_ncmp.generate(seed=11, academic_years=["2021/22"], scale=0.05, schools=False)
    home = a["lsoa_code"].map(geography.lsoa_lookup().set_index("lsoa_code")["lad_code"])
    residents = a[~a["pupil_id"].str.startswith("V")]
    visitors = a[a["pupil_id"].str.startswith("V")]
    moved = (home.loc[residents.index] != residents["school_lad_code"]) & home.loc[residents.index].notna()
    share = moved.mean()
    assert 0.5 * synthetic_ncmp.SCHOOL_ELSEWHERE_SHARE < share < 1.5 * synthetic_ncmp.SCHOOL_ELSEWHERE_SHARE
    assert (~residents.loc[moved, "school_lad_code"].isin(synthetic_ncmp.KENT_AND_MEDWAY_SCHOOLS)).any()
    assert len(visitors) > 0 and set(home.loc[visitors.index]) <= set(synthetic_ncmp.VISITOR_SCHOOLS)
    assert visitors["school_lad_code"].isin(synthetic_ncmp.NEIGHBOURS).all()  # at Kent schools
    cols = ["pupil_id", "lsoa_code", "sex", "bmi", "bmi_centile", "date_of_birth"]
    assert residents[cols].reset_index(drop=True).equals(plain[cols])


def test_cache_is_keyed_by_seed_and_version(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHINTEL_PROCESSED_DIR", str(tmp_path))
    path = synthetic_ncmp._cache_path(5)
    assert path.parent == tmp_path and f"v{synthetic_ncmp.VERSION}-seed5-" in path.name


def test_calibration_targets_hit_the_published_figures():
    t = synthetic_ncmp.targets()
    pub = t.dropna(subset=["published"])
    np.testing.assert_allclose(pub["target"], pub["published"], atol=1e-9)
    eng = t.groupby(["school_year", "academic_year"])[["england_target", "england_published"]].first()
    np.testing.assert_allclose(eng["england_target"], eng["england_published"], atol=1e-6)
    y6 = t[(t["school_year"] == "Year 6") & (t["academic_year"] == "2021/22")].set_index("decile")["target"]
    assert y6[1] == pytest.approx(31.3) and y6[10] == pytest.approx(13.5) and y6.is_monotonic_decreasing


def test_year6_obesity_by_national_decile_reproduces_england_gradient(synthetic_prepared):
    """Tolerance: every Year 6 year x decile cell within 4 binomial standard errors of its calibration target
    (the published figure where one exists), and the cells jointly consistent with sampling error (chi-squared
    goodness of fit, p > 0.001). The published most-minus-least-deprived decile gap lies in the 99.9% CI."""
    c = synthetic_ncmp.calibration_check(synthetic_prepared, school_year="Year 6")
    assert len(c) == 7 * 10 and c["measured"].min() > 1000
    assert c["z"].abs().max() < 4
    assert chi2.sf((c["z"] ** 2).sum(), len(c)) > 0.001
    pub = c.dropna(subset=["published"])
    assert len(pub) == 2 * 10 + 3 * 2
    se = np.sqrt(pub["published"] / 100 * (1 - pub["published"] / 100) / pub["measured"]) * 100
    assert ((pub["synthetic"] - pub["published"]).abs() < 4 * se).all()
    gaps = obesity.deprivation_gap(synthetic_prepared.pupils[synthetic_prepared.pupils["school_year"] == "Year 6"],
                                   basis="national", n=10, confidence=0.999).set_index("academic_year")
    for year, published_gap in {"2021/22": 17.8, "2022/23": 17.1, "2023/24": 16.2}.items():
        assert gaps.loc[year, "lower_ci"] < published_gap < gaps.loc[year, "upper_ci"]


def test_kent_and_medway_level_is_plausible(synthetic_prepared):
    """Synthetic district levels follow deprivation only; they stay within 5 points of the real Fingertips
    figure for almost every district and year (Year 6 obesity)."""
    p = synthetic_ncmp.plausibility(synthetic_prepared).dropna(subset=["published"])
    assert len(p) >= 13 * 6
    diff = (p["value"] - p["published"]).abs()
    assert diff.median() < 2.0 and (diff < 5).mean() > 0.95
