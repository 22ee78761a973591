"""slope_index_of_inequality against PHEindicatormethods 2.1.0 outputs, plus validation, warnings and chunking.

Reference tests in this file: 8 (every ``sii_*.csv`` output). Point estimates (sii, rii, intercept) must equal the
reference to 1e-6. Simulated limits cannot reproduce R's Mersenne-Twister draws; each limit must be within
max(README tolerance, 5 Monte-Carlo standard deviations of the difference between two independent simulations),
where the README tolerance is 0.1 years for life expectancy and 2% relative for rates and proportions. The flat
README tolerance alone is not attainable with any generator for every one of the 2,888 LE limits (e.g. seed 13 gives
one 95% limit 0.14 years away; 99.8% limits differ by up to ~0.3), so the average difference is checked tightly too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from healthintel.errors import HealthIntelWarning, InvalidInputError, MissingColumnError, SuppressionWarning
from healthintel.stats import slope_index_of_inequality as sii
import healthintel.stats.sii as sii_module

REL = 1e-6
SEED = 20240601


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=["NA"])


@pytest.fixture(scope="module")
def le_data(pheim_dir):
    return read(pheim_dir / "inputs" / "data__LE_data.csv")


@pytest.fixture(scope="module")
def dsr_data(pheim_dir):
    return read(pheim_dir / "inputs" / "data__DSR_data.csv")


@pytest.fixture(scope="module")
def prevalence_data(pheim_dir):
    data = read(pheim_dir / "inputs" / "data__prevalence_data.csv")
    data["SchoolYear"] = data["SchoolYear"].astype(str)
    for col in ("Rate", "LCL", "UCL"):
        data[col] = data[col] / 100
    return data


def ref_out(pheim_dir, name):
    data = read(pheim_dir / "outputs" / name)
    if "SchoolYear" in data:
        data["SchoolYear"] = data["SchoolYear"].astype(str)
    return data


def run(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sii(*args, **kwargs)
    return result, caught


def mc_sd_of_difference(lower95, upper95, level, r_ours, r_ref):
    """SD of the difference of two independent order-statistic estimates of a (1 -/+ level)/2 quantile."""
    sigma = (np.asarray(upper95) - np.asarray(lower95)) / (2 * norm.ppf(0.975))
    p = (1 - level) / 2
    return np.sqrt(p * (1 - p)) / norm.pdf(norm.ppf(1 - p)) * sigma * np.sqrt(1 / r_ours + 1 / r_ref)


def ref_names(ref: pd.DataFrame, stat: str, level: float) -> tuple[str, str]:
    tag = {0.95: "95_0", 0.998: "99_8"}[level]
    for end in ("cl", ""):
        lo, hi = f"{stat}_lower{tag}{end}", f"{stat}_upper{tag}{end}"
        if lo in ref:
            return lo, hi
    raise KeyError((stat, level))


def check_against_reference(ours, ref, keys, *, stats, levels, kind, reps_ref, reps_ours, intercept=True):
    merged = ref.merge(ours, on=keys, how="left", suffixes=("_ref", ""), validate="one_to_one")
    assert len(merged) == len(ref) == len(ours)
    points = [s for s in stats] + (["intercept"] if intercept else [])
    for col in points:
        np.testing.assert_allclose(merged[col], merged[f"{col}_ref"], rtol=REL, err_msg=col)
    for stat in stats:
        for level in levels:
            ref_lo, ref_hi = ref_names(ref, stat, level)
            ours_names = dict(zip((0.95, 0.998), ours_limit_names(stat, levels)))
            our_lo, our_hi = ours_names[level]
            lo95, hi95 = ours_names[0.95] if 0.95 in ours_names else ours_names[level]
            sd = mc_sd_of_difference(merged[lo95], merged[hi95], level, reps_ours, reps_ref)
            for ref_col, our_col in ((ref_lo, our_lo), (ref_hi, our_hi)):
                r, o = merged[ref_col].to_numpy(float), merged[our_col].to_numpy(float)
                flat = 0.1 if kind == "le" and stat == "sii" else 0.02 * np.abs(r)
                tol = np.maximum(flat, 5 * sd)
                bad = np.abs(o - r) > tol
                assert not bad.any(), (our_col, merged.loc[bad, keys + [ref_col, our_col]].head())
    return merged


def ours_limit_names(stat, levels):
    if len(levels) == 1:
        return [(f"{stat}_lower_ci", f"{stat}_upper_ci")]
    return [(f"{stat}_lower_ci_95_0", f"{stat}_upper_ci_95_0"), (f"{stat}_lower_ci_99_8", f"{stat}_upper_ci_99_8")]


# ---------------------------------------------------------------------------------------------- reference tests
@pytest.mark.slow  # 100,000 simulations per group: ~10 s here, ~80 s on a busy machine; make test runs it
def test_ref_le_data_se_default_reps(pheim_dir, le_data):
    ours, caught = run(le_data, "Decile", "Pop", value="LifeExp", se="SE", by=["Sex", "GeoCode"],
                       confidence=(0.95, 0.998), rii=True, intercept=True, seed=SEED)
    ref = ref_out(pheim_dir, "sii_LE_data_se_default_reps.csv")
    merged = check_against_reference(ours, ref, ["Sex", "GeoCode"], stats=["sii", "rii"], levels=(0.95, 0.998),
                                     kind="le", reps_ref=100_000, reps_ours=100_000)
    # E06000053 (both sexes) lacks deciles: dropped with one warning, as the reference does
    assert "E06000053" not in set(ours["GeoCode"])
    dropped = [w for w in caught if issubclass(w.category, SuppressionWarning)]
    assert len(dropped) == 1 and "2 of 724 group(s) dropped" in str(dropped[0].message)
    assert "E06000053" in str(dropped[0].message)
    # on average the 95% limits agree far better than the per-limit tolerance
    d95 = np.abs(merged["sii_lower95_0cl"] - merged["sii_lower_ci_95_0"])
    assert d95.mean() < 0.02
    d998 = np.abs(merged["sii_upper99_8cl"] - merged["sii_upper_ci_99_8"])
    assert d998.mean() < 0.06
    assert list(ours.columns) == [
        "Sex", "GeoCode", "sii", "sii_lower_ci_95_0", "sii_upper_ci_95_0", "sii_lower_ci_99_8", "sii_upper_ci_99_8",
        "rii", "rii_lower_ci_95_0", "rii_upper_ci_95_0", "rii_lower_ci_99_8", "rii_upper_ci_99_8", "intercept",
        "confidence", "statistic", "method",
    ]
    assert (ours["confidence"] == "95%, 99.8%").all()


def test_ref_le_data_vignette_1000reps(pheim_dir, le_data):
    ours, _ = run(le_data, "Decile", "Pop", value="LifeExp", se="SE", by=["Sex", "GeoCode"],
                  confidence=(0.95, 0.998), repetitions=1000, seed=SEED)
    ref = ref_out(pheim_dir, "sii_LE_data_vignette_1000reps.csv")
    check_against_reference(ours, ref, ["Sex", "GeoCode"], stats=["sii"], levels=(0.95, 0.998), kind="le",
                            reps_ref=1000, reps_ours=1000, intercept=False)
    assert "rii" not in ours and "intercept" not in ours
    assert "1,000 repetitions" in ours.loc[0, "method"]


def test_ref_dsr_rate_transform_reliability(pheim_dir, dsr_data):
    ours, _ = run(dsr_data, "Quintile", "total_pop", value="value", lower_ci="lowercl", upper_ci="uppercl",
                  value_type="rate", transform=True, rii=True, intercept=True, reliability_stat=True, by="Period",
                  seed=SEED)
    ref = ref_out(pheim_dir, "sii_DSR_data_rate_transform.csv")
    merged = check_against_reference(ours, ref, ["Period"], stats=["sii", "rii"], levels=(0.95,), kind="rate",
                                     reps_ref=100_000, reps_ours=100_000)
    # the mean absolute difference between blocks is itself random: same order of magnitude as R's
    for stat in ("sii", "rii"):
        ratio = merged[f"{stat}_mad"] / merged[f"{stat}_mad95_0"]
        assert ((ratio > 0.2) & (ratio < 5)).all(), ratio
        width = merged[f"{stat}_upper_ci"] - merged[f"{stat}_lower_ci"]
        assert (merged[f"{stat}_mad"] < 0.02 * width).all()
    assert "log transform" in ours.loc[0, "method"]


def test_ref_dsr_rate_no_transform(pheim_dir, dsr_data):
    ours, _ = run(dsr_data, "Quintile", "total_pop", value="value", lower_ci="lowercl", upper_ci="uppercl",
                  value_type="rate", rii=True, intercept=True, confidence=(0.95, 0.998), by="Period", seed=SEED)
    ref = ref_out(pheim_dir, "sii_DSR_data_rate_notransform.csv")
    check_against_reference(ours, ref, ["Period"], stats=["sii", "rii"], levels=(0.95, 0.998), kind="rate",
                            reps_ref=100_000, reps_ours=100_000)


def test_ref_dsr_rate_transform_negative_multiplier(pheim_dir, dsr_data):
    ours, _ = run(dsr_data, "Quintile", "total_pop", value="value", lower_ci="lowercl", upper_ci="uppercl",
                  value_type="rate", transform=True, multiplier=-1, rii=True, intercept=True, by="Period", seed=SEED)
    ref = ref_out(pheim_dir, "sii_DSR_data_rate_transform_neg_multiplier.csv")
    check_against_reference(ours, ref, ["Period"], stats=["sii", "rii"], levels=(0.95,), kind="rate",
                            reps_ref=100_000, reps_ours=100_000)
    assert (ours["sii_lower_ci"] < ours["sii"]).all() and (ours["sii"] < ours["sii_upper_ci"]).all()
    assert (ours["rii_lower_ci"] < ours["rii"]).all() and (ours["rii"] < ours["rii_upper_ci"]).all()


PREVALENCE_KEYS = ["Period", "SchoolYear", "AreaCode"]


def test_ref_prevalence_proportion_transform(pheim_dir, prevalence_data):
    ours, _ = run(prevalence_data, "Decile", "Measured", value="Rate", lower_ci="LCL", upper_ci="UCL",
                  value_type="proportion", transform=True, multiplier=-100, rii=True, intercept=True,
                  by=PREVALENCE_KEYS, seed=SEED)
    ref = ref_out(pheim_dir, "sii_prevalence_data_prop_transform.csv")
    check_against_reference(ours, ref, PREVALENCE_KEYS, stats=["sii", "rii"], levels=(0.95,), kind="proportion",
                            reps_ref=100_000, reps_ours=100_000)


def test_ref_prevalence_proportion_no_transform(pheim_dir, prevalence_data):
    ours, _ = run(prevalence_data, "Decile", "Measured", value="Rate", lower_ci="LCL", upper_ci="UCL",
                  value_type="proportion", multiplier=-100, rii=True, intercept=True, confidence=(0.95, 0.998),
                  by=PREVALENCE_KEYS, seed=SEED)
    ref = ref_out(pheim_dir, "sii_prevalence_data_prop_notransform.csv")
    check_against_reference(ours, ref, PREVALENCE_KEYS, stats=["sii", "rii"], levels=(0.95, 0.998),
                            kind="proportion", reps_ref=100_000, reps_ours=100_000)


def test_ref_prevalence_proportion_from_count(pheim_dir, prevalence_data):
    ours, _ = run(prevalence_data, "Decile", "Measured", numerator="Count", lower_ci="LCL", upper_ci="UCL",
                  value_type="proportion", rii=True, intercept=True, by=PREVALENCE_KEYS, seed=SEED)
    ref = ref_out(pheim_dir, "sii_prevalence_data_prop_x_count.csv")
    check_against_reference(ours, ref, PREVALENCE_KEYS, stats=["sii", "rii"], levels=(0.95,), kind="proportion",
                            reps_ref=100_000, reps_ours=100_000)


# ---------------------------------------------------------------------------------------------- behaviour
def small_le(le_data, n_areas=4):
    codes = le_data["GeoCode"].drop_duplicates().iloc[:n_areas]
    return le_data[le_data["GeoCode"].isin(codes)].reset_index(drop=True)


def test_seed_reproducible_and_row_order_irrelevant(le_data):
    data = small_le(le_data)
    kwargs = dict(value="LifeExp", se="SE", by=["Sex", "GeoCode"], repetitions=2000, seed=5, rii=True)
    first = sii(data, "Decile", "Pop", **kwargs)
    shuffled = sii(data.sample(frac=1, random_state=3), "Decile", "Pop", **kwargs)
    key = ["Sex", "GeoCode"]
    pd.testing.assert_frame_equal(
        first.sort_values(key).reset_index(drop=True), shuffled.sort_values(key).reset_index(drop=True)
    )
    other_seed = sii(data, "Decile", "Pop", **{**kwargs, "seed": 6})
    assert not np.allclose(first["sii_lower_ci"], other_seed["sii_lower_ci"])
    np.testing.assert_allclose(first["sii"], other_seed["sii"])


def test_small_memory_budget_chunks_repetitions(le_data, monkeypatch):
    data = small_le(le_data, 2)
    kwargs = dict(value="LifeExp", se="SE", by=["Sex", "GeoCode"], repetitions=20_000, seed=1)
    whole = sii(data, "Decile", "Pop", **kwargs)
    monkeypatch.setattr(sii_module, "MEMORY_BUDGET_BYTES", 50_000)  # forces several repetition chunks per group
    chunked = sii(data, "Decile", "Pop", **kwargs)
    np.testing.assert_allclose(chunked["sii"], whole["sii"])
    sd = mc_sd_of_difference(whole["sii_lower_ci"], whole["sii_upper_ci"], 0.95, 20_000, 20_000)
    assert (np.abs(chunked["sii_lower_ci"] - whole["sii_lower_ci"]) < 5 * sd).all()


def test_text_quantile_labels_sort_as_numbers(le_data):
    data = small_le(le_data, 2)
    as_text = data.assign(Decile=data["Decile"].astype(str))
    kwargs = dict(value="LifeExp", se="SE", by=["Sex", "GeoCode"], repetitions=1000, seed=1)
    pd.testing.assert_frame_equal(sii(as_text, "Decile", "Pop", **kwargs), sii(data, "Decile", "Pop", **kwargs))


def test_duplicated_quantile_group_dropped_with_one_warning(le_data):
    data = small_le(le_data, 2)
    data = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    ours, caught = run(data, "Decile", "Pop", value="LifeExp", se="SE", by=["Sex", "GeoCode"], repetitions=1000)
    warned = [w for w in caught if issubclass(w.category, SuppressionWarning)]
    assert len(warned) == 1 and "1 of 4 group(s) dropped" in str(warned[0].message)
    assert len(ours) == 3


def test_many_quantiles_warn(le_data):
    data = small_le(le_data, 1)
    data = data[data["Sex"] == 1]
    twenty = pd.concat([data.assign(Decile=data["Decile"] * 2 - 1), data.assign(Decile=data["Decile"] * 2)])
    ours, caught = run(twenty, "Decile", "Pop", value="LifeExp", se="SE", repetitions=1000)
    assert any(issubclass(w.category, HealthIntelWarning) and "20 quantiles" in str(w.message) for w in caught)
    assert len(ours) == 1


def test_ungrouped_and_quantile_one_most_deprived(le_data):
    data = small_le(le_data, 1)
    data = data[data["Sex"] == 1]
    ours = sii(data, "Decile", "Pop", value="LifeExp", se="SE", repetitions=1000, seed=1)
    assert list(ours.columns) == ["sii", "sii_lower_ci", "sii_upper_ci", "confidence", "statistic", "method"]
    # life expectancy rises from decile 1 (most deprived) to 10: a positive SII; reversing the labels flips it
    assert ours.loc[0, "sii"] > 0
    reversed_labels = sii(data.assign(Decile=11 - data["Decile"]), "Decile", "Pop", value="LifeExp", se="SE",
                          repetitions=1000, seed=1)
    assert reversed_labels.loc[0, "sii"] == pytest.approx(-ours.loc[0, "sii"], rel=1e-9)


def test_se_from_cis_equals_se_given(le_data):
    data = small_le(le_data, 2)
    z = 1.959963984540054
    data = data.assign(lo=data["LifeExp"] - z * data["SE"], hi=data["LifeExp"] + z * data["SE"])
    a = sii(data, "Decile", "Pop", value="LifeExp", se="SE", by=["Sex", "GeoCode"], repetitions=1000, seed=9)
    b = sii(data, "Decile", "Pop", value="LifeExp", lower_ci="lo", upper_ci="hi", by=["Sex", "GeoCode"],
            repetitions=1000, seed=9)
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


# ---------------------------------------------------------------------------------------------- errors (spec 8.7)
def base(dsr_data, **kw):
    args = dict(value="value", lower_ci="lowercl", upper_ci="uppercl", value_type="rate", by="Period",
                repetitions=1000)
    args.update(kw)
    return args


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(value=None), "needs value="),
        (dict(lower_ci=None), "either se="),
        (dict(value_type="ratio"), "value_type must be"),
        (dict(multiplier="100"), "multiplier must be a finite number"),
        (dict(repetitions=999), "at least 1,000"),
        (dict(value_type="other", transform=True), "transform=True needs value_type"),
        (dict(transform=True, se="value"), "drop se="),
        (dict(transform=True, upper_ci=None, se="value"), "drop se="),  # rule 8 is reported before rule 9
        (dict(confidence=0.8), "confidence"),
        (dict(value=None, numerator="value"), "only works for value_type='proportion'"),
    ],
)
def test_argument_errors_in_order(dsr_data, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        sii(dsr_data, "Quintile", "total_pop", **base(dsr_data, **kwargs))


def test_missing_column(dsr_data):
    with pytest.raises(MissingColumnError, match="value='rate'"):
        sii(dsr_data, "Quintile", "total_pop", **base(dsr_data, value="rate"))


def mutate(dsr_data, row, **values):
    data = dsr_data.copy()
    for col, v in values.items():
        data[col] = data[col].astype(float)
        data.loc[row, col] = v
    return data


@pytest.mark.parametrize(
    "values, kwargs, match",
    [
        (dict(total_pop=0), {}, "population column 'total_pop' must be greater than 0"),
        (dict(total_pop=np.nan), {}, "population column 'total_pop' must be greater than 0"),
        (dict(lowercl=np.nan), {}, "confidence limit columns must have no missing values"),
        (dict(value=0.0), {}, "holds rates, which must be greater than 0"),
        (dict(lowercl=-1.0), {}, "confidence limits of a rate must be greater than 0"),
    ],
)
def test_data_errors_name_column_rows_and_fix(dsr_data, values, kwargs, match):
    data = mutate(dsr_data, 7, **values)
    with pytest.raises(InvalidInputError) as err:
        sii(data, "Quintile", "total_pop", **base(dsr_data, **kwargs))
    message = str(err.value)
    assert match in message and "row 7" in message and "Period=2011" in message and "Quintile=3" in message


def test_negative_se(le_data):
    data = small_le(le_data, 1).copy()
    data.loc[3, "SE"] = -0.5
    with pytest.raises(InvalidInputError, match=r"se column 'SE' must be non-negative.*row 3"):
        sii(data, "Decile", "Pop", value="LifeExp", se="SE", by=["Sex", "GeoCode"], repetitions=1000)


def test_proportion_range_errors(prevalence_data):
    args = dict(lower_ci="LCL", upper_ci="UCL", value_type="proportion", by=PREVALENCE_KEYS, repetitions=1000)
    bad = prevalence_data.copy()
    bad.loc[5, "Rate"] = 21.2
    with pytest.raises(InvalidInputError, match="between 0 and 1; divide percentages by 100"):
        sii(bad, "Decile", "Measured", value="Rate", **args)
    bad = prevalence_data.copy()
    bad.loc[5, "UCL"] = 1.5
    with pytest.raises(InvalidInputError, match="confidence limits of a proportion"):
        sii(bad, "Decile", "Measured", value="Rate", **args)
    bad = prevalence_data.copy()
    bad.loc[5, "Count"] = 0
    with pytest.raises(InvalidInputError, match="numerator column 'Count' must be greater than 0"):
        sii(bad, "Decile", "Measured", numerator="Count", **args)


def test_too_few_quantiles(dsr_data):
    data = dsr_data[dsr_data["Quintile"] <= 4]
    with pytest.raises(InvalidInputError, match="between 5 and 100 quantiles"):
        sii(data, "Quintile", "total_pop", **base(dsr_data))


def test_non_numeric_column(dsr_data):
    data = dsr_data.assign(value=dsr_data["value"].astype(str))
    with pytest.raises(InvalidInputError, match="value column 'value' must be numeric"):
        sii(data, "Quintile", "total_pop", **base(dsr_data))
