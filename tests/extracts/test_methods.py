"""The test-side implementations of the methods (tests/extracts/methods.py) reproduce the reference vectors in
../shared/reference/pheim before they are used to check the chapters' figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import methods


def test_chiang_reproduces_pheindicatormethods(pheim_dir):
    data = pd.read_csv(pheim_dir / "inputs" / "le_inline__df1.csv")
    ref = pd.read_csv(pheim_dir / "outputs" / "le_df1_full.csv").set_index("startage")
    got = methods.chiang(data["deaths"], data["pops"], ages=(0, 65))
    for age in (0, 65):
        np.testing.assert_allclose(got[age], ref.loc[age, ["value", "lowercl", "uppercl"]].to_numpy(dtype=float),
                                   rtol=1e-9)


def test_phe_quantile_reproduces_the_reference(pheim_dir):
    for name, n in (("quantile_None_ungrouped_invertTRUE_10q.csv", 10),
                    ("quantile_None_ungrouped_invertTRUE_4q.csv", 4)):
        ref = pd.read_csv(pheim_dir / "outputs" / name).dropna(subset=["Value"])
        assert (methods.phe_quantile(ref["Value"], n) == ref["quantile"].to_numpy()).all()


def test_sii_point_reproduces_the_reference(pheim_dir):
    data = pd.read_csv(pheim_dir / "inputs" / "data__LE_data.csv").sort_values("Decile")
    ref = pd.read_csv(pheim_dir / "outputs" / "sii_LE_data_se_default_reps.csv").set_index(["Sex", "GeoCode"])
    groups = dict(list(data.groupby(["Sex", "GeoCode"])))
    got = {key: methods.sii_point(groups[key]["LifeExp"], groups[key]["Pop"]) for key in ref.index if key in groups}
    common = list(got)
    assert len(common) > 700
    np.testing.assert_allclose([got[k] for k in common], ref.loc[common, "sii"].to_numpy(dtype=float), rtol=1e-9)


def test_wilson_reproduces_the_reference(pheim_dir):
    ref = pd.read_csv(pheim_dir / "outputs" / "proportion_test_Prop_2ci.csv").dropna(subset=["value"])
    _, lo, hi = methods.wilson(ref["Numerator"], ref["Denominator"])
    np.testing.assert_allclose(lo / 100, ref["lower95_0cl"], atol=1e-12)
    np.testing.assert_allclose(hi / 100, ref["upper95_0cl"], atol=1e-12)


def test_newcombe_and_round5_by_hand():
    # Newcombe (1998) table II, example (a): 56/70 vs 48/80 -> 0.2000 (0.0524, 0.3339)
    d, lo, hi = methods.newcombe(56, 70, 48, 80)
    np.testing.assert_allclose([d, lo, hi], [20.0, 5.24, 33.39], atol=0.005)
    assert methods.round5([0, 2, 3, 7, 8, 12, 13, 1002]).tolist() == [0, 0, 5, 5, 10, 10, 15, 1000]
