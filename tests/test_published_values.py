"""``sources.published.published_values``: the mirror's published Fingertips files as one tidy frame per indicator.

Expected values are read from the files with the ``csv`` module here (SOURCES.md section 10 quotes several)."""

from __future__ import annotations

import csv
import math

import pytest

from healthintel.sources.published import PUBLISHED_COLUMNS, published_indicator_ids, published_values

ELS_CANCER = "fingertips_published/ONSdigital-explore-local-statistics-data_93671_cancer_early_stage.csv"
ELS_OBESITY = "fingertips_published/ONSdigital-explore-local-statistics-data_93881_adult_obesity.csv"
KENT, ENGLAND = "E10000016", "E92000001"


def _rows(shared_dir, path):
    with open(shared_dir / "data" / path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_iso_periods_become_healthintel_labels(shared_dir):
    cancer = published_values(93671, area_codes=[KENT]).set_index("period")
    file = {r["Time period"]: r for r in _rows(shared_dir, ELS_CANCER) if r["Area Code"] == KENT}
    assert cancer.loc["2018", "value"] == pytest.approx(float(file["2018-01-01/P1Y"]["Value"]))
    assert cancer.loc["2018", "lower_ci"] == pytest.approx(float(file["2018-01-01/P1Y"]["Lower CI 95.0 limit"]))
    assert math.isnan(cancer.loc["2019", "value"]) and file["2019-01-01/P1Y"]["Value"] == ""  # suppressed at source
    obese = published_values(93881, area_codes=[KENT]).set_index("period")  # Active Lives years, Nov to Nov
    file = {r["Time period"]: r for r in _rows(shared_dir, ELS_OBESITY) if r["Area Code"] == KENT}
    assert obese.loc["2015/16", "value"] == pytest.approx(float(file["2015-11-16/P1Y"]["Value"]))
    assert list(obese.index) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025)]


def test_fingertips_next_year_is_the_first_year_of_the_period():
    smoking = published_values(93085, area_codes=[ENGLAND]).set_index("period")
    assert smoking.loc["2023/24", "value"] == pytest.approx(7.4)  # SOURCES.md: 93085 2023 = 2023/24 = 7.4
    assert smoking.loc["2018/19", "value"] == pytest.approx(10.586126)  # = the 2020 snapshot's 2018/19
    assert set(smoking["sex"]) == {"Female"}  # smoking at delivery: mothers (blank Sex in the snapshot)
    kent = published_values(93085, area_codes=[KENT])
    assert kent[["sex", "period"]].values.tolist() == [["Female", "2018/19"]]


def test_newest_download_wins_and_each_row_names_its_file():
    inactive = published_values(93015, area_codes=[ENGLAND])
    row = inactive[(inactive["period"] == "2017/18") & (inactive["sex"] == "Persons")]
    assert len(row) == 1 and row["value"].iloc[0] == pytest.approx(22.2)  # not the 2020 snapshot's 22.2272
    assert row["source"].iloc[0] == "fingertips_pub_inactive_93015_district"
    assert not inactive.duplicated(["area_code", "sex", "period"]).any()
    assert list(inactive.columns) == PUBLISHED_COLUMNS
    assert "fingertips_pub_inactive_93015_district" in inactive.attrs["sources"]


def test_every_indicator_of_the_issue_is_there_and_an_unknown_one_is_empty():
    ids = set(published_indicator_ids())
    assert {90366, 92901, 93085, 20602, 90631, 93015, 93088, 91414, 93671, 22001, 91720, 93881, 92445} <= ids
    empty = published_values(12345)
    assert empty.empty and list(empty.columns) == PUBLISHED_COLUMNS
