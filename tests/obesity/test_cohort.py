"""The area's NCMP cohort: residents (home LSOA in the area, as OHID publishes) or pupils at its schools, and the
counts of children crossing the boundary, checked against plain pandas on a hand-made extract."""

from __future__ import annotations

import pandas as pd
import pytest

from healthintel import geography, obesity
from healthintel.errors import InvalidInputError

from ..extracts import make


@pytest.fixture(scope="module")
def records():
    return make.ncmp_records(per_year=1500)


@pytest.fixture(scope="module")
def kent():
    return geography.resolve_area("Kent")


def test_resident_cohort_is_home_lsoa_in_the_area(records, kent):
    got = obesity.select_cohort(records, kent)
    in_kent = records["lsoa_code"].isin(set(make.kent_lsoas()["lsoa_code"]))
    assert got.index.equals(records.index[in_kent])
    assert (got["school_lad_code"] == make.MEDWAY).any() and (got["school_lad_code"] == make.WEALDEN).any()


def test_school_cohort_is_pupils_at_the_area_schools(records, kent):
    got = obesity.select_cohort(records, kent, cohort="school")
    at = records["school_lad_code"].isin(set(make.kent_lsoas()["lad_code"]))
    assert got.index.equals(records.index[at])
    with pytest.raises(InvalidInputError, match="school_lad_code"):
        obesity.select_cohort(records.drop(columns="school_lad_code"), kent, cohort="school")
    with pytest.raises(InvalidInputError, match="'resident'.*'school'"):
        obesity.select_cohort(records, kent, cohort="schools")


def test_county_and_combination_codes_place_a_school_in_the_area(records, kent):
    km = geography.resolve_area("Kent and Medway")
    codes = obesity.school_area_codes(km)
    assert {"E10000016", "E06000035", "E54000032", "E07000110"} <= codes and make.WEALDEN not in codes
    assert obesity.school_area_codes(geography.resolve_area("England")) is None
    county_coded = records.assign(school_lad_code=records["school_lad_code"].replace({make.KENT_SCHOOL: "E10000016"}))
    a = obesity.select_cohort(records, kent, cohort="school")
    b = obesity.select_cohort(county_coded, kent, cohort="school")
    assert len(a) == len(b)


def test_cohort_counts_by_year_and_category(records, kent):
    got = obesity.cohort_counts(records, kent).set_index(["academic_year", "category"])
    kent_lsoas = set(make.kent_lsoas()["lsoa_code"])
    resident = records["lsoa_code"].isin(kent_lsoas)
    at = records["school_lad_code"].isin(set(make.kent_lsoas()["lad_code"]))
    english = records["lsoa_code"].isin(set(geography.lsoa_lookup()["lsoa_code"]))
    cats = obesity.COHORT_CATEGORIES
    for year, d in records.groupby("academic_year"):
        r, a, e = resident[d.index], at[d.index], english[d.index]
        expected = {cats[0][0]: (r & a).sum(), cats[1][0]: (r & ~a).sum(), cats[2][0]: 0,
                    cats[3][0]: (~r & e & a).sum(), cats[4][0]: (~e & a).sum()}
        for category, n in expected.items():
            assert got.loc[(year, category), "records"] == n, category
    assert got["in_cohort"].groupby("category").first().to_dict() == {
        cats[0][0]: True, cats[1][0]: True, cats[2][0]: True, cats[3][0]: False, cats[4][0]: False}
    school = obesity.cohort_counts(records, kent, cohort="school").groupby("category")["in_cohort"].first()
    assert not school[cats[1][0]]
    assert school[cats[3][0]]


def test_without_school_district_residents_are_counted_as_not_recorded(records, kent):
    got = obesity.cohort_counts(records.drop(columns="school_lad_code"), kent)
    by = got.groupby("category")["records"].sum()
    assert by[obesity.COHORT_CATEGORIES[2][0]] == int(records["lsoa_code"].isin(
        set(make.kent_lsoas()["lsoa_code"])).sum())
    assert by.drop(obesity.COHORT_CATEGORIES[2][0]).sum() == 0


def test_demo_extract_is_only_for_kent_and_medway():
    from healthintel import chapters

    with pytest.raises(InvalidInputError, match="Kent and Medway only.*ncmp_extract"):
        chapters.child_obesity.build(area="Wealden", sii_repetitions=1000)


def test_one_academic_year_says_why_there_is_no_trend(records):
    from healthintel import chapters

    one = records[records["academic_year"] == "2023/24"].reset_index(drop=True)
    ch = chapters.child_obesity.build(area="Kent", records=pd.DataFrame(one), sii_repetitions=1000)
    assert ch.academic_years == ("2023/24",)
    assert "one academic year (2023/24)" in ch.single_year_note()
    assert ch.trend_test_markdown() == ch.single_year_note()
    assert "no trend" in ch.headline_markdown()
    with pytest.raises(InvalidInputError, match="not in the NCMP records"):
        chapters.child_obesity.build(area="Kent", records=one, academic_years=["2021/22"], sii_repetitions=1000)
