"""Benchmark: NCMP weight classification for 1,000,000 pupils, and UK90 centiles against rcpchgrowth per child.

``run(quick=False)`` returns one dict per measurement with keys ``task``, ``workload``, ``healthintel_s``,
``peer``, ``peer_s``, ``ratio`` (peer_s / healthintel_s; NaN without a peer). Standalone:
``python benchmarks/bench_obesity.py [--quick]`` prints a markdown table. Measured in one process:

* ``classify_weight`` on 1,000,000 centiles (population thresholds), median of 7 runs after a warm-up;
* from height and weight: BMI, the UK90 BMI centile (:func:`healthintel.obesity.bmi_centile`, vectorised LMS) and
  the category for 1,000,000 children, median of 7;
* the peer: rcpchgrowth's scalar ``sds_for_measurement("uk-who", age, "bmi", bmi, sex)`` + ``centile(z)`` + the
  NCMP thresholds, called once per child for 2,000 children (1,000 with ``--quick``) and scaled linearly to
  1,000,000 (its cost is per child);
* ``prepare`` (schema, exclusions, centiles where missing, categories, deprivation join) on the synthetic Kent and
  Medway extract, for scale.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

N = 1_000_000


def _median_time(fn, repeat: int) -> float:
    fn()  # warm-up (imports, reference table)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _pupils(n: int, seed: int = 2026):
    rng = np.random.default_rng(seed)
    age = np.where(rng.random(n) < 0.5, rng.uniform(4.0, 5.9, n), rng.uniform(10.0, 11.9, n))
    sex = rng.choice(np.array(["male", "female"]), n)
    height = np.where(age < 7, rng.normal(110, 5, n), rng.normal(145, 7, n))
    bmi = np.where(age < 7, rng.lognormal(np.log(16), 0.1, n), rng.lognormal(np.log(18.5), 0.16, n))
    weight = bmi * (height / 100) ** 2
    return age, sex, height, weight


def run(quick: bool = False) -> list[dict]:
    from healthintel import obesity

    repeat = 3 if quick else 7
    n_peer = 1_000 if quick else 2_000
    age, sex, height, weight = _pupils(N)
    centile = obesity.bmi_centile(age, sex, weight / (height / 100) ** 2)["bmi_centile"].to_numpy()

    t_classify = _median_time(lambda: obesity.classify_weight(centile), repeat)

    def from_measurements():
        bmi = weight / (height / 100) ** 2
        return obesity.classify_weight(obesity.bmi_centile(age, sex, bmi)["bmi_centile"].to_numpy())

    t_hw = _median_time(from_measurements, repeat)
    rows = [
        {"task": "classify_weight (centile present)", "workload": f"{N:,} pupils", "healthintel_s": t_classify,
         "peer": "-", "peer_s": float("nan"), "ratio": float("nan")},
    ]
    try:
        import rcpchgrowth
    except ModuleNotFoundError:
        rows.append({"task": "centile + category from height and weight", "workload": f"{N:,} pupils",
                     "healthintel_s": t_hw, "peer": "rcpchgrowth not installed", "peer_s": float("nan"),
                     "ratio": float("nan")})
    else:
        def peer():
            out = []
            for a, s, h, w in zip(age[:n_peer], sex[:n_peer], height[:n_peer], weight[:n_peer]):
                z = rcpchgrowth.sds_for_measurement("uk-who", float(a), "bmi", float(w / (h / 100) ** 2), str(s))
                p = rcpchgrowth.centile(z)
                out.append("underweight" if p <= 2 else "healthy weight" if p < 85 else "overweight" if p < 95
                           else "obese" if p < 99.6 else "severely obese")
            return out

        got = obesity.classify_weight(centile[:n_peer])
        assert list(got.astype(str)) == peer(), "healthintel and rcpchgrowth disagree on a category"
        t_peer = _median_time(peer, 1 if quick else 3) * N / n_peer
        rows.append({"task": "centile + category from height and weight", "workload": f"{N:,} pupils",
                     "healthintel_s": t_hw,
                     "peer": f"rcpchgrowth {rcpchgrowth.__version__ if hasattr(rcpchgrowth, '__version__') else ''}"
                             f" per child ({n_peer:,} timed, scaled)".replace("  ", " "),
                     "peer_s": t_peer, "ratio": t_peer / t_hw})

    from healthintel.synthetic import ncmp as synthetic_ncmp

    records = synthetic_ncmp.load()
    t_prep = _median_time(lambda: obesity.prepare(records), 1 if quick else 3)
    rows.append({"task": "prepare (schema, exclusions, centiles, categories, deprivation)",
                 "workload": f"{len(records):,} synthetic records", "healthintel_s": t_prep, "peer": "-",
                 "peer_s": float("nan"), "ratio": float("nan")})
    return rows


def _table(rows) -> str:
    out = ["| task | workload | healthintel (s) | peer | peer (s) | peer / healthintel |", "|---|---|---|---|---|---|"]
    for r in rows:
        peer_s = "-" if np.isnan(r["peer_s"]) else f"{r['peer_s']:,.1f}"
        ratio = "-" if np.isnan(r["ratio"]) else f"{r['ratio']:,.0f}x"
        out.append(f"| {r['task']} | {r['workload']} | {r['healthintel_s']:.4f} | {r['peer']} | {peer_s} | {ratio} |")
    return "\n".join(out)


if __name__ == "__main__":
    print(_table(run(quick="--quick" in sys.argv)))
