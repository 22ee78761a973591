"""The life-expectancy chapter's England line is the published England life expectancy (Fingertips 90366 in the
data mirror), labelled as published, not a value computed from the synthetic deaths (issue 14, item 5). The
expected values are read from the mirror file with the ``csv`` module here."""

from __future__ import annotations

import csv

import pytest

from healthintel.chapters import life_expectancy

LE_EXTRACT = "life_expectancy/trafford_fingertips_90366_life_expectancy_birth_kent_medway_england.csv"


@pytest.fixture(scope="module")
def chapter():
    return life_expectancy.build(area="Medway", repetitions=1000)


def test_england_at_birth_is_the_published_value_in_every_period(chapter, shared_dir):
    with open(shared_dir / "data" / LE_EXTRACT, encoding="utf-8-sig", newline="") as fh:
        published = {(r["inequality"], r["period"].replace(" ", "")): float(r["value"])
                     for r in csv.DictReader(fh) if r["area_code"] == "E92000001"}
    at_birth = chapter.england_trend[chapter.england_trend["le_age"] == 0]
    assert len(at_birth) == 2 * len(chapter.trend["period"].unique())
    for r in at_birth.itertuples(index=False):
        assert r.value == pytest.approx(published[(r.sex, r.period)]), (r.sex, r.period)
        assert r.england_source == "published"
    # at 65 England is computed from the England-wide deaths (no published 65 series in the mirror), and says so
    assert (chapter.england_trend.loc[chapter.england_trend["le_age"] == 65, "england_source"] == "computed").all()
    # the headline compares with the published England value and labels it
    head = chapter.headline[(chapter.headline["le_age"] == 0)].set_index("sex")
    for sex in ("Male", "Female"):
        assert head.loc[sex, "comparator_value"] == pytest.approx(published[(sex, chapter.period)])
    assert chapter.england_label() == "England (published, Fingertips 90366)"
    assert "England (published, Fingertips 90366)" in chapter.summary_markdown()
    assert "England (published, Fingertips 90366)" in chapter.headline_table().to_html()
    assert "fingertips_le_birth_90366" in chapter.sources


def test_trend_chart_names_the_published_england_line(chapter):
    chart = chapter.trend_charts()[0]
    labels = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert any("England (published, Fingertips 90366)" in t for t in labels), labels
