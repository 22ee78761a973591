"""End to end: the area overview for Kent rendered with the chapters it reads, in the second wave.

The overview is listed first in the series and still runs after the others (it reads their figures.json); its
page states the priorities computed from the outcomes tracker (computed again here), links to every chapter
report, and re-renders when a report it read changes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from healthintel.compare import area_priorities, outcomes_tracker
from healthintel.render import render_series

from .helpers import render_copies

pytestmark = pytest.mark.slow  # executes notebooks

SPECS = [{"chapter": "area_overview", "parameters": {"area": "Kent"}},
         {"chapter": "deprivation_profile", "parameters": {"area": "Kent"}},
         {"chapter": "life_expectancy", "parameters": {"area": "Kent", "repetitions": 1000}},
         {"chapter": "outcomes_tracker", "parameters": {"area": "Kent"}}]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("overview")
    results = render_copies(root, SPECS, [spec["chapter"] for spec in SPECS])
    return root, root / "reports", results


def test_overview_renders_after_the_chapters_it_reads(site):
    _, reports, results = site
    for result in results:
        assert result.status == "ok", f"{result.chapter}: {result.error}"
    overview, others = results[0], results[1:]
    assert overview.chapter == "area_overview" and overview.slug == "kent"
    started = datetime.fromisoformat(overview.rendered_at)
    for other in others:  # the second wave starts when the first has finished
        finished = datetime.fromisoformat(other.rendered_at).timestamp() + other.seconds
        assert started.timestamp() >= finished - 1, other.chapter


def test_overview_figures_json_has_kents_priorities_and_headline(site):
    _, reports, _ = site
    document = json.loads((reports / "area_overview" / "kent.figures.json").read_text())
    expected = area_priorities(outcomes_tracker("Kent").rows)
    assert [p["indicator_id"] for p in document["priorities"]] == expected["id"].tolist()
    assert len(document["priorities"]) >= 1
    for p, (_, row) in zip(document["priorities"], expected.iterrows()):
        assert p["indicator"] == row["indicator"] and p["period"] == row["period"]
        assert p["value"] == pytest.approx(row["value"]) and p["comparator_value"] == pytest.approx(
            row["comparator_value"])
        assert set(p) >= {"indicator", "reason", "value", "period", "comparator_value", "probability_goal_met"}
    chapters = {e["chapter"] for e in document["headline"]}
    assert {"deprivation_profile", "life_expectancy", "outcomes_tracker"} <= chapters
    le = [e for e in document["headline"] if e["chapter"] == "life_expectancy"]
    assert le and not any(e["real"] for e in le)  # synthetic deaths: labelled
    dep = json.loads((reports / "deprivation_profile" / "kent.figures.json").read_text())
    score = next(f for f in dep["figures"] if f["name"] == "imd_average_score")
    assert next(e for e in document["headline"] if e["name"] == "imd_average_score")["value"] == score["value"]
    assert document["real"] is False  # shows synthetic figures (labelled), so the page carries the banner


def test_overview_page_states_priorities_and_links_every_chapter(site):
    _, reports, results = site
    html = (reports / "area_overview" / "kent.html").read_text()
    document = json.loads((reports / "area_overview" / "kent.figures.json").read_text())
    for p in document["priorities"]:
        assert p["indicator"] in html and f"{p['value']:.1f}" in html and p["period"] in html
    links = set(re.findall(r'href="\.\./([a-z_]+/kent\.html)"', html))
    assert links == {f"{r.chapter}/kent.html" for r in results[1:]}
    for link in links:
        assert (reports / link).is_file()
    assert "no report for Kent" in html  # child obesity and the KPI dashboard were not rendered here


def test_overview_rerenders_when_a_report_it_read_changes(site):
    root, reports, _ = site
    again = render_series(SPECS, jobs=1, notebooks_dir=root / "notebooks", reports_dir=reports, progress=False)
    assert [r.status for r in again] == ["skipped"] * len(SPECS)
    (reports / "life_expectancy" / "kent.figures.json").unlink()
    only = render_series(SPECS[:1], jobs=1, notebooks_dir=root / "notebooks", reports_dir=reports, progress=False)
    assert only[0].status == "ok"  # an input changed: rendered again, not skipped
    document = json.loads((reports / "area_overview" / "kent.figures.json").read_text())
    assert not [e for e in document["headline"] if e["chapter"] == "life_expectancy"]
