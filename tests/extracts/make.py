"""Extract files written in the documented layouts (docs/extracts.md), for the tests: small, seeded, Kent-centred.

Nothing here calls the chapter code: the files are built from the public lookups (LSOA codes, IMD scores) and
seeded random draws, and :mod:`tests.extracts.methods` computes the expected figures from the same records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

KENT_SCHOOL = "E07000110"  # Maidstone: a Kent district
MEDWAY = "E06000035"
WEALDEN = "E07000065"  # East Sussex, borders Kent
AGES = np.arange(91)


def kent_lsoas() -> pd.DataFrame:
    """Kent's LSOAs (2011) with their IMD 2019 score and district (the public lookups, not chapter code)."""
    from healthintel import deprivation

    return deprivation.load_deprivation("imd2019", area="Kent")[["lsoa_code", "lad_code", "imd_score"]]


def lsoas_of(area: str) -> np.ndarray:
    from healthintel import geography

    return geography.lsoas_in(area)["lsoa_code"].to_numpy()


def ncmp_records(seed: int = 7, years=("2022/23", "2023/24"), per_year: int = 4000) -> pd.DataFrame:
    """Year 6 records: Kent residents at Kent schools (obesity rising with deprivation), Kent residents at schools
    in Medway and Wealden, Wealden and Medway residents at Kent schools (all obese: they must not count for Kent),
    independent-school records and unknown home LSOAs (excluded), one row per child."""
    rng = np.random.default_rng(seed)
    kent = kent_lsoas()
    score = kent["imd_score"].to_numpy(dtype=float)
    pct = (pd.Series(score).rank(pct=True)).to_numpy()  # 1 = most deprived
    frames = []
    for year in years:
        idx = rng.integers(0, len(kent), per_year)
        # obesity rises with deprivation: centile from a Beta skewed by the LSOA's deprivation percentile
        centile = 100 * rng.beta(2 + 1.5 * pct[idx], 1.6, per_year)
        school = np.where(rng.random(per_year) < 0.05, np.where(rng.random(per_year) < 0.5, MEDWAY, WEALDEN),
                          kent["lad_code"].to_numpy()[idx])
        frames.append(pd.DataFrame({"lsoa_code": kent["lsoa_code"].to_numpy()[idx], "bmi_centile": centile,
                                    "school_lad_code": school, "academic_year": year}))
        visitors = 300
        home = rng.choice(np.concatenate([lsoas_of("Wealden"), lsoas_of("Medway")]), visitors)
        frames.append(pd.DataFrame({"lsoa_code": home, "bmi_centile": rng.uniform(96, 99.9, visitors),
                                    "school_lad_code": KENT_SCHOOL, "academic_year": year}))
        odd = 12
        frames.append(pd.DataFrame({"lsoa_code": ["W01000001"] * odd, "bmi_centile": rng.uniform(1, 99, odd),
                                    "school_lad_code": KENT_SCHOOL, "academic_year": year}))
    out = pd.concat(frames, ignore_index=True)
    n = len(out)
    out.insert(0, "pupil_id", [f"C{i:06d}" for i in range(n)])
    out["school_year"] = "Year 6"
    out["sex"] = rng.choice(["M", "F", "1", "2"], n)
    out["age_months"] = rng.integers(126, 138, n).astype(float)
    out["height_cm"] = np.round(rng.normal(145, 6, n), 1)
    out["weight_kg"] = np.round(rng.normal(40, 6, n), 1)
    out["bmi_centile"] = np.round(out["bmi_centile"], 4)
    out["school_code"] = "S" + out["school_lad_code"].str[-3:] + pd.Series(rng.integers(10, 99, n)).astype(str)
    out["school_status"] = np.where(rng.random(n) < 0.01, "Independent", "NCMP")
    return out[["pupil_id", "school_year", "academic_year", "sex", "age_months", "height_cm", "weight_kg",
                "bmi_centile", "lsoa_code", "school_code", "school_lad_code", "school_status"]]


def population_records(lsoas, years=(2021, 2022, 2023), seed: int = 11) -> pd.DataFrame:
    """Persons by LSOA, sex (M/F), single year of age 0-90 and year: a plausible age structure per LSOA."""
    rng = np.random.default_rng(seed)
    lsoas = np.asarray(lsoas)
    shape = np.where(AGES < 90, 20.0 * np.exp(-((AGES - 40) / 45.0) ** 2), 60.0)
    rows = []
    for year in years:
        for sex in ("M", "F"):
            size = rng.uniform(0.8, 1.2, len(lsoas))[:, None] * shape[None, :]
            pop = rng.poisson(size) + 1
            rows.append(pd.DataFrame({"lsoa_code": np.repeat(lsoas, len(AGES)), "sex": sex,
                                      "age": np.tile(AGES, len(lsoas)), "year": year,
                                      "population": pop.ravel()}))
    return pd.concat(rows, ignore_index=True)


def death_records(population: pd.DataFrame, scores: pd.Series, seed: int = 13) -> pd.DataFrame:
    """One row per death, Poisson from a Gompertz rate rising with deprivation (``scores`` by LSOA code)."""
    rng = np.random.default_rng(seed)
    age = population["age"].to_numpy()
    dep = population["lsoa_code"].map(scores).fillna(20).to_numpy(dtype=float)
    male = (population["sex"] == "M").to_numpy()
    rate = np.exp(-10.2 + 0.092 * age + 0.012 * dep + 0.25 * male)
    rate[age == 0] = 0.004
    deaths = rng.poisson(population["population"].to_numpy() * np.minimum(rate, 0.6))
    rows = population.loc[population.index.repeat(deaths)]
    out = pd.DataFrame({"registration_year": rows["year"].to_numpy(),
                        "age_at_death": rows["age"].to_numpy() + np.where(rows["age"].to_numpy() == 90,
                                                                          rng.integers(0, 12, len(rows)), 0),
                        "sex": np.where(rows["sex"].to_numpy() == "M", 1, 2),
                        "lsoa_code": rows["lsoa_code"].to_numpy()})
    out["underlying_cause"] = rng.choice(["I21", "C34", "J44", "F03"], len(out))
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def write(frame: pd.DataFrame, path: Path) -> Path:
    path = Path(path)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def file_sha256(path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
