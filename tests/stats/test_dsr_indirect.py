"""DSR (Dobson) and indirect standardisation (SMR/ISR) against PHEindicatormethods 2.1.0 and its Excel tool."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from healthintel.errors import InvalidInputError, MissingColumnError, SuppressionWarning
from healthintel.stats import ESP2013, dsr, isr, smr
from tests.stats.test_proportion_rate_mean import assert_matches_reference, read

NONIND = dict(independent_events=False, event_frequency="freq", age_band="ageband")


def _dsr(*args, **kwargs):
    """dsr() expecting exactly one SuppressionWarning when a group has < 10 events."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = dsr(*args, **kwargs)
    suppressed = int((out["total_count"] < 10).sum())
    kinds = [w for w in caught if issubclass(w.category, SuppressionWarning)]
    assert len(kinds) == (1 if suppressed else 0)
    return out


# ---------------------------------------------------------------------------------------------------------- DSR


def test_esp2013_constant(pheim_dir):
    assert ESP2013.sum() == 100_000 and len(ESP2013) == 19
    assert ESP2013.index[0] == "0-4" and ESP2013.index[-1] == "90+"
    bundled = read(pheim_dir, "inputs/data__esp2013.csv")["esp2013"].to_numpy()
    np.testing.assert_array_equal(ESP2013.to_numpy(), bundled)


