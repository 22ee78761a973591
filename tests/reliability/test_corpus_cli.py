"""Reliability corpus, the command line and the fetch, run as real subprocesses: every expected operational
failure (permissions, disk full, corrupt manifest or cache, network) ends as one clear line on stderr and its
exit code (3 storage, 4 network, 5 corrupt; 1 failed, 2 bad arguments), never a traceback. When the tests run
as root the command runs as ``nobody``, so read-only folders really are read-only."""

from __future__ import annotations

import errno
import json
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthintel import config
from healthintel.errors import StorageError

from .conftest import read_only, run_cli

MIRROR = str(config.shared_dir() / "data") if config.shared_dir() else ""


def _error_line(proc) -> str:
    """The one error line: no traceback, exactly one line starting with 'error:' on stderr."""
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip().lower().startswith("error")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------- data fetch / list
def test_fetch_into_a_read_only_raw_folder_exits_3(world_dir):
    raw = read_only(world_dir / "raw")
    proc = run_cli(["data", "fetch", "-d", "imd2019_index"], cwd=world_dir,
                   env={"HEALTHINTEL_RAW_DIR": str(raw), "HEALTHINTEL_DATA_MIRROR": MIRROR})
    assert proc.returncode == 3, proc.stderr
    assert "permission denied" in _error_line(proc) and str(raw) in proc.stderr


def test_fetch_with_a_corrupt_manifest_exits_5(world_dir):
    raw = world_dir / "raw"
    raw.mkdir()
    (raw / "MANIFEST.json").write_text('{"files": {"imd2019_index": ')  # cut off mid-write
    proc = run_cli(["data", "fetch", "-d", "imd2019_index"], cwd=world_dir,
                   env={"HEALTHINTEL_RAW_DIR": str(raw), "HEALTHINTEL_DATA_MIRROR": MIRROR})
    assert proc.returncode == 5, proc.stderr
    line = _error_line(proc)
    assert "MANIFEST.json is corrupt" in line and "--force" in line


def test_list_with_a_corrupt_manifest_exits_5(world_dir):
    raw = world_dir / "raw"
    raw.mkdir()
    (raw / "MANIFEST.json").write_bytes(b"\xff\xfe not json")
    proc = run_cli(["data", "list"], cwd=world_dir, env={"HEALTHINTEL_RAW_DIR": str(raw)})
    assert proc.returncode == 5, proc.stderr
    assert "MANIFEST.json" in _error_line(proc)


def test_list_with_a_manifest_of_the_wrong_shape_exits_5(world_dir):
    raw = world_dir / "raw"
    raw.mkdir()
    (raw / "MANIFEST.json").write_text(json.dumps(["not", "an", "object"]))
    proc = run_cli(["data", "list"], cwd=world_dir, env={"HEALTHINTEL_RAW_DIR": str(raw)})
    assert proc.returncode == 5, proc.stderr
    assert "is corrupt" in _error_line(proc)


def test_fetch_into_a_path_under_a_file_exits_3(world_dir):
    (world_dir / "a-file").write_text("x")
    proc = run_cli(["data", "fetch", "-d", "imd2019_index"], cwd=world_dir,
                   env={"HEALTHINTEL_RAW_DIR": str(world_dir / "a-file" / "raw"), "HEALTHINTEL_DATA_MIRROR": MIRROR})
    assert proc.returncode == 3, proc.stderr
    assert "a-file" in _error_line(proc)


def test_fetch_unknown_dataset_offline_exits_1(world_dir):
    proc = run_cli(["data", "fetch", "--offline", "-d", "imd2019_index"], cwd=world_dir,
                   env={"HEALTHINTEL_RAW_DIR": str(world_dir / "raw"), "HEALTHINTEL_DATA_MIRROR": ""})
    assert proc.returncode == 1, proc.stderr
    assert "imd2019_index" in _error_line(proc)


# ---------------------------------------------------------------------------------------------- render
def test_render_into_a_read_only_reports_folder_exits_3_before_any_kernel(world_dir):
    reports = read_only(world_dir / "reports")
    # a kernel that does not exist: reaching the kernel check would say so; the writability check comes first
    proc = run_cli(["render", "--chapter", "deprivation_profile", "--area", "Kent", "--reports-dir", str(reports),
                    "--kernel", "no-such-kernel", "--no-progress", "--jobs", "1"], cwd=world_dir, env={})
    assert proc.returncode == 3, proc.stderr
    line = _error_line(proc)
    assert "cannot write the reports to" in line and "permission denied" in line and "kernel" not in proc.stderr
    assert not list(reports.rglob("*.ipynb"))


def test_render_with_a_bad_parameter_exits_2(world_dir):
    proc = run_cli(["render", "--chapter", "deprivation_profile", "--param", "bogus=1", "--reports-dir",
                    str(world_dir / "r"), "--no-progress"], cwd=world_dir, env={})
    assert proc.returncode == 2, proc.stderr
    assert "bogus" in proc.stderr and "Traceback" not in proc.stderr


