"""Small, fixed frames shaped like the library's outputs (no data files needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def areas_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "area_name": ["England", "Ashford", "Dover", "Thanet", "Swale"],
        "value": [14.0, 12.0, 16.5, 13.8, np.nan],
        "lower_ci": [13.9, 11.0, 15.4, 12.9, np.nan],
        "upper_ci": [14.1, 13.1, 17.6, 14.8, np.nan],
        "benchmark": ["Not compared", "Better", "Worse", "Similar", None],
    })


@pytest.fixture
def profile_frame() -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(1)
    for ind, pol, eng, local, label in [("Smoking", "low_is_good", 13.0, 10.0, "Better"),
                                        ("Activity", "high_is_good", 67.0, 60.0, "Worse"),
                                        ("Contacts", "no_judgement", 5.0, 5.2, "Similar")]:
        rows.append({"indicator": ind, "polarity": pol, "period": "2023", "area_name": "England", "value": eng,
                     "benchmark": "Not compared", "numerator": 1000, "unit": "%"})
        rows.append({"indicator": ind, "polarity": pol, "period": "2023", "area_name": "Local", "value": local,
                     "benchmark": label, "numerator": 120, "unit": "%"})
        for i, v in enumerate(eng + rng.normal(0, eng * 0.2, 20)):
            rows.append({"indicator": ind, "polarity": pol, "period": "2023", "area_name": f"A{i}", "value": v,
                         "benchmark": "Similar", "numerator": 100, "unit": "%"})
    return pd.DataFrame(rows)


@pytest.fixture
def quintile_frame() -> pd.DataFrame:
    return pd.DataFrame({"quantile": [3, 1, 2, 5, 4], "value": [20.0, 26.0, 24.0, 14.0, 17.0],
                         "lower_ci": [19.0, 24.5, 22.8, 13.0, 16.0], "upper_ci": [21.1, 27.6, 25.3, 15.1, 18.1]})


@pytest.fixture
def decile_frame() -> pd.DataFrame:
    d = np.arange(1, 11)
    value = 74 + d.astype(float)
    return pd.DataFrame({"quantile": d, "population": np.full(10, 1000), "value": value, "lower_ci": value - 0.5,
                         "upper_ci": value + 0.5})


@pytest.fixture
def pyramid_frame() -> pd.DataFrame:
    ages = np.arange(0, 91)
    rows = []
    for area, scale in (("Kent", 1.0), ("England", 30.0)):
        for sex in ("male", "female"):
            rows.append(pd.DataFrame({"area_name": area, "sex": sex, "age": ages,
                                      "population": (scale * (100 - ages)).astype(int) + 1}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture
def funnel_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    denom = rng.integers(200, 3000, 60)
    num = rng.binomial(denom, 0.1)
    num[0], num[1] = int(denom[0] * 0.25), int(denom[1] * 0.02)
    return pd.DataFrame({"area_name": [f"P{i}" for i in range(60)], "numerator": num, "denominator": denom,
                         "value": 100 * num / denom})


@pytest.fixture
def squares():
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import box

    geoms = [box(500000 + i * 1000, 150000, 500000 + (i + 1) * 1000, 151000) for i in range(4)]
    return gpd.GeoDataFrame({"lad_code": ["E1", "E2", "E3", "E4"], "lad_name": ["North", "East", "South", "West"],
                             "value": [10.0, 20.0, 30.0, np.nan]}, geometry=geoms, crs=27700)
