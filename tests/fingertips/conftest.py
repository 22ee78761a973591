"""A local HTTP server on 127.0.0.1 that replays recorded Fingertips responses, and clients pointed at it.

Nothing here touches the network: the server binds to the loopback interface on a free port, and every client
gets its own temporary cache folder and a ``sleep`` that records backoff delays instead of waiting.
"""

from __future__ import annotations

import contextlib

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from healthintel.sources.fingertips import FingertipsClient


class Replay:
    """Routes ``path?query`` (as the client sends it, path without the API prefix) to responses.

    A route's value is ``(status, content_type, body)``, a list of those (served in turn, the last one
    repeating), or a callable returning one. ``hits`` counts requests per route; ``delay`` slows every answer.
    """

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.hits: dict[str, int] = {}
        self.delay = 0.0
        self.headers: dict[str, dict] = {}
        self.lock = threading.Lock()

    def answer(self, route: str):
        with self.lock:
            n = self.hits.get(route, 0)
            self.hits[route] = n + 1
        spec = self.routes.get(route)
        if spec is None:
            return 404, "text/plain", b"not recorded: " + route.encode()
        if callable(spec):
            return spec()
        if isinstance(spec, list):
            return spec[min(n, len(spec) - 1)]
        return spec


@pytest.fixture
def replay():
    state = Replay()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            route = self.path.split("/api/", 1)[-1]
            if state.delay:
                time.sleep(state.delay)
            status, ctype, body = state.answer(route)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in state.headers.get(route, {}).items():
                self.send_header(k, v)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(replay, tmp_path, sleeps):
    """``make_client(backend="legacy", **kwargs)``: a client on the replay server with a temporary cache."""
    clients = []

    def make(backend: str = "legacy", **kwargs):
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        kwargs.setdefault("sleep", sleeps.append)
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("base_url", replay.url)
        client = FingertipsClient(backend, **kwargs)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture(autouse=True)
def _no_env_leaks(monkeypatch):
    for var in ("HEALTHINTEL_FINGERTIPS_OFFLINE", "HEALTHINTEL_FINGERTIPS_URL", "HEALTHINTEL_FINGERTIPS_NEXT_URL",
                "HEALTHINTEL_FINGERTIPS_CACHE"):
        monkeypatch.delenv(var, raising=False)


def route_of(request_url: str) -> str:
    return request_url.split("/api/", 1)[-1]


@pytest.fixture
def shared(shared_dir) -> Path:
    return shared_dir
