"""Every catalog entry says how to get its data from the publisher: a ``download:`` block naming the official file,
its format, a known converter and content checks, or ``none`` with the reason."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest

from healthintel.sources import catalog
from healthintel.sources.convert import CONVERTERS
from healthintel.sources.fetch import download_spec, official_url, rewrite_url

#: Hosts of the publishers' files: gov.uk assets (MHCLG), ONS, the ONS Open Geography Portal's ArcGIS services,
#: the Fingertips API (OHID).
HOSTS = {"assets.publishing.service.gov.uk", "www.ons.gov.uk", "services1.arcgis.com", "fingertips.phe.org.uk"}
FORMATS = {"xlsx", "csv", "arcgis-geojson", "fingertips-csv"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "data.md"


@pytest.mark.parametrize("ds", list(catalog.catalog().values()), ids=lambda d: d.id)
def test_every_entry_has_a_download_block(ds):
    assert isinstance(ds.download, dict), ds.id
    spec = download_spec(ds)
    if spec is None:
        assert set(ds.download) == {"none"} and len(ds.download["none"]) > 40, ds.id
        return
    urls = spec["url"] if isinstance(spec["url"], list) else [spec["url"]]
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        assert parts.scheme == "https" and parts.netloc in HOSTS, url
    fmt = spec["format"]
    assert fmt in FORMATS or fmt.startswith("zip:"), fmt
    if fmt == "arcgis-geojson":
        assert urls[0].endswith("/FeatureServer/0/query"), urls[0]
    if fmt == "fingertips-csv":
        assert all("/api/all_data/csv/by_indicator_id?indicator_ids=" in u for u in urls)
    assert spec["convert"] in CONVERTERS
    checks = spec["checks"]
    assert checks.get("columns") and ("rows" in checks or "min_rows" in checks), ds.id
    assert official_url(ds) == urls[0]


def test_the_core_series_all_have_publisher_files():
    """What the default chapters read (IoD, populations, lookups, boundaries) can always be downloaded."""
    core = [i for i in catalog.catalog() if i.startswith(("imd2019", "iod2025", "lookup_", "population_",
                                                          "boundaries_"))]
    assert len(core) == 17
    assert all(download_spec(catalog.dataset(i)) for i in core)


def test_the_lsoa_control_totals_are_checked():
    """IMD 2019: 32,844 LSOAs, Kent 902, Medway 163; IoD 2025: 33,755, Kent 938, Medway 169."""
    f1 = catalog.dataset("imd2019_index").download["checks"]
    assert f1["rows"] == 32844 and f1["count_by"]["Kent"] == 902 and f1["count_by"]["Medway"] == 163
    f7 = catalog.dataset("iod2025_lsoa").download["checks"]
    assert f7["rows"] == 33755 and f7["count_by"]["Kent"] == 938 and f7["count_by"]["Medway"] == 169


def test_download_base_rewrites_the_host_into_the_path():
    url = "https://services1.arcgis.com/x/FeatureServer/0/query?where=1%3D1"
    assert rewrite_url(url, "http://127.0.0.1:8000/") == "http://127.0.0.1:8000/services1.arcgis.com/x/FeatureServer/0/query?where=1%3D1"
    assert rewrite_url(url, None) == url


# ------------------------------------------------------------------------------------------------ docs/data.md
def _checks_text(checks: dict) -> str:
    parts = []
    if checks.get("rows"):
        parts.append(f"{checks['rows']:,} rows")
    if checks.get("min_rows"):
        parts.append(f"at least {checks['min_rows']:,} rows")
    if checks.get("unique"):
        parts.append(f"unique `{checks['unique']}`")
    for key in ("count_by", "sum_by"):
        if key in checks:
            spec = checks[key]
            items = ", ".join(f"{k} {v:,}" for k, v in spec.items() if k not in ("column", "value"))
            what = f"{spec['value']} totals by" if key == "sum_by" else "rows by"
            parts.append(f"{what} `{spec['column']}`: {items}")
    if checks.get("areas"):
        parts.append("areas present: " + ", ".join(map(str, checks["areas"])))
    if checks.get("columns"):
        parts.append(f"{len(checks['columns'])} required columns")
    return "; ".join(parts)


HEADER = """# Data sources: the publishers' files and how each is checked

`healthintel data fetch` gets each catalog dataset from `data/raw` (if valid), else the data mirror, else the
publisher's own file below (see the README's *Data* section). A publisher download is converted to the canonical
file the readers read (`convert`, in `src/healthintel/sources/convert.py`) and written only if the content checks
pass; its SHA-256 is recorded in `data/raw/MANIFEST.json` (`source_sha256`) and a later download with other bytes
is reported as a revision. The mirror copy's SHA-256 (in `catalog.yaml`) is checked whenever the mirror is used.
ArcGIS layers are read as GeoJSON pages (`f=geojson&outSR=4326`, `resultOffset` paging); Fingertips rows are the
API's `all_data` CSV. Kent = its 12 districts (E07000105–E07000116), Medway = E06000035, England = E92000001.

Written from `catalog.yaml` by `python tests/sources/test_catalog_downloads.py` (a test checks it is current).

| Dataset | Publisher's file | Format → converter | Content checks |
|---|---|---|---|
"""


def data_page() -> str:
    """docs/data.md as the catalog says it."""
    rows = []
    for ds in catalog.catalog().values():
        spec = download_spec(ds)
        if spec is None:
            rows.append(f"| `{ds.id}` | none: {ds.download['none']} | mirror only | mirror SHA-256 |")
            continue
        urls = spec["url"] if isinstance(spec["url"], list) else [spec["url"]]
        where = "<br>".join(f"<{u}>" for u in urls)
        if (spec.get("query") or {}).get("where", "1=1") != "1=1":
            where += " (Kent and Medway LSOAs selected by name)"
        rows.append(f"| `{ds.id}` | {where} | {spec['format']} → `{spec['convert']}` | "
                    f"{_checks_text(spec['checks'])} |")
    return HEADER + "\n".join(rows) + "\n"


def test_the_data_page_is_current():
    assert DOCS.read_text(encoding="utf-8") == data_page(), (
        "docs/data.md is out of date: run `python tests/sources/test_catalog_downloads.py`")


if __name__ == "__main__":
    DOCS.write_text(data_page(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCS}\n")
