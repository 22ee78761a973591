"""A series of chapters × areas (× periods) from YAML, rendered across a process pool with a progress bar."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import yaml

from healthintel import config
from healthintel.errors import ParameterError, RenderError
from healthintel.render import cache, commentary
from healthintel.render.execute import (
    ChapterResult,
    check_kernel,
    disclosure_settings,
    remove_stale_temps,
    render_chapter,
    resolve_slug,
    short_error,
    skipped_result,
)
from healthintel.render.export import check_writable, remove_downloads
from healthintel.render.extras import require_extra
from healthintel.render.parameters import (
    canonical_area,
    canonical_parameters,
    chapter_path,
    slugify,
    validate_parameters,
)

DEFAULT_SERIES = Path(__file__).with_name("series.yaml")
EXECUTORS = ("process", "dask")


def load_series(path: str | Path | None = None) -> list[dict]:
    """Expand a series YAML into ``[{"chapter", "parameters", "slug"}]``, one per chapter × area (× period).

    Format::

        chapters:
          deprivation_profile:
            parameters: {}          # defaults for every area; the notebook has the rest
            # areas: [...]          # optional, replaces the series-wide list for this chapter
            # periods: [...]        # optional, replaces the series-wide list for this chapter
        areas: [Kent, Medway, ...]
        # periods: ["2019"]         # optional: each area is rendered once per period
        # disclosure: {threshold: 5, max_rows: 200}   # optional: small-count threshold, largest table

    ``disclosure`` (series-wide, or per chapter to override) is passed on as each spec's ``"disclosure"``.

    The slug is the area's ("tunbridge-wells"), or area and period ("kent-2021-22") when there are periods.
    """
    path = Path(path) if path else DEFAULT_SERIES
    doc = _read_series(path)
    specs: list[dict] = []
    for chapter, cfg in doc["chapters"].items():
        specs += _chapter_specs(path, doc, str(chapter), cfg)
    return specs


def _read_series(path: Path) -> dict:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"cannot read series {path}: {exc}") from exc
    chapters = doc.get("chapters") if isinstance(doc, dict) else None
    if not isinstance(chapters, dict) or not chapters:
        raise RenderError(f"series {path}: 'chapters' must map chapter names to {{parameters: ...}}")
    return doc


def _chapter_specs(path: Path, doc: dict, chapter: str, cfg) -> list[dict]:
    """One spec per area × period of one chapter of a series."""
    cfg = cfg or {}
    if not isinstance(cfg, dict):
        raise RenderError(f"series {path}: chapter {chapter!r} must be a mapping, got {cfg!r}")
    base = dict(cfg.get("parameters") or {})
    settings = {**(doc.get("disclosure") or {}), **(cfg.get("disclosure") or {})}
    areas = cfg.get("areas", doc.get("areas")) or [None]
    periods = cfg.get("periods", doc.get("periods")) or [None]
    for name, value in (("areas", areas), ("periods", periods)):
        if not isinstance(value, list):
            raise RenderError(f"series {path}: {name} of {chapter!r} must be a list, got {value!r}")
    return [_spec(chapter, base, settings, area, period) for area in areas for period in periods]


def _spec(chapter: str, base: dict, settings: dict, area, period) -> dict:
    params = dict(base)
    if area is not None:
        params["area"] = area
    if period is not None:
        params["period"] = period
    spec: dict[str, Any] = {"chapter": chapter, "parameters": params}
    if period is not None:
        spec["slug"] = slugify(f"{canonical_area(area) if area else 'default'} {period}")
    if settings:
        spec["disclosure"] = dict(settings)
    return spec


def series_keys(path: str | Path | None = None, notebooks_dir: str | Path | None = None) -> set[tuple[str, str]]:
    """``(chapter, slug)`` of every report a series YAML (the packaged one by default) describes: what
    ``healthintel render --prune`` keeps. A spec whose notebook or parameters do not validate still counts, under
    the slug of the parameters it gives."""
    keys = set()
    for spec in load_series(path):
        params = dict(spec.get("parameters") or {})
        with contextlib.suppress(RenderError):
            params = validate_parameters(chapter_path(spec["chapter"], notebooks_dir), params)
        keys.add((spec["chapter"], resolve_slug(spec.get("slug"), canonical_parameters(params))))
    return keys


def series_disclosure(path: str | Path | None = None) -> dict:
    """The series-wide ``disclosure:`` settings of a series YAML (the packaged one by default); {} if none."""
    try:
        doc = yaml.safe_load(Path(path or DEFAULT_SERIES).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    settings = doc.get("disclosure") if isinstance(doc, dict) else None
    return dict(settings) if isinstance(settings, dict) else {}


def _describe(spec: dict) -> str:
    params = spec.get("parameters") or {}
    bits = [str(params[k]) for k in ("area", "period") if params.get(k) not in (None, "")]
    return f"{spec['chapter']} · {' '.join(bits) or 'defaults'}"


def validate_series(jobs_spec: Iterable[dict], notebooks_dir: str | Path | None = None) -> list[dict]:
    """Check every spec before any kernel starts; returns specs with merged parameters and slugs."""
    checked: list[dict] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    only_parameters = True
    for i, spec in enumerate(jobs_spec):
        if not isinstance(spec, dict) or "chapter" not in spec:
            raise ParameterError(f"series item {i} must be a mapping with a 'chapter' key, got {spec!r}")
        try:
            merged = validate_parameters(chapter_path(spec["chapter"], notebooks_dir), spec.get("parameters"))
            merged = canonical_parameters(merged)  # "kent", "Kent" and "E10000016" are one report
        except ParameterError as exc:
            problems.append(f"{_describe(spec)}: {exc}")
            continue
        except RenderError as exc:
            only_parameters = False
            problems.append(f"{_describe(spec)}: {exc}")
            continue
        slug = resolve_slug(spec.get("slug"), merged)
        key = (spec["chapter"], slug)
        if key in seen:
            problems.append(
                f"{_describe(spec)}: writes reports/{key[0]}/{key[1]}.html like item {seen[key]}; give it a 'slug'"
            )
            continue
        try:
            disclosure_settings(spec.get("disclosure"))
        except RenderError as exc:
            only_parameters = False
            problems.append(f"{_describe(spec)}: {exc}")
            continue
        seen[key] = i
        checked.append({"chapter": spec["chapter"], "parameters": merged, "slug": slug,
                        "disclosure": spec.get("disclosure")})
    if problems:
        cls = ParameterError if only_parameters else RenderError
        raise cls(f"{len(problems)} problem(s) in the series, nothing was rendered:\n  " + "\n  ".join(problems))
    return checked


def _run(spec: dict, kw: dict) -> ChapterResult:
    return render_chapter(spec["chapter"], spec["parameters"], slug=spec["slug"], disclosure=spec.get("disclosure"),
                          **kw)


def _unchanged(spec: dict, kw: dict) -> ChapterResult | None:
    """The skipped result when the stored report is current (checked here, so no worker is started for it)."""
    threshold, _ = disclosure_settings(spec.get("disclosure"))
    source = chapter_path(spec["chapter"], kw.get("notebooks_dir"))
    out_dir = Path(kw.get("reports_dir") or config.reports_dir()).resolve() / spec["chapter"]
    parts = cache.chapter_hash(source, spec["parameters"], kernel=kw.get("kernel", config.KERNEL_NAME),
                               threshold=threshold, commentary=commentary.fingerprint(spec["chapter"], spec["slug"]))
    return skipped_result(spec["chapter"], spec["slug"], spec["parameters"], out_dir, parts)


def _crashed(spec: dict, exc: BaseException, kw: dict) -> ChapterResult:
    """A result for a job whose worker died (no result came back): its stale HTML goes too."""
    reports = Path(kw.get("reports_dir") or config.reports_dir()) / spec["chapter"]
    (reports / f"{spec['slug']}.html").unlink(missing_ok=True)
    (reports / f"{spec['slug']}.pdf").unlink(missing_ok=True)
    remove_downloads(reports / f"{spec['slug']}.html")
    cache.forget(reports, spec["slug"])
    remove_stale_temps(reports, spec["slug"])
    nb_path = reports / f"{spec['slug']}.ipynb"
    return ChapterResult(
        chapter=spec["chapter"], slug=spec["slug"], parameters=spec["parameters"], status="failed",
        html_path=None, notebook_path=nb_path if nb_path.exists() else None, error=short_error(exc),
    )


class _Progress:
    """A rich progress bar (tqdm when rich is missing; nothing when disabled)."""

    def __init__(self, total: int, enabled: bool):
        self.bar = self.task = self.tqdm = None
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("[bold]render[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), console=Console(stderr=True), transient=False,
            )
            self.task = self.bar.add_task("", total=total)
            self.bar.start()
        except ImportError:  # pragma: no cover - rich is a dependency
            from tqdm import tqdm

            self.tqdm = tqdm(total=total, desc="render", unit="chapter")

    def done(self, result: ChapterResult) -> None:
        state = "skipped (unchanged)" if result.skipped else "ok" if result.ok else "FAILED"
        label = f"{result.chapter}/{result.slug} {state}"
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=1, description=label)
        elif self.tqdm is not None:
            self.tqdm.set_postfix_str(label)
            self.tqdm.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.tqdm is not None:
            self.tqdm.close()


def _run_on_pool(specs, todo, kw, workers: int, results: list, bar: _Progress) -> None:
    """A spawn process pool; when a worker dies (SIGKILL, OOM) the pool breaks and takes every job still
    pending with it, so those jobs run again, each in its own one-process pool: only the job that kills its
    worker fails, the others complete."""
    from concurrent.futures.process import BrokenProcessPool

    # spawn: a fresh interpreter per worker, no inherited threads or ZMQ state from the parent.
    context = multiprocessing.get_context("spawn")
    broken: list[int] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(_run, specs[i], kw): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except BrokenProcessPool:
                broken.append(i)
                continue
            except Exception as exc:
                results[i] = _crashed(specs[i], exc, kw)
            bar.done(results[i])
    if not broken:
        return

    def isolated(i: int) -> ChapterResult:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as own:
            try:
                return own.submit(_run, specs[i], kw).result()
            except Exception as exc:  # BrokenProcessPool: this job's own worker died
                return _crashed(specs[i], exc, kw)

    broken.sort()
    with ThreadPoolExecutor(max_workers=min(workers, len(broken))) as threads:
        for i, result in zip(broken, threads.map(isolated, broken)):
            results[i] = result
            bar.done(result)


def _run_on_dask(specs, todo, kw, scheduler: str, workers: int, results: list, bar: _Progress) -> None:
    """The notebook is the unit of distribution: one task per spec on a dask.distributed cluster."""
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        futures = {client.submit(_run, specs[i], kw, pure=False): i for i in todo}
        for future in dask_completed(list(futures)):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception as exc:
                results[i] = _crashed(specs[i], exc, kw)
            bar.done(results[i])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _longest_first(specs: list[dict], todo: list[int], kw: dict) -> list[int]:
    """Submit the chapters that took longest last time first (``index.json``), so a long one does not start
    last and leave the other workers idle at the end; unknown ones keep the order given, after the known."""
    from healthintel.render.site import read_state

    previous = read_state(kw.get("reports_dir"))
    seconds = {i: (previous.get(f"{specs[i]['chapter']}/{specs[i]['slug']}") or {}).get("seconds") for i in todo}
    return sorted(todo, key=lambda i: -(seconds[i] or 0.0) if isinstance(seconds[i], (int, float)) else 0.0)


def _preflight(specs: list[dict], todo: list[int], kw: dict) -> None:
    """Before any kernel starts: the reports folders can be written (StorageError) and the kernel exists."""
    root = Path(kw.get("reports_dir") or config.reports_dir())
    check_writable([root] + [root / c for c in dict.fromkeys(specs[i]["chapter"] for i in todo)])
    check_kernel(kw.get("kernel", config.KERNEL_NAME))


#: Chapters that read the other chapters' reports of their area (their figures.json): rendered in a second wave,
#: once every other chapter of the run has finished, so they read this run's figures.
LATE_CHAPTERS = frozenset({"area_overview"})


def waves(specs: list[dict]) -> list[list[int]]:
    """Indices of ``specs`` in the order they run: every chapter first, then :data:`LATE_CHAPTERS` (each wave in
    the order given; empty waves left out)."""
    first = [i for i, spec in enumerate(specs) if spec["chapter"] not in LATE_CHAPTERS]
    second = [i for i, spec in enumerate(specs) if spec["chapter"] in LATE_CHAPTERS]
    return [wave for wave in (first, second) if wave]


def _run_in_process(specs: list[dict], todo: list[int], kw: dict, results: list, bar: _Progress) -> None:
    for i in todo:
        try:
            result = _run(specs[i], kw)
        except Exception as exc:
            result = _crashed(specs[i], exc, kw)
        results[i] = result
        bar.done(result)


def _render_wave(specs: list[dict], wave: list[int], results: list, bar: _Progress, *, jobs: int | None,
                 scheduler: str | None, force: bool, kw: dict) -> None:
    """Render the specs of one wave: the unchanged ones come back skipped (checked now, after any earlier wave
    wrote the files they read); the rest run on the pool, dask or in this process."""
    todo = []
    for i in wave:
        results[i] = None if force else _unchanged(specs[i], kw)
        if results[i] is None:
            todo.append(i)
        else:
            bar.done(results[i])
    if not todo:
        return
    todo = _longest_first(specs, todo, kw)
    _preflight(specs, todo, kw)
    kw = {**kw, "force": True}  # already checked here: the workers render what they are given
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    if scheduler:
        _run_on_dask(specs, todo, kw, scheduler, workers, results, bar)
    elif workers == 1:
        _run_in_process(specs, todo, kw, results, bar)
    else:
        _run_on_pool(specs, todo, kw, workers, results, bar)


def render_series(
    jobs_spec: list[dict],
    *,
    jobs: int | None = None,
    progress: bool = True,
    scheduler: str | None = None,
    executor: str = "process",
    force: bool = False,
    **kw: Any,
) -> list[ChapterResult]:
    """Render every ``{"chapter", "parameters"[, "slug", "disclosure"]}`` spec; results in the order given.

    All parameters are validated first (a :class:`~healthintel.errors.ParameterError` lists every problem and
    nothing runs). Specs whose stored report is current (same content hash, :mod:`healthintel.render.cache`)
    come back as ``status="skipped"`` without starting anything, unless ``force``. The rest run in a
    :class:`~concurrent.futures.ProcessPoolExecutor` with ``jobs`` workers (default: the CPU count; ``jobs=1``
    runs in this process). A failing chapter never stops the others, nor does one that kills its worker.
    ``executor="dask"`` runs them on a dask.distributed LocalCluster of ``jobs`` worker processes;
    ``scheduler`` (``"tcp://host:8786"``, or ``"local"``, the same as ``executor="dask"``) on an existing
    cluster: the workers need healthintel, the kernel and the same paths (shared disk).
    Either needs the ``dask`` extra (a :class:`~healthintel.errors.MissingExtraError` naming
    ``pip install 'healthintel[dask]'`` when it is missing, before anything runs).
    ``kw`` goes to :func:`~healthintel.render.render_chapter` (``reports_dir``, ``notebooks_dir``, ``kernel``,
    ``timeout``).

    The chapters of :data:`LATE_CHAPTERS` (the area overview, which reads the other chapters' figures.json) run
    in a second wave after all the others (:func:`waves`); whether one is unchanged is decided after the first
    wave, so an overview whose inputs were re-rendered now is rendered again.
    """
    if executor not in EXECUTORS:
        raise RenderError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if executor == "dask" and not scheduler:
        scheduler = "local"
    if scheduler:
        require_extra("dask")  # the dask extra is not part of `make report`: say so before anything runs
    specs = validate_series(jobs_spec, kw.get("notebooks_dir"))
    if not specs:
        return []
    results: list[ChapterResult | None] = [None] * len(specs)
    bar = _Progress(len(specs), progress)
    try:
        for wave in waves(specs):
            _render_wave(specs, wave, results, bar, jobs=jobs, scheduler=scheduler, force=force, kw=kw)
    finally:
        bar.close()
    return [r for r in results if r is not None]
