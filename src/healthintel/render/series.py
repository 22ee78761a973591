"""A series of chapters × areas (× periods) from YAML, rendered across a process pool with a progress bar."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Iterable

import yaml

from healthintel import config
from healthintel.errors import ParameterError, RenderError
from healthintel.render.execute import ChapterResult, check_kernel, render_chapter, resolve_slug, short_error
from healthintel.render.parameters import chapter_path, slugify, validate_parameters

DEFAULT_SERIES = Path(__file__).with_name("series.yaml")


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

    The slug is the area's ("tunbridge-wells"), or area and period ("kent-2021-22") when there are periods.
    """
    path = Path(path) if path else DEFAULT_SERIES
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"cannot read series {path}: {exc}") from exc
    chapters = doc.get("chapters")
    if not isinstance(chapters, dict) or not chapters:
        raise RenderError(f"series {path}: 'chapters' must map chapter names to {{parameters: ...}}")
    specs: list[dict] = []
    for chapter, cfg in chapters.items():
        cfg = cfg or {}
        if not isinstance(cfg, dict):
            raise RenderError(f"series {path}: chapter {chapter!r} must be a mapping, got {cfg!r}")
        base = dict(cfg.get("parameters") or {})
        areas = cfg.get("areas", doc.get("areas")) or [None]
        periods = cfg.get("periods", doc.get("periods")) or [None]
        for name, value in (("areas", areas), ("periods", periods)):
            if not isinstance(value, list):
                raise RenderError(f"series {path}: {name} of {chapter!r} must be a list, got {value!r}")
        for area in areas:
            for period in periods:
                params = dict(base)
                if area is not None:
                    params["area"] = area
                if period is not None:
                    params["period"] = period
                spec: dict[str, Any] = {"chapter": str(chapter), "parameters": params}
                if period is not None:
                    spec["slug"] = slugify(f"{area or 'default'} {period}")
                specs.append(spec)
    return specs


def _describe(spec: dict) -> str:
    params = spec.get("parameters") or {}
    bits = [str(params[k]) for k in ("area", "period") if params.get(k) not in (None, "")]
    return f"{spec['chapter']} · {' '.join(bits) or 'defaults'}"


def validate_series(jobs_spec: Iterable[dict], notebooks_dir: str | Path | None = None) -> list[dict]:
    """Check every spec before any kernel starts; returns specs with merged parameters and slugs."""
    checked, problems, seen = [], [], {}
    only_parameters = True
    for i, spec in enumerate(jobs_spec):
        if not isinstance(spec, dict) or "chapter" not in spec:
            raise ParameterError(f"series item {i} must be a mapping with a 'chapter' key, got {spec!r}")
        try:
            merged = validate_parameters(chapter_path(spec["chapter"], notebooks_dir), spec.get("parameters"))
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
        seen[key] = i
        checked.append({"chapter": spec["chapter"], "parameters": merged, "slug": slug})
    if problems:
        cls = ParameterError if only_parameters else RenderError
        raise cls(f"{len(problems)} problem(s) in the series, nothing was rendered:\n  " + "\n  ".join(problems))
    return checked


def _run(spec: dict, kw: dict) -> ChapterResult:
    return render_chapter(spec["chapter"], spec["parameters"], slug=spec["slug"], **kw)


def _crashed(spec: dict, exc: BaseException, kw: dict) -> ChapterResult:
    """A result for a job whose worker died (no result came back): its stale HTML goes too."""
    reports = Path(kw.get("reports_dir") or config.reports_dir()) / spec["chapter"]
    (reports / f"{spec['slug']}.html").unlink(missing_ok=True)
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
        label = f"{result.chapter}/{result.slug} {'ok' if result.ok else 'FAILED'}"
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=label)
        elif self.tqdm is not None:
            self.tqdm.set_postfix_str(label)
            self.tqdm.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.tqdm is not None:
            self.tqdm.close()


def _run_on_dask(specs, kw, scheduler: str, workers: int, results: list, bar: "_Progress") -> None:
    """The notebook is the unit of distribution: one task per spec on a dask.distributed cluster."""
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        futures = {client.submit(_run, spec, kw, pure=False): i for i, spec in enumerate(specs)}
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


def render_series(
    jobs_spec: list[dict],
    *,
    jobs: int | None = None,
    progress: bool = True,
    scheduler: str | None = None,
    **kw: Any,
) -> list[ChapterResult]:
    """Render every ``{"chapter", "parameters"[, "slug"]}`` spec; results come back in the order given.

    All parameters are validated first (a :class:`~healthintel.errors.ParameterError` lists every problem and
    nothing runs). Jobs run in a :class:`~concurrent.futures.ProcessPoolExecutor` with ``jobs`` workers
    (default: the CPU count; ``jobs=1`` runs in this process). A failing chapter never stops the others.
    ``scheduler`` (``"tcp://host:8786"``, or ``"local"`` for a local cluster of ``jobs`` workers) runs the jobs
    on dask.distributed instead; the workers need healthintel, the kernel and the same paths (shared disk).
    ``kw`` goes to :func:`~healthintel.render.render_chapter` (``reports_dir``, ``notebooks_dir``, ``kernel``,
    ``timeout``).
    """
    specs = validate_series(jobs_spec, kw.get("notebooks_dir"))
    if not specs:
        return []
    check_kernel(kw.get("kernel", config.KERNEL_NAME))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(specs)))
    results: list[ChapterResult | None] = [None] * len(specs)
    bar = _Progress(len(specs), progress)
    try:
        if scheduler:
            _run_on_dask(specs, kw, scheduler, workers, results, bar)
        elif workers == 1:
            for i, spec in enumerate(specs):
                try:
                    results[i] = _run(spec, kw)
                except Exception as exc:
                    results[i] = _crashed(spec, exc, kw)
                bar.done(results[i])
        else:
            # spawn: a fresh interpreter per worker, no inherited threads or ZMQ state from the parent.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = {pool.submit(_run, spec, kw): i for i, spec in enumerate(specs)}
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        results[i] = future.result()
                    except Exception as exc:
                        results[i] = _crashed(specs[i], exc, kw)
                    bar.done(results[i])
    finally:
        bar.close()
    return [r for r in results if r is not None]
