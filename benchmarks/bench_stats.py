"""Speed of healthintel.stats against PHStatsMethods (same inputs, same run) and the recorded R timings.

Run:  .venv/bin/python benchmarks/bench_stats.py [--quick]

Prints one markdown table of all rows (including those of ``bench_le_sii.py`` when that file exists) and checks
on the way that both implementations give the same numbers. Each row is a dict with the keys ``work``,
``input``, ``healthintel_s``, ``peer``, ``peer_s``, ``speedup`` (peer / healthintel) and ``note``.
Timings are medians of several repeats; no assertion is made on them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from healthintel import config  # noqa: E402
from healthintel.stats import dsr, proportion, rate  # noqa: E402

R_TIMINGS = {"dsr": ("PHEindicatormethods calculate_dsr (R, TIMINGS.md)", 0.83)}


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _peer():
    """PHStatsMethods functions, or the reason they cannot be used."""
    try:
        from PHStatsMethods import ph_dsr, ph_proportion, ph_rate

        probe = pd.DataFrame({"a": ["x"], "x": [1], "n": [10]})
        ph_proportion(probe, "x", "n", group_cols="a")
        return {"proportion": ph_proportion, "rate": ph_rate, "dsr": ph_dsr}, None
    except Exception as exc:  # pandas 3 may break it: fall back to a plain loop and say so
        return None, f"{type(exc).__name__}: {exc}"


def _loop_proportion(df):
    """Fallback peer: a plain per-group pandas/scipy loop (Wilson)."""
    from scipy.stats import norm

    z = norm.ppf(0.975)
    out = []
    for key, g in df.groupby("area", sort=False):
        x, n = g["x"].sum(), g["n"].sum()
        root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        out.append((key, x / n, (2 * x + z * z - root) / 2 / (n + z * z), (2 * x + z * z + root) / 2 / (n + z * z)))
    return pd.DataFrame(out, columns=["area", "value", "lower", "upper"])


def _loop_dsr(df):
    from scipy.stats import norm

    z = norm.ppf(0.975)
    out = []
    for key, g in df.groupby("area", sort=False):
        o = g["deaths"].sum()
        w, n, x = g["esp2013"], g["pop"], g["deaths"]
        value = (x * w / n).sum() / w.sum()
        var = (x * (w / n) ** 2).sum() / w.sum() ** 2
        lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        out.append((key, value * 1e5, (value + np.sqrt(var / o) * (lo - o)) * 1e5))
    return pd.DataFrame(out, columns=["area", "value", "lower"])


def _max_rel_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300))) if ok.any() else 0.0


def run(quick: bool = False) -> list[dict]:
    repeats_fast, repeats_peer = (5, 1) if quick else (21, 3)
    rng = np.random.default_rng(20240601)
    n_rows = 20_000
    den = rng.integers(50, 50_000, n_rows)
    props = pd.DataFrame({"area": [f"A{i:05d}" for i in range(n_rows)], "x": rng.binomial(den, 0.2), "n": den})
    dsr_path = config.shared_dir() / "reference" / "pheim" / "bench_dsr_input_2000areas.csv"
    dsr_in = pd.read_csv(dsr_path)

    peer, why = _peer()
    rows = []

    def add(work, inp, ours_fn, peer_name, peer_fn, compare, note=""):
        ours_s = median_time(ours_fn, repeats_fast)
        peer_s = median_time(peer_fn, repeats_peer)
        diff = compare()
        rows.append({
            "work": work, "input": inp, "healthintel_s": ours_s, "peer": peer_name, "peer_s": peer_s,
            "speedup": peer_s / ours_s, "note": (note + f"; max rel. diff {diff:.1e}").lstrip("; "),
        })

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if peer is not None:
            ph = peer
            add("proportion (Wilson), 1 per area", f"{n_rows:,} areas",
                lambda: proportion(props, "x", "n", by="area"), "PHStatsMethods 0.1.16 ph_proportion",
                lambda: ph["proportion"](props, "x", "n", group_cols="area"),
                lambda: _max_rel_diff(proportion(props, "x", "n", by="area")["upper_ci"],
                                      ph["proportion"](props, "x", "n", group_cols="area").iloc[:, 5]))
            add("proportion, row-wise (by=None)", f"{n_rows:,} rows",
                lambda: proportion(props, "x", "n"), "PHStatsMethods 0.1.16 ph_proportion",
                lambda: ph["proportion"](props, "x", "n", group_cols="area"),
                lambda: _max_rel_diff(proportion(props, "x", "n")["lower_ci"],
                                      ph["proportion"](props, "x", "n", group_cols="area").iloc[:, 4]))
            add("rate (Byar's/exact), 1 per area", f"{n_rows:,} areas",
                lambda: rate(props, "x", "n", by="area"), "PHStatsMethods 0.1.16 ph_rate",
                lambda: ph["rate"](props, "x", "n", group_cols="area"),
                lambda: _max_rel_diff(rate(props, "x", "n", by="area")["upper_ci"],
                                      ph["rate"](props, "x", "n", group_cols="area").iloc[:, 5]))
            add("DSR (Dobson), 95%", "2,000 areas x 19 bands",
                lambda: dsr(dsr_in, "deaths", "pop", "esp2013", by="area"), "PHStatsMethods 0.1.16 ph_dsr",
                lambda: ph["dsr"](dsr_in, "deaths", "pop", "esp2013", group_cols="area", euro_standard_pops=False),
                lambda: _max_rel_diff(dsr(dsr_in, "deaths", "pop", "esp2013", by="area")["value"],
                                      ph["dsr"](dsr_in, "deaths", "pop", "esp2013", group_cols="area",
                                                euro_standard_pops=False).iloc[:, 3]))
        else:
            note = f"PHStatsMethods unusable ({why}); peer is a plain per-group pandas/scipy loop"
            print(note)
            add("proportion (Wilson), 1 per area", f"{n_rows:,} areas",
                lambda: proportion(props, "x", "n", by="area"), "per-group pandas loop",
                lambda: _loop_proportion(props),
                lambda: _max_rel_diff(proportion(props, "x", "n", by="area")["upper_ci"],
                                      _loop_proportion(props)["upper"]), note)
            add("DSR (Dobson), 95%", "2,000 areas x 19 bands",
                lambda: dsr(dsr_in, "deaths", "pop", "esp2013", by="area"), "per-group pandas loop",
                lambda: _loop_dsr(dsr_in),
                lambda: _max_rel_diff(dsr(dsr_in, "deaths", "pop", "esp2013", by="area")["value"],
                                      _loop_dsr(dsr_in)["value"]), note)
        # secondary: the recorded R timing (different run, same input file)
        ours = median_time(lambda: dsr(dsr_in, "deaths", "pop", "esp2013", by="area"), repeats_fast)
        name, r_s = R_TIMINGS["dsr"]
        rows.append({"work": "DSR (Dobson), 95%", "input": "2,000 areas x 19 bands", "healthintel_s": ours,
                     "peer": name, "peer_s": r_s, "speedup": r_s / ours,
                     "note": "R time recorded in TIMINGS.md, not measured in this run"})
    return rows


def _fmt_s(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s"


def table(rows: list[dict]) -> str:
    lines = ["| work | input | healthintel | peer | peer time | speed-up | note |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        speed = r.get("speedup")
        lines.append(
            f"| {r.get('work', '')} | {r.get('input', '')} | {_fmt_s(r.get('healthintel_s'))} | {r.get('peer', '')} "
            f"| {_fmt_s(r.get('peer_s'))} | {'-' if speed is None or speed != speed else f'{speed:,.0f}x'} "
            f"| {r.get('note', '')} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    if (HERE / "bench_le_sii.py").exists():
        try:
            import bench_le_sii

            # bench_le_sii rows use statistic/workload/ratio; map them onto this table's columns
            rows += [{"work": r["statistic"], "input": r["workload"], "healthintel_s": r["healthintel_s"],
                      "peer": r["peer"], "peer_s": r["peer_s"], "speedup": r["ratio"], "note": r.get("note", "")}
                     for r in bench_le_sii.run(quick=args.quick)]
        except Exception as exc:  # report, do not hide, a failure of the other benchmark
            print(f"bench_le_sii.py failed: {type(exc).__name__}: {exc}")
    print(table(rows))
    for r in rows:
        if r.get("peer", "").startswith("PHStatsMethods") and r["work"].startswith(("proportion (", "DSR")):
            print(f"target >=100x PHStatsMethods on {r['work']}: {'met' if r['speedup'] >= 100 else 'NOT met'} "
                  f"({r['speedup']:,.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
