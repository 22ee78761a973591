"""Publisher downloads end to end, against a local server serving the official layouts built from the data mirror:
each kind of file (IoD xlsx and csv, ONS population zip, ArcGIS lookup tables, ArcGIS boundary pages, Fingertips
API CSV) is downloaded with no mirror, converted, checked, and read back through the readers to the same frame as
the mirror's file; plus a publisher's revision, a failing content check and failing servers."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from healthintel.errors import DataNotFoundError
from healthintel.sources import catalog, published, readers
from healthintel.sources.convert import ContentCheckError, run_checks
from healthintel.sources.fetch import DownloadError, fetch

from . import official


def _url(dataset_id: str) -> str:
    return catalog.dataset(dataset_id).download["url"]


def _from_mirror(ids, raw, mirror):
    return fetch(list(ids), raw_dir=raw, mirror=mirror)


def _from_publisher(ids, raw):
    records = fetch(list(ids), raw_dir=raw, mirror=None)
    assert [r.action for r in records] == ["downloaded from the publisher"] * len(records)
    return records


def _no_leftovers(raw):
    assert not list(raw.rglob(".fetch-*")), "temporary files left behind"


# ------------------------------------------------------------------------------------------------ IoD
IOD2019 = ["imd2019_index", "imd2019_domains", "imd2019_population", "imd2019_scores",
           "imd2019_income_employment", "imd2019_la_summary"]


def test_iod2019_xlsx_and_csv_files_convert_to_the_mirror_frames(publisher, mirror, read_from, tmp_path):
    publisher.file(_url("imd2019_index"), official.file1_2019_xlsx(mirror))
    publisher.file(_url("imd2019_scores"), official.file7_2019_csv(mirror))
    publisher.file(_url("imd2019_la_summary"), official.file10_2019_xlsx(mirror))
    raw = tmp_path / "raw"
    records = _from_publisher(IOD2019, raw)
    # File 7 holds four datasets: it is downloaded once
    assert publisher.hits(_url("imd2019_scores")) == 1
    assert len({r.source_sha256 for r in records if "File_7" in r.source_url}) == 1
    manifest = json.loads((raw / "MANIFEST.json").read_text())
    entry = manifest["files"]["imd2019_index"]
    assert entry["source_url"] == _url("imd2019_index") and len(entry["source_sha256"]) == 64
    assert "32,844 rows" in entry["checks"] and "Kent 902" in entry["checks"] and "Medway 163" in entry["checks"]
    assert entry["sha256"] == catalog.sha256_of(raw / entry["path"])
    _no_leftovers(raw)

    ref = tmp_path / "ref"
    _from_mirror(IOD2019, ref, mirror)
    pd.testing.assert_frame_equal(read_from(raw, readers.imd2019_index), read_from(ref, readers.imd2019_index))
    pd.testing.assert_frame_equal(read_from(raw, readers.imd2019_la_summary),
                                  read_from(ref, readers.imd2019_la_summary))


def test_iod2025_csv_and_xlsx_convert_to_the_mirror_frames(publisher, mirror, read_from, tmp_path):
    publisher.file(_url("iod2025_lsoa"), official.file7_2025_csv(mirror))
    publisher.file(_url("iod2025_la_summary"), official.file10_2025_xlsx(mirror))
    raw, ref = tmp_path / "raw", tmp_path / "ref"
    records = _from_publisher(["iod2025_lsoa", "iod2025_la_summary"], raw)
    assert "33,755 rows" in records[0].checks and "Kent 938" in records[0].checks
    _from_mirror(["iod2025_lsoa", "iod2025_la_summary"], ref, mirror)
    for reader in (readers.iod2025_lsoa, readers.iod2025_la_summary):
        pd.testing.assert_frame_equal(read_from(raw, reader), read_from(ref, reader), check_dtype=False)


# ------------------------------------------------------------------------------------------------ population
def test_population_zip_converts_to_the_mirror_frame(publisher, mirror, read_from, tmp_path, monkeypatch):
    """The SAPE22DT2 zip (Kent and Medway's LSOAs only: the national workbook takes minutes to write), with the
    row count check set to that subset; the Kent and Medway control totals are the catalog's."""
    ds = catalog.dataset("population_lsoa11_2019")
    monkeypatch.setitem(ds.download["checks"], "rows", 2 * 1065)
    publisher.file(ds.download["url"], official.sape22dt2_zip(mirror))
    raw, ref = tmp_path / "raw", tmp_path / "ref"
    (record,) = _from_publisher([ds.id], raw)
    assert "Kent 1,581,555" in record.checks and "Medway 278,556" in record.checks
    _from_mirror([ds.id], ref, mirror)
    got = read_from(raw, readers.population_lsoa11_2019)
    want = read_from(ref, readers.population_lsoa11_2019)
    lookup = official.read_mirror(mirror, "imd2019_index", thousands=",")
    km = lookup.loc[lookup["Local Authority District code (2019)"].isin(official.KENT_MEDWAY), "LSOA code (2011)"]
    want = want[want["lsoa_code"].isin(km)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


def test_the_catalog_checks_hold_for_the_full_mirror_population(mirror):
    ds = catalog.dataset("population_lsoa11_2019")
    summary = run_checks(ds.id, official.read_mirror(mirror, ds.id), ds.download["checks"])
    assert "69,506 rows" in summary and "Kent 1,581,555" in summary


# ------------------------------------------------------------------------------------------------ ArcGIS
LOOKUPS = ["lookup_lsoa21_ltla24", "lookup_lsoa11_lsoa21", "lookup_ltla19_utla19", "lookup_ltla21_utla21"]


def test_arcgis_lookup_pages_convert_to_the_mirror_frames(publisher, mirror, read_from, tmp_path):
    for i in LOOKUPS:
        publisher.arcgis(_url(i), official.lookup_features(mirror, i))
    raw, ref = tmp_path / "raw", tmp_path / "ref"
    records = _from_publisher(LOOKUPS, raw)
    assert "35,672 rows" in records[0].checks and "Kent 938" in records[0].checks
    # 35,672 rows in pages of 2,000
    assert publisher.hits(_url("lookup_lsoa21_ltla24")) == 18
    _from_mirror(LOOKUPS, ref, mirror)
    pd.testing.assert_frame_equal(read_from(raw, readers.lookup_lsoa21_ltla24),
                                  read_from(ref, readers.lookup_lsoa21_ltla24))
    for year in (2019, 2021):
        pd.testing.assert_frame_equal(read_from(raw, readers.lookup_ltla_utla, year),
                                      read_from(ref, readers.lookup_ltla_utla, year))
    cross = pd.read_csv(raw / catalog.dataset("lookup_lsoa11_lsoa21").path)
    pd.testing.assert_frame_equal(cross, official.read_mirror(mirror, "lookup_lsoa11_lsoa21"))


def test_arcgis_boundary_pages_convert_to_the_mirror_frames(publisher, mirror, read_from, tmp_path):
    """The server caps pages at 500 features (as ONS layers cap theirs): short pages flagged
    ``exceededTransferLimit`` are followed to the end."""
    ids = ["boundaries_lsoa11_kent_medway", "boundaries_lsoa21_kent_medway", "boundaries_lad24"]
    for i in ids:
        publisher.arcgis(_url(i), official.boundary_features(mirror, i), max_records=500)
    raw, ref = tmp_path / "raw", tmp_path / "ref"
    records = _from_publisher(ids, raw)
    assert publisher.hits(_url("boundaries_lsoa11_kent_medway")) == 3  # 1,065 features: 500 + 500 + 65
    assert "1,065 rows" in records[0].checks
    assert "Kent 938" in records[1].checks and "Medway 169" in records[1].checks
    _from_mirror(ids, ref, mirror)
    for reader, args in ((readers.lsoa_boundaries, ("imd2019",)), (readers.lsoa_boundaries, ("iod2025",)),
                         (readers.lad_boundaries, ())):
        _same_geoframe(read_from(raw, reader, *args), read_from(ref, reader, *args))
    got = json.loads((raw / catalog.dataset(ids[1]).path).read_text())
    want = json.loads((mirror / catalog.dataset(ids[1]).path).read_text())
    assert [f["properties"] for f in got["features"]] == [f["properties"] for f in want["features"]]


def _same_geoframe(got, want) -> None:
    """Same columns, CRS and coordinates (compared as WKB: some published polygons are invalid, and shapely
    calls an invalid polygon unequal even to itself)."""
    pd.testing.assert_frame_equal(got.drop(columns="geometry"), want.drop(columns="geometry"))
    assert got.crs == want.crs
    assert (got.geometry.to_wkb() == want.geometry.to_wkb()).all()


# ------------------------------------------------------------------------------------------------ Fingertips
EXTRACTS = ["fingertips_le_birth_90366", "fingertips_y6_obesity_90323"]
ALL_DATA = ["fingertips_pub_inactive_93015_district", "fingertips_pub_cancer_early_93671"]


def test_fingertips_csv_converts_to_the_mirror_frames(publisher, mirror, read_from, tmp_path):
    for i in EXTRACTS:
        publisher.file(_url(i), official.fingertips_from_extract(mirror, i))
    # breakdowns the extract never holds (deciles of life expectancy) are dropped by the converter
    le = pd.read_csv(io.BytesIO(official.fingertips_from_extract(mirror, EXTRACTS[0])), dtype=str,
                     keep_default_na=False)
    deciles = le.head(3).assign(**{"Category Type": "District & UA deprivation deciles in England (IMD2019)",
                                   "Category": "Most deprived decile (IMD2019)", "Value": "70.1"})
    publisher.file(_url(EXTRACTS[0]), official.csv_bytes(pd.concat([le, deciles])))
    publisher.file(_url(ALL_DATA[0]), official.fingertips_all_data(mirror, ALL_DATA[0]))
    county, district = _url(ALL_DATA[1])  # two API calls: counties/UAs (502) and districts (501)
    publisher.file(county, official.fingertips_all_data(
        mirror, ALL_DATA[1], area_types=("County or Unitary Authority", "Region", "Nation")))
    publisher.file(district, official.fingertips_all_data(mirror, ALL_DATA[1],
                                                          area_types=("Local Authority District",)))
    raw, ref = tmp_path / "raw", tmp_path / "ref"
    _from_publisher(EXTRACTS + ALL_DATA, raw)
    others = [i for i in published.PUBLISHED_FILES if i not in EXTRACTS + ALL_DATA]
    _from_mirror(others, raw, mirror)
    _from_mirror(list(published.PUBLISHED_FILES), ref, mirror)
    for fid in (90366, 90323):
        pd.testing.assert_frame_equal(read_from(raw, published.fingertips_extract, fid),
                                      read_from(ref, published.fingertips_extract, fid))
    pd.testing.assert_frame_equal(read_from(raw, published.ncmp_obesity_extract, "Year 6"),
                                  read_from(ref, published.ncmp_obesity_extract, "Year 6"))
    for fid in (93015, 93671):
        got = read_from(raw, published.published_values, fid).sort_values(["area_code", "sex", "period"])
        want = read_from(ref, published.published_values, fid).sort_values(["area_code", "sex", "period"])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


# ------------------------------------------------------------------------------------------------ revisions, checks
def test_a_download_with_other_bytes_is_reported_as_a_revision(publisher, mirror, tmp_path):
    ds = catalog.dataset("imd2019_la_summary")
    publisher.file(ds.download["url"], official.file10_2019_xlsx(mirror))
    raw = tmp_path / "raw"
    (first,) = fetch([ds.id], raw_dir=raw, mirror=None)
    again = fetch([ds.id], raw_dir=raw, mirror=None)  # valid in data/raw: nothing downloaded
    assert again[0].action == "already present" and publisher.hits(ds.download["url"]) == 1
    publisher.file(ds.download["url"], official.file10_2019_xlsx(mirror, average_rank=1.0))
    notices = []
    (second,) = fetch([ds.id], raw_dir=raw, mirror=None, force=True, notice=notices.append)
    assert second.source_sha256 != first.source_sha256
    expected = (f"the publisher revised File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx "
                f"({first.source_sha256[:12]}… → {second.source_sha256[:12]}…)")
    assert any(expected in n for n in notices) and any(expected in n for n in second.notes)
    entry = json.loads((raw / "MANIFEST.json").read_text())["files"][ds.id]
    assert entry["source_sha256"] == second.source_sha256
    assert entry["previous_source_sha256"] == [first.source_sha256]
    assert "317 rows" in entry["checks"]


def test_a_failing_content_check_refuses_to_write(publisher, mirror, tmp_path):
    """File 1 with only Kent and Medway's LSOAs: the control totals pass, the row count does not."""
    frame = official.file1_2019_frame(mirror)
    frame = frame[frame["Local Authority District code (2019)"].isin(official.KENT_MEDWAY)]
    publisher.file(_url("imd2019_index"), official.file1_2019_xlsx(mirror, frame))
    publisher.arcgis(_url("lookup_ltla19_utla19"), official.lookup_features(mirror, "lookup_ltla19_utla19"))
    raw = tmp_path / "raw"
    with pytest.raises(ContentCheckError, match="expected 32,844 rows, found 1,065") as info:
        fetch(["imd2019_index", "lookup_ltla19_utla19"], raw_dir=raw, mirror=None)
    assert "imd2019_index" in str(info.value) and "not written" in str(info.value)
    assert not (raw / catalog.dataset("imd2019_index").path).exists()
    _no_leftovers(raw)
    manifest = json.loads((raw / "MANIFEST.json").read_text())
    assert set(manifest["files"]) == {"lookup_ltla19_utla19"}
    assert [r.id for r in info.value.records] == ["lookup_ltla19_utla19"]


def test_a_missing_file_and_a_silent_server_are_named_and_the_others_still_fetch(publisher, mirror, tmp_path):
    publisher.arcgis(_url("lookup_ltla19_utla19"), official.lookup_features(mirror, "lookup_ltla19_utla19"))
    publisher.slow(_url("imd2019_la_summary"))  # lookup_ltla21_utla21 is not served at all: 404
    raw = tmp_path / "raw"
    with pytest.raises(DownloadError) as info:
        fetch(["lookup_ltla21_utla21", "imd2019_la_summary", "lookup_ltla19_utla19"], raw_dir=raw, mirror=None,
              timeout=0.5)
    msg = str(info.value)
    assert "lookup_ltla21_utla21" in msg and "HTTP 404" in msg and "LTLA21_UTLA21_EW_LU" in msg
    assert "imd2019_la_summary" in msg and "timed out after 0.5 s" in msg
    assert "2 data file(s) could not be fetched" in msg
    assert (raw / catalog.dataset("lookup_ltla19_utla19").path).is_file()
    manifest = json.loads((raw / "MANIFEST.json").read_text())
    assert set(manifest["files"]) == {"lookup_ltla19_utla19"}
    _no_leftovers(raw)
    assert not list((tmp_path / "interim" / "downloads").glob("tmp*")), "pooch left a partial download"


def test_entries_without_a_publisher_file_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHINTEL_DOWNLOAD_BASE", "http://127.0.0.1:9")  # never reached
    with pytest.raises(DataNotFoundError) as info:
        fetch(["kpi_public_health_2022_24"], raw_dir=tmp_path / "raw", mirror=None)
    msg = str(info.value)
    assert "no publisher file to download" in msg and "committee paper" in msg
    assert "HEALTHINTEL_DATA_MIRROR" in msg and "kpi/public_health_kpis_2022_24.csv" in msg



def test_an_html_page_or_an_arcgis_error_instead_of_the_file_is_named(publisher, tmp_path):
    """A landing page served where the xlsx should be, and an ArcGIS error body, are errors naming the file."""
    publisher.file(_url("imd2019_la_summary"), b"<!DOCTYPE html><html><body>Moved</body></html>")
    publisher.file(_url("lookup_ltla19_utla19"), b'{"error": {"code": 400, "message": "Invalid URL"}}')
    raw = tmp_path / "raw"
    with pytest.raises(DataNotFoundError) as info:
        fetch(["imd2019_la_summary", "lookup_ltla19_utla19"], raw_dir=raw, mirror=None)
    msg = str(info.value)
    assert "imd2019_la_summary (imd2019/humaniverse_imd2019_england_ltla19_summary.csv): File_10_-_IoD2019_Local_" \
           "Authority_District_Summaries__lower-tier__.xlsx could not be converted" in msg
    assert "returned an ArcGIS error" in msg and "Invalid URL" in msg
    assert not list(raw.rglob("*.csv"))
