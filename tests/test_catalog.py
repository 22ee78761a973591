"""Data catalog and fetch: mirror copy, checksums, download path (local HTTP server), offline errors."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading

import pytest

from healthintel.errors import ChecksumMismatchError, DataNotFoundError
from healthintel.sources import catalog as cat

SMALL = ["lookup_ltla19_utla19", "lookup_ltla21_utla21", "imd2019_la_summary"]


@pytest.fixture(autouse=True)
def _download_cache(tmp_path, monkeypatch):
    """Downloads go to a cache of the test's own, not the checkout's data/interim."""
    monkeypatch.setenv("HEALTHINTEL_INTERIM_DIR", str(tmp_path / "interim"))


def test_catalog_entries_are_complete():
    entries = cat.catalog()
    assert len(entries) >= 15
    for ds in entries.values():
        assert ds.url.startswith("https://"), ds.id
        assert "Open Government Licence" in ds.licence, ds.id
        assert len(ds.sha256) == 64 and int(ds.sha256, 16) >= 0, ds.id
        assert ds.vintage and ds.publisher and ds.title and ds.path


def test_catalog_checksums_match_the_mirror(shared_dir):
    mirror = shared_dir / "data"
    for ds in cat.catalog().values():
        assert cat.sha256_of(mirror / ds.path) == ds.sha256, ds.id


def test_fetch_from_mirror_writes_raw_and_manifest(tmp_path, shared_dir):
    raw = tmp_path / "raw"
    records = cat.fetch(SMALL, raw_dir=raw, mirror=shared_dir / "data")
    assert [r.action for r in records] == ["copied from mirror"] * 3
    for r in records:
        assert (raw / r.path).is_file()
    manifest = json.loads((raw / "MANIFEST.json").read_text())
    assert set(manifest["files"]) == set(SMALL)
    entry = manifest["files"]["imd2019_la_summary"]
    assert entry["sha256"] == cat.dataset("imd2019_la_summary").sha256
    assert entry["licence"].startswith("Open Government Licence")
    assert not list(raw.rglob(".fetch-*")), "temporary files left behind"
    again = cat.fetch(SMALL, raw_dir=raw, mirror=None, offline=True)
    assert [r.action for r in again] == ["already present"] * 3


def test_checksum_mismatch_is_refused(tmp_path, shared_dir):
    mirror = tmp_path / "mirror"
    ds = cat.dataset("lookup_ltla19_utla19")
    (mirror / ds.path).parent.mkdir(parents=True)
    shutil.copy(shared_dir / "data" / ds.path, mirror / ds.path)
    with open(mirror / ds.path, "a") as fh:
        fh.write("tampered,row,E0,E0\n")
    raw = tmp_path / "raw"
    with pytest.raises(ChecksumMismatchError, match="lookup_ltla19_utla19"):
        cat.fetch([ds.id], raw_dir=raw, mirror=mirror)
    assert not (raw / ds.path).exists()
    assert not list(raw.rglob(".fetch-*"))


def test_offline_without_mirror_names_missing_files_and_both_fixes(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        cat.fetch(SMALL, raw_dir=tmp_path / "raw", mirror=None, offline=True)
    msg = str(info.value)
    for i in SMALL:
        assert i in msg
    assert "HEALTHINTEL_DATA_MIRROR" in msg and "download" in msg


@pytest.fixture()
def http_mirror(shared_dir):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(shared_dir / "data"))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_path_from_a_web_mirror(tmp_path, http_mirror):
    raw = tmp_path / "raw"
    records = cat.fetch(SMALL, raw_dir=raw, mirror=None, base_url=http_mirror)
    assert [r.action for r in records] == ["downloaded"] * 3
    assert records[0].origin.startswith(http_mirror)
    for r in records:
        assert cat.sha256_of(raw / r.path) == cat.dataset(r.id).sha256


def test_download_failure_is_reported_not_dropped(tmp_path, http_mirror):
    with pytest.raises(DataNotFoundError, match="download from"):
        cat.fetch(SMALL, raw_dir=tmp_path / "raw", mirror=None, base_url=http_mirror + "/nowhere")
