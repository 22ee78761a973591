"""Real published figures in the outcomes tracker (issue 14, items 5 and 6).

Every expected value here is read **independently** from the data mirror's files (``csv`` module, file names and
rows named in the test, the registry YAML read with ``yaml``), never through :mod:`healthintel.sources.published`:
the tracker's real values must equal the published file values; England must be the same on every area's page;
the tracker and the life-expectancy chapter must state the same goal; an area the data do not cover is an error.
"""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import yaml

from healthintel.compare.published import area_targets
from healthintel.compare.tracker import DEMO_LABEL, outcomes_tracker
from healthintel.errors import AreaNotCoveredError

KENT, MEDWAY, ENGLAND = "E10000016", "E06000035", "E92000001"
LAPH_COUNTY = "fingertips_published/psychty-la-ph-walkthrough_multi_county_ua_cipfa_neighbours_snapshot2020.csv"
ONS_9308 = "fingertips_published/ONSvisual-subnational-indicators_93088_adults_overweight_obese_2020-21.csv"
LE_EXTRACT = "life_expectancy/trafford_fingertips_90366_life_expectancy_birth_kent_medway_england.csv"
SII_EXTRACT = "life_expectancy/trafford_fingertips_92901_sii_life_expectancy_kent_medway_england.csv"
INACTIVE = "fingertips_published/traffordDataLab-trafford_themes_93015_physically_inactive_adults_district_ua.csv"
OVERWEIGHT = "fingertips_published/traffordDataLab-trafford_themes_93088_adults_overweight_obese_district_ua.csv"
SMOKING_RM = "fingertips_published/traffordDataLab-trafford_themes_92445_smoking_routine_manual_district_ua.csv"
NEXT = "fingertips_published/dhsc-govuk-FingertipsNext_multi_england_93085_93015_93088_93474_92033.csv"

#: Kent county's real rows: tracker id -> (file, Fingertips id, Sex as in the file, Time period as in the file,
#: the tracker's period label). Worked out by hand from SOURCES.md section 10 (latest period for Kent county).
KENT_FILES = {
    "G.2-LE-M": (LAPH_COUNTY, "90366", "Male", "2016 - 18", "2016-18"),
    "G.2-LE-F": (LAPH_COUNTY, "90366", "Female", "2016 - 18", "2016-18"),
    "G.2-SII-M": (LAPH_COUNTY, "92901", "Male", "2016 - 18", "2016-18"),
    "G.2-SII-F": (LAPH_COUNTY, "92901", "Female", "2016 - 18", "2016-18"),
    "1.15": (LAPH_COUNTY, "93085", "", "2018/19", "2018/19"),
    "3.1": (LAPH_COUNTY, "93015", "", "2017/18", "2017/18"),
    "3.2": (ONS_9308, "93088", "Persons", "2020/21", "2020/21"),
    "3.4": (LAPH_COUNTY, "91414", "", "2018/19", "2018/19"),
}


#: England's value on those rows: one value per indicator, sex and period on every page, from the newest download
#: that has it (the 2026 extracts and Trafford files, then FingertipsNext, then the 2020 snapshot). (layout, file,
#: indicator id or sex, period as in the file)
KENT_ENGLAND = {
    "G.2-LE-M": ("extract", LE_EXTRACT, "Male", "2016 - 18"),
    "G.2-LE-F": ("extract", LE_EXTRACT, "Female", "2016 - 18"),
    "G.2-SII-M": ("extract", SII_EXTRACT, "Male", "2016 - 18"),
    "G.2-SII-F": ("extract", SII_EXTRACT, "Female", "2016 - 18"),
    "1.15": ("next", NEXT, "93085", "2018"),
    "3.1": ("all_data", INACTIVE, "93015", "2017/18"),
    "3.2": ("all_data", OVERWEIGHT, "93088", "2020/21"),
    "3.4": ("all_data", LAPH_COUNTY, "91414", "2018/19"),
}


def _england_value(shared_dir, layout, path, key, period) -> float:
    rows = _rows(shared_dir, path)
    if layout == "extract":
        hits = [r for r in rows if r["area_code"] == ENGLAND and r["inequality"] == key and r["period"] == period]
    elif layout == "next":
        hits = [r for r in rows if r["IndicatorId"] == key and r["AreaCode"] == ENGLAND and r["Year"] == period
                and not r["Category"] and r["Age"] == "All ages"]
    else:
        hits = [r for r in rows if r["Indicator ID"] == key and r["Area Code"] == ENGLAND
                and r["Time period"] == period and not r["Category Type"]]
    assert len(hits) == 1, (path, key, period, len(hits))
    return float(hits[0]["Value" if layout != "extract" else "value"])


