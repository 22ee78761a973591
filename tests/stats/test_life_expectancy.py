"""life_expectancy against PHEindicatormethods 2.1.0 outputs (../shared/reference/pheim), plus errors.

Reference files are read at run time through the ``pheim_dir`` fixture; nothing is copied into the repository.
Reference tests in this file: 14 test cases covering all 12 ``le_*.csv`` outputs (7 valid/grouped files + 5
``le_invalid_*``) and the expected cumulative totals ``le_inline__df1_cum.csv``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from healthintel.errors import HealthIntelError, InvalidInputError, MissingColumnError, SuppressionWarning
from healthintel.stats import life_expectancy
from healthintel.stats.life_expectancy import (
    BANDS_INCOMPLETE,
    DEATHS_EXCEED_POPULATION,
    NEGATIVE_DEATHS,
    NO_DEATHS_90_PLUS,
    NON_POSITIVE_POPULATION,
    SMALL_POPULATION,
    WIDE_CI,
)

REL = 1e-6


def read(path) -> pd.DataFrame:
    # "None"/"NaN" are not missing in these exports; only NA is
    return pd.read_csv(path, keep_default_na=False, na_values=["NA"])


def inp(pheim_dir, name):
    return read(pheim_dir / "inputs" / f"le_inline__{name}.csv")


def out(pheim_dir, name):
    return read(pheim_dir / "outputs" / name)


def run_quiet(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = life_expectancy(*args, **kwargs)
    return result, [w for w in caught if issubclass(w.category, SuppressionWarning)]


def assert_close(ours, ref, what):
    ours = np.asarray(ours, dtype=float)
    ref = np.asarray(ref, dtype=float)
    assert ours.shape == ref.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref), err_msg=f"{what}: NA pattern differs")
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(ours[ok], ref[ok], rtol=REL, atol=0, err_msg=what)


def compare(ours: pd.DataFrame, ref: pd.DataFrame, *, keys, age_col, limit_map, with_totals=True):
    """Join on group keys + start age and compare values, limits and (optionally) the cumulative totals."""
    ref = ref.copy()
    ref["le_age"] = ref[age_col].map(lambda v: int(str(v).split("-")[0].split(" ")[0].rstrip("+")))
    merged = ref.merge(ours, on=keys + ["le_age"], how="left", suffixes=("_ref", ""), validate="one_to_one")
    assert len(merged) == len(ref)
    assert_close(merged["value"], merged["value_ref"], "value")
    for ref_col, our_col in limit_map.items():
        assert_close(merged[our_col], merged[ref_col], our_col)
    if with_totals:
        assert_close(merged["population_used"], merged["pops_used"], "population_used")
        assert_close(merged["deaths_used"], merged["dths_used"], "deaths_used")
    return merged


ONE = {"lowercl": "lower_ci", "uppercl": "upper_ci"}
TWO = {
    "lower95_0cl": "lower_ci_95_0",
    "upper95_0cl": "upper_ci_95_0",
    "lower99_8cl": "lower_ci_99_8",
    "upper99_8cl": "upper_ci_99_8",
}


# ---------------------------------------------------------------------------------------------- reference tests
def test_ref_df1_full(pheim_dir):
    ours, warned = run_quiet(inp(pheim_dir, "df1"), "deaths", "pops", "startage", le_age="all")
    compare(ours, out(pheim_dir, "le_df1_full.csv"), keys=[], age_col="startage", limit_map=ONE)
    assert not warned
    assert ours["suppression_reason"].isna().all()
    assert ours.loc[0, "statistic"] == "Life expectancy at 0"
    assert (ours["confidence"] == "95%").all()
    # the package's own expected values (testLifeExpectancy.R)
    assert ours.loc[0, "value"] == pytest.approx(80.16960813, abs=1e-8)
    assert ours.loc[19, "value"] == pytest.approx(6.16210635, abs=1e-8)


def test_ref_df1_cumulative_totals(pheim_dir):
    ours = life_expectancy(inp(pheim_dir, "df1"), "deaths", "pops", "startage", le_age="all")
    cum = inp(pheim_dir, "df1_cum")
    np.testing.assert_array_equal(ours["population_used"], cum["pops_used"])
    np.testing.assert_array_equal(ours["deaths_used"], cum["dths_used"])


def test_ref_df1_two_levels(pheim_dir):
    ours, _ = run_quiet(inp(pheim_dir, "df1"), "deaths", "pops", "startage", le_age="all", confidence=(95, 99.8))
    compare(ours, out(pheim_dir, "le_df1_2ci_95_998.csv"), keys=[], age_col="startage", limit_map=TWO)
    assert (ours["confidence"] == "95%, 99.8%").all()


def test_ref_df1_conf90(pheim_dir):
    ours, _ = run_quiet(inp(pheim_dir, "df1"), "deaths", "pops", "startage", le_age="all", confidence=0.90)
    compare(ours, out(pheim_dir, "le_df1_conf90.csv"), keys=[], age_col="startage", limit_map=ONE, with_totals=False)


def test_ref_df1_le_age_5_25(pheim_dir):
    ours, _ = run_quiet(inp(pheim_dir, "df1"), "deaths", "pops", "startage", le_age=[25, 5])
    ref = out(pheim_dir, "le_df1_leage_5_25.csv")
    assert list(ours["le_age"]) == [5, 25]
    compare(ours, ref, keys=[], age_col="startage", limit_map=ONE)


def test_ref_df2_unordered(pheim_dir):
    df2 = inp(pheim_dir, "df2")
    assert not df2["startage"].is_monotonic_increasing  # the input really is out of order
    ours, _ = run_quiet(df2, "deaths", "pops", "startage", le_age="all")
    compare(ours, out(pheim_dir, "le_df2_unordered.csv"), keys=[], age_col="startage", limit_map=ONE)


def test_ref_df3_custom_labels(pheim_dir):
    df3 = inp(pheim_dir, "df3")
    labels = ["0", "1-4", "5-9"] + [f"{a} – {a + 4}" for a in range(10, 90, 5)] + ["90 +"]
    ours, _ = run_quiet(df3, "deaths", "pops", "startage", le_age="all", age_bands=labels)
    compare(ours, out(pheim_dir, "le_df3_custom_labels.csv"), keys=[], age_col="startage", limit_map=ONE)
    # without age_bands the labels are read by their first number, as PHEindicatormethods parses age_contents
    parsed, _ = run_quiet(df3, "deaths", "pops", "startage", le_age="all")
    pd.testing.assert_frame_equal(parsed, ours)


REASON_OF_AREA = {
    "Good data": None,
    "Negative deaths": NEGATIVE_DEATHS,
    "Negative pops": NON_POSITIVE_POPULATION,
    "Missing age band": BANDS_INCOMPLETE,
    "Deaths more than pops": DEATHS_EXCEED_POPULATION,
    "Low pops": SMALL_POPULATION,
}


def test_ref_grouped_with_warnings(pheim_dir):
    data = inp(pheim_dir, "df_grouped_with_warnings")
    ours, warned = run_quiet(data, "deaths", "pop", "age", by="area", le_age="all")
    ref = out(pheim_dir, "le_grouped_with_warnings.csv")
    compare(ours, ref, keys=["area"], age_col="age", limit_map=ONE)
    # one warning for the call, naming how many groups and every reason
    assert len(warned) == 1
    message = str(warned[0].message)
    assert "5 of 6 group(s)" in message
    for reason in filter(None, REASON_OF_AREA.values()):
        assert reason in message
    reasons = {area: set(rows["suppression_reason"].dropna()) for area, rows in ours.groupby("area", sort=False)}
    for area, reason in REASON_OF_AREA.items():
        assert reasons[area] == ({reason} if reason else set()), area
    # the reference's NA pattern: every row of a suppressed group is NA
    assert ours.loc[ours["area"] != "Good data", ["value", "lower_ci", "upper_ci"]].isna().all().all()


def test_ref_widecis_two_levels(pheim_dir):
    data = inp(pheim_dir, "df_widecis_plus")
    ours, warned = run_quiet(data, "deaths", "pops", "startage", by="area", le_age="all", confidence=(0.95, 0.998))
    ref = out(pheim_dir, "le_widecis_plus_2ci.csv")
    merged = compare(ours, ref, keys=["area"], age_col="startage", limit_map=TWO)
    area2 = merged[merged["area"] == "Area 2"]
    wide = area2["le_age"] >= 40
    # value NA but limits kept from age 40 up, exactly as the reference
    assert area2.loc[wide, "value"].isna().all() and area2.loc[wide, "lower_ci_95_0"].notna().all()
    assert (area2.loc[wide, "suppression_reason"] == WIDE_CI).all()
    assert area2.loc[~wide, "suppression_reason"].isna().all()
    assert (merged.loc[merged["area"] == "Area 1", "suppression_reason"] == DEATHS_EXCEED_POPULATION).all()
    assert len(warned) == 1 and WIDE_CI in str(warned[0].message)


@pytest.mark.parametrize(
    "name, reason",
    [
        ("neg_deaths", NEGATIVE_DEATHS),
        ("zero_pop", NON_POSITIVE_POPULATION),
        ("deaths_greater_pops", DEATHS_EXCEED_POPULATION),
        ("low_pops", SMALL_POPULATION),
        ("missing_age", BANDS_INCOMPLETE),
    ],
)
def test_ref_invalid_ungrouped(pheim_dir, name, reason):
    """Ungrouped invalid input: PHEindicatormethods gives NA value/limits; we give NA + reason + one warning."""
    ref_name = {"deaths_greater_pops": "deaths_gt_pop"}.get(name, name)
    ref = out(pheim_dir, f"le_invalid_{ref_name}.csv")
    assert ref[["value", "lowercl", "uppercl"]].isna().all().all()
    data = inp(pheim_dir, f"df_{name}")
    ours, warned = run_quiet(data, "deaths", "pop" if "pop" in data else "pops", "age" if "age" in data else "startage",
                             le_age="all")
    assert len(ours) == 20
    assert ours[["value", "lower_ci", "upper_ci"]].isna().all().all()
    assert (ours["suppression_reason"] == reason).all()
    assert len(warned) == 1 and reason in str(warned[0].message) and "1 of 1 group(s)" in str(warned[0].message)


# ---------------------------------------------------------------------------------------------- behaviour
def df1_grouped(pheim_dir, n=3):
    df1 = inp(pheim_dir, "df1")
    return pd.concat([df1.assign(area=f"A{i}") for i in range(n)], ignore_index=True)


def test_zero_deaths_in_90_plus_is_suppressed(pheim_dir):
    data = inp(pheim_dir, "df1")
    data.loc[data["startage"] == 90, "deaths"] = 0
    ours, warned = run_quiet(data, "deaths", "pops", "startage", le_age=[0, 90])
    assert ours[["value", "lower_ci", "upper_ci"]].isna().all().all()
    assert (ours["suppression_reason"] == NO_DEATHS_90_PLUS).all()
    assert len(warned) == 1


def test_duplicated_band_is_suppressed(pheim_dir):
    data = df1_grouped(pheim_dir, 2)
    data = pd.concat([data, data.iloc[[3]]], ignore_index=True)  # A0 has band 10 twice
    ours, warned = run_quiet(data, "deaths", "pops", "startage", by="area")
    assert ours.set_index("area").loc["A0", "suppression_reason"] == BANDS_INCOMPLETE
    assert np.isnan(ours.set_index("area").loc["A0", "value"])
    assert ours.set_index("area").loc["A1", "value"] == pytest.approx(80.1696081319484, rel=REL)
    assert len(warned) == 1 and "1 of 2 group(s)" in str(warned[0].message)


def test_zero_deaths_below_90_are_fine(pheim_dir):
    data = inp(pheim_dir, "df1")
    data.loc[data["startage"] == 5, "deaths"] = 0
    ours, warned = run_quiet(data, "deaths", "pops", "startage")
    assert np.isfinite(ours.loc[0, "value"]) and not warned


def test_default_le_age_is_birth_and_output_columns(pheim_dir):
    ours = life_expectancy(df1_grouped(pheim_dir), "deaths", "pops", "startage", by="area")
    assert list(ours.columns) == [
        "area", "le_age", "value", "lower_ci", "upper_ci", "population_used", "deaths_used",
        "confidence", "statistic", "method", "suppression_reason",
    ]
    assert list(ours["area"]) == ["A0", "A1", "A2"] and (ours["le_age"] == 0).all()
    assert "Chiang" in ours.loc[0, "method"] and "Silcocks" in ours.loc[0, "method"]


def test_two_level_column_order(pheim_dir):
    ours = life_expectancy(inp(pheim_dir, "df1"), "deaths", "pops", "startage", confidence=(0.95, 0.998))
    assert list(ours.columns[:6]) == ["le_age", "value", "lower_ci_95_0", "upper_ci_95_0", "lower_ci_99_8",
                                      "upper_ci_99_8"]


# ---------------------------------------------------------------------------------------------- errors
def test_missing_column(pheim_dir):
    with pytest.raises(MissingColumnError, match="deaths='dead'"):
        life_expectancy(inp(pheim_dir, "df1"), "dead", "pops", "startage")


def test_unknown_age_band_names_rows_and_fix(pheim_dir):
    data = inp(pheim_dir, "df1")
    data.loc[4, "startage"] = 17
    with pytest.raises(InvalidInputError) as err:
        life_expectancy(data, "deaths", "pops", "startage")
    message = str(err.value)
    assert "'startage'" in message and "row 4" in message
    assert "startage=17" in message and "Use the start ages" in message


def test_unknown_text_label_with_age_bands(pheim_dir):
    df3 = inp(pheim_dir, "df3")
    labels = ["0", "1-4", "5-9"] + [f"{a}-{a + 4}" for a in range(10, 90, 5)] + ["90+"]  # hyphens, not en-dashes
    with pytest.raises(InvalidInputError, match="age_bands labels"):
        life_expectancy(df3, "deaths", "pops", "startage", age_bands=labels)


@pytest.mark.parametrize(
    "bands, match",
    [
        (["1-4"] + [str(a) for a in range(5, 95, 5)] + ["x"], "first label"),
        (["0", "5-9", "1-4"] + [str(a) for a in range(10, 95, 5)], "out of position"),
        (["0", "1-4"], "20 band labels"),
    ],
)
def test_bad_age_bands(pheim_dir, bands, match):
    with pytest.raises(InvalidInputError, match=match):
        life_expectancy(inp(pheim_dir, "df1"), "deaths", "pops", "startage", age_bands=bands)


@pytest.mark.parametrize("le_age", [3, [0, 200], [], "birth"])
def test_bad_le_age(pheim_dir, le_age):
    with pytest.raises(InvalidInputError, match="le_age"):
        life_expectancy(inp(pheim_dir, "df1"), "deaths", "pops", "startage", le_age=le_age)


@pytest.mark.parametrize("confidence", [0.5, 101, (0.9, 0.95), "95%"])
def test_bad_confidence(pheim_dir, confidence):
    with pytest.raises(InvalidInputError, match="confidence"):
        life_expectancy(inp(pheim_dir, "df1"), "deaths", "pops", "startage", confidence=confidence)


def test_non_numeric_deaths(pheim_dir):
    data = inp(pheim_dir, "df1")
    data["deaths"] = data["deaths"].astype(str)
    with pytest.raises(HealthIntelError, match="deaths column 'deaths' must be numeric"):
        life_expectancy(data, "deaths", "pops", "startage")