def test_render_disk_full_exits_3(tmp_path, monkeypatch):
    """ENOSPC while probing the reports folder (simulated: a full disk cannot be made without root mounts)."""
    import healthintel.render.export as export
    from healthintel import cli

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full)
    res = CliRunner().invoke(cli.app, ["render", "--chapter", "deprivation_profile", "--area", "Kent",
                                       "--reports-dir", str(tmp_path / "reports"), "--kernel", "no-such-kernel",
                                       "--no-progress", "--jobs", "1"])
    assert res.exit_code == 3, res.output
    assert "the disk is full" in res.output and not isinstance(res.exception, OSError)


def test_index_with_a_read_only_lock_file_is_written(tmp_path):
    """Regression: the index lock was opened for appending, so a lock file we may not write crashed the index."""
    from healthintel.render.site import LOCK_FILE, write_index

    lock = tmp_path / LOCK_FILE
    lock.write_text("")
    lock.chmod(0o444)
    import builtins

    real_open = builtins.open

    def no_append(file, mode="r", *a, **k):  # as root chmod does not bite: refuse appends to the lock ourselves
        if str(file).endswith(LOCK_FILE) and "a" in mode:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, mode, *a, **k)

    builtins.open = no_append
    try:
        path = write_index([], tmp_path)
    finally:
        builtins.open = real_open
    assert path.is_file() and (tmp_path / "index.json").is_file()


def test_index_in_an_unwritable_folder_is_a_storage_error(tmp_path):
    from healthintel.render.site import write_index

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StorageError, match=r"cannot write the report index in .*a-file"):
        write_index([], tmp_path / "a-file" / "reports")


# ---------------------------------------------------------------------------------------------- fingertips
def _redirect_loop_server():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    import threading

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                path = conn.recv(65536).split(b" ", 2)[1].decode()
                conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\nConnection: close"
                             "\r\n\r\n".encode())

    threading.Thread(target=serve, daemon=True).start()
    return sock


def test_fingertips_redirect_loop_exits_4(world_dir):
    sock = _redirect_loop_server()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/"
        start = time.monotonic()
        proc = run_cli(["data", "fingertips", "fetch", "-i", "90362", "-a", "202", "--max-age", "0",
                        "--cache-dir", str(world_dir / "cache")], cwd=world_dir,
                       env={"HEALTHINTEL_FINGERTIPS_URL": url})
    finally:
        sock.close()
    assert proc.returncode == 4, proc.stderr
    line = _error_line(proc)
    assert "redirected too many times" in line and "indicator_ids=90362" in line
    assert time.monotonic() - start < 60


def test_fingertips_offline_with_an_empty_read_only_cache_exits_1(world_dir):
    """Offline, a read-only and empty cache: the request is simply not available (exit 1), named in one line."""
    cache = read_only(world_dir / "cache")
    proc = run_cli(["data", "fingertips", "fetch", "-i", "90362", "-a", "202", "--offline", "--cache-dir",
                    str(cache)], cwd=world_dir, env={})
    assert proc.returncode == 1, proc.stderr
    assert "offline: no cached response" in _error_line(proc)


def test_fingertips_corrupt_cache_entry_is_not_served(world_dir):
    cache = world_dir / "cache"
    cache.mkdir()
    (cache / "0123456789abcdef0123456789abcdef01234567.json").write_text("{not json")
    (cache / "0123456789abcdef0123456789abcdef01234567.body").write_bytes(b"\x00\x01")
    proc = run_cli(["data", "fingertips", "cache-info", "--cache-dir", str(cache)], cwd=world_dir, env={})
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "0 response(s)" in proc.stderr


def test_fingertips_cache_under_a_file_exits_3(world_dir):
    """The request succeeds but its answer cannot be cached: a storage error (exit 3), not a traceback."""
    import threading

    from tests.fingertips import recordings as rec

    body = rec.legacy_csv(config.shared_dir(), rec.sample_90362(config.shared_dir()))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)

    threading.Thread(target=serve, daemon=True).start()
    (world_dir / "a-file").write_text("x")
    try:
        proc = run_cli(["data", "fingertips", "fetch", "-i", "90362", "-a", "202", "--max-age", "0", "--cache-dir",
                        str(world_dir / "a-file" / "cache")], cwd=world_dir,
                       env={"HEALTHINTEL_FINGERTIPS_URL": f"http://127.0.0.1:{sock.getsockname()[1]}/api/"})
    finally:
        sock.close()
    assert proc.returncode == 3, proc.stderr
    assert "cannot write the Fingertips cache" in _error_line(proc)


def test_unexpected_bug_is_one_line_and_exit_70(tmp_path, monkeypatch):
    """Even a bug ends as one line (with how to see the traceback), not a traceback."""
    from healthintel import cli
    from healthintel.sources import catalog

    def broken():
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(catalog, "catalog", broken)
    res = CliRunner().invoke(cli.app, ["data", "list"], env={"HEALTHINTEL_RAW_DIR": str(tmp_path)})
    assert res.exit_code == 70, res.output
    assert "internal error ZeroDivisionError" in res.output and "HEALTHINTEL_DEBUG=1" in res.output


def test_exit_codes_are_documented():
    from healthintel.cli import failures

    doc = failures.__doc__ or ""
    for code in ("0", "1", "2", "3", "4", "5", "70", "130"):
        assert f"\n{code} " in doc or f"\n{code}  " in doc
    assert Path(failures.__file__).is_file()
