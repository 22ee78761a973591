"""Chapter rendering at scale: the default series with --jobs 1 vs --jobs 2, and the per-notebook overhead.

    .venv/bin/python benchmarks/bench_render.py            # the 14 deprivation chapters of the default series
    .venv/bin/python benchmarks/bench_render.py --quick    # 4 areas, 1 repeat of the overhead timings
    .venv/bin/python benchmarks/bench_render.py --pairs 3  # 3 alternated jobs-1/jobs-2 runs (shared machine)

Everything is measured in this process, one after the other, into temporary report folders (reports/ is not
touched). ``force=True`` so the skip-unchanged hash never hides work. Before timing, one chapter is rendered to
warm the parquet caches in data/processed and the OS page cache.

- **bare kernel**: start the ``healthintel`` kernel with jupyter_client, run ``1+1``, shut it down.
- **trivial chapter**: :func:`render_chapter` on a notebook with a parameters cell and ``1+1`` (papermill start,
  parameter injection, execution, atomic writes, guard, HTML export). Its excess over the bare kernel is the
  per-notebook overhead of the render pipeline.
- **series**: :func:`render_series` of the default series with ``jobs=1`` then ``jobs=2`` (process pool).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from healthintel import config
from healthintel.render import load_series, render_chapter, render_series


def bare_kernel(kernel: str = config.KERNEL_NAME) -> float:
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name=kernel)
    try:
        reply = client.execute_interactive("1+1", timeout=60, store_history=False)
        assert reply["content"]["status"] == "ok", reply
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    return time.perf_counter() - started


def kernel_imports(kernel: str = config.KERNEL_NAME) -> float:
    """Seconds the deprivation chapter's imports take inside a fresh kernel (measured by the kernel itself)."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name=kernel)
    out: list[str] = []
    try:
        code = ("import time as _t; _s = _t.perf_counter()\n"
                "from healthintel import charts, deprivation, geography, report, tables\n"
                "print(_t.perf_counter() - _s)")
        client.execute_interactive(code, timeout=120, output_hook=lambda msg: out.append(
            msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    return float("".join(out).strip() or "nan")


def trivial_notebooks(root: Path) -> Path:
    cell = nbformat.v4.new_code_cell('area = "Kent"  # area name')
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Trivial chapter"), cell, nbformat.v4.new_code_cell("1+1")],
        metadata={"kernelspec": {"name": config.KERNEL_NAME, "display_name": "Python (healthintel)",
                                 "language": "python"}},
    )
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(root / "chapters" / "trivial.ipynb"))
    return root


def median_of(fn, repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 areas and 1 repeat (smoke run)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the overhead timings (median)")
    parser.add_argument("--pairs", type=int, default=1, help="jobs 1 / jobs 2 runs, alternated (medians)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats

    specs = [s for s in load_series() if s["chapter"] == "deprivation_profile"]
    if args.quick:
        specs = specs[:4]
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        tmp = Path(tmp)
        warm = render_chapter("deprivation_profile", {"area": "Dartford"}, reports_dir=tmp / "warm", force=True)
        assert warm.ok, warm.error

        kernel = median_of(bare_kernel, repeats)
        imports = median_of(kernel_imports, repeats)
        notebooks = trivial_notebooks(tmp / "notebooks")
        trivial = median_of(lambda: render_chapter("trivial", {}, notebooks_dir=notebooks, reports_dir=tmp / "t",
                                                   force=True).seconds, repeats)
        one = median_of(lambda: render_chapter("deprivation_profile", {"area": "Dartford"},
                                               reports_dir=tmp / "one", force=True).seconds, repeats)

        walls, cpus, loads = {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
        for pair in range(args.pairs):  # alternate 1, 2, 2, 1, ... so a neighbour's load hits both alike
            for jobs in ((1, 2) if pair % 2 == 0 else (2, 1)):
                loads[jobs].append(os.getloadavg()[0])
                before = os.times()
                started = time.perf_counter()
                results = render_series([dict(s) for s in specs], jobs=jobs, force=True, progress=False,
                                        reports_dir=tmp / f"jobs{jobs}")
                walls[jobs].append(time.perf_counter() - started)
                after = os.times()  # this process + every reaped descendant (workers and their kernels)
                cpus[jobs].append(sum(getattr(after, k) - getattr(before, k)
                                      for k in ("user", "system", "children_user", "children_system")))
                failed = [f"{r.slug}: {r.error}" for r in results if not r.ok]
                assert not failed, failed

    n = len(specs)
    print(f"healthintel render benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print(f"  bare kernel start + 1+1 + shutdown          {kernel:6.2f} s  (median of {repeats})")
    print(f"  chapter imports inside a kernel             {imports:6.2f} s  (charts, deprivation, geography, ...)")
    print(f"  trivial chapter via render_chapter          {trivial:6.2f} s  -> overhead vs bare kernel "
          f"{trivial - kernel:+.2f} s ({trivial / kernel:.2f}x)")
    print(f"  deprivation_profile (Dartford), one chapter {one:6.2f} s  ({one / kernel:.1f}x a bare kernel)")
    for jobs in (1, 2):
        wall, cpu, load = (statistics.median(x[jobs]) for x in (walls, cpus, loads))
        print(f"  series of {n} deprivation chapters, --jobs {jobs}   {wall:6.1f} s  ({wall / n:.2f} s/chapter; "
              f"CPU {cpu:.1f} s = {cpu / wall:.2f} cores busy; load avg before {load:.2f}; "
              f"runs {', '.join(f'{w:.1f}' for w in walls[jobs])})")
    ratios = [a / b for a, b in zip(walls[1], walls[2])]
    speedup = statistics.median(walls[1]) / statistics.median(walls[2])
    print(f"  speed-up jobs 2 vs 1                        {speedup:6.2f}x  (target >= 1.7x; per pair "
          f"{', '.join(f'{r:.2f}' for r in ratios)})")
    if min(min(v) for v in loads.values()) > 0.5:
        print("  note: the machine was not idle (load average above); other processes share the cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
