"""The life_expectancy chapter on the analyst's extracts: the period from the registration years, clear errors for a
period the extract cannot cover, a missing extract or missing LSOAs; every death kept."""

from __future__ import annotations

import pytest

from healthintel import chapters, geography
from healthintel.chapters.life_expectancy import periods_from_years
from healthintel.errors import InvalidInputError

from ..extracts import make


def test_periods_from_the_registration_years():
    assert periods_from_years([2019, 2020, 2021, 2022, 2023]) == ("2021-23", ("2019-21", "2020-22", "2021-23"))
    assert periods_from_years([2021, 2022, 2023]) == ("2021-23", ("2021-23",))
    assert periods_from_years([2017, 2018, 2019, 2021, 2022, 2023], "2017-19") == ("2017-19", ("2017-19", "2021-23"))
    assert periods_from_years([2022, 2023], "2023") == ("2023", ("2022", "2023"))
    with pytest.raises(InvalidInputError, match=r"needs deaths registered in \[2018, 2019, 2020\].*missing \[2018\]"):
        periods_from_years([2019, 2020, 2021], "2018-20")
    with pytest.raises(InvalidInputError, match="three consecutive years.*period='2023'"):
        periods_from_years([2021, 2023])


@pytest.fixture(scope="module")
def thanet_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("thanet")
    codes = list(geography.lsoas_in("Thanet")["lsoa_code"])
    pop = make.population_records(codes, years=(2021, 2022, 2023))
    deaths = make.death_records(pop, make.kent_lsoas().set_index("lsoa_code")["imd_score"])
    short = pop[pop["lsoa_code"] != codes[0]]
    return {"deaths": make.write(deaths, folder / "deaths.csv"), "population": make.write(pop, folder / "pop.csv"),
            "short": make.write(short, folder / "short.parquet")}


def test_errors_name_the_problem(thanet_files):
    with pytest.raises(InvalidInputError, match="give both deaths_extract and population_extract"):
        chapters.life_expectancy.build(area="Thanet", deaths_extract=str(thanet_files["deaths"]), repetitions=1000)
    with pytest.raises(InvalidInputError, match="period '2017-19' needs deaths registered in"):
        chapters.life_expectancy.build(area="Thanet", deaths_extract=str(thanet_files["deaths"]),
                                       population_extract=str(thanet_files["population"]), period="2017-19",
                                       repetitions=1000)
    with pytest.raises(InvalidInputError, match="population extract has no rows for 3 of the area's LSOA x year"):
        chapters.life_expectancy.build(area="Thanet", deaths_extract=str(thanet_files["deaths"]),
                                       population_extract=str(thanet_files["short"]), repetitions=1000)


def test_thanet_from_extracts_is_real_and_has_no_england_line(thanet_files):
    ch = chapters.life_expectancy.build(area="Thanet", deaths_extract=str(thanet_files["deaths"]),
                                        population_extract=str(thanet_files["population"]), repetitions=1000)
    assert not ch.synthetic and ch.period == "2021-23" and ch.periods == ("2021-23",)
    assert "(synthetic data)" not in ch.decile_table().caption
    assert ch.england_trend.empty and set(ch.headline["benchmark"]) == {"Not compared"}
    assert "England is not computed" in ch.summary_markdown() and "one period (2021-23)" in ch.summary_markdown()
    prov = ch.provenance_extra()
    assert list(prov["SHA-256"]) == [make.file_sha256(thanet_files["deaths"]),
                                     make.file_sha256(thanet_files["population"])]
    assert {f["name"] for f in ch.figures()} >= {"le_birth_male", "le_birth_female", "sii_le_birth_male",
                                                 "sii_le_birth_female"}