def _rows(shared_dir, path: str) -> list[dict]:
    with open(shared_dir / "data" / path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _file_value(shared_dir, path, fid, sex, period, code) -> float:
    """The one value of the file for (indicator, sex, period, area): all_data layout."""
    hits = [r for r in _rows(shared_dir, path) if r["Indicator ID"] == fid and r["Sex"] == sex
            and r["Time period"] == period and r["Area Code"] == code and not r["Category Type"]]
    assert len(hits) == 1, (path, fid, sex, period, code, len(hits))
    return float(hits[0]["Value"])


def _registry() -> dict:
    text = resources.files("healthintel.compare").joinpath("targets.yaml").read_text(encoding="utf-8")
    return {e["id"]: e for e in yaml.safe_load(text)}


@pytest.fixture(scope="module")
def trackers():
    return {a: outcomes_tracker(a) for a in ("Kent", "Medway", "Kent and Medway")}


def test_kent_real_values_equal_the_published_files(trackers, shared_dir):
    rows = trackers["Kent"].rows.set_index("id")
    for ind, (path, fid, sex, period, label) in KENT_FILES.items():
        r = rows.loc[ind]
        assert bool(r["real"]) and r["source"] == f"Fingertips {fid} (published)", ind
        assert r["period"] == label, ind
        assert r["value"] == pytest.approx(_file_value(shared_dir, path, fid, sex, period, KENT)), ind
        assert r["england"] == pytest.approx(_england_value(shared_dir, *KENT_ENGLAND[ind])), ind
    # the strategy's own published baseline for Kent (registry entry 2.5-Kent), labelled as such
    base = _registry()["2.5-Kent"]["baseline"]
    assert rows.loc["2.5-Kent", ["value", "period", "source"]].tolist() == [
        base["value"], base["period"], "Strategy baseline (published)"]
    # 9 of the 16 outcome-framework indicators are real for Kent county; the other 7 DEMO
    t = trackers["Kent"]
    assert (t.n_registry, t.n_registry_real, t.n_demo) == (16, 9, 7)
    assert set(rows.index[rows["real"] & rows["registry"]]) == {*KENT_FILES, "2.5-Kent"}
    assert (rows.loc[~rows["real"], "source"] == DEMO_LABEL).all()


def test_medway_real_values_equal_the_published_files(trackers, shared_dir):
    rows = trackers["Medway"].rows.set_index("id")
    le = [r for r in _rows(shared_dir, LE_EXTRACT) if r["area_code"] == MEDWAY and r["inequality"] == "Male"]
    latest = max(le, key=lambda r: r["period"])
    assert rows.loc["G.2-LE-M", "period"] == latest["period"].replace(" ", "")
    assert rows.loc["G.2-LE-M", "value"] == pytest.approx(float(latest["value"]))
    inactive = [r for r in _rows(shared_dir, INACTIVE) if r["Area Code"] == MEDWAY]
    last = max(inactive, key=lambda r: r["Time period"])
    assert (rows.loc["3.1", "period"], rows.loc["3.1", "value"]) == (last["Time period"], float(last["Value"]))
    smoking = [r for r in _rows(shared_dir, SMOKING_RM) if r["Area Code"] == MEDWAY and "-" not in r["Time period"]]
    last = max(smoking, key=lambda r: r["Time period"])
    assert (rows.loc["2.5-Medway", "period"], rows.loc["2.5-Medway", "value"]) == (last["Time period"],
                                                                                     float(last["Value"]))
    assert trackers["Medway"].n_registry_real >= 9


def test_kent_and_medway_shows_the_strategys_published_baselines(trackers):
    reg = _registry()
    rows = trackers["Kent and Medway"].rows.set_index("id")
    strategy = rows[rows["source"] == "Strategy baseline (published)"]
    assert len(strategy) >= 9
    for ind, r in strategy.iterrows():
        entry = reg[ind]
        assert (r["value"], r["period"]) == (entry["baseline"]["value"], entry["baseline"]["period"]), ind
        assert r["progress"] in {"baseline only"}, ind  # the latest value is the baseline itself
    # "..., Medway" on the Kent and Medway page is Medway's own published series, named in the row
    assert rows.loc["2.5-Medway", "source"] == "Fingertips 92445 (published)"


def test_england_is_the_same_on_every_page_and_demo_values_sit_on_the_published_england(trackers, shared_dir):
    series = {a: t.series for a, t in trackers.items()}
    common = set.intersection(*(set(s) for s in series.values()))
    compared = 0
    for ind in sorted(common):
        eng = [s[ind].set_index("period")["england"] for s in series.values()]
        for other in eng[1:]:
            shared = eng[0].index.intersection(other.index)
            pd.testing.assert_series_equal(eng[0].loc[shared], other.loc[shared], check_names=False)
            compared += len(shared)
    assert compared > 50
    # a DEMO row's England is the published England series: deaths in hospital (93474) from FingertipsNext
    demo = trackers["Kent"].series["4.8"]
    assert (demo["origin_label"] == DEMO_LABEL).all()
    published = {r["Year"]: float(r["Value"]) for r in _rows(shared_dir, NEXT)
                 if r["IndicatorId"] == "93474" and r["Age"] == "All ages" and not r["Category"]}
    assert demo.set_index("period")["england"].to_dict() == published
    # and identical for Medway, whose page is DEMO for it too
    pd.testing.assert_series_equal(demo["england"], trackers["Medway"].series["4.8"]["england"])


def test_demo_values_are_plausible_around_england(trackers):
    for t in trackers.values():
        demo = t.rows[~t.rows["real"] & t.rows["england"].notna()]
        assert len(demo)
        ratio = demo["value"] / demo["england"]
        assert ratio.between(0.6, 1.4).all(), demo[["id", "value", "england"]]
        assert demo["progress"].str.startswith("demo (").all()


def test_tracker_refuses_an_area_its_registry_does_not_cover():
    with pytest.raises(AreaNotCoveredError, match="Kent and Medway.*Cornwall|Cornwall.*Kent and Medway") as info:
        outcomes_tracker("Cornwall")
    assert "Kent" in str(info.value) and "Medway" in str(info.value) and "E06000052" in str(info.value)


def test_kpi_dashboard_for_an_area_without_kpi_data_names_the_areas_that_have_it():
    from healthintel.chapters import kpi_dashboard

    with pytest.raises(AreaNotCoveredError, match=r"No KPI dashboard data for Cornwall.*Kent \(E10000016\)"):
        kpi_dashboard.build(area="Cornwall")
    assert kpi_dashboard.build(area="Kent").area == "Kent"


def test_area_targets_fix_a_null_baseline_from_the_published_value(shared_dir):
    goals = area_targets("Medway").set_index("id")
    le = {r["inequality"]: float(r["value"]) for r in _rows(shared_dir, LE_EXTRACT)
          if r["area_code"] == MEDWAY and r["period"] == "2018 - 20"}
    change = _registry()["G.2-LE-M"]["goal"]["change"]
    assert goals.loc["G.2-LE-M", "baseline_value"] == pytest.approx(le["Male"])
    assert goals.loc["G.2-LE-M", "goal_value"] == pytest.approx(le["Male"] + change)
    assert goals.loc["G.2-LE-M", "goal_text"] == f"{le['Male'] + change:.1f} years by 2026-28"
    kent = area_targets("Kent").set_index("id")  # Kent county's 2018-20 is not in the mirror: no number
    assert np.isnan(kent.loc["G.2-LE-M", "goal_value"])
    assert kent.loc["G.2-LE-M", "goal_text"] == ("+1.5 years on the 2018-20 baseline by 2026-28 (baseline not "
                                                 "published for Kent)")


@pytest.mark.parametrize("area", ["Medway", "Kent", "Kent and Medway"])
def test_life_expectancy_chapter_and_tracker_state_the_same_goal(area, trackers):
    from healthintel.chapters import life_expectancy

    ch = life_expectancy.build(area=area, repetitions=1000)
    shown = ch.targets_shown().set_index("id")
    rows = trackers[area].rows.set_index("id")
    for ind in ("G.2-LE-M", "G.2-LE-F", "G.2-SII-M", "G.2-SII-F"):
        assert shown.loc[ind, "goal_text"] == rows.loc[ind, "goal_text"], ind
        np.testing.assert_equal(shown.loc[ind, "goal_value"], rows.loc[ind, "goal_value"])
        assert shown.loc[ind, "progress"].startswith("demo ("), ind  # synthetic deaths
    html = ch.targets_table().to_html()
    assert rows.loc["G.2-LE-M", "goal_text"] in html
