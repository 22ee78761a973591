"""child_obesity and life_expectancy rendered from extract files written in the documented layouts; figures.json
compared with values computed here, independently of the chapter code (tests/extracts/methods.py, itself checked
against ../shared/reference)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from healthintel.report import recorded_values

from . import make, methods

pytestmark = pytest.mark.slow  # renders notebooks


def _figures(result) -> dict:
    path = result.html_path.with_name(result.html_path.stem + ".figures.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    return document, {f["name"]: f for f in document["figures"]}


def _assert_figure(fig, value, lower, upper, rtol=1e-9):
    np.testing.assert_allclose([fig["value"], fig["lower_ci"], fig["upper_ci"]], [value, lower, upper], rtol=rtol)


# --- child obesity --------------------------------------------------------------------------------------------------


def _ncmp_expected(frame: pd.DataFrame, year: str) -> dict:
    """Resident cohort (home LSOA in Kent, any school), mainstream schools, local quintiles of Kent's LSOAs."""
    kent = make.kent_lsoas()
    quintile = dict(zip(kent["lsoa_code"], methods.phe_quantile(kent["imd_score"], 5), strict=True))
    d = frame[frame["lsoa_code"].isin(quintile) & (frame["school_status"] == "NCMP")
              & (frame["academic_year"] == year)]
    ob, ow = d["bmi_centile"] >= 95, d["bmi_centile"] >= 85
    q = d["lsoa_code"].map(quintile)
    out = {}
    for name, hit in (("obesity_prevalence", ob), ("overweight_incl_obesity_prevalence", ow)):
        n, den = int(hit.sum()), len(d)
        _, lo, hi = methods.wilson(n, den)
        out[name] = (100 * methods.round5(n) / methods.round5(den), lo, hi)
    for name, hit in (("overweight_incl_obesity_gap_pp", ow), ("obesity_gap_pp", ob)):
        n1, d1 = int(hit[q == 1].sum()), int((q == 1).sum())
        n5, d5 = int(hit[q == 5].sum()), int((q == 5).sum())
        _, lo, hi = methods.newcombe(n1, d1, n5, d5)
        value = 100 * (methods.round5(n1) / methods.round5(d1) - methods.round5(n5) / methods.round5(d5))
        out[name] = (value, lo, hi)
    return out


@pytest.fixture(scope="module")
def ncmp_render(tmp_path_factory, ncmp_csv):
    from healthintel.render import render_chapter

    out = tmp_path_factory.mktemp("reports")
    return render_chapter("child_obesity", {"area": "Kent", "ncmp_extract": str(ncmp_csv)}, reports_dir=out)


def test_child_obesity_figures_match_an_independent_computation(ncmp_render, ncmp_frame):
    assert ncmp_render.status == "ok", ncmp_render.error
    document, figs = _figures(ncmp_render)
    assert ncmp_render.html_path.name == "kent.html"
    assert document["chapter"] == "child_obesity" and document["real"] is True
    assert (document["area_code"], document["area_name"]) == ("E10000016", "Kent")
    for name, (value, lo, hi) in _ncmp_expected(ncmp_frame, "2023/24").items():
        _assert_figure(figs[name], value, lo, hi)
        assert figs[name]["period"] == "2023/24" and "ncmp_kent.csv" in figs[name]["source"]


def test_child_obesity_counts_the_cohort_and_analyses_every_year(ncmp_render, ncmp_frame):
    values = recorded_values(ncmp_render.notebook_path)
    assert values["synthetic"] is False and values["cohort"] == "resident"
    assert values["academic_years"] == ["2022/23", "2023/24"]  # every year the extract holds
    kent = set(make.kent_lsoas()["lsoa_code"])
    kent_schools = set(make.kent_lsoas()["lad_code"])
    resident = ncmp_frame["lsoa_code"].isin(kent)
    at_kent_school = ncmp_frame["school_lad_code"].isin(kent_schools)
    assert values["residents_at_schools_elsewhere"] == int((resident & ~at_kent_school).sum()) > 0
    english = ncmp_frame["lsoa_code"] != "W01000001"
    assert values["non_residents_at_area_schools"] == int((~resident & english & at_kent_school).sum()) > 0
    analysed = resident & (ncmp_frame["school_status"] == "NCMP")
    assert values["analysed"] == int(analysed.sum())
    assert values["records"] == int(resident.sum()) == values["analysed"] + values["excluded"]


