"""The default series from the embedded data kit vs from the data mirror, the way ``make report`` runs each.

    .venv/bin/python benchmarks/bench_kit.py              # 2 alternated pairs, --jobs 2
    .venv/bin/python benchmarks/bench_kit.py --pairs 3 --jobs 2

Each run starts cold, in its own temporary data/raw, data/processed and reports folders (data/interim is shared:
the Fingertips response cache is the same for both):

- **kit**: ``healthintel render`` with an empty data/raw and no mirror (what a fresh clone does now);
- **mirror**: ``healthintel data fetch`` from the mirror into data/raw, then ``healthintel render`` (what
  ``make report`` did before the kit).

The two alternate (kit, mirror, kit, mirror …) so a shared machine's drift hits both; the ratio kit/mirror is
printed pair by pair and as the median, for wall time and for the CPU seconds of the processes it started.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from healthintel import config

HEALTHINTEL = str(Path(sys.executable).with_name("healthintel"))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(kind: str, jobs: int) -> tuple[float, float]:
    mirror = config.mirror_dir()
    if kind == "mirror" and mirror is None:
        raise SystemExit("no data mirror (../shared/data or HEALTHINTEL_DATA_MIRROR): cannot time the mirror run")
    with tempfile.TemporaryDirectory(prefix=f"bench-kit-{kind}-") as tmp:
        env = dict(os.environ)
        for name in ("raw", "processed", "reports"):
            Path(tmp, name).mkdir()
            env[f"HEALTHINTEL_{name.upper()}_DIR"] = str(Path(tmp, name))
        env["HEALTHINTEL_DATA_MIRROR"] = str(mirror) if kind == "mirror" else ""
        started, cpu = time.perf_counter(), _children_cpu()
        if kind == "mirror":
            subprocess.run([HEALTHINTEL, "data", "fetch"], env=env, check=True, capture_output=True)
        done = subprocess.run([HEALTHINTEL, "render", "--jobs", str(jobs)], env=env, capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
        if done.returncode != 0:
            raise SystemExit(f"{kind} render failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        summary = [line for line in done.stdout.splitlines() if line.strip().endswith(" ok")]
        print(f"  {kind:6s} {seconds:7.1f} s wall {cpu:7.1f} s CPU  {summary[-1].strip() if summary else ''}",
              flush=True)
        return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ratios, cpu_ratios, kit_times, mirror_times = [], [], [], []
    for i in range(args.pairs):
        print(f"pair {i + 1}", flush=True)
        kit_wall, kit_cpu = _run("kit", args.jobs)
        mirror_wall, mirror_cpu = _run("mirror", args.jobs)
        kit_times.append(kit_wall)
        mirror_times.append(mirror_wall)
        ratios.append(kit_wall / mirror_wall)
        cpu_ratios.append(kit_cpu / mirror_cpu)
    print(f"kit    median {statistics.median(kit_times):.1f} s ({', '.join(f'{t:.1f}' for t in kit_times)})")
    print(f"mirror median {statistics.median(mirror_times):.1f} s ({', '.join(f'{t:.1f}' for t in mirror_times)})")
    print(f"kit / mirror wall: median {statistics.median(ratios):.2f} (pairs: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"kit / mirror CPU:  median {statistics.median(cpu_ratios):.2f} "
          f"(pairs: {', '.join(f'{r:.2f}' for r in cpu_ratios)})")


if __name__ == "__main__":
    main()
