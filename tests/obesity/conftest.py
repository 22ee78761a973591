"""Fixtures for the obesity tests: small hand-built extracts and the (cached) synthetic demo extract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def km_lsoas():
    from healthintel import deprivation

    return deprivation.load_deprivation("imd2019", area="Kent and Medway")


def make_records(n: int, lsoas, *, seed: int = 1, school_year: str = "Year 6", year: str = "2021/22",
                 centile=None) -> pd.DataFrame:
    """``n`` clean pupil records (valid values) with centiles supplied."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "pupil_id": [f"T{i:06d}" for i in range(n)],
        "school_year": school_year,
        "academic_year": year,
        "sex": rng.choice(["male", "female"], n),
        "age_months": rng.integers(126, 138, n).astype(float),
        "height_cm": np.round(rng.normal(145, 7, n), 1),
        "weight_kg": np.round(rng.normal(40, 8, n), 1),
        "bmi_centile": rng.uniform(0.5, 99.9, n) if centile is None else centile,
        "lsoa_code": rng.choice(lsoas["lsoa_code"].to_numpy(), n),
        "school_code": "S1",
    })


@pytest.fixture(scope="session")
def synthetic_prepared():
    """The full synthetic demo extract (generated once, then cached in data/processed), prepared."""
    from healthintel import obesity
    from healthintel.synthetic import ncmp as synthetic_ncmp

    return obesity.prepare(synthetic_ncmp.load())
