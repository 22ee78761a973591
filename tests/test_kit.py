"""The embedded data kit (data/kit): identical to a rebuild from its sources, small, attributed, and used by the
readers in the stated order (data/raw → kit → mirror/download) only for the rows it holds."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from healthintel import config
from healthintel.cli import app
from healthintel.errors import CorruptFileError, DataNotFoundError
from healthintel.sources import catalog as cat
from healthintel.sources import kit, kit_build, readers

KENT_LSOA = "E01024031"  # Ashford 001A
MANCHESTER_LSOA = "E01005066"  # Manchester: not in the kit's population rows


def _clear_caches() -> None:
    for value in vars(readers).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    kit.USED.clear()


@pytest.fixture
def kit_only(tmp_path, monkeypatch):
    """An empty data/raw and no mirror: every table must come from the committed kit (or fail clearly)."""
    monkeypatch.setenv("HEALTHINTEL_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("HEALTHINTEL_PROCESSED_DIR", str(tmp_path / "processed"))
    monkeypatch.setenv("HEALTHINTEL_DATA_MIRROR", "")
    monkeypatch.setenv("HEALTHINTEL_DATA_URL", "http://127.0.0.1:9/")  # a closed port: no download can succeed
    _clear_caches()
    yield tmp_path
    _clear_caches()


@pytest.fixture
def full_sources(shared_dir, tmp_path, monkeypatch):
    """Empty data/raw and data/processed with the data mirror configured: builds read the full sources."""
    monkeypatch.setenv("HEALTHINTEL_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("HEALTHINTEL_PROCESSED_DIR", str(tmp_path / "processed"))
    monkeypatch.setenv("HEALTHINTEL_DATA_MIRROR", str(shared_dir / "data"))
    _clear_caches()
    yield tmp_path
    _clear_caches()


def test_the_committed_kit_is_identical_to_a_rebuild_from_its_sources(full_sources):
    assert kit_build.compare_kit(config.project_root() / "data" / "kit") == []


def test_a_changed_table_is_reported_as_a_difference(full_sources):
    tmp_path = full_sources
    committed = config.project_root() / "data" / "kit"
    copy = tmp_path / "kit"
    shutil.copytree(committed, copy)
    frame = pd.read_parquet(copy / "imd2019_la_summary.parquet")
    frame.loc[0, "average_score"] += 0.001
    frame.to_parquet(copy / "imd2019_la_summary.parquet", index=False)
    assert [d.table for d in kit_build.compare_kit(copy)] == ["imd2019_la_summary"]


def test_the_kit_is_small_complete_and_attributed():
    root = config.project_root() / "data" / "kit"
    index = json.loads((root / "KIT.json").read_text())
    assert set(index["tables"]) == set(kit.spec())
    size = sum(p.stat().st_size for p in root.iterdir())
    assert size < 15e6, f"the kit is {size / 1e6:.1f} MB; aim under 15 MB"
    for name, entry in index["tables"].items():
        assert cat.sha256_of(root / entry["file"]) == entry["sha256"], name
        for s in entry["sources"]:
            assert index["sources"][s]["sha256"] == cat.dataset(s).sha256, (name, s)
    text = (root / "README.md").read_text()
    for phrase in ("Open Government Licence v3.0", "Contains OS data © Crown copyright and database right",
                   "Source: Office for National Statistics", "Ministry of Housing, Communities and Local Government"):
        assert phrase in text


def test_readers_serve_the_kit_when_data_raw_is_empty(kit_only):
    idx = readers.imd2019_index()
    assert len(idx) == 32844
    counts = idx["lad_code"].isin(["E06000035"]).sum(), idx["lad_code"].str.match(r"E070001(0[5-9]|1[0-6])").sum()
    assert counts == (163, 902)  # the SOURCES.md control totals: Medway 163, Kent 902 LSOAs
    assert len(readers.iod2025_lsoa()) == 33755
    assert readers.population_lsoa11_2019_totals()["population"].sum() == 56_286_961  # ONS mid-2019 England
    assert "imd2019_index" in kit.USED
    assert not any((kit_only / "raw").rglob("*.csv*")), "nothing may be fetched"


def test_kit_rows_match_the_full_source_rows(shared_dir, kit_only, monkeypatch):
    lsoas = readers.imd2019_index().query("lad_code == 'E07000105'")["lsoa_code"]
    from_kit = readers.population_lsoa11_2019(lsoas=lsoas)
    monkeypatch.setenv("HEALTHINTEL_DATA_MIRROR", str(shared_dir / "data"))
    cat.fetch(["population_lsoa11_2019"])
    _clear_caches()
    from_raw = readers.population_lsoa11_2019(lsoas=lsoas)
    assert len(from_kit) == 78 * 2 * 91
    pd.testing.assert_frame_equal(from_kit, from_raw)
    assert "population_lsoa11_2019" not in kit.USED


def test_rows_outside_the_kit_are_fetched_or_named(kit_only):
    assert len(readers.population_lsoa11_2019(lsoas=[KENT_LSOA])) == 182
    with pytest.raises(DataNotFoundError, match="population_lsoa11_2019") as err:
        readers.population_lsoa11_2019(lsoas=[KENT_LSOA, MANCHESTER_LSOA])
    assert "healthintel data fetch" in str(err.value)


def test_data_raw_comes_before_the_kit(shared_dir, kit_only, monkeypatch):
    monkeypatch.setenv("HEALTHINTEL_DATA_MIRROR", str(shared_dir / "data"))
    cat.fetch(["imd2019_la_summary"])
    _clear_caches()
    readers.imd2019_la_summary()
    assert "imd2019_la_summary" not in kit.USED


def test_provenance_names_the_kit(kit_only):
    readers.imd2019_la_summary()
    prov = cat.provenance(["imd2019_la_summary"])
    assert prov.loc[0, "Fetched"].startswith("embedded data kit (built ")
    from healthintel.tables import KIT_NOTE, provenance_footer

    assert KIT_NOTE in html.unescape(provenance_footer(["imd2019_la_summary"]).text)


def test_a_corrupt_kit_index_is_named(tmp_path, monkeypatch, kit_only):
    bad = tmp_path / "kit"
    shutil.copytree(config.project_root() / "data" / "kit", bad)
    (bad / "KIT.json").write_text("{not json")
    monkeypatch.setenv("HEALTHINTEL_KIT_DIR", str(bad))
    with pytest.raises(CorruptFileError, match=r"KIT\.json.*git checkout -- data/kit"):
        readers.imd2019_la_summary()


def test_data_list_shows_the_resolution_order(kit_only):
    result = CliRunner().invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "imd2019_la_summary" in line]
    assert lines and "kit" in lines[0]
    assert "1. data/raw" in result.output and "2. kit" in result.output and "4. download" in result.output


def test_build_kit_writes_every_table(full_sources):
    tmp_path = full_sources
    result = CliRunner().invoke(app, ["data", "build-kit", "--out", str(tmp_path / "kit")])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "kit" / "KIT.json").read_text())
    assert set(doc["tables"]) == set(kit.spec())
    assert all(Path(tmp_path / "kit" / t["file"]).is_file() for t in doc["tables"].values())


def test_an_analysts_own_file_in_data_raw_is_kept_and_used(shared_dir, kit_only, monkeypatch):
    raw = kit_only / "raw"
    own = raw / cat.dataset("imd2019_la_summary").path
    own.parent.mkdir(parents=True)
    original = (shared_dir / "data" / cat.dataset("imd2019_la_summary").path).read_text(encoding="utf-8")
    own.write_text(original.replace("31.314", "31.999"), encoding="utf-8")  # Thanet's average score, edited
    monkeypatch.setenv("HEALTHINTEL_DATA_MIRROR", str(shared_dir / "data"))
    records = cat.fetch(["imd2019_la_summary"])
    assert records[0].action == "kept (your own file)" and "--force" in records[0].notes[0]
    assert own.read_text(encoding="utf-8").count("31.999") == 1
    _clear_caches()
    summary = readers.imd2019_la_summary().set_index("lad_code")
    assert summary.loc["E07000114", "average_score"] == pytest.approx(31.999)
    assert cat.provenance(["imd2019_la_summary"]).loc[0, "SHA-256"] == cat.sha256_of(own)[:12] + "…"
