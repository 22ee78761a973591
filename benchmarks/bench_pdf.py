"""What PDF export adds per chapter: one Chromium for the series (what ``healthintel render --format pdf`` does)
against one Chromium per page, on rendered chapter reports.

    .venv/bin/python benchmarks/bench_pdf.py                 # reports/*/*.html (render them first: make report)
    .venv/bin/python benchmarks/bench_pdf.py /tmp/reports    # another reports folder
    .venv/bin/python benchmarks/bench_pdf.py --render        # render one area of every chapter kind first (minutes)

The PDFs go to a temporary folder (the reports' own PDFs are not touched). Printed: the browser's start-up (paid
once per series), each chapter's print time (page load, layout, PDF) with its page count and size, and the same
pages printed with a browser started for each. The target (issue 16) is at most 3 s added per chapter; the summary
line says whether it held. No assertion: the tests never time anything.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from healthintel import config
from healthintel.render.pdf import PdfPrinter

TARGET_SECONDS = 3.0
KINDS = {"deprivation_profile": "Kent", "life_expectancy": "Kent", "child_obesity": "Kent",
         "outcomes_tracker": "Medway", "kpi_dashboard": "Kent"}


def _render(folder: Path) -> None:
    from healthintel.render import render_series

    specs = [{"chapter": chapter, "parameters": {"area": area}} for chapter, area in KINDS.items()]
    results = render_series(specs, reports_dir=folder, progress=False)
    failed = [f"{r.chapter}/{r.slug}: {r.error}" for r in results if not r.ok]
    if failed:
        sys.exit("render failed: " + "; ".join(failed))


def _pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="?", type=Path, default=None, help="reports folder (default: reports/)")
    parser.add_argument("--render", action="store_true", help="render one area of every chapter kind first")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    reports = args.reports or (scratch / "reports" if args.render else config.reports_dir())
    if args.render:
        _render(reports)
    pages = sorted(p for p in Path(reports).glob("*/*.html"))
    if not pages:
        print(f"no chapter reports in {reports}: run `make report` first, or pass --render", file=sys.stderr)
        return 2

    started = time.perf_counter()
    with PdfPrinter() as printer:
        startup = time.perf_counter() - started
        rows = []
        for page in pages:
            out = scratch / f"{page.parent.name}-{page.stem}.pdf"
            t0 = time.perf_counter()
            printer.print(page, out, title=page.parent.name, area=page.stem)
            rows.append((page, time.perf_counter() - t0, _pages(out), out.stat().st_size))
    shared_total = time.perf_counter() - started

    separate = []
    for page in pages:
        t0 = time.perf_counter()
        with PdfPrinter() as printer:
            printer.print(page, scratch / "separate.pdf", title=page.parent.name, area=page.stem)
        separate.append(time.perf_counter() - t0)

    print(f"{len(pages)} chapter report(s) in {reports}; Chromium start-up {startup:.2f} s (once per series)")
    print(f"{'report':45} {'print (s)':>9} {'pages':>5} {'size (KB)':>9} {'own browser (s)':>15}")
    for (page, seconds, count, size), alone in zip(rows, separate):
        name = f"{page.parent.name}/{page.name}"
        print(f"{name:45} {seconds:9.2f} {count:5d} {size / 1024:9.0f} {alone:15.2f}")
    per_chapter = shared_total / len(pages)
    worst = max(seconds for _, seconds, _, _ in rows)
    print(f"one browser for the series: {shared_total:.2f} s in all, {per_chapter:.2f} s per chapter with the "
          f"start-up shared (slowest print {worst:.2f} s); one browser per page: "
          f"{statistics.mean(separate):.2f} s per chapter ({statistics.mean(separate) / per_chapter:.1f}x)")
    verdict = "met" if per_chapter <= TARGET_SECONDS and worst <= TARGET_SECONDS else "NOT met"
    print(f"target <= {TARGET_SECONDS:.0f} s added per chapter: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
