"""Input schema and exclusions: every excluded record is counted under one reason, none silently dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import chapters, obesity
from healthintel.errors import InvalidInputError

from .conftest import make_records


def test_exclusion_counts_per_reason(km_lsoas):
    rec = make_records(20, km_lsoas)
    rec["school_status"] = "NCMP"
    rec.loc[0, "school_status"] = "Independent"               # not mainstream
    rec = pd.concat([rec, rec.iloc[[1]]], ignore_index=True)   # duplicate of pupil 1 (row 20)
    rec.loc[2, "sex"] = None                                   # sex unknown
    rec.loc[3, "sex"] = "X"                                    # sex unknown
    rec.loc[4, ["height_cm", "weight_kg", "bmi_centile"]] = np.nan   # no BMI at all
    rec.loc[5, "height_cm"] = 1452.0                           # keyed in mm: impossible
    rec.loc[6, "bmi_centile"] = np.nan                         # centile must be computed ...
    rec.loc[6, "age_months"] = np.nan                          # ... but no age
    rec.loc[7, "lsoa_code"] = None                             # no home LSOA
    rec.loc[8, "lsoa_code"] = "W01000001"                      # Welsh LSOA: unknown for IMD 2019
    rec.loc[9, "bmi_centile"] = np.nan                         # computed from height/weight (kept)
    rec.loc[10, "bmi_centile"] = 99.999                        # extreme z (flagged, kept)
    prep = obesity.prepare(rec)
    got = prep.exclusions.set_index("reason")["records"]
    assert got.to_dict() == {
        "not a mainstream state-maintained school": 1, "duplicate pupil record": 1, "sex missing or unknown": 2,
        "BMI missing (no BMI, height or weight)": 1, "impossible height, weight or BMI": 1,
        "age missing or outside the UK90 range (4-20 years)": 1, "home LSOA missing or unknown": 2,
        "records analysed": 12,
    }
    assert got.sum() == len(rec) == prep.n_records
    assert len(prep.pupils) == 12
    flags = prep.flags.set_index("check")["records"]
    assert flags.iloc[0] == 1 and flags.iloc[1] == 1  # extreme z; centile computed
    row9 = prep.pupils.set_index("pupil_id").loc["T000009"]
    assert row9["centile_source"].startswith("computed")
    age = (rec.loc[9, "age_months"] + 0.5) / 12
    want = obesity.bmi_centile([age], [rec.loc[9, "sex"]],
                               [rec.loc[9, "weight_kg"] / (rec.loc[9, "height_cm"] / 100) ** 2])
    assert row9["bmi_centile"] == pytest.approx(want["bmi_centile"].iloc[0], abs=1e-9)
    assert set(prep.pupils["national_quintile"]) <= {1, 2, 3, 4, 5}


def test_exact_age_from_dates_preferred():
    rec = pd.DataFrame({"date_of_birth": pd.to_datetime(["2011-03-01", None]),
                        "date_of_measurement": pd.to_datetime(["2021-09-01", "2021-09-01"]),
                        "age_months": [126.0, 127.0]})
    got = obesity.age_in_years(rec)
    assert got[0] == pytest.approx((pd.Timestamp("2021-09-01") - pd.Timestamp("2011-03-01")).days / 365.25)
    assert got[1] == pytest.approx(127.5 / 12)
    assert obesity.age_in_years(rec, "months")[1] == pytest.approx(127 / 12)


def test_schema_errors_name_the_problem(km_lsoas):
    rec = make_records(3, km_lsoas)
    bad = rec.assign(school_year=["Reception", "Year 7", "Year 6"])
    with pytest.raises(InvalidInputError, match="school_year"):
        obesity.prepare(bad)
    with pytest.raises(InvalidInputError, match="academic_year"):
        obesity.prepare(rec.assign(academic_year="2021-22"))
    with pytest.raises(InvalidInputError, match="age_months"):
        obesity.prepare(rec.drop(columns=["age_months", "bmi_centile"]))
    with pytest.raises(InvalidInputError, match="bmi_centile"):
        obesity.prepare(rec.assign(bmi_centile=[50.0, 101.0, 3.0]))


def test_chapter_parameters_are_validated():
    with pytest.raises(InvalidInputError, match="quintile_basis"):
        chapters.child_obesity.build(area="Medway", quintile_basis="regional")
    with pytest.raises(InvalidInputError, match="2020/21"):
        chapters.child_obesity.build(area="Medway", academic_years=["2020/21"])
    with pytest.raises(InvalidInputError, match="Reception"):
        chapters.child_obesity.build(area="Medway", school_year="Year 5")


def test_local_quantiles_follow_the_area_ranking(km_lsoas):
    from healthintel import deprivation

    rec = make_records(400, km_lsoas, seed=4)
    prep = obesity.add_local_quantiles(obesity.prepare(rec), "Medway")
    medway = deprivation.local_quantiles(deprivation.load_deprivation("imd2019", area="Medway"), n=5)
    want = prep.pupils["lsoa_code"].map(medway.set_index("lsoa_code")["local_quintile"])
    got = prep.pupils["local_quintile"]
    assert got.notna().sum() == want.notna().sum() > 0  # Kent pupils have no Medway-local quintile
    assert (got.dropna().astype(int) == want.dropna().astype(int)).all()
    c = obesity.counts(prep, by=["local_quintile"], measures=["obesity"])
    assert c["denominator"].sum() == want.notna().sum()
