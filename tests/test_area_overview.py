"""The area_overview chapter: priorities against a hand-built case, headline figures gathered from hand-written
figures.json files (real first, another area's never used, synthetic labelled), the figures.json document it
writes, links, and the render inputs that make it re-render (no kernel: the notebook is rendered in
tests/render/test_overview_render.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthintel.chapters import area_overview
from healthintel.compare import area_priorities, outcomes_tracker
from healthintel.render import cache

NAN = np.nan
# id, real, value, england, benchmark, trend, polarity, probability, goal, projection (value, lower, upper)
HAND = [
    ("W1", True, 30.0, 20.0, "Worse", "Increasing and getting worse", "low_is_good", NAN, NAN, None),
    ("W2", True, 12.0, 10.0, "Significantly higher", "No significant change", "low_is_good", NAN, NAN, None),
    ("G1", True, 60.0, 59.0, "Similar", "No significant change", "high_is_good", 0.2, 70.0, (63.0, 58.0, 68.0)),
    ("OK", True, 80.0, 78.0, "Better", "No significant change", "high_is_good", 0.7, 79.0, (81.0, 79.5, 82.5)),
    ("DM", False, 99.0, 20.0, "Worse", "Increasing and getting worse", "low_is_good", NAN, NAN, None),
]


@dataclass
class HandTracker:
    """Stands in for compare.tracker.OutcomesTracker with hand-built rows."""

    rows: pd.DataFrame
    series: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)
    fingertips_requests: list = field(default_factory=list)


def _hand_rows() -> pd.DataFrame:
    records = []
    for i, real, value, eng, bench, trend, pol, p, goal, proj in HAND:
        pv, lo, hi = proj or (NAN, NAN, NAN)
        records.append({"id": i, "name": f"Indicator {i}", "real": real, "registry": True, "value": value,
                        "lower_ci": NAN, "upper_ci": NAN, "england": eng, "benchmark": bench, "trend": trend,
                        "polarity": pol, "probability_goal_met": p, "goal_value": goal, "goal_period": "2028",
                        "projected_value": pv, "lower_pi": lo, "upper_pi": hi,
                        "projection_periods": 6 if proj else 0, "projection_first": "2018" if proj else None,
                        "projection_last": "2023" if proj else None, "period": "2023", "unit": "%",
                        "source": f"Fingertips {i} (published)", "catalog_id": ""})
    return pd.DataFrame(records)


@pytest.fixture()
def hand_overview(monkeypatch, tmp_path):
    monkeypatch.setattr(area_overview, "_tracker", lambda place: (HandTracker(_hand_rows()), ""))
    return area_overview.build(area="Kent", reports_dir=str(tmp_path / "reports"))


def test_priorities_of_a_hand_built_case(hand_overview):
    document = hand_overview.figures_document()
    got = [(p["rank"], p["indicator_id"], p["reason"], p["value"], p["period"], p["comparator"],
            p["comparator_value"], p["probability_goal_met"]) for p in document["priorities"]]
    assert got == [
        (1, "W1", "significantly worse than England and getting worse", 30.0, "2023", "England", 20.0, None),
        (2, "W2", "significantly worse than England, no significant change", 12.0, "2023", "England", 10.0, None),
        (3, "G1", "under 50% chance of meeting the goal", 60.0, "2023", "goal", 70.0, 0.2),
    ]
    assert {"indicator", "reason", "value", "period", "comparator_value", "probability_goal_met"} <= set(
        document["priorities"][0])
    sentences = [p["sentence"] for p in document["priorities"]]
    assert sentences[0] == ("Indicator W1: 30.0% in 2023 (source: Fingertips W1, published); significantly worse "
                            "than England (20.0% in 2023); recent trend: increasing and getting worse.")
    assert sentences[2] == ("Indicator G1: 60.0% in 2023 (source: Fingertips G1, published); the recent linear "
                            "trend of 6 published values (2018 to 2023) projects 63.0% in 2028 (95% prediction "
                            "interval 58.0% to 68.0%) against the goal of 70.0%: a 20% chance of meeting it.")
    text = hand_overview.priorities_markdown()
    assert text.startswith("1. **Indicator W1**") and "Indicator DM" not in text and "Indicator OK" not in text
    assert "because" not in text.lower() and "due to" not in text.lower()  # no wording about causes
    assert json.loads(json.dumps(document, allow_nan=False)) == document  # strict JSON


def _write_report(root: Path, chapter: str, slug: str, document: dict, html: bool = True) -> Path:
    folder = root / chapter
    folder.mkdir(parents=True, exist_ok=True)
    if html:
        (folder / f"{slug}.html").write_text("<html></html>")
    path = folder / f"{slug}.figures.json"
    path.write_text(json.dumps(document))
    return path


def _figure(name, value, unit="%", period="2023/24", lo=None, hi=None, source="test"):
    return {"name": name, "value": value, "lower_ci": lo, "upper_ci": hi, "unit": unit, "period": period,
            "source": source}


@pytest.fixture(scope="module")
def kent_tracker():
    return outcomes_tracker("Kent")


@pytest.fixture()
def reports(tmp_path):
    root = tmp_path / "reports"
    _write_report(root, "deprivation_profile", "kent", {
        "chapter": "deprivation_profile", "area_code": "E10000016", "area_name": "Kent", "real": True,
        "figures": [_figure("imd_average_score", 20.5, "score", "IMD 2019"),
                    _figure("share_population_most_deprived_quintile", 12.3, "%", "IMD 2019")]})
    _write_report(root, "life_expectancy", "kent", {
        "chapter": "life_expectancy", "area_code": "E10000016", "area_name": "Kent", "real": False,
        "figures": [_figure("le_birth_male", 79.5, "years", "2020-22", 79.3, 79.7),
                    _figure("le_birth_female", 83.1, "years", "2020-22", 82.9, 83.3)]})
    _write_report(root, "child_obesity", "kent", {  # another area's document in Kent's file: never used
        "chapter": "child_obesity", "area_code": "E06000035", "area_name": "Medway", "real": True,
        "figures": [_figure("obesity_prevalence", 25.0)]})
    return root


def test_headline_gathers_the_chapters_real_first(reports, kent_tracker):
    ch = area_overview.build(area="Kent", reports_dir=str(reports))
    labels = [(e["chapter"], e.get("name"), e["real"]) for e in ch.headline]
    tracker_real = [i for i in area_overview.TRACKER_HEADLINE
                    if i in set(kent_tracker.rows.loc[kent_tracker.rows["real"], "id"])]
    assert labels == [("deprivation_profile", "imd_average_score", True),
                      ("deprivation_profile", "share_population_most_deprived_quintile", True),
                      *[("outcomes_tracker", i, True) for i in tracker_real],
                      ("life_expectancy", "le_birth_male", False), ("life_expectancy", "le_birth_female", False)]
    assert tracker_real == ["G.2-LE-M", "G.2-LE-F", "ctx-ADULT-OB"]
    assert ch.synthetic and "Life expectancy" in ch.synthetic_note  # the red banner: synthetic figures shown
    found = {r.chapter: r for r in ch.reports}
    assert found["child_obesity"].document is None and "is for Medway, not Kent" in found["child_obesity"].note
    assert found["outcomes_tracker"].note == "no report yet"
    table = ch.headline_table().data
    males = table[table["Figure"] == "Life expectancy at birth, males"]
    assert males[["Chapter", "Data"]].values.tolist() == [["Outcomes tracker", "real"],
                                                           ["Life expectancy", "synthetic (demo)"]]
    assert "79.5 years (95% CI 79.3 to 79.7), 2020-22" in table["Value"].tolist()
    links = ch.chapters_markdown()
    assert "[Deprivation profile: Kent](../deprivation_profile/kent.html) (real data)" in links
    assert "Child obesity: no report for Kent (its figures.json is for Medway, not Kent: not used)" in links


def test_priorities_are_the_trackers_real_rows(reports, kent_tracker):
    ch = area_overview.build(area="Kent", reports_dir=str(reports))
    expected = area_priorities(kent_tracker.rows)
    document = ch.figures_document()
    assert [p["indicator_id"] for p in document["priorities"]] == expected["id"].tolist()
    assert document["priorities"], "Kent has real indicators worse than England"
    first, row = document["priorities"][0], expected.iloc[0]
    assert first["value"] == pytest.approx(row["value"]) and first["period"] == row["period"]
    assert first["comparator_value"] == pytest.approx(row["comparator_value"])
    for part in (f"{row['value']:.1f}%", row["period"], f"England ({row['comparator_value']:.1f}%",
                 str(row["source"]).replace(" (published)", ", published")):
        assert part in first["sentence"], part
    assert not kent_tracker.rows.loc[kent_tracker.rows["id"].isin(expected["id"]), "real"].eq(False).any()


def test_render_inputs_record_every_figures_file_present_or_missing(reports):
    ch = area_overview.build(area="Kent", reports_dir=str(reports))
    inputs = {Path(i["path"]).parent.name: i for i in ch.render_inputs()}
    assert set(inputs) == set(area_overview.CHAPTER_TITLES)
    assert inputs["outcomes_tracker"]["sha256"] == area_overview.MISSING_INPUT == cache.MISSING
    assert len(inputs["deprivation_profile"]["sha256"]) == 64
    listed = list(inputs.values())
    assert cache.inputs_current(listed)
    _write_report(reports, "outcomes_tracker", "kent", {"chapter": "outcomes_tracker", "area_code": "E10000016",
                                                        "area_name": "Kent", "real": False, "figures": []})
    assert not cache.inputs_current(listed)  # a report that appears re-renders the overview


def test_an_area_without_goals_has_no_priorities(tmp_path):
    ch = area_overview.build(area="Dover", reports_dir=str(tmp_path))
    assert ch.tracker is None and ch.priorities.empty
    assert "sets no goals for Dover" in ch.priorities_markdown()
    assert ch.figures_document()["priorities"] == []
