"""``healthintel data check KIND FILE``: the validation report and its exit code, for good and bad files of each
layout; nothing is dropped or summed without being reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from healthintel import extracts
from healthintel.cli import app
from healthintel.errors import InvalidInputError

from . import make

runner = CliRunner()


@pytest.fixture(scope="module")
def lsoa_2021_only():
    """Two LSOA 2021 codes that are not LSOA 2011 codes (from the public lookups)."""
    s11, s21 = extracts._lsoa_sets()
    return sorted(s21 - s11)[:2]


def check(kind, path, *args):
    result = runner.invoke(app, ["data", "check", kind, str(path), *args])
    return result.exit_code, result.output


def small_population(codes=None):
    codes = list(make.kent_lsoas()["lsoa_code"][:3]) if codes is None else codes
    return make.population_records(codes, years=(2022,))


def small_deaths():
    pop = small_population()
    return make.death_records(pop, pd.Series(dtype=float))


# --- good files -----------------------------------------------------------------------------------------------------


def test_good_ncmp_file_is_usable_and_counts_exclusions_by_reason(ncmp_csv, ncmp_frame):
    code, out = check("ncmp", ncmp_csv)
    assert code == 0, out
    assert f"rows read: {len(ncmp_frame):,}" in out and "RESULT: usable" in out
    independent = int((ncmp_frame["school_status"] != "NCMP").sum())
    assert f"not a mainstream state-maintained school: {independent:,}" in out
    unknown = int((ncmp_frame["lsoa_code"] == "W01000001").sum())
    assert f"{unknown:,} row(s) have codes that are not English LSOAs" in out and "'W01000001'" in out
    assert "vintage: LSOA 2011 (IMD 2019)" in out
    assert "2023/24 Year 6: " in out


def test_good_deaths_and_population_files(tmp_path):
    pop, deaths = small_population(), small_deaths()
    code, out = check("population", make.write(pop, tmp_path / "pop.csv"))
    assert code == 0, out
    assert f"rows read: {len(pop):,}" in out and "3 LSOA(s); years 2022" in out
    code, out = check("deaths", make.write(deaths, tmp_path / "deaths.parquet"))
    assert code == 0, out
    assert f"2022: {len(deaths):,}" in out  # every death counted, by registration year
    assert "format: parquet" in out


def test_report_names_the_file_not_its_folders(tmp_path, ncmp_frame):
    path = make.write(ncmp_frame.head(50), tmp_path / "private" / "ncmp.csv") if (tmp_path / "private").mkdir() \
        is None else None
    _, report = extracts.check_extract("ncmp", path)
    assert report.file.name == "ncmp.csv" and "private" not in report.text()
    assert len(report.file.sha256) == 64


# --- bad files: each gives the report and a non-zero exit ------------------------------------------------------


def test_wrong_columns(tmp_path, ncmp_frame):
    bad = ncmp_frame.head(100).rename(columns={"lsoa_code": "home_lsoa"})
    code, out = check("ncmp", make.write(bad, tmp_path / "ncmp.csv"))
    assert code == 1
    assert "missing required column(s) ['lsoa_code']" in out and "home_lsoa" in out and "NOT usable" in out
    deaths = small_deaths().rename(columns={"age_at_death": "age"})
    code, out = check("deaths", make.write(deaths, tmp_path / "deaths.csv"))
    assert code == 1 and "['age_at_death']" in out
    no_measure = ncmp_frame.head(20).drop(columns=["bmi_centile", "height_cm"])
    code, out = check("ncmp", make.write(no_measure, tmp_path / "ncmp2.csv"))
    assert code == 1 and "bmi_centile, or height_cm and weight_kg, or bmi" in out


def test_wrong_vintage_codes(tmp_path, lsoa_2021_only):
    s11, s21 = extracts._lsoa_sets()
    only_2011 = [c for c in make.kent_lsoas()["lsoa_code"] if c not in s21][:3]
    deaths = make.death_records(small_population(only_2011), pd.Series(dtype=float))
    deaths.loc[[3, 8], "lsoa_code"] = lsoa_2021_only
    code, out = check("deaths", make.write(deaths, tmp_path / "deaths.csv"))
    assert code == 1
    assert "2 row(s) have LSOA 2021 codes in an extract of LSOA 2011 (IMD 2019) codes (rows 4, 9" in out
    assert repr(lsoa_2021_only[0]) in out and "lookup_lsoa11_lsoa21" in out
    # a file of LSOA 2011 codes checked as LSOA 2021 (IoD 2025) is wrong-vintage too, when any code differs
    pop = small_population(list(make.kent_lsoas()["lsoa_code"][:100]) + only_2011)
    code, out = check("population", make.write(pop, tmp_path / "pop.parquet"), "--vintage", "iod2025")
    assert code == 1 and "have LSOA 2011 codes in an extract of LSOA 2021 (IoD 2025) codes" in out


def test_unknown_codes_in_deaths(tmp_path):
    deaths = small_deaths()
    deaths.loc[5, "lsoa_code"] = "E01999999"
    code, out = check("deaths", make.write(deaths, tmp_path / "deaths.csv"))
    assert code == 1 and "1 row(s) have codes that are not English LSOAs" in out and "'E01999999'" in out


def test_exact_duplicates(tmp_path, ncmp_frame):
    bad = pd.concat([ncmp_frame.head(200), ncmp_frame.iloc[[10, 20]]], ignore_index=True)
    code, out = check("ncmp", make.write(bad, tmp_path / "ncmp.csv"))
    assert code == 1
    assert "2 row(s) repeat an earlier row exactly (rows 201, 202" in out and "pupil_id='C000010'" in out
    pop = small_population()
    pop = pd.concat([pop, pop.iloc[[0]]], ignore_index=True)
    pop.loc[len(pop) - 1, "population"] += 3  # same keys, another value: would be summed
    pop = pd.concat([pop, pop.iloc[[5]]], ignore_index=True)  # exact copy
    code, out = check("population", make.write(pop, tmp_path / "pop.csv"))
    assert code == 1
    assert "1 row(s) repeat an earlier row exactly" in out
    assert "1 row(s) repeat the lsoa_code, sex, age and year of an earlier row with a different population" in out


def test_deaths_duplicates_with_and_without_date_of_death(tmp_path):
    deaths = small_deaths()
    twice = pd.concat([deaths, deaths.iloc[[0]]], ignore_index=True)
    n_identical = int(twice.duplicated().sum())
    code, out = check("deaths", make.write(twice, tmp_path / "deaths.csv"))
    assert code == 0, out  # without date_of_death identical rows are separate deaths: reported, counted
    assert f"{n_identical:,} row(s) repeat an earlier row exactly" in out and "counted as separate deaths" in out
    dated = deaths.assign(date_of_death=pd.Timestamp("2022-03-01") + pd.to_timedelta(np.arange(len(deaths)) % 300,
                                                                                      unit="D"))
    dated = pd.concat([dated, dated.iloc[[0]]], ignore_index=True)
    code, out = check("deaths", make.write(dated, tmp_path / "deaths_dated.csv"))
    assert code == 1 and "ERROR: 1 row(s) repeat an earlier row exactly" in out


def test_nan_keys(tmp_path, ncmp_frame):
    deaths = small_deaths().astype({"registration_year": "float64"})
    deaths.loc[[2, 7, 9], "registration_year"] = np.nan
    code, out = check("deaths", make.write(deaths, tmp_path / "deaths.csv"))
    assert code == 1 and "column 'registration_year' is empty in 3 row(s) (rows 3, 8, 10)" in out
    pop = small_population()
    pop.loc[4, "lsoa_code"] = None
    code, out = check("population", make.write(pop, tmp_path / "pop.parquet"))
    assert code == 1 and "column 'lsoa_code' is empty in 1 row(s) (row 5)" in out
    ncmp = ncmp_frame.head(100).copy()
    ncmp.loc[3, "pupil_id"] = None
    code, out = check("ncmp", make.write(ncmp, tmp_path / "ncmp.csv"))
    assert code == 1 and "column 'pupil_id' is empty in 1 row(s) (row 4)" in out


def test_values_outside_the_layout(tmp_path, ncmp_frame):
    ncmp = ncmp_frame.head(100).astype({"height_cm": object})
    ncmp.loc[6, "height_cm"] = "tall"
    ncmp.loc[7, "school_year"] = "Year 5"
    ncmp.loc[8, "academic_year"] = "2023-24"
    code, out = check("ncmp", make.write(ncmp, tmp_path / "ncmp.csv"))
    assert code == 1
    assert "column 'height_cm': 1 value(s) are not numbers (row 7: 'tall')" in out
    assert "column 'school_year': 1 value(s) fail" in out and "'Year 5'" in out
    assert "column 'academic_year': 1 value(s) fail" in out and "'2023-24'" in out
    pop = small_population()
    pop.loc[1, "age"] = 95
    pop.loc[2, "sex"] = "X"
    pop = pop[~((pop["lsoa_code"] == pop["lsoa_code"].iloc[0]) & (pop["age"] == 40))]
    code, out = check("population", make.write(pop, tmp_path / "pop.csv"))
    assert code == 1
    assert "column 'age': 1 value(s) fail in_range(0, 90)" in out
    assert "column 'sex': 1 value(s) are not M/F or 1/2 (row 3: 'X')" in out
    assert "1 LSOA x year group(s) lack some of the 182 sex x age rows" in out


def test_bad_arguments_exit_2(tmp_path):
    assert check("births", tmp_path / "x.csv")[0] == 2
    assert check("ncmp", tmp_path / "missing.csv")[0] == 2
    assert check("ncmp", tmp_path / "x.csv", "--vintage", "lsoa2011")[0] == 2


def test_unreadable_file_exits_1(tmp_path):
    path = tmp_path / "ncmp.parquet"
    path.write_text("not parquet")
    code, out = check("ncmp", path)
    assert code == 1 and "cannot be read as parquet" in out


def test_installed_command_exit_code(tmp_path, ncmp_frame):
    bad = pd.concat([ncmp_frame.head(30), ncmp_frame.head(1)], ignore_index=True)
    path = make.write(bad, tmp_path / "ncmp.csv")
    command = Path(sys.executable).with_name("healthintel")  # the console script installed with the package
    proc = subprocess.run([str(command), "data", "check", "ncmp", str(path)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 1
    assert "Exact duplicate records" in proc.stdout and "RESULT: NOT usable" in proc.stdout


def test_chapter_loaders_refuse_a_file_that_cannot_be_used(tmp_path, ncmp_frame):
    bad = pd.concat([ncmp_frame.head(30), ncmp_frame.head(1)], ignore_index=True)
    with pytest.raises(InvalidInputError, match="(?s)cannot be used.*repeat an earlier row exactly"):
        extracts.load_ncmp(make.write(bad, tmp_path / "ncmp.csv"))


def test_loaders_keep_every_record(tmp_path):
    pop, deaths = small_population(), small_deaths()
    got, _ = extracts.load_deaths(make.write(deaths, tmp_path / "d.csv"))
    assert int(got["deaths"].sum()) == len(deaths)
    got, _ = extracts.load_population(make.write(pop, tmp_path / "p.parquet"))
    assert float(got["population"].sum()) == pytest.approx(float(pop["population"].sum()))
    assert sorted(got["age"].unique()) == [0, 1, *range(5, 95, 5)]
