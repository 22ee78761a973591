"""KPI status: agreement with every Green / not-Green rating published in the first user's dashboard, rules."""

from __future__ import annotations

import pandas as pd
import pytest

from healthintel.chapters.kpi_dashboard import dashboard_table
from healthintel.compare import kpi_status
from healthintel.errors import InvalidInputError
from healthintel.sources.published import kpi_dashboard_data


@pytest.fixture(scope="module")
def kpis():
    return kpi_dashboard_data()


def test_engine_reproduces_every_published_green_not_green_rating(kpis):
    status = kpi_status(kpis, target="target", polarity="polarity")
    rated = status[status["rag_published"].isin(["G", "A", "R"])]
    assert len(rated) == 64  # 14 KPIs x 5 quarters, less PH23 (no target, 5) and PH22 2023/24 Q1 (nca)
    published_green = rated["rag_published"].eq("G").to_numpy()
    engine_green = rated["rag"].eq("G").to_numpy()
    mismatches = rated.loc[published_green != engine_green, ["kpi_id", "period", "value", "target", "rag"]]
    assert mismatches.empty, mismatches.to_string()
    # no floor given: every missed target is "A/R" (Amber and Red cannot be told apart)
    assert set(rated.loc[~engine_green, "rag"]) == {"A/R"}
    nca = status[status["rag_published"] == "nca"]
    assert nca["rag"].tolist() == ["nca"]
    assert (status.loc[status["kpi_id"] == "PH23", "rag"] == "no target").all()


def test_printed_targets_alone_miss_the_two_ratings_the_readme_explains():
    status = kpi_status(kpi_dashboard_data(target_overrides={}), polarity="polarity")
    row = status[(status["kpi_id"] == "PH11") & (status["period"] == "2022/23 Q4")].iloc[0]
    assert row["rag"] == "G" and row["rag_published"] == "A"


def test_floor_gives_amber_and_red_and_polarity():
    data = pd.DataFrame({
        "kpi_id": ["K1"] * 4 + ["K2"] * 2,
        "period": ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4", "2023/24 Q1", "2023/24 Q2"],
        "value": [90, 80, 70, None, 5.0, 7.0],
        "target": [85, 85, 85, 85, 6, 6],
        "floor": [75, 75, 75, 75, 8, 8],
        "polarity": ["high_is_good"] * 4 + ["low_is_good"] * 2,
    })
    out = kpi_status(data, floor="floor")
    assert out["rag"].tolist() == ["G", "A", "R", "nca", "G", "A"]
    assert out["direction"].tolist() == ["–", "↓", "↓", "–", "–", "↑"]
    assert out["improving"].tolist()[1:3] == [False, False] and out["improving"].tolist()[5] is False
    assert out["is_latest"].tolist() == [False, False, False, True, False, True]


def test_bad_polarity_names_the_rows():
    data = pd.DataFrame({"kpi_id": ["K"], "period": ["2023/24 Q1"], "value": [1.0], "target": [1.0],
                         "polarity": ["no_judgement"]})
    with pytest.raises(InvalidInputError, match="KPI polarity.*'K'"):
        kpi_status(data)


def test_dashboard_table_is_one_row_per_kpi_with_coloured_cells(kpis):
    status = kpi_status(kpis, polarity="polarity")
    html = dashboard_table(status, value_text="value_text").to_html()
    assert html.count("<tr") == 15  # header + 14 KPIs
    assert "#92D050" in html and "#FFE08A" in html and "#C9C9C9" in html
    assert "Direction of travel" in html and "Mandated health visiting" in html
