"""Every row of the Fingertips test vectors in ../shared/reference/fingertips/, read at run time."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from healthintel.compare import benchmark, quintile_benchmark, recent_trend

pytestmark = pytest.mark.reference

NEXT_LABELS = {
    "Increasing": "Increasing", "Decreasing": "Decreasing", "NoChange": "No significant change",
    "CannotBeCalculated": "Cannot be calculated",
    "IncreasingAndGettingWorse": "Increasing and getting worse", "IncreasingAndGettingBetter":
    "Increasing and getting better", "DecreasingAndGettingWorse": "Decreasing and getting worse",
    "DecreasingAndGettingBetter": "Decreasing and getting better",
}
VALUE_TYPES = {"Proportion": "proportion", "Crude rate": "crude_rate", "Directly standardised rate": "dsr",
               "Indirectly standardised proportion": "isp"}


@pytest.fixture(scope="module")
def ft(reference_dir):
    return reference_dir / "fingertips"


def _trend_cases(ft):
    cases = pd.read_csv(ft / "trend_marker_cases.csv")
    return [(case, rows) for case, rows in cases.groupby("case", sort=False)]


def test_trend_marker_cases(ft):
    cases = _trend_cases(ft)
    assert len(cases) == 4
    for case, rows in cases:
        expected = rows["expected"].iloc[0]
        method = "chi2_linear" if rows["method"].iloc[0].startswith("SpcForProportions") else "weighted_regression"
        out = recent_trend(rows, period="year", value="value", count="count", denominator="denominator",
                           lower_ci="lower_ci95", upper_ci="upper_ci95", value_type="proportion",
                           polarity="no_judgement", method=method)
        assert len(out) == 1
        got = out.iloc[0]
        if "CannotBeCalculated" in expected:
            assert got["trend"] == "Cannot be calculated", case
            assert "count = denominator" in got["reason"]
            continue
        significant = "significant=True" in expected
        marker = re.search(r"marker (\w+)", expected).group(1)
        assert got["trend"] == ("Increasing" if marker == "Increasing" else "No significant change"), case
        assert (got["chi2"] > 9.5493) == significant or not significant
        if m := re.search(r"chi2=([\d.]+)", expected):
            assert round(got["chi2"], 2) == pytest.approx(float(m.group(1)), abs=0.006), case
        assert got["n_points"] == 5


def test_trend_marker_cases_all_groups_at_once(ft):
    """The same four series in one call (by=case) give the same rows as one call per series."""
    cases = pd.read_csv(ft / "trend_marker_cases.csv")
    wr = cases[cases["method"].str.startswith("non-SPC")]
    both = recent_trend(wr.sample(frac=1, random_state=1), period="year", value="value", lower_ci="lower_ci95",
                        upper_ci="upper_ci95", by="case", method="weighted_regression", polarity="high_is_good")
    got = dict(zip(both["case"], both["trend"]))
    assert got == {"generic_set1": "Increasing and getting better", "generic_set2": "No significant change"} or \
        got == {"generic_set2": "No significant change", "generic_set1": "Increasing and getting better"}


def test_fingertipsnext_trend_series(ft):
    series = pd.read_csv(ft / "fingertipsnext_trend_series.csv")
    assert series["dataset"].nunique() == 6
    for dataset, rows in series.groupby("dataset", sort=False):
        out = recent_trend(rows, period="to_date", value="value", count="count", denominator="denominator",
                           lower_ci="lower_ci95", upper_ci="upper_ci95",
                           value_type=VALUE_TYPES[rows["value_type"].iloc[0]], polarity=rows["polarity"].iloc[0],
                           method="weighted_regression")
        assert out["trend"].iloc[0] == NEXT_LABELS[rows["expected_trend"].iloc[0]], dataset


def test_fingertipsnext_trend_series_vectorised(ft):
    """All six series in one call with by=dataset (one value type per call, so split by type)."""
    series = pd.read_csv(ft / "fingertipsnext_trend_series.csv")
    for (vt, pol), rows in series.groupby(["value_type", "polarity"], sort=False):
        out = recent_trend(rows, period="to_date", value="value", count="count", denominator="denominator",
                           lower_ci="lower_ci95", upper_ci="upper_ci95", value_type=VALUE_TYPES[vt],
                           polarity=pol, by="dataset", method="weighted_regression")
        exp = rows.drop_duplicates("dataset").set_index("dataset")["expected_trend"].map(NEXT_LABELS)
        assert dict(zip(out["dataset"], out["trend"])) == exp.to_dict()


POLARITY = {"RAG - Low is good (0)": "low_is_good", "RAG - High is good (1)": "high_is_good"}
EXPECTED = {"Same": "Similar", "None (missing CI)": "Not compared"}


def _method(row):
    m = row["method"]
    if m.startswith("SingleOverlappingCIsForTwoCILevels"):
        return "ci_overlap_95_99_8", 0.95
    if m.startswith("SingleOverlappingCIsForOneCILevel"):
        return "ci_overlap_95", 0.95
    if m.startswith("DoubleOverlappingCIs"):
        return "double_ci_overlap", 0.95
    conf = row["confidence"]
    level = 0.998 if ("3.0902" in conf or "99.8" in conf) else 0.95
    return ("spc_proportion" if m.startswith("SpcForProportions") else "spc_dsr"), level


def test_ci_comparison_cases_row_by_row(ft):
    cases = pd.read_csv(ft / "ci_comparison_cases.csv")
    assert len(cases) == 39
    for i, row in cases.iterrows():
        method, level = _method(row)
        data = pd.DataFrame([row]).rename(columns={
            "lower_ci95": "lower_ci", "upper_ci95": "upper_ci", "lower_ci998": "lower_ci_99_8",
            "upper_ci998": "upper_ci_99_8"})
        comparator = row["comparator_value"]
        on = None
        if method == "double_ci_overlap":
            data["key"] = 1
            comparator = pd.DataFrame({"key": [1], "value": [row["comparator_value"]],
                                       "lower_ci": [row["comparator_lower_ci95"]],
                                       "upper_ci": [row["comparator_upper_ci95"]]})
            on = "key"
        out = benchmark(data, comparator, method=method, polarity=POLARITY[row["polarity"]],
                        denominator="denominator", multiplier=row["unit"] if not np.isnan(row["unit"]) else 100,
                        confidence=level, on=on)
        assert out["benchmark"].iloc[0] == EXPECTED.get(row["expected"], row["expected"]), (i, row.to_dict())


def test_ci_comparison_cases_vectorised_spc(ft):
    """All SPC rows of one method and level in one call give the same labels as row by row."""
    cases = pd.read_csv(ft / "ci_comparison_cases.csv")
    spc = cases[cases["method"].str.startswith("Spc")].copy()
    spc["m"], spc["level"] = zip(*[_method(r) for _, r in spc.iterrows()])
    for (m, level), rows in spc.groupby(["m", "level"]):
        out = benchmark(rows, "comparator_value", method=m, polarity="low_is_good", denominator="denominator",
                        multiplier=rows["unit"].iloc[0], confidence=level)
        assert out["benchmark"].tolist() == rows["expected"].replace(EXPECTED).tolist()


def test_spc_two_levels_gives_best_and_worst(ft):
    cases = pd.read_csv(ft / "ci_comparison_cases.csv")
    rows = cases[cases["method"].str.startswith("SpcForProportions")].drop_duplicates("value")
    out = benchmark(rows, "comparator_value", method="spc_proportion", polarity="low_is_good",
                    denominator="denominator", confidence=(0.95, 0.998))
    # 95% and 99.8% both outside -> Best/Worst; only 95% -> Better/Worse
    assert out["benchmark"].tolist() == ["Best", "Similar", "Worst", "Better", "Worse"]


def _values(spec: str) -> list[float]:
    if ".." in spec:
        a, b = spec.split("..")
        return list(range(int(a), int(b) + 1))
    return [float(v) for v in spec.split(",")]


QPOL = {"none/BOB": "no_judgement", "RAG - High is good": "high_is_good", "RAG - Low is good": "low_is_good",
        "any": "low_is_good", "n/a": "no_judgement"}


def test_quintile_cases(ft):
    cases = pd.read_csv(ft / "quintile_cases.csv")
    assert len(cases) == 14
    for _, row in cases.iterrows():
        values = _values(row["values"])
        data = pd.DataFrame({"value": values})
        if row["case"].startswith("bounds"):
            bounds = [float(b) for b in re.search(r"\[(.*?)\]", row["expected"]).group(1).split(",")]
            inner = np.quantile(values, [0.2, 0.4, 0.6, 0.8], method="linear")
            assert [min(values), *inner, max(values)] == pytest.approx(bounds)
            out = quintile_benchmark(data, polarity="no_judgement")
            # a value equal to a bound goes to the lower bin; just above goes up
            at = pd.DataFrame({"value": values + [10.8, 10.81]})
            q = quintile_benchmark(at)["quintile"].tolist()
            assert q[-2] == 1 and q[-1] == 2
            assert out["quintile"].value_counts().sort_index().tolist() == [10, 10, 10, 10, 10]
            continue
        out = quintile_benchmark(data, polarity=QPOL[row["polarity"]])
        got = out.loc[data["value"] == float(row["test_value"]), "quintile"].iloc[0]
        expected = int(str(row["expected"]).split()[0])
        if expected == 0:
            assert pd.isna(got)
            assert (out["quintile_label"] == "Not compared").all()
        else:
            assert got == expected, row.to_dict()
