"""Data for the chart gallery: real open data where the mirror has it, otherwise seeded generated figures.

Generated frames carry ``attrs["demo"] = True`` and a ``source`` column reading "demo data"; every chart function
adds "(demo data)" to the title of a frame marked that way, so a generated number is never mistaken for a real
one. Real frames (populations by age, district and LSOA measures) carry ``attrs["demo"] = False`` and their
source in ``attrs["sources"]``.

The generators go through the library's own statistics (:func:`healthintel.stats.proportion`,
:func:`healthintel.compare.benchmark`), so CIs and benchmark labels are computed, not typed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "district_indicator", "indicator_profile", "quintile_indicator", "life_expectancy_by_decile",
    "funnel_data", "trend_data", "population_by_age", "lsoa_measure", "district_measure",
]

SEED = 20240
DEMO = "demo data"
POPULATION_SOURCE = "ONS mid-2019 LSOA population estimates (SAPE22DT2), OGL v3.0"

#: Indicators of the generated profile: name, unit, polarity, baseline proportion, spread (logit SD), period.
_INDICATORS = [
    ("Smoking prevalence in adults (18+)", "%", "low_is_good", 0.13, 0.25, "2023"),
    ("Physically active adults (19+)", "%", "high_is_good", 0.67, 0.15, "2022/23"),
    ("Year 6: prevalence of obesity", "%", "low_is_good", 0.22, 0.2, "2023/24"),
    ("Reception: prevalence of obesity", "%", "low_is_good", 0.095, 0.22, "2023/24"),
    ("Breastfeeding at 6 to 8 weeks", "%", "high_is_good", 0.49, 0.3, "2023/24"),
    ("Flu vaccination coverage (65+)", "%", "high_is_good", 0.78, 0.08, "2023/24"),
    ("Adults in contact with secondary mental health services", "%", "no_judgement", 0.05, 0.3, "2022/23"),
    ("Fuel poverty (low income, low energy efficiency)", "%", "low_is_good", 0.13, 0.25, "2022"),
]


def _mark(frame: pd.DataFrame, demo: bool, sources: str = DEMO) -> pd.DataFrame:
    frame.attrs["demo"] = demo
    frame.attrs["sources"] = sources
    return frame


def _kent_districts() -> pd.DataFrame:
    from .. import geography

    lk = geography.lsoas_in("Kent and Medway", "imd2019")
    return lk[["lad_code", "lad_name"]].drop_duplicates().sort_values("lad_name").reset_index(drop=True)


def _with_ci_and_benchmark(frame: pd.DataFrame, polarity: str, england: float | None = None) -> pd.DataFrame:
    from ..compare import benchmark
    from ..stats import proportion

    out = proportion(frame, "numerator", "denominator", multiplier=100)
    cmp = england if england is not None else 100 * out["numerator"].sum() / out["denominator"].sum()
    return benchmark(out, cmp, method="ci_overlap_95", polarity=polarity)


def district_indicator(seed: int = SEED) -> pd.DataFrame:
    """A percentage for Kent and Medway's 13 districts and England, with Wilson CIs and benchmark vs England.

    Generated numerators over real district populations aged 18+ (mid-2019); ``source`` "demo data".
    Columns: ``area_code, area_name, numerator, denominator, value, lower_ci, upper_ci, benchmark, …``.
    """
    rng = np.random.default_rng(seed)
    pop = population_by_age(areas=("Kent and Medway",), comparator=None, by_district=True)
    adults = pop[pop["age"] >= 18].groupby(["area_code", "area_name"], as_index=False)["population"].sum()
    n = (adults["population"] * 0.05).round().astype(int)  # a 5% survey sample of adults
    p = 1 / (1 + np.exp(-(np.log(0.14 / 0.86) + rng.normal(0, 0.22, len(adults)))))
    frame = pd.DataFrame({
        "area_code": adults["area_code"], "area_name": adults["area_name"],
        "numerator": rng.binomial(n, p), "denominator": n,
    })
    england = pd.DataFrame({"area_code": ["E92000001"], "area_name": ["England"], "numerator": [231_000],
                            "denominator": [1_650_000]})
    frame = pd.concat([england, frame], ignore_index=True)
    out = _with_ci_and_benchmark(frame, "low_is_good", england=100 * 231_000 / 1_650_000)
    out.loc[out["area_name"] == "England", "benchmark"] = "Not compared"
    out["indicator"] = "Smoking prevalence in adults (18+)"
    out["unit"] = "%"
    out["source"] = DEMO
    return _mark(out, True)


def indicator_profile(seed: int = SEED, n_other: int = 140) -> pd.DataFrame:
    """Eight indicators for England, Kent and Medway's districts and ``n_other`` other areas (generated).

    One row per indicator × area with ``indicator, unit, polarity, period, area_code, area_name, area_type``
    ("England", "Kent and Medway district", "Other district"), ``numerator, denominator, value, lower_ci,
    upper_ci, benchmark`` (vs England, 95% CI overlap, with the indicator's polarity). ``source`` "demo data".
    """
    rng = np.random.default_rng(seed)
    kent = _kent_districts()
    names = list(kent["lad_name"]) + [f"Area {i:03d}" for i in range(1, n_other + 1)]
    codes = list(kent["lad_code"]) + [f"X{i:08d}" for i in range(1, n_other + 1)]
    kinds = ["Kent and Medway district"] * len(kent) + ["Other district"] * n_other
    size = rng.lognormal(np.log(6000), 0.45, len(names)).round().astype(int)
    deprivation = rng.normal(0, 1, len(names))  # one latent factor, so indicators correlate as real ones do
    frames = []
    for name, unit, polarity, base, spread, period in _INDICATORS:
        sign = {"low_is_good": 1, "high_is_good": -1}.get(polarity, 0.5)
        logit = np.log(base / (1 - base)) + sign * spread * 0.6 * deprivation + rng.normal(0, spread * 0.8, len(names))
        p = 1 / (1 + np.exp(-logit))
        num = rng.binomial(size, p)
        eng_num = int(round(base * 2_000_000))
        f = pd.DataFrame({"area_code": ["E92000001"] + codes, "area_name": ["England"] + names,
                          "area_type": ["England"] + kinds,
                          "numerator": [eng_num] + list(num), "denominator": [2_000_000] + list(size)})
        out = _with_ci_and_benchmark(f, polarity, england=100 * eng_num / 2_000_000)
        out.loc[out["area_type"] == "England", "benchmark"] = "Not compared"
        out.insert(0, "indicator", name)
        out.insert(1, "unit", unit)
        out.insert(2, "polarity", polarity)
        out.insert(3, "period", period)
        frames.append(out)
    out = pd.concat(frames, ignore_index=True)
    out["source"] = DEMO
    return _mark(out, True)


def quintile_indicator(seed: int = SEED, n: int = 5) -> pd.DataFrame:
    """A percentage by deprivation quintile (1 = most deprived) with Wilson CIs (generated; "demo data")."""
    from ..stats import proportion

    rng = np.random.default_rng(seed)
    q = np.arange(1, n + 1)
    denom = rng.integers(2800, 3600, n)
    p = np.linspace(0.28, 0.15, n)
    frame = pd.DataFrame({"quantile": q, "numerator": rng.binomial(denom, p), "denominator": denom})
    out = proportion(frame, "numerator", "denominator", multiplier=100)
    out["indicator"] = "Year 6: prevalence of obesity"
    out["source"] = DEMO
    return _mark(out, True)


def life_expectancy_by_decile(seed: int = SEED) -> pd.DataFrame:
    """Life expectancy at birth (years) by local deprivation decile (1 = most deprived) with 95% CIs (generated).

    Populations are equal-ish decile populations; values fall about 9 years from least to most deprived.
    """
    rng = np.random.default_rng(seed)
    d = np.arange(1, 11)
    value = 74.0 + 9.0 * (d - 1) / 9 + rng.normal(0, 0.35, 10)
    half = rng.uniform(0.5, 0.8, 10)
    out = pd.DataFrame({"quantile": d, "population": rng.integers(175_000, 190_000, 10), "value": value.round(2),
                        "lower_ci": (value - half).round(2), "upper_ci": (value + half).round(2)})
    out["indicator"] = "Life expectancy at birth"
    out["source"] = DEMO
    return _mark(out, True)


def funnel_data(seed: int = SEED, n: int = 120) -> pd.DataFrame:
    """Cases and populations of ``n`` generated practices (``area_name``, ``numerator``, ``denominator``,
    ``value`` in %), for :func:`healthintel.stats.funnel_limits` / ``funnel_significance`` ("demo data")."""
    rng = np.random.default_rng(seed)
    denom = rng.lognormal(np.log(900), 0.7, n).round().astype(int) + 50
    p = 1 / (1 + np.exp(-(np.log(0.1 / 0.9) + rng.normal(0, 0.05, n))))
    p[:3] = [0.19, 0.045, 0.17]  # a few clear outliers so every significance level shows
    num = rng.binomial(denom, p)
    out = pd.DataFrame({"area_name": [f"Practice {i:03d}" for i in range(1, n + 1)], "numerator": num,
                        "denominator": denom, "value": 100 * num / denom})
    out["source"] = DEMO
    return _mark(out, True)


def trend_data(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eight years of a percentage for an area (Wilson CIs, benchmark vs England) and England's values.

    Returns ``(area, england)``: ``period`` ("2016/17" …), ``value``, ``lower_ci``, ``upper_ci``, ``benchmark``
    for the area; ``period``, ``value`` for England (generated; "demo data").
    """
    rng = np.random.default_rng(seed)
    periods = [f"{y}/{str(y + 1)[-2:]}" for y in range(2016, 2024)]
    eng = np.linspace(20.0, 22.6, len(periods))
    denom = rng.integers(15_000, 16_000, len(periods))
    p = (eng + np.linspace(-1.5, 1.4, len(periods)) + rng.normal(0, 0.3, len(periods))) / 100
    frame = pd.DataFrame({"period": periods, "numerator": rng.binomial(denom, p), "denominator": denom})
    from ..compare import benchmark
    from ..stats import proportion

    out = proportion(frame, "numerator", "denominator", multiplier=100)
    out["england"] = eng
    area = benchmark(out, "england", polarity="low_is_good").drop(columns="england")
    area["source"] = DEMO
    england = pd.DataFrame({"period": periods, "value": eng})
    return _mark(area, True), _mark(england, True)


# ---------------------------------------------------------------------------------------------- real data
def population_by_age(areas=("Kent", "Medway"), comparator: str | None = "England", *,
                      by_district: bool = False) -> pd.DataFrame:
    """Real mid-2019 populations by single year of age and sex for ``areas`` (and ``comparator``).

    Returns ``area_code, area_name, sex, age, population`` (age 90 = 90+); with ``by_district`` one row set per
    district of the areas instead of per area.
    """
    from .. import geography
    from ..sources import readers

    frames = []
    for area in areas:
        lk = geography.lsoas_in(area, "imd2019")
        pop = readers.population_lsoa11_2019(lsoas=lk["lsoa_code"])
        sub = pop.merge(lk[["lsoa_code", "lad_code", "lad_name"]], on="lsoa_code")
        if by_district:
            g = sub.groupby(["lad_code", "lad_name", "sex", "age"], observed=True, as_index=False)["population"].sum()
            frames.append(g.rename(columns={"lad_code": "area_code", "lad_name": "area_name"}))
        else:
            resolved = geography.resolve_area(area, "imd2019")
            g = sub.groupby(["sex", "age"], observed=True, as_index=False)["population"].sum()
            frames.append(g.assign(area_code=getattr(resolved, "code", str(area)), area_name=resolved.name))
    if comparator:
        g = readers.population_lsoa11_2019_england()
        frames.append(g.assign(area_code="E92000001", area_name=comparator))
    out = pd.concat(frames, ignore_index=True)[["area_code", "area_name", "sex", "age", "population"]]
    out["sex"] = out["sex"].astype(str)
    out["population"] = out["population"].astype("int64")
    return _mark(out, False, POPULATION_SOURCE)


def lsoa_measure(area: str = "Kent and Medway"):
    """Real LSOA polygons of ``area`` with the share of residents aged 65+ (%, mid-2019) as ``value``,
    plus ``lad_code``/``lad_name``; and the districts' outlines. Returns ``(lsoas, districts)``."""
    from .. import geography
    from ..sources import readers

    lk = geography.lsoas_in(area, "imd2019")
    sub = readers.population_lsoa11_2019(lsoas=lk["lsoa_code"])
    total = sub.groupby("lsoa_code")["population"].sum()
    older = sub[sub["age"] >= 65].groupby("lsoa_code")["population"].sum()
    share = (100 * older / total).rename("value").reset_index()
    polys = readers.lsoa_boundaries("imd2019").merge(lk, on="lsoa_code").merge(share, on="lsoa_code")
    lads = readers.lad_boundaries()
    districts = lads[lads["lad_code"].isin(lk["lad_code"].unique())].reset_index(drop=True)
    polys.attrs.update(demo=False, sources=POPULATION_SOURCE)
    return polys, districts


def district_measure(area: str = "Kent and Medway"):
    """Real district polygons of ``area`` with the share of residents aged 65+ (%, mid-2019) as ``value``."""
    from ..sources import readers

    pop = population_by_age(areas=(area,), comparator=None, by_district=True)
    total = pop.groupby("area_code")["population"].sum()
    older = pop[pop["age"] >= 65].groupby("area_code")["population"].sum()
    share = (100 * older / total).rename("value").reset_index().rename(columns={"area_code": "lad_code"})
    lads = readers.lad_boundaries().merge(share, on="lad_code")
    lads.attrs.update(demo=False, sources=POPULATION_SOURCE)
    return lads
