"""``healthintel data fingertips …``: fetch indicator data into the cache, list areas, inspect the cache.

Exit codes as for the rest of the CLI (:mod:`healthintel.cli.failures`): 0 success, 1 the request failed
(offline and not cached, HTTP error, malformed payload), 2 bad arguments, 3 the cache folder cannot be written,
4 the network failed (timeout, connection, redirect loop, undecodable answer).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..errors import HealthIntelError
from .failures import guarded

fingertips_app = typer.Typer(help="OHID Fingertips indicators: cached, offline-capable (legacy or FingertipsNext API).",
                             no_args_is_help=True)
console = Console(stderr=True)

_BACKEND = typer.Option("legacy", "--backend", help="API generation: legacy or next.")
_OFFLINE = typer.Option(False, "--offline", help="Never use the network: answer from the cache or fail.")
_MAX_AGE = typer.Option("7d", "--max-age", help="Use cached responses younger than this (e.g. 12h, 7d, never).")
_CACHE = typer.Option(None, "--cache-dir", help="Cache folder (default $HEALTHINTEL_FINGERTIPS_CACHE or "
                                                "data/interim/fingertips_cache).")


def _client(backend, offline, max_age, cache_dir):
    from ..sources.fingertips import FingertipsClient

    return FingertipsClient(backend, offline=offline or None, max_age=max_age, cache_dir=cache_dir)


def _fail(exc: HealthIntelError):
    from .failures import classify

    code, message = classify(exc)  # 1 not available / HTTP error / bad payload, 4 network, 3 cache not writable
    typer.echo(f"error: {' '.join(message.split())}", err=True)  # one line, unwrapped: it carries the request URL
    raise typer.Exit(code)


@fingertips_app.command("fetch")
@guarded
def fetch(
    indicator: list[int] = typer.Option(..., "--indicator", "-i", help="Indicator id (repeatable)."),
    area_type: str = typer.Option(..., "--area-type", "-a", help="Area type: legacy id (502) or Next key."),
    parent_area_type: int = typer.Option(15, "--parent-area-type", help="Legacy parent area type (15 England)."),
    year_type: str = typer.Option("financial", "--year-type", help="How legacy 'YYYY/YY' labels map to dates: "
                                                                   "financial or academic."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the tidy frame (.csv or .parquet)."),
    backend: str = _BACKEND, offline: bool = _OFFLINE, max_age: str = _MAX_AGE, cache_dir: Path | None = _CACHE,
) -> None:
    """Fetch indicator data (into the cache) and summarise the tidy frame and its provenance."""
    from ..sources.fingertips import provenance_table

    try:
        with _client(backend, offline, max_age, cache_dir) as client:
            frame = client.indicators_data(indicator, area_type, parent_area_type=parent_area_type,
                                           year_type=year_type)
    except HealthIntelError as exc:
        _fail(exc)
    summary = Table("indicator", "name", "rows", "areas", "periods", "deprivation rows")
    for ind, g in frame.groupby("indicator_id", sort=True):
        summary.add_row(str(ind), str(g["indicator_name"].iloc[0]), str(len(g)), str(g["area_code"].nunique()),
                        f"{g['period_label'].iloc[g['period_sortable'].argmin()]} … "
                        f"{g['period_label'].iloc[g['period_sortable'].argmax()]}" if g["period_sortable"].notna().any()
                        else "", str(int(g["deprivation_category"].notna().sum())))
    Console().print(summary)
    for rec in frame.attrs.get("provenance", []):  # plain lines: URLs must not be wrapped or cut
        typer.echo(f"{rec['cache']}{' (offline)' if rec.get('offline') else ''}\t{rec['fetched_at']}\t"
                   f"{rec['api_generation']}\t{rec['request']}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
        provenance_table(frame).to_csv(out.with_name(out.stem + ".provenance.csv"), index=False)
        console.print(f"wrote {out}")


@fingertips_app.command("areas")
@guarded
def areas(
    area_type: str = typer.Option(..., "--area-type", "-a", help="Area type: legacy id (502) or Next key."),
    backend: str = _BACKEND, offline: bool = _OFFLINE, max_age: str = _MAX_AGE, cache_dir: Path | None = _CACHE,
) -> None:
    """List the areas of one area type."""
    try:
        with _client(backend, offline, max_age, cache_dir) as client:
            frame = client.areas(area_type)
    except HealthIntelError as exc:
        _fail(exc)
    table = Table("area_code", "area_name", "area_type")
    for row in frame.itertuples(index=False):
        table.add_row(row.area_code, row.area_name, row.area_type)
    Console().print(table)


@fingertips_app.command("cache-info")
@guarded
def cache_info(cache_dir: Path | None = _CACHE) -> None:
    """List the cached responses: URL, API generation, fetched-at, age and size."""
    from ..sources.fingertips.http import FingertipsCache

    cache = FingertipsCache(cache_dir)
    entries = cache.entries()
    typer.echo(f"Fingertips cache: {cache.directory} ({len(entries)} response(s))", err=True)
    now = _dt.datetime.now(_dt.UTC)
    for e in entries:  # plain tab-separated lines: URLs must not be wrapped or cut
        try:
            age = now - _dt.datetime.fromisoformat(e["fetched_at"])
            age_txt = f"{age.days}d{age.seconds // 3600}h"
        except (KeyError, ValueError):
            age_txt = "?"
        typer.echo("\t".join([e.get("fetched_at", "?"), age_txt, e.get("api_generation", "?"),
                              str(e.get("bytes", "?")), e.get("url", "?")]))
