"""Benchmark: life_expectancy and slope_index_of_inequality vs per-group loops and recorded PHEindicatormethods times.

``run(quick=False)`` returns one dict per comparison with keys ``statistic``, ``workload``, ``healthintel_s``,
``peer``, ``peer_s``, ``ratio`` (peer_s / healthintel_s). Standalone: ``python benchmarks/bench_le_sii.py [--quick]``
prints a table. Peers:

* a straightforward per-group Python loop of the same computation, run in this process (LE: the life table of
  ``life_expectancy`` applied one group at a time with pandas groupby; SII: the same closed-form regression and
  simulation one group at a time, run on fewer repetitions and scaled linearly to 100,000 — the loop's cost is
  proportional to the repetitions);
* the PHEindicatormethods 2.1.0 times recorded in ``../shared/reference/TIMINGS.md`` (not re-run here: no R).
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from healthintel import config
from healthintel.stats import life_expectancy, slope_index_of_inequality
from healthintel.stats.life_expectancy import AGE_BAND_STARTS, _life_table

R_LE_2000_AREAS_S = 21.4  # TIMINGS.md, phe_life_expectancy, 2,000 areas x 2 sexes, median of 3
R_SII_300_AREAS_S = 195.0  # TIMINGS.md, phe_sii, 300 areas x 10 deciles, 100,000 repetitions, median of 3


def _reference_dir() -> Path:
    shared = config.shared_dir()
    if shared is None:
        raise RuntimeError("../shared is not beside the checkout; set HEALTHINTEL_SHARED.")
    return shared / "reference" / "pheim"


def _time(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` runs (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _le_per_group_loop(data: pd.DataFrame) -> pd.DataFrame:
    """The same life table, one group at a time (what a direct translation of the R function does)."""
    rows = []
    for (area, sex), g in data.groupby(["area", "sex"], sort=False):
        g = g.sort_values("startage")
        dth = g["deaths"].to_numpy(float)[None, :]
        pop = g["pop"].to_numpy(float)[None, :]
        if len(g) != 20 or (dth < 0).any() or (pop <= 0).any() or (dth > pop).any() or pop.sum() <= 5000:
            rows.append((area, sex, np.nan))
            continue
        e, se = _life_table(dth, pop, 1.959963984540054)
        wide = 1.959963984540054 * se[0, 0] > 10
        rows.append((area, sex, np.nan if wide or not np.isfinite(e[0, 0]) else e[0, 0]))
    return pd.DataFrame(rows, columns=["area", "sex", "value"])


def synthetic_lsoas(n_areas: int = 33_755, seed: int = 1) -> pd.DataFrame:
    """LSOA-sized life-table input (~1,500 people per area x 2 sexes x 20 bands): timing only."""
    rng = np.random.default_rng(seed)
    shape = np.array([18, 75, 95, 95, 90, 85, 90, 95, 95, 95, 100, 100, 95, 85, 80, 70, 55, 35, 20, 10.0])
    rate = np.array([.004, .0002, .0001, .0001, .0003, .0005, .0006, .0008, .0012, .0018, .0028, .0045, .007,
                     .011, .017, .028, .048, .085, .15, .28])
    n = n_areas * 2
    pop = rng.poisson(np.tile(shape * 5 * 8, n)) + 1  # 5 years of person-years
    return pd.DataFrame({
        "area": np.repeat([f"E01{i:06d}" for i in range(n_areas)], 40),
        "sex": np.tile(np.repeat(["Male", "Female"], 20), n_areas),
        "startage": np.tile(AGE_BAND_STARTS, n),
        "pop": pop,
        "deaths": rng.binomial(pop, np.tile(rate, n)),
    })


def _sii_per_group_loop(data: pd.DataFrame, repetitions: int, seed: int = 1) -> pd.DataFrame:
    """The same SII, one group at a time: numpy regression + one (repetitions x deciles) draw per group."""
    rng = np.random.default_rng(seed)
    out = []
    for area, g in data.groupby("area", sort=False):
        g = g.sort_values("decile")
        a = g["pop"].to_numpy(float) / g["pop"].sum()
        b = np.cumsum(a) - a / 2
        x = np.column_stack([np.sqrt(a), b * np.sqrt(a)])
        solver = np.linalg.solve(x.T @ x, x.T)
        y = g["value"].to_numpy(float)
        alpha, beta = solver @ (np.sqrt(a) * y)
        draws = rng.normal(y, g["se"].to_numpy(float), size=(repetitions, len(g)))
        slopes = (draws * np.sqrt(a)) @ solver[1]
        slopes.sort()
        out.append((area, beta, slopes[round(repetitions * 0.025) - 1], slopes[round(repetitions * 0.975) - 1]))
    return pd.DataFrame(out, columns=["area", "sii", "sii_lower_ci", "sii_upper_ci"])


def run(quick: bool = False) -> list[dict]:
    """Time the comparisons; ``quick`` uses fewer repeats and a smaller SII loop sample."""
    ref = _reference_dir()
    repeat = 3 if quick else 7
    results: list[dict] = []
    warnings.simplefilter("ignore")

    le_input = pd.read_csv(ref / "bench_le_input_2000areas.csv")
    ours = _time(lambda: life_expectancy(le_input, "deaths", "pop", "startage", by=["area", "sex"]), repeat)
    loop = _time(lambda: _le_per_group_loop(le_input), 1 if quick else 3)
    # the loop computes the same numbers
    check = life_expectancy(le_input, "deaths", "pop", "startage", by=["area", "sex"])
    looped = _le_per_group_loop(le_input)
    assert np.allclose(check["value"], looped["value"], equal_nan=True)
    workload = "LE at birth, 2,000 areas x 2 sexes x 20 bands (bench_le_input_2000areas.csv)"
    results.append(dict(statistic="life_expectancy", workload=workload, healthintel_s=ours,
                        peer="per-group Python loop (same process)", peer_s=loop, ratio=loop / ours))
    results.append(dict(statistic="life_expectancy", workload=workload, healthintel_s=ours,
                        peer="PHEindicatormethods 2.1.0 (recorded, TIMINGS.md)", peer_s=R_LE_2000_AREAS_S,
                        ratio=R_LE_2000_AREAS_S / ours))

    lsoas = synthetic_lsoas(5_000 if quick else 33_755)
    ours_big = _time(lambda: life_expectancy(lsoas, "deaths", "pop", "startage", by=["area", "sex"]),
                     1 if quick else 3)
    results.append(dict(statistic="life_expectancy",
                        workload=f"LE at birth, {lsoas['area'].nunique():,} synthetic LSOAs x 2 sexes (timing only)",
                        healthintel_s=ours_big, peer="-", peer_s=float("nan"), ratio=float("nan")))

    sii_input = pd.read_csv(ref / "bench_sii_input_300areas.csv")
    reps = 100_000
    ours_sii = _time(lambda: slope_index_of_inequality(sii_input, "decile", "pop", value="value", se="se",
                                                       by="area", repetitions=reps, seed=1),
                     1 if quick else 3)
    loop_reps = 10_000 if quick else 20_000
    loop_s = _time(lambda: _sii_per_group_loop(sii_input, loop_reps), 1) * (reps / loop_reps)
    workload = "SII, 300 areas x 10 deciles, 100,000 repetitions (bench_sii_input_300areas.csv)"
    results.append(dict(statistic="slope_index_of_inequality", workload=workload, healthintel_s=ours_sii,
                        peer=f"per-group numpy loop ({loop_reps:,} reps, scaled x{reps // loop_reps})",
                        peer_s=loop_s, ratio=loop_s / ours_sii))
    results.append(dict(statistic="slope_index_of_inequality", workload=workload, healthintel_s=ours_sii,
                        peer="PHEindicatormethods 2.1.0 (recorded, TIMINGS.md)", peer_s=R_SII_300_AREAS_S,
                        ratio=R_SII_300_AREAS_S / ours_sii))
    return results


def table(results: list[dict]) -> str:
    lines = ["| statistic | workload | healthintel (s) | peer | peer (s) | peer / healthintel |",
             "|---|---|---|---|---|---|"]
    for r in results:
        peer_s = "-" if np.isnan(r["peer_s"]) else f"{r['peer_s']:.3g}"
        ratio = "-" if np.isnan(r["ratio"]) else f"{r['ratio']:,.0f}x"
        lines.append(f"| {r['statistic']} | {r['workload']} | {r['healthintel_s']:.3g} | {r['peer']} | {peer_s} "
                     f"| {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run(quick="--quick" in sys.argv[1:])))
