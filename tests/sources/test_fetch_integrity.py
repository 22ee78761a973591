"""Fetch integrity: MANIFEST.json always agrees with data/raw (written after each dataset, entries of vanished or
changed files dropped), partial files of an interrupted fetch removed, concurrent fetches serialised by a lock, and
a full or read-only disk or a corrupt manifest reported as an error naming the path and the fix."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from healthintel.cli import app
from healthintel.errors import ChecksumMismatchError, CorruptFileError, StorageError
from healthintel.sources import catalog
from healthintel.sources import fetch as fetch_mod
from healthintel.sources.fetch import LOCK_FILE, FetchLockedError, fetch

SMALL = ["lookup_ltla19_utla19", "lookup_ltla21_utla21", "imd2019_la_summary"]


def _manifest(raw) -> dict:
    return json.loads((raw / "MANIFEST.json").read_text())


def _agrees(raw) -> None:
    """Every manifest entry names a file in data/raw with the recorded checksum."""
    for key, entry in _manifest(raw)["files"].items():
        path = raw / entry["path"]
        assert path.is_file(), key
        assert catalog.sha256_of(path) == entry["sha256"], key


def _leftovers(raw) -> list:
    return list(raw.rglob(".fetch-*"))


@pytest.fixture
def raw(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHINTEL_INTERIM_DIR", str(tmp_path / "interim"))
    return tmp_path / "raw"


def test_the_manifest_is_written_after_each_dataset(raw, mirror, monkeypatch):
    """An interruption after two datasets leaves a manifest recording exactly those two."""
    real = fetch_mod._fetch_one
    calls = []

    def interrupted(ds, manifest, opts):
        calls.append(ds.id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(ds, manifest, opts)

    monkeypatch.setattr(fetch_mod, "_fetch_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch(SMALL, raw_dir=raw, mirror=mirror)
    assert set(_manifest(raw)["files"]) == set(SMALL[:2])
    _agrees(raw)


def test_one_failure_does_not_stop_the_others_or_lose_the_manifest(raw, mirror, tmp_path):
    bad = tmp_path / "mirror"
    for i in SMALL:
        (bad / catalog.dataset(i).path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mirror / catalog.dataset(i).path, bad / catalog.dataset(i).path)
    with open(bad / catalog.dataset(SMALL[1]).path, "a") as fh:
        fh.write("tampered,row,E0,E0\n")
    with pytest.raises(ChecksumMismatchError, match=SMALL[1]) as info:
        fetch(SMALL, raw_dir=raw, mirror=bad)
    assert set(_manifest(raw)["files"]) == {SMALL[0], SMALL[2]}
    assert [r.id for r in info.value.records] == [SMALL[0], SMALL[2]]
    assert not (raw / catalog.dataset(SMALL[1]).path).exists()
    _agrees(raw)
    assert not _leftovers(raw)


def _failing_replace(monkeypatch, exc_type, code, when=lambda dst: True):
    real = os.replace

    def replace(src, dst, *a, **k):
        if when(str(dst)):
            raise exc_type(code, os.strerror(code), str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)


def test_a_full_disk_names_the_file_and_the_fix_and_leaves_no_partial_file(raw, mirror, monkeypatch):
    fetch(SMALL[:1], raw_dir=raw, mirror=mirror)
    target = str(raw / catalog.dataset(SMALL[1]).path)
    _failing_replace(monkeypatch, OSError, errno.ENOSPC, lambda dst: dst == target)
    with pytest.raises(StorageError) as info:
        fetch(SMALL, raw_dir=raw, mirror=mirror)
    msg = str(info.value)
    assert msg.startswith(f"no space left on the disk to write {target}")
    assert "HEALTHINTEL_RAW_DIR" in msg and "free some space" in msg
    assert info.value.path == target
    assert not _leftovers(raw)
    assert set(_manifest(raw)["files"]) == {SMALL[0]}
    _agrees(raw)


def test_a_full_download_cache_names_the_cache(raw, monkeypatch, tmp_path):
    import pooch

    def full(url, known_hash=None, fname=None, path=None, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(path, fname))

    monkeypatch.setattr(pooch, "retrieve", full)
    with pytest.raises(StorageError, match="no space left on the disk to write .*interim/downloads/"):
        fetch(["lookup_ltla19_utla19"], raw_dir=raw, mirror=None)


def test_a_read_only_folder_names_the_path_and_the_fix(raw, mirror, monkeypatch):
    _failing_replace(monkeypatch, PermissionError, errno.EACCES)
    with pytest.raises(StorageError) as info:
        fetch(SMALL, raw_dir=raw, mirror=mirror)
    msg = str(info.value)
    assert msg.startswith(f"permission denied: cannot write {raw}")
    assert "chmod" in msg and "HEALTHINTEL_RAW_DIR" in msg
    assert not _leftovers(raw)


def test_a_read_only_file_system_says_so(raw, mirror, monkeypatch):
    _failing_replace(monkeypatch, OSError, errno.EROFS)
    with pytest.raises(StorageError, match="the file system is read-only"):
        fetch(SMALL[:1], raw_dir=raw, mirror=mirror)


def test_a_corrupt_manifest_is_named_and_force_sets_it_aside(raw, mirror):
    raw.mkdir()
    (raw / "MANIFEST.json").write_text('{"files": {"imd2019_index": ')  # cut off mid-write
    with pytest.raises(CorruptFileError) as info:
        fetch(SMALL[:1], raw_dir=raw, mirror=mirror)
    msg = str(info.value)
    assert str(raw / "MANIFEST.json") in msg and "is corrupt" in msg and "--force" in msg
    assert not (raw / catalog.dataset(SMALL[0]).path).exists()
    notices = []
    fetch(SMALL[:1], raw_dir=raw, mirror=mirror, force=True, notice=notices.append)
    assert (raw / "MANIFEST.json.corrupt").read_text() == '{"files": {"imd2019_index": '
    assert any("set aside as MANIFEST.json.corrupt" in n for n in notices)
    assert set(_manifest(raw)["files"]) == {SMALL[0]}


@pytest.mark.parametrize("text", ['["not", "an", "object"]', '{"files": {"x": 1}}', "\udcff"])
def test_a_manifest_of_the_wrong_shape_is_corrupt(raw, mirror, text):
    raw.mkdir()
    (raw / "MANIFEST.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(CorruptFileError, match="MANIFEST.json is corrupt"):
        fetch(SMALL[:1], raw_dir=raw, mirror=mirror)


def test_partial_files_of_an_interrupted_fetch_are_removed(raw, mirror):
    (raw / "lookups").mkdir(parents=True)
    (raw / "lookups" / ".fetch-k2j3h4").write_bytes(b"half a file")
    (raw / ".fetch-manifest").write_bytes(b'{"files": {')
    notices = []
    fetch(SMALL[:1], raw_dir=raw, mirror=mirror, notice=notices.append)
    assert not _leftovers(raw)
    assert any("removed 2 partial file(s)" in n for n in notices)


def test_entries_of_vanished_or_changed_files_are_dropped(raw, mirror):
    fetch(SMALL, raw_dir=raw, mirror=mirror)
    (raw / catalog.dataset(SMALL[0]).path).unlink()
    with open(raw / catalog.dataset(SMALL[1]).path, "a") as fh:
        fh.write("edited by hand\n")
    notices = []
    fetch([SMALL[2]], raw_dir=raw, mirror=mirror, notice=notices.append)
    assert set(_manifest(raw)["files"]) == {SMALL[2]}
    _agrees(raw)
    assert any(n.startswith(f"{SMALL[0]}: dropped") and "no longer in data/raw" in n for n in notices)
    assert any(n.startswith(f"{SMALL[1]}: dropped") and "changed since it was fetched" in n and "--force" in n
               for n in notices)
    (record,) = fetch([SMALL[1]], raw_dir=raw, mirror=mirror)  # an edited file is the analyst's own: kept
    assert record.action == "kept (your own file)"
    assert (raw / catalog.dataset(SMALL[1]).path).read_text().endswith("edited by hand\n")
    _agrees(raw)
    (record,) = fetch([SMALL[1]], raw_dir=raw, mirror=mirror, force=True)  # --force replaces it with the verified one
    assert record.action == "copied from mirror"
    _agrees(raw)


def test_a_fetch_waits_for_the_lock_and_says_which_file(raw, mirror):
    import filelock

    raw.mkdir()
    held = filelock.FileLock(str(raw / LOCK_FILE))
    held.acquire()
    notices = []
    try:
        with pytest.raises(FetchLockedError) as info:
            fetch(SMALL[:1], raw_dir=raw, mirror=mirror, lock_timeout=0, notice=notices.append)
    finally:
        held.release()
    assert str(raw / LOCK_FILE) in str(info.value) and "wait for it to finish" in str(info.value)
    assert any("waiting for another" in n for n in notices)
    assert not (raw / "MANIFEST.json").exists()
    assert [r.action for r in fetch(SMALL[:1], raw_dir=raw, mirror=mirror)] == ["copied from mirror"]


def test_two_fetches_at_once_are_serialised(raw, mirror, tmp_path):
    """Two processes fetch overlapping sets into one data/raw: both succeed and the manifest lists every file."""
    script = textwrap.dedent(f"""
        import sys
        from healthintel.sources.fetch import fetch
        fetch(sys.argv[1].split(","), raw_dir={str(raw)!r}, mirror={str(mirror)!r})
    """)
    env = {**os.environ, "HEALTHINTEL_INTERIM_DIR": str(tmp_path / "interim")}
    procs = [subprocess.Popen([sys.executable, "-c", script, ",".join(ids)], env=env, stderr=subprocess.PIPE,
                              text=True) for ids in (SMALL, SMALL[::-1] + ["imd2019_scores"])]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert set(_manifest(raw)["files"]) == set(SMALL) | {"imd2019_scores"}
    _agrees(raw)
    assert not _leftovers(raw)


# ------------------------------------------------------------------------------------------------ the command
def test_cli_force_recovers_from_a_corrupt_manifest(raw, mirror):
    raw.mkdir()
    (raw / "MANIFEST.json").write_text("{oops")
    env = {"HEALTHINTEL_RAW_DIR": str(raw), "HEALTHINTEL_DATA_MIRROR": str(mirror)}
    runner = CliRunner()
    res = runner.invoke(app, ["data", "fetch", "-d", SMALL[0]], env=env)
    assert res.exit_code == 5 and "MANIFEST.json is corrupt" in res.output and "--force" in res.output
    res = runner.invoke(app, ["data", "fetch", "-d", SMALL[0], "--force"], env=env)
    assert res.exit_code == 0, res.output
    assert "note:" in res.output and "MANIFEST.json.corrupt" in res.output
    assert "1 dataset(s) verified in data/raw: 1 copied from mirror" in res.output


def test_cli_reports_a_failed_download_after_fetching_the_others(raw, mirror, publisher):
    from . import official

    publisher.arcgis(catalog.dataset("lookup_ltla19_utla19").download["url"],
                     official.lookup_features(mirror, "lookup_ltla19_utla19"))
    env = {"HEALTHINTEL_RAW_DIR": str(raw)}
    res = CliRunner().invoke(app, ["data", "fetch", "--no-mirror", "-d", "lookup_ltla19_utla19", "-d",
                                   "lookup_ltla21_utla21"], env=env)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert "1 dataset(s) verified in data/raw: 1 downloaded from the publisher" in res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "lookup_ltla21_utla21" in errors[0] and "HTTP 404" in errors[0]


def test_cli_exits_with_the_network_code_when_the_server_is_silent(raw, publisher):
    publisher.slow(catalog.dataset("imd2019_la_summary").download["url"])
    res = CliRunner().invoke(app, ["data", "fetch", "--no-mirror", "-d", "imd2019_la_summary", "--timeout", "0.5"],
                             env={"HEALTHINTEL_RAW_DIR": str(raw)})
    assert res.exit_code == 4, res.output
    assert "timed out after 0.5 s" in res.output and "Try again later" in res.output


def test_cli_names_a_full_disk_and_exits_3(raw, mirror, monkeypatch):
    _failing_replace(monkeypatch, OSError, errno.ENOSPC, lambda dst: dst.endswith(".csv"))
    res = CliRunner().invoke(app, ["data", "fetch", "-d", SMALL[0]],
                             env={"HEALTHINTEL_RAW_DIR": str(raw), "HEALTHINTEL_DATA_MIRROR": str(mirror)})
    assert res.exit_code == 3, res.output
    assert "Traceback" not in res.output
    (line,) = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert "no space left on the disk to write" in line and catalog.dataset(SMALL[0]).path in line
