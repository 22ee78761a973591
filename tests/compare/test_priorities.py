"""compare.area_priorities against a hand-built case whose answer follows from the stated rules.

Ten real indicators and one DEMO row, each built to hit (or miss) one rule: Fingertips benchmark labels with and
without a judgement, recent-trend labels with and without one, probabilities of meeting a goal either side of
50% and missing. The expected ranking is written out here from the rules, not from the function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel.compare import area_priorities
from healthintel.compare.priorities import RULES, significantly_worse, trend_state

NAN = np.nan
ROWS = [
    # id, real, value, england, benchmark, trend, polarity, probability, goal
    ("A", True, 30.0, 20.0, "Worse", "Increasing and getting worse", "low_is_good", NAN, NAN),  # rule 1, gap 50%
    ("B", True, 12.0, 10.0, "Significantly higher", "No significant change", "low_is_good", NAN, NAN),  # 2, 20%
    ("C", True, 60.0, 59.0, "Similar", "No significant change", "high_is_good", 0.20, 70.0),  # rule 3 only
    ("D", True, 55.0, 60.0, "Significantly lower", "Cannot be calculated", "high_is_good", 0.40, 65.0),  # 3 (and 4)
    ("E", True, 30.0, 20.0, "Worse", "Decreasing and getting better", "low_is_good", NAN, NAN),  # improving: no
    ("F", True, 80.0, 78.0, "Better", "No significant change", "high_is_good", 0.70, 79.0),  # likely goal: no
    ("G", False, 99.0, 20.0, "Worse", "Increasing and getting worse", "low_is_good", 0.01, 10.0),  # DEMO: never
    ("H", True, 82.0, 80.0, "Significantly higher", "No significant change", "high_is_good", NAN, NAN),  # better
    ("I", True, 50.0, 25.0, "Worse", "No significant change", "low_is_good", NAN, NAN),  # rule 2, gap 100%
    ("J", True, 11.0, 10.0, "Worst", "Increasing", "low_is_good", NAN, NAN),  # no-judgement trend read: rule 1, 10%
    ("K", True, 40.0, 41.0, "Similar", "Cannot be calculated", "high_is_good", NAN, 45.0),  # not enough data: no
]


@pytest.fixture()
def rows() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["id", "real", "value", "england", "benchmark", "trend", "polarity",
                                        "probability_goal_met", "goal_value"])
    return frame.assign(name="Indicator " + frame["id"], period="2023/24", unit="%",
                        source="Fingertips 1 (published)", goal_period="2028/29", projected_value=NAN, lower_pi=NAN,
                        upper_pi=NAN, projection_periods=0)


def test_hand_built_ranking(rows):
    out = area_priorities(rows)
    # rule 1 by relative gap (A 50% > J 10%), rule 2 (I 100% > B 20%), rule 3 by probability (C 0.2 < D 0.4)
    assert out["id"].tolist() == ["A", "J", "I", "B", "C", "D"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert out["rule"].tolist() == [1, 1, 2, 2, 3, 3]
    assert out.attrs == {"demo_excluded": 1, "considered": 10}
    by = out.set_index("id")
    assert by.loc["A", "reason"] == RULES[1] == "significantly worse than England and getting worse"
    assert by.loc["B", "reason"] == RULES[2]
    assert by.loc["C", "reason"] == RULES[3]
    assert by.loc["D", "reason"] == f"{RULES[3]}; {RULES[4]}"  # both rules, listed once under the higher
    # comparator: England's value, except for a goal-only priority (the goal)
    assert (by.loc["A", "comparator"], by.loc["A", "comparator_value"]) == ("England", 20.0)
    assert (by.loc["C", "comparator"], by.loc["C", "comparator_value"]) == ("goal", 70.0)
    assert (by.loc["D", "comparator"], by.loc["D", "comparator_value"]) == ("England", 60.0)
    assert by.loc["C", "probability_goal_met"] == 0.20 and np.isnan(by.loc["A", "probability_goal_met"])
    assert (by["indicator"] == "Indicator " + by.index).all() and (by["period"] == "2023/24").all()


def test_rule_four_alone_ranks_last(rows):
    rows = rows.copy()
    rows.loc[rows["id"] == "D", "probability_goal_met"] = 0.9  # D keeps only "worse, trend not calculable"
    out = area_priorities(rows)
    assert out["id"].tolist() == ["A", "J", "I", "B", "C", "D"] and out["rule"].iloc[-1] == 4
    assert out["reason"].iloc[-1] == RULES[4]


def test_nothing_to_rank(rows):
    calm = rows[rows["id"].isin(["E", "F", "H", "K", "G"])]
    out = area_priorities(calm)
    assert out.empty and list(out.columns)[:4] == ["rank", "rule", "id", "indicator"]
    assert out.attrs == {"demo_excluded": 1, "considered": 4}


@pytest.mark.parametrize("label, polarity, worse", [
    ("Worse", "high_is_good", True), ("Worst", "low_is_good", True), ("Significantly higher", "low_is_good", True),
    ("Significantly higher", "high_is_good", False), ("Lower", "high_is_good", True), ("Lower", "low_is_good", False),
    ("Similar", "low_is_good", False), ("Not compared", "low_is_good", False), (None, "low_is_good", False),
    ("Higher", "no_judgement", False),
])
def test_significantly_worse(label, polarity, worse):
    assert bool(significantly_worse(pd.Series([label]), pd.Series([polarity]))[0]) is worse


@pytest.mark.parametrize("label, polarity, state", [
    ("Increasing and getting worse", "high_is_good", "worse"), ("Decreasing and getting better", "low_is_good",
                                                                "better"),
    ("Increasing", "low_is_good", "worse"), ("Decreasing", "low_is_good", "better"), ("Increasing", "no_judgement",
                                                                                      "unknown"),
    ("No significant change", "low_is_good", "no change"), ("Cannot be calculated", "high_is_good", "unknown"),
])
def test_trend_state(label, polarity, state):
    assert trend_state(pd.Series([label]), pd.Series([polarity]))[0] == state


def test_missing_column_is_named(rows):
    from healthintel.errors import MissingColumnError

    with pytest.raises(MissingColumnError, match="benchmark"):
        area_priorities(rows.drop(columns="benchmark"))
