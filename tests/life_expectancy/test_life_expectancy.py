"""healthintel.life_expectancy and the synthetic deaths: real-data check, calibration, SII, errors, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import chapters
from healthintel import life_expectancy as le
from healthintel.errors import GeographyError, InvalidInputError
from healthintel.synthetic import deaths as sd
from healthintel.sources.catalog import raw_path
from healthintel.sources.published import fingertips_extract
from healthintel.stats.life_expectancy import SUPPRESSION_REASONS


# ---- real data: 2014 district life tables vs published Fingertips LE -----------------------------------------------
def test_real_2014_district_life_tables_are_plausible_against_fingertips():
    """Real ONS deaths 2014 + mid-2014 population -> one-year LE by district; published 2015-17 (nearest period)
    must lie within 4 standard errors of the one-year estimate (SE ~0.4-0.6 y, plus the period shift), and the
    mean absolute difference below 0.8 y."""
    d = pd.read_csv(raw_path("deaths_2014_lad_ageband_sex_kent_medway"))
    p = pd.read_csv(raw_path("mye_2014_lad_syoa_sex_kent_medway"))
    d["age"] = d["age"].astype(str).str.extract(r"^(\d+)")[0].astype(int)
    p["age"] = le.band_ages(p["age"].astype(str).str.extract(r"^(\d+)")[0].astype(int))
    p = p.groupby(["lad_code", "sex", "age"], as_index=False)["population"].sum()
    m = p.merge(d[["lad_code", "sex", "age", "deaths"]], on=["lad_code", "sex", "age"])
    m["sex"] = m["sex"].map({"Males": "Male", "Females": "Female"})
    res = le.le_table(m, ["lad_code"], le_age=(0,))
    pub = fingertips_extract(90366)
    pub = pub[pub["period"] == "2015-17"].rename(columns={"area_code": "lad_code", "value": "published"})
    cmp = res.merge(pub[["lad_code", "sex", "published"]], on=["lad_code", "sex"])
    assert len(cmp) == 26
    diff = (cmp["value"] - cmp["published"]).abs()
    assert (diff < 4 * cmp["se"]).all(), cmp.loc[diff.idxmax()]
    assert diff.mean() < 0.8


# ---- synthetic data: calibration ---------------------------------------------------------------------------------
def test_calibration_expected_values_hit_every_target():
    r = sd.calibration_report()
    err = (r["expected_value"] - r["target_value"]).abs()
    tol = {"england_le": 0.02, "england_sii": 0.02, "england_gap": 0.02, "lad_le": 0.05, "lad_sii": 0.5}
    for kind, t in tol.items():
        assert err[r["kind"] == kind].max() < t, kind
    assert set(r["kind"]) == set(tol)


@pytest.fixture(scope="module")
def england():
    e = sd.england_aggregate().rename(columns={"imd_decile": "decile"})
    e["sex"] = e["sex"].map(le.SEX_LABELS)
    return e


def test_synthetic_england_decile_gap_and_sii_reproduce_ons(england):
    """Realised (Poisson) deaths: SII 2017-19 within 0.25 y of ONS 9.4/7.6; gap 2018-20 within 0.3 y of 9.7/7.9."""
    dec = le.le_table(le.pool(england, "2017-19", ["decile"]), ["decile"], le_age=(0,))
    s = le.sii(dec, repetitions=1000, seed=1).set_index("sex")
    assert s.loc["Male", "value"] == pytest.approx(9.4, abs=0.25)
    assert s.loc["Female", "value"] == pytest.approx(7.6, abs=0.25)
    assert (s["lower_ci"] < s["value"]).all() and (s["value"] < s["upper_ci"]).all()
    dec2 = le.le_table(le.pool(england, "2018-20", ["decile"]), ["decile"], le_age=(0,))
    g = le.gap(dec2).set_index("sex")
    assert g.loc["Male", "value"] == pytest.approx(9.7, abs=0.3)
    assert g.loc["Female", "value"] == pytest.approx(7.9, abs=0.3)
    # direction: LE rises from decile 1 (most deprived) to 10, males more unequal than females
    male = dec[dec["sex"] == "Male"].sort_values("decile")["value"].to_numpy()
    assert np.all(np.diff(male) > 0)
    assert s.loc["Male", "value"] > s.loc["Female", "value"] > 0


def test_synthetic_england_le_by_period_matches_fingertips(england):
    eng = england.assign(area_code="E92000001")
    res = pd.concat([le.le_table(le.pool(eng, p, ["area_code"]), ["area_code"], le_age=(0,)) for p in sd.PERIODS])
    pub = fingertips_extract(90366)
    pub = pub[pub["area_code"] == "E92000001"][["period", "sex", "value"]].rename(columns={"value": "published"})
    cmp = res.merge(pub, on=["period", "sex"])
    assert len(cmp) == 16
    assert (cmp["value"] - cmp["published"]).abs().max() < 0.1


def test_synthetic_district_le_and_sii_within_stated_tolerance(england):
    """Districts (realised Poisson deaths): LE within 4 SE (3-year SE ~0.2-0.4 y) of Fingertips 90366 for every
    district, sex and period, and mean absolute error < 0.3 y."""
    km = england[england["lad_code"].isin(sd.KENT_MEDWAY_LADS)]
    res = pd.concat([le.le_table(le.pool(km, p, ["lad_code"]), ["lad_code"], le_age=(0,)) for p in sd.PERIODS])
    pub = fingertips_extract(90366).rename(columns={"area_code": "lad_code", "value": "published"})
    cmp = res.merge(pub[["lad_code", "sex", "period", "published"]], on=["lad_code", "sex", "period"])
    assert len(cmp) == 13 * 2 * 8
    diff = (cmp["value"] - cmp["published"]).abs()
    assert (diff < 4 * cmp["se"]).all()
    assert diff.mean() < 0.3


def test_profile_sii_for_medway_near_published():
    pr = chapters.life_expectancy.build(area="Medway", period="2017-19", repetitions=1000)
    pub = fingertips_extract(92901)
    pub = pub[(pub["area_code"] == "E06000035") & (pub["period"] == "2017-19")].set_index("sex")["value"]
    for sex in ("Male", "Female"):
        assert pr.sii_value(sex) == pytest.approx(pub[sex], abs=2.0)
        assert pr.sii_value(sex) > 0
    assert pr.synthetic and "ynthetic" in pr.synthetic_note


# ---- schema errors ----------------------------------------------------------------------------------------------
def _tiny(lsoa="E01016016"):
    pop = sd.populations([lsoa], years=[2017])
    dth = pd.DataFrame({"lsoa_code": [lsoa] * 2, "sex": ["male", "female"], "age": [80, 85], "year": [2017, 2017],
                        "deaths": [2, 3]})
    return dth, pop


def test_lsoa_2021_codes_are_a_vintage_error():
    dth, pop = _tiny()
    dth.loc[0, "lsoa_code"] = "E01035000"  # an LSOA 2021 code
    with pytest.raises(GeographyError, match="LSOA 2021"):
        le.validate_inputs(dth, pop)


def test_missing_bands_are_an_error_naming_the_fix():
    dth, pop = _tiny()
    pop = pop[pop["age"] < 85]
    with pytest.raises(InvalidInputError, match="missing age bands.*90\\+"):
        le.validate_inputs(dth, pop)


def test_deaths_without_population_and_missing_years_are_errors():
    dth, pop = _tiny()
    pop2 = pop[~((pop["sex"] == "male") & (pop["age"].between(80, 84)))].copy()
    pop2.loc[(pop2["sex"] == "male") & (pop2["age"] == 85), "population"] += 0  # keep band 85 present
    extra = pop[(pop["sex"] == "male") & (pop["age"] == 80)].assign(population=0)
    with pytest.raises(InvalidInputError, match="no population.*lsoa_code"):
        le.validate_inputs(dth, pd.concat([pop2, extra]))
    with pytest.raises(InvalidInputError, match="year\\(s\\) \\[2018\\]"):
        le.validate_inputs(dth.assign(year=2018), pop)


def test_schema_failures_name_column_and_rows():
    dth, pop = _tiny()
    dth.loc[1, "sex"] = "unknown"
    with pytest.raises(InvalidInputError, match="column 'sex'.*rows \\[1\\]"):
        le.validate_inputs(dth, pop)
    with pytest.raises(InvalidInputError, match="lacks column"):
        le.validate_inputs(dth.drop(columns="deaths"), pop)


# ---- suppression -------------------------------------------------------------------------------------------------
def test_every_suppression_reason_is_explained_in_the_notes():
    """One tiny group per reason (fed straight to le_table) -> suppression_notes lists each with its explanation."""
    base = pd.DataFrame({"age": le.BANDS, "deaths": 20, "population": 2000})
    groups = {
        SUPPRESSION_REASONS[0]: base.assign(deaths=lambda f: np.where(f["age"] == 0, -1, 20)),
        SUPPRESSION_REASONS[1]: base.assign(population=lambda f: np.where(f["age"] == 5, 0, 2000)),
        SUPPRESSION_REASONS[2]: base[base["age"] != 10],
        SUPPRESSION_REASONS[3]: base.assign(deaths=lambda f: np.where(f["age"] == 0, np.nan, 20)),
        SUPPRESSION_REASONS[4]: base.assign(deaths=lambda f: np.where(f["age"] == 0, 3000, 20)),
        SUPPRESSION_REASONS[5]: base.assign(population=100, deaths=2),
        SUPPRESSION_REASONS[6]: base.assign(deaths=lambda f: np.where(f["age"] == 90, 0, 20)),
        SUPPRESSION_REASONS[7]: base.assign(population=400, deaths=lambda f: np.where(f["age"] >= 85, 1, 0)),
    }
    frame = pd.concat([g.assign(area=f"g{i}", sex="Male") for i, g in enumerate(groups.values())])
    res = le.le_table(frame, ["area"], le_age=(0,))
    notes = le.suppression_notes(res, labels=["test"])
    assert set(notes["reason"]) == set(SUPPRESSION_REASONS)
    assert (notes["explanation"].str.len() > 20).all()


def test_tiny_area_suppression_reaches_the_profile_notes(monkeypatch):
    """A profile whose deciles are tiny (two LSOAs per group) shows the small-population reason in its notes."""
    monkeypatch.setattr(le, "_area_lsoas", lambda place, vintage="imd2019":
                        le.deprivation.load_deprivation(vintage, area=place).head(20))
    pr = chapters.life_expectancy.build(area="Dover", period="2017-19", repetitions=1000)
    text = pr.suppression_markdown()
    assert SUPPRESSION_REASONS[5] in text and "Toson and Baker" in text


def test_bad_parameters_are_clear():
    with pytest.raises(InvalidInputError, match="decile_basis"):
        chapters.life_expectancy.build(area="Kent", decile_basis="regional")
    with pytest.raises(InvalidInputError, match="2015-17"):
        chapters.life_expectancy.build(area="Kent", period="2010-12")
    assert le.parse_period("2017-19") == (2017, 2019)
    assert le.parse_period("2017 - 2019") == (2017, 2019)