def test_dsr_multiarea_2ci_reference(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_multiarea_esp.csv")
    ours = _dsr(data, "count", "pop", "esp2013", by="area", confidence=(0.95, 0.998))
    assert_matches_reference(ours, read(pheim_dir, "outputs/dsr_multiarea_esp2013_2ci.csv"), key="area")
    assert ours["suppression_reason"].isna().tolist() == [True, True, False]


def test_dsr_per_10000_reference(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_multiarea_esp.csv")
    ours = _dsr(data, "count", "pop", "esp2013", by="area", multiplier=10_000)
    assert_matches_reference(ours, read(pheim_dir, "outputs/dsr_multiarea_esp2013_conf95_per10000.csv"), key="area")


def test_dsr_user_standard_population_reference(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_DSR_1976.csv")
    ours = _dsr(data, "count", "pop", "esp1976")
    assert_matches_reference(ours, read(pheim_dir, "outputs/dsr_1976_esp1976.csv"))


def test_dsr_esp2013_by_position_matches_deprecated_phe_dsr(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_multiarea.csv")  # no standard population column
    ours = _dsr(data, "count", "pop", by="area", confidence=(0.95, 0.998))
    assert_matches_reference(ours, read(pheim_dir, "outputs/dsr_phe_dsr_deprecated_multiarea.csv"), key="area")


def test_dsr_esp2013_by_label(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_multiarea.csv").sample(frac=1, random_state=3)
    data["ageband"] = data["ageband"].replace("55-69", "55-59")  # a typo in the package's test workbook
    ours = _dsr(data, "count", "pop", by="area", age_band="ageband", confidence=(0.95, 0.998))
    assert_matches_reference(ours, read(pheim_dir, "outputs/dsr_phe_dsr_deprecated_multiarea.csv"), key="area")


@pytest.mark.parametrize("by", ["area", ["area", "freq"]])
def test_dsr_non_independent_reference(pheim_dir, by):
    data = read(pheim_dir, "inputs/sysdata__test_DSR_nonind.csv")
    if by == "area":
        ours = _dsr(data, "persons", "pop", "esp2013", by=by, confidence=(0.95, 0.998), **NONIND)
        ref = read(pheim_dir, "outputs/dsr_nonindependent_2ci.csv")
    else:  # the frequency column in by= is ignored, as R drops it from the grouping
        ours = _dsr(data, "persons", "pop", "esp2013", by=by, **NONIND)
        ref = read(pheim_dir, "outputs/dsr_nonindependent_freq_grouped.csv")
    assert_matches_reference(ours, ref, key="area")


def test_dsr_excel_results(pheim_dir):
    expected = read(pheim_dir, "inputs/sysdata__test_DSR_results.csv")
    multi = read(pheim_dir, "inputs/sysdata__test_multiarea_esp.csv")
    for rows, mult in ((slice(0, 3), 10_000), (slice(4, 7), 100_000)):
        ours = _dsr(multi, "count", "pop", "esp2013", by="area", multiplier=mult, confidence=(0.95, 0.998))
        assert_matches_reference(ours.drop(columns="confidence"), expected.iloc[rows], key="area")
    # the 1976 row: 95% limits only (the workbook's 99.8% cells for it are not DSR limits)
    one = _dsr(read(pheim_dir, "inputs/sysdata__test_DSR_1976.csv"), "count", "pop", "esp1976")
    np.testing.assert_allclose(one[["value", "lower_ci", "upper_ci"]].to_numpy()[0],
                               expected.iloc[7][["value", "lower95_0cl", "upper95_0cl"]].to_numpy(float), rtol=1e-6)
    nonind = _dsr(read(pheim_dir, "inputs/sysdata__test_DSR_nonind.csv"), "persons", "pop", "esp2013", by="area",
                  confidence=(0.95, 0.998), **NONIND)
    # the workbook's non-independent results are typed to 8 decimal places
    ours = nonind.set_index("area").loc[expected["area"].iloc[8:]]
    cols = ["value", "lower_ci_95_0", "upper_ci_95_0", "lower_ci_99_8", "upper_ci_99_8"]
    ref = expected.iloc[8:][["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]]
    np.testing.assert_allclose(ours[cols].to_numpy(float), ref.to_numpy(float), rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize(
    "file, column, match",
    [
        ("sysdata__test_err1.csv", "count", "count column 'count' must be a non-negative"),
        ("sysdata__test_err3.csv", "pop", "population column 'pop' must be greater than zero"),
        ("sysdata__test_err4.csv", "stdpop", "standard populations must be zero or more"),
    ],
)
def test_dsr_error_inputs(pheim_dir, file, column, match):
    data = read(pheim_dir, f"inputs/{file}")
    with pytest.raises(InvalidInputError, match=match) as err:
        dsr(data, "count", "pop", "stdpop")
    assert "row" in str(err.value)


def test_dsr_zero_population_is_an_error(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_err2_esp.csv")
    expected = r"population column 'pop' must be greater than zero.*row 1 \(area='Area1', pop=0\)"
    with pytest.raises(InvalidInputError, match=expected):
        dsr(data, "count", "pop", "esp2013", by="area")


@pytest.mark.parametrize("file, what", [("sysdata__test_DSR_nonind_err1.csv", "population"),
                                        ("sysdata__test_DSR_nonind_err2.csv", "standard population")])
def test_dsr_non_independent_inconsistent_populations(pheim_dir, file, what):
    data = read(pheim_dir, f"inputs/{file}")
    with pytest.raises(InvalidInputError, match=f"same {what} on every event-frequency row"):
        dsr(data, "persons", "pop", "esp2013", by="area", **NONIND)


def test_dsr_argument_errors(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_multiarea_esp.csv")
    with pytest.raises(InvalidInputError, match="exactly 19 rows"):
        dsr(data.iloc[:-1], "count", "pop", by="area")
    with pytest.raises(InvalidInputError, match="every group needs exactly 18 rows"):
        dsr(data, "count", "pop", ESP2013.to_numpy()[:18], by="area")
    with pytest.raises(MissingColumnError, match="standard_population='nope'"):
        dsr(data, "count", "pop", "nope", by="area")
    with pytest.raises(InvalidInputError, match="event_frequency=<column>"):
        dsr(data, "count", "pop", "esp2013", by="area", independent_events=False, age_band="ageband")
    with pytest.raises(InvalidInputError, match="independent_events must be True or False"):
        dsr(data, "count", "pop", "esp2013", by="area", independent_events="no")
    with pytest.raises(InvalidInputError, match="multiplier"):
        dsr(data, "count", "pop", "esp2013", by="area", multiplier=-5)
    with pytest.raises(InvalidInputError, match="confidence"):
        dsr(data, "count", "pop", "esp2013", by="area", confidence=0.8)
    bad = data.assign(ageband=data["ageband"].str.replace("-", " to "))
    with pytest.raises(InvalidInputError, match="not in the standard population"):
        dsr(bad, "count", "pop", by="area", age_band="ageband")
    missing = data.assign(pop=data["pop"].where(data.index != 3))
    with pytest.raises(InvalidInputError, match="cannot have missing values"):
        dsr(missing, "count", "pop", "esp2013", by="area")


def test_dsr_missing_counts_are_zero(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_multiarea_esp.csv")
    zeroed = data.assign(count=data["count"].where(data.index != 0, 0))
    nan = data.assign(count=data["count"].where(data.index != 0, np.nan))
    a = _dsr(zeroed, "count", "pop", "esp2013", by="area")
    b = _dsr(nan, "count", "pop", "esp2013", by="area")
    pd.testing.assert_frame_equal(a, b)


# ----------------------------------------------------------------------------------------------- SMR / ISR


def _isr_inputs(pheim_dir):
    own = read(pheim_dir, "inputs/sysdata__test_ISR_ownref.csv")
    ref = read(pheim_dir, "inputs/sysdata__test_ISR_refdata.csv")
    return own, ref


def test_smr_field_refs_2ci_reference(pheim_dir):
    own, _ = _isr_inputs(pheim_dir)
    ours = smr(own, "count", "pop", "refcount", "refpop", by="area", confidence=(0.95, 0.998))
    assert_matches_reference(ours, read(pheim_dir, "outputs/isratio_ownref_2ci.csv"), key="area")


def test_smr_vector_refs_x100_reference(pheim_dir):
    own, ref = _isr_inputs(pheim_dir)
    ours = smr(own.drop(columns=["refcount", "refpop"]), "count", "pop", ref["refcount"].to_numpy(),
               ref["refpop"].to_numpy(), by="area", reference_value=100)
    assert_matches_reference(ours, read(pheim_dir, "outputs/isratio_ownref_refvalue100_field.csv"), key="area")


def test_smr_observed_totals_reference(pheim_dir):
    own, ref = _isr_inputs(pheim_dir)
    totals = read(pheim_dir, "inputs/sysdata__test_ISR_lookup.csv").rename(columns={"total_count": "count"})
    ours = smr(own.drop(columns="count"), "count", "pop", ref["refcount"].to_numpy(), ref["refpop"].to_numpy(),
               by="area", observed_totals=totals)
    assert_matches_reference(ours, read(pheim_dir, "outputs/isratio_observed_totals.csv"), key="area")


def test_isr_2ci_reference(pheim_dir):
    own, ref = _isr_inputs(pheim_dir)
    ours = isr(own, "count", "pop", ref["refcount"].to_numpy(), ref["refpop"].to_numpy(), by="area",
               confidence=(0.95, 0.998))
    assert_matches_reference(ours, read(pheim_dir, "outputs/israte_ownref_2ci.csv"), key="area")


def test_isr_zero_population_reference(pheim_dir):
    _, ref = _isr_inputs(pheim_dir)
    data = read(pheim_dir, "inputs/sysdata__test_err2.csv")
    ours = isr(data, "count", "pop", ref["refcount"].to_numpy(), ref["refpop"].to_numpy(), by="area")
    assert_matches_reference(ours, read(pheim_dir, "outputs/israte_err2_zero_pop.csv"), key="area")


def test_isr_smr_excel_results(pheim_dir):
    own, ref = _isr_inputs(pheim_dir)
    expected = read(pheim_dir, "inputs/sysdata__test_ISR_results.csv")
    xr, nr = ref["refcount"].to_numpy(), ref["refpop"].to_numpy()
    conf = (0.95, 0.998)
    cases = [
        (slice(0, 3), isr(own, "count", "pop", xr, nr, by="area", confidence=conf)),
        (slice(3, 6), isr(own, "count", "pop", xr, nr, by="area", confidence=conf, multiplier=1000)),
        (slice(6, 9), smr(own, "count", "pop", xr, nr, by="area", confidence=conf)),
        (slice(9, 12), smr(own, "count", "pop", xr, nr, by="area", confidence=conf, reference_value=100)),
    ]
    for rows, ours in cases:
        exp = expected.iloc[rows]
        if ours["statistic"].iloc[0].startswith("indirectly standardised ratio"):
            exp = exp.drop(columns="ref_rate")
        assert_matches_reference(ours.drop(columns="confidence"), exp, key="area")
    err2 = read(pheim_dir, "inputs/sysdata__test_err2.csv")
    for rows, ours in (
        (slice(12, 14), isr(err2, "count", "pop", xr, nr, by="area")),
        (slice(14, 16), smr(err2, "count", "pop", xr, nr, by="area", reference_value=100)),
    ):
        exp = expected.iloc[rows].drop(columns=["lower99_8cl", "upper99_8cl"]).rename(
            columns={"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"})
        if "ref_rate" not in ours:
            exp = exp.drop(columns="ref_rate")
        assert_matches_reference(ours.drop(columns="confidence"), exp, key="area")


def test_smr_reference_with_missing_count_and_labelled_series(pheim_dir):
    own, ref = _isr_inputs(pheim_dir)
    xr = ref["refcount"].astype(float).where(ref.index != 2)  # the R test's NA in 10-14 (refcount 0 there)
    labelled_x = pd.Series(xr.to_numpy(), index=own["ageband"].iloc[:19].to_numpy())
    labelled_n = pd.Series(ref["refpop"].to_numpy(), index=labelled_x.index)
    ours = smr(own.sample(frac=1, random_state=1), "count", "pop", labelled_x, labelled_n, by="area",
               age_band="ageband")
    expected = read(pheim_dir, "outputs/isratio_ownref_2ci.csv").drop(
        columns=["lower99_8cl", "upper99_8cl", "confidence"]).rename(
        columns={"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"})
    assert_matches_reference(ours.drop(columns="confidence"), expected, key="area")


def test_smr_reference_computed_from_data():
    data = pd.DataFrame({
        "area": ["a"] * 2 + ["b"] * 2,
        "band": ["young", "old"] * 2,
        "deaths": [10, 50, 30, 150],
        "pop": [1000, 500, 3000, 1000],
    })
    ours = smr(data, "deaths", "pop", by="area", age_band="band")
    # reference rates: young 40/4000 = 0.01, old 200/1500; expected a = 10 + 66.67, b = 30 + 133.33
    np.testing.assert_allclose(ours["expected"], [10 + 500 * 200 / 1500, 30 + 1000 * 200 / 1500])
    np.testing.assert_allclose(ours["value"], [60 / (10 + 500 * 200 / 1500), 180 / (30 + 1000 * 200 / 1500)])
    # total observed equals total expected when the reference is the data itself
    np.testing.assert_allclose(ours["observed"].sum(), ours["expected"].sum())


def test_indirect_error_inputs(pheim_dir):
    own, ref = _isr_inputs(pheim_dir)
    xr, nr = ref["refcount"].to_numpy(), ref["refpop"].to_numpy()
    with pytest.raises(InvalidInputError, match="observed column 'count'"):
        smr(read(pheim_dir, "inputs/sysdata__test_err1.csv"), "count", "pop", xr, nr)
    with pytest.raises(InvalidInputError, match="population column 'pop'"):
        isr(read(pheim_dir, "inputs/sysdata__test_err3.csv"), "count", "pop", xr, nr)
    with pytest.raises(InvalidInputError, match="every group needs exactly 18 rows"):
        smr(own, "count", "pop", xr[:18], nr, by="area")
    with pytest.raises(InvalidInputError, match="every group needs exactly 19 rows"):
        smr(own[own["count"] < 100], "count", "pop", xr, nr, by="area")
    with pytest.raises(MissingColumnError, match="reference_count='ref_count'"):
        smr(own, "count", "pop", "ref_count", "refpop", by="area")
    with pytest.raises(InvalidInputError, match="give both reference_count and reference_population"):
        smr(own, "count", "pop", xr, by="area")
    with pytest.raises(InvalidInputError, match="two confidence levels"):
        smr(own, "count", "pop", xr, nr, by="area", confidence=(0.95, 0.98))
    with pytest.raises(MissingColumnError, match="observed_totals lacks"):
        smr(own, "count", "pop", xr, nr, by="area", observed_totals=pd.DataFrame({"area": ["x"]}))