def test_child_obesity_report_is_real_rounded_and_names_the_file(ncmp_render, ncmp_csv):
    from healthintel.render.guard import html_tables

    html = ncmp_render.html_path.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" not in html and "(synthetic data)" not in html
    assert "ncmp_kent.csv" in html and make.file_sha256(ncmp_csv) in html
    assert str(ncmp_csv.parent) not in html  # the file's name, never its private folders
    assert "resident, measured at a school elsewhere" in html and "Who is in the cohort" in html
    assert "numerator of 7 or less is suppressed" in html
    counted = 0
    for table in html_tables(html):
        for name in json.loads(table.attrs.get("data-hi-counts", "[]")):
            j = table.header.index(name)
            for row in table.rows:
                cell = row[j].replace(",", "")
                if cell.replace(".", "").isdigit():
                    counted += 1
                    assert float(cell) % 5 == 0, (name, row)  # every published count rounded to 5
    assert counted > 40


def test_child_obesity_school_cohort_and_one_year(ncmp_csv, ncmp_frame):
    from healthintel import chapters

    ch = chapters.child_obesity.build(area="Kent", ncmp_extract=str(ncmp_csv), cohort="school",
                                      academic_years=["2023/24"], sii_repetitions=1000)
    kent_schools = set(make.kent_lsoas()["lad_code"])
    d = ncmp_frame[ncmp_frame["school_lad_code"].isin(kent_schools) & (ncmp_frame["school_status"] == "NCMP")
                   & (ncmp_frame["academic_year"] == "2023/24") & (ncmp_frame["lsoa_code"] != "W01000001")]
    n, den = int((d["bmi_centile"] >= 95).sum()), len(d)
    _, lo, hi = methods.wilson(n, den)
    got = {f["name"]: f for f in ch.figures()}["obesity_prevalence"]
    _assert_figure(got, 100 * methods.round5(n) / methods.round5(den), lo, hi)
    assert ch.academic_years == ("2023/24",)
    assert "one academic year (2023/24)" in ch.trend_test_markdown() and "no trend" in ch.single_year_note()


# --- life expectancy ------------------------------------------------------------------------------------------------


def _le_inputs(deaths: pd.DataFrame, population: pd.DataFrame):
    """Deaths and person-years of Kent's LSOAs, 2021-23, by local decile (Kent, count-based), sex and band."""
    kent = make.kent_lsoas()
    decile = dict(zip(kent["lsoa_code"], methods.phe_quantile(kent["imd_score"], 10), strict=True))
    band = methods.BANDS

    def banded(age):
        return band[np.searchsorted(band, np.minimum(age, 90), side="right") - 1]

    d = deaths[deaths["lsoa_code"].isin(decile)].assign(
        sex=lambda f: np.where(f["sex"] == 1, "M", "F"), band=lambda f: banded(f["age_at_death"].to_numpy()),
        decile=lambda f: f["lsoa_code"].map(decile))
    p = population[population["lsoa_code"].isin(decile)].assign(
        band=lambda f: banded(f["age"].to_numpy()), decile=lambda f: f["lsoa_code"].map(decile))
    dd = d.groupby(["sex", "decile", "band"]).size()
    pp = p.groupby(["sex", "decile", "band"])["population"].sum()
    return dd.reindex(pp.index, fill_value=0), pp


