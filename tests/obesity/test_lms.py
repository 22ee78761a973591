"""UK90 BMI centiles: vectorised LMS against rcpchgrowth's scalar functions (the oracle) to 1e-6 SDS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import obesity
from healthintel.errors import DataNotFoundError

rcpch = pytest.importorskip("rcpchgrowth", reason="the growth extra (rcpchgrowth) is not installed")


def _oracle(age, sex, bmi):
    return np.array([rcpch.sds_for_measurement("uk-who", float(a), "bmi", float(b), s)
                     for a, s, b in zip(age, sex, bmi)])


def test_agrees_with_rcpchgrowth_to_1e6_sds():
    rng = np.random.default_rng(7)
    knots = np.arange(48, 241) / 12
    age = np.r_[rng.uniform(4, 20, 1500), rng.uniform(4, 6, 300), rng.uniform(10, 12, 300), knots,
                knots[:-1] + 4e-5, knots[1:] - 6e-5, 4.0 + 1e-6, 20.0 - 1e-6, 4.05, 19.97]
    sex = rng.choice(["male", "female"], age.size)
    bmi = rng.uniform(11, 40, age.size)
    got = obesity.bmi_centile(age, sex, bmi)
    want = _oracle(age, sex, bmi)
    np.testing.assert_allclose(got["bmi_z"], want, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got["bmi_centile"], [rcpch.centile(z) for z in want], rtol=0, atol=1e-6)


def test_sex_codes_and_outside_the_reference():
    a = obesity.bmi_centile([10.5, 10.5, 10.5, 3.9, 20.5, 10.5], ["male", 1, "F", "male", "female", "x"],
                            [20, 20, 20, 16, 22, 20])
    assert a["bmi_z"].iloc[0] == a["bmi_z"].iloc[1]
    assert a["bmi_z"].iloc[2] == pytest.approx(_oracle([10.5], ["female"], [20])[0], abs=1e-9)
    assert a["bmi_z"].iloc[3:].isna().all()  # < 4 y, > 20 y, unknown sex
    n = obesity.bmi_centile(np.array([10.5, 11.0]), np.array([1, 2]), pd.Series([18.0, 25.0], index=[7, 9]))
    assert list(n.index) == [7, 9]


def test_inverse_round_trip():
    age = np.linspace(4, 19.9, 50)
    sex = np.where(np.arange(50) % 2, "female", "male")
    z = np.linspace(-3, 3.5, 50)
    back = obesity.bmi_centile(age, sex, obesity.bmi_for_z(age, sex, z))["bmi_z"]
    np.testing.assert_allclose(back, z, atol=1e-9)


def test_missing_growth_extra_gives_a_clear_error(monkeypatch):
    import importlib.resources as res

    def missing(name):
        raise ModuleNotFoundError("No module named 'rcpchgrowth'")

    obesity._reference.cache_clear()
    monkeypatch.setattr(res, "files", missing)
    try:
        with pytest.raises(DataNotFoundError, match=r"healthintel\[growth\]"):
            obesity.bmi_centile([10.0], ["male"], [18.0])
    finally:
        monkeypatch.undo()
        obesity._reference.cache_clear()
