"""Extract files for the tests, written once per session in the documented layouts (see make.py)."""

from __future__ import annotations

import pytest

from . import make


@pytest.fixture(scope="session")
def extract_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("extracts")


@pytest.fixture(scope="session")
def ncmp_frame():
    return make.ncmp_records()


@pytest.fixture(scope="session")
def ncmp_csv(extract_dir, ncmp_frame):
    return make.write(ncmp_frame, extract_dir / "ncmp_kent.csv")


@pytest.fixture(scope="session")
def kent_population():
    """Kent and Medway residents by LSOA, sex, single year of age, 2021-2023."""
    return make.population_records(list(make.kent_lsoas()["lsoa_code"]) + list(make.lsoas_of("Medway")))


@pytest.fixture(scope="session")
def kent_deaths(kent_population):
    return make.death_records(kent_population, make.kent_lsoas().set_index("lsoa_code")["imd_score"])


@pytest.fixture(scope="session")
def population_parquet(extract_dir, kent_population):
    return make.write(kent_population, extract_dir / "population_kent.parquet")


@pytest.fixture(scope="session")
def deaths_csv(extract_dir, kent_deaths):
    return make.write(kent_deaths, extract_dir / "deaths_kent.csv")
