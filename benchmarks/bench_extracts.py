"""Benchmark: ``healthintel data check`` and the chapter computation on England-sized extracts.

Workloads (written once into a scratch folder, not timed):

* an NCMP extract of 1,200,000 rows (one academic year, Reception and Year 6, every English LSOA; CSV);
* a deaths extract of about 1,500,000 rows (three registration years, every English LSOA; CSV) and the population
  extract those deaths need (every English LSOA x sex x single year of age 0-90 x 3 years = 17.9 million rows;
  parquet; the ONS mid-2019 LSOA estimate repeated for each year).

Each task runs in a fresh Python process, so its peak resident memory (``VmHWM``, interpreter and imports
included) is its own; the time is the task's wall time after imports (lookups read from data/processed, as in a
render), with its CPU time beside it (the machine is shared: wall time grows with the load). Tasks: ``data check
ncmp``; ``child_obesity.build`` for Kent from the NCMP file (reading and checking it
included); ``data check deaths``; ``data check population``; ``life_expectancy.build`` for Kent from the deaths and
population files (both read and checked; England computed from them). Target: each under 10 s and 2 GB on the
project's 2-core machine.

    .venv/bin/python benchmarks/bench_extracts.py            # prints a markdown table
    .venv/bin/python benchmarks/bench_extracts.py --quick    # 10x smaller files (smoke run)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

NCMP_ROWS = 1_200_000
DEATH_ROWS = 1_500_000
YEARS = (2021, 2022, 2023)


def write_ncmp(path: Path, rows: int, seed: int = 1) -> None:
    from healthintel import geography

    rng = np.random.default_rng(seed)
    lk = geography.lsoa_lookup("imd2019")
    idx = rng.integers(0, len(lk), rows)
    school = lk["lad_code"].to_numpy()[idx]
    moved = rng.random(rows) < 0.03
    school[moved] = lk["lad_code"].to_numpy()[rng.integers(0, len(lk), int(moved.sum()))]
    year6 = rng.random(rows) < 0.5
    frame = pd.DataFrame({
        "pupil_id": np.char.add("P", np.arange(rows).astype(str)),
        "school_year": np.where(year6, "Year 6", "Reception"), "academic_year": "2023/24",
        "sex": rng.choice(np.array(["1", "2"]), rows), "age_months": np.where(year6, rng.integers(126, 138, rows),
                                                                              rng.integers(54, 66, rows)),
        "height_cm": np.round(np.where(year6, rng.normal(145, 7, rows), rng.normal(112, 5, rows)), 1),
        "weight_kg": np.round(np.where(year6, rng.normal(40, 8, rows), rng.normal(20, 3, rows)), 1),
        "bmi_centile": np.round(rng.uniform(0.1, 99.9, rows), 2), "lsoa_code": lk["lsoa_code"].to_numpy()[idx],
        "school_code": np.char.add("S", rng.integers(100000, 999999, rows).astype(str)), "school_lad_code": school,
        "school_status": "NCMP",
    })
    frame.to_csv(path, index=False)


def write_deaths_and_population(deaths_path: Path, population_path: Path, rows: int, seed: int = 2) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from healthintel.sources import readers

    rng = np.random.default_rng(seed)
    pop = readers.population_lsoa11_2019()
    imd = readers.imd2019_index()[["lsoa_code"]]
    pop = pop[pop["lsoa_code"].isin(imd["lsoa_code"])]
    age = pop["age"].to_numpy(dtype=int)
    rate = np.minimum(np.exp(-10.3 + 0.093 * age), 0.5)
    rate[age == 0] = 0.004
    rate *= rows / (len(YEARS) * float(np.dot(pop["population"].to_numpy(dtype=float), rate)))  # ~rows deaths
    code = pop["lsoa_code"].astype(str).to_numpy()
    sex = np.where(pop["sex"].astype(str).to_numpy() == "male", "M", "F")
    tables, deaths = [], []
    for year in YEARS:
        tables.append(pa.table({"lsoa_code": code, "sex": sex, "age": age, "year": np.full(len(pop), year),
                                "population": pop["population"].to_numpy(dtype=float)}))
        n = rng.poisson(pop["population"].to_numpy(dtype=float) * rate)
        pick = np.repeat(np.arange(len(pop)), n)
        deaths.append(pd.DataFrame({"registration_year": year, "age_at_death": age[pick],
                                    "sex": np.where(sex[pick] == "M", 1, 2), "lsoa_code": code[pick]}))
    pq.write_table(pa.concat_tables(tables), population_path)
    pd.concat(deaths, ignore_index=True).to_csv(deaths_path, index=False)


TASKS = {
    "data check ncmp": "from healthintel import extracts\n_, r = extracts.check_extract('ncmp', NCMP)\nassert r.ok",
    "child_obesity.build (Kent)": "from healthintel import chapters\n"
                                  "chapters.child_obesity.build(area='Kent', ncmp_extract=str(NCMP))",
    "data check deaths": "from healthintel import extracts\n"
                         "_, r = extracts.check_extract('deaths', DEATHS)\nassert r.ok",
    "data check population": "from healthintel import extracts\n"
                             "_, r = extracts.check_extract('population', POP)\nassert r.ok",
    "life_expectancy.build (Kent)": "from healthintel import chapters\n"
                                    "chapters.life_expectancy.build(area='Kent', deaths_extract=str(DEATHS), "
                                    "population_extract=str(POP))",
}


def _child(task: str, folder: str) -> None:
    """Run one task in this (fresh) process and print {"seconds", "peak_mb"} as JSON."""
    import healthintel.chapters  # noqa: F401  imports are not the task
    from healthintel import deprivation, extracts, geography

    deprivation.load_deprivation("imd2019")  # parquet caches warm, as in a render
    geography.lsoa_lookup("iod2025")
    del extracts
    names = {"NCMP": Path(folder) / "ncmp.csv", "DEATHS": Path(folder) / "deaths.csv",
             "POP": Path(folder) / "population.parquet"}
    start, cpu = time.perf_counter(), time.process_time()
    exec(TASKS[task], dict(names))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM; ``ru_maxrss`` would include the parent's at fork)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(quick: bool = False) -> list[dict]:
    factor = 10 if quick else 1
    with tempfile.TemporaryDirectory(prefix="bench-extracts-") as folder:
        root = Path(folder)
        write_ncmp(root / "ncmp.csv", NCMP_ROWS // factor)
        write_deaths_and_population(root / "deaths.csv", root / "population.parquet", DEATH_ROWS // factor)
        sizes = {"ncmp": len(pd.read_csv(root / "ncmp.csv", usecols=["pupil_id"])),
                 "deaths": len(pd.read_csv(root / "deaths.csv", usecols=["sex"]))}
        import pyarrow.parquet as pq

        sizes["population"] = pq.ParquetFile(root / "population.parquet").metadata.num_rows
        rows = []
        for task in TASKS:
            proc = subprocess.run([sys.executable, __file__, "--child", task, folder], capture_output=True,
                                  text=True, check=True)
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            kind = "ncmp" if "ncmp" in task or "obesity" in task else ("population" if "population" in task
                                                                     else "deaths")
            workload = (f"{sizes['ncmp']:,} NCMP rows" if kind == "ncmp" else
                        f"{sizes['population']:,} population rows" if kind == "population" else
                        f"{sizes['deaths']:,} deaths" + (f" + {sizes['population']:,} population rows"
                                                         if "build" in task else ""))
            rows.append({"task": task, "workload": workload, **result})
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
        return
    rows = run(quick="--quick" in sys.argv)
    print("| task | workload | wall time | CPU time | peak memory |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['task']} | {r['workload']} | {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | "
              f"{r['peak_mb']:,.0f} MB |")
    print(f"\nload average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows with it)")


if __name__ == "__main__":
    main()