def _le_expected(deaths, population, repetitions=200_000, seed=1):
    dd, pp = _le_inputs(deaths, population)
    out = {}
    rng = np.random.default_rng(seed)
    for sex, label in (("M", "male"), ("F", "female")):
        d_all = dd.loc[sex].groupby("band").sum().to_numpy()
        p_all = pp.loc[sex].groupby("band").sum().to_numpy()
        le = methods.chiang(d_all, p_all)
        out[f"le_birth_{label}"], out[f"le_65_{label}"] = le[0], le[65]
        by_decile = [methods.chiang(dd.loc[(sex, k)].to_numpy(), pp.loc[(sex, k)].to_numpy())[0]
                     for k in range(1, 11)]
        values = np.array([v for v, _, _ in by_decile])
        se = np.array([(hi - lo) / (2 * methods.Z95) for _, lo, hi in by_decile])
        weights = np.array([pp.loc[(sex, k)].sum() for k in range(1, 11)])
        draws = values + se * rng.standard_normal((repetitions, 10))
        share = weights / weights.sum()
        x = np.cumsum(share) - share / 2
        xc = x - np.sum(share * x)
        slopes = (draws - (draws * share).sum(axis=1, keepdims=True)) @ (share * xc) / np.sum(share * xc ** 2)
        out[f"sii_le_birth_{label}"] = (methods.sii_point(values, weights), *np.percentile(slopes, [2.5, 97.5]))
        gap = values[-1] - values[0]
        half = methods.Z95 * np.hypot(se[-1], se[0])
        out[f"gap_le_birth_{label}"] = (gap, gap - half, gap + half)
    return out


@pytest.fixture(scope="module")
def le_render(tmp_path_factory, deaths_csv, population_parquet):
    from healthintel.render import render_chapter

    out = tmp_path_factory.mktemp("reports")
    return render_chapter("life_expectancy", {"area": "Kent", "deaths_extract": str(deaths_csv),
                                              "population_extract": str(population_parquet)}, reports_dir=out)


def test_life_expectancy_figures_match_an_independent_computation(le_render, kent_deaths, kent_population):
    assert le_render.status == "ok", le_render.error
    document, figs = _figures(le_render)
    assert document["real"] is True and document["area_code"] == "E10000016"
    expected = _le_expected(kent_deaths, kent_population)
    for name in ("le_birth_male", "le_birth_female", "le_65_male", "le_65_female", "gap_le_birth_male",
                 "gap_le_birth_female"):
        _assert_figure(figs[name], *expected[name], rtol=1e-6)
    for name in ("sii_le_birth_male", "sii_le_birth_female"):
        value, lo, hi = expected[name]
        assert figs[name]["value"] == pytest.approx(value, rel=1e-6)
        # simulated limits: a different generator, 10,000 repetitions in the chapter (reference README: 0.1 years)
        assert figs[name]["lower_ci"] == pytest.approx(lo, abs=0.1)
        assert figs[name]["upper_ci"] == pytest.approx(hi, abs=0.1)
    assert {f["period"] for f in document["figures"]} == {"2021-23"}  # from the registration years


def test_life_expectancy_report_is_real_with_one_period(le_render, deaths_csv, population_parquet):
    html = le_render.html_path.read_text(encoding="utf-8")
    assert "Synthetic data" not in html and "(synthetic data)" not in html
    for path in (deaths_csv, population_parquet):
        assert path.name in html and make.file_sha256(path) in html
    assert str(deaths_csv.parent) not in html
    assert "one period (2021-23)" in html and "no trend" in html
    assert "England is not computed" in html
    values = recorded_values(le_render.notebook_path)
    assert 60 < values["le_birth"]["Male"] < 90


def test_a_changed_extract_is_rendered_again(tmp_path, ncmp_frame):
    from healthintel.render import render_chapter

    path = make.write(ncmp_frame[ncmp_frame["academic_year"] == "2023/24"], tmp_path / "ncmp.csv")
    params = {"area": "Kent", "ncmp_extract": str(path)}
    first = render_chapter("child_obesity", params, reports_dir=tmp_path / "reports")
    assert first.status == "ok", first.error
    inputs = recorded_values(first.notebook_path)["render_inputs"]
    assert inputs == [{"path": str(path.resolve()), "sha256": make.file_sha256(path)}]
    assert render_chapter("child_obesity", params, reports_dir=tmp_path / "reports").status == "skipped"
    make.write(ncmp_frame[ncmp_frame["academic_year"] == "2023/24"].iloc[:-1], path)  # same path, new content
    again = render_chapter("child_obesity", params, reports_dir=tmp_path / "reports")
    assert again.status == "ok", again.error
