"""Fixtures of the reliability corpus: a hostile local HTTP server, and the ``healthintel`` command run in a
subprocess (as an unprivileged user when the tests run as root, so that read-only folders really are)."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from healthintel import config

EXE = Path(sys.executable).parent / "healthintel"
NOBODY = 65534
SETPRIV = shutil.which("setpriv", path="/usr/bin:/bin") or "setpriv"


class HostileServer:
    """A raw-socket server on 127.0.0.1: ``handler(conn, request_bytes)`` answers each connection however it
    likes (drip bytes, loop redirects, close early...). Runs until the fixture ends."""

    def __init__(self, handler: Callable[[socket.socket, bytes], None]):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(10)
            request = conn.recv(65536)
            self.handler(conn, request)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def hostile():
    servers: list[HostileServer] = []

    def start(handler) -> HostileServer:
        server = HostileServer(handler)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


@pytest.fixture
def world_dir():
    """A temporary folder every user can use (pytest's tmp_path is private to root when tests run as root)."""
    path = Path(tempfile.mkdtemp(prefix="healthintel-reliability-"))
    path.chmod(0o777)
    yield path
    for p in [path, *path.rglob("*")]:  # undo read-only modes so the folder can be removed
        with contextlib.suppress(OSError):
            p.chmod(0o777 if p.is_dir() else 0o666)
    shutil.rmtree(path, ignore_errors=True)


@functools.cache
def _nobody_cannot_run_python() -> str:
    """Why ``nobody`` cannot run this interpreter ("" when it can): e.g. a pyenv Python under root's private
    home (/root is mode 700, so its libpython cannot be loaded by another user)."""
    proc = subprocess.run([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                           "-c", "pass"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
                          cwd="/", timeout=60, check=False)
    return "" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]


def run_cli(args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``healthintel <args>`` in a clean environment; as user ``nobody`` when running as root (the test is skipped,
    saying why, when ``nobody`` cannot run this interpreter)."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "MPLCONFIGDIR": str(cwd / ".mpl"),
            "HEALTHINTEL_SHARED": str(config.shared_dir() or ""), "LANG": "C.UTF-8", "COLUMNS": "200"}
    # as root, drop to nobody with util-linux's setpriv (essential on Debian); permissions then apply as for a user
    prefix = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []
    if prefix and (why := _nobody_cannot_run_python()):
        pytest.skip(f"as root these tests run the CLI as nobody, who cannot run {sys.executable}: {why}")
    return subprocess.run([*prefix, str(EXE), *args], capture_output=True, text=True, env={**base, **env}, cwd=cwd,
                          timeout=timeout, check=False)


def read_only(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    return path
