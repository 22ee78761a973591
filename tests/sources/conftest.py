"""Fixtures of the fetch tests: the data mirror (read at run time), a publisher server on 127.0.0.1 serving the
official layouts, and readers run against a chosen data/raw."""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from healthintel import config


@pytest.fixture(scope="session")
def mirror() -> Path:
    """``../shared/data``; the tests that build official files from it skip only when ``../shared`` is absent."""
    shared = config.shared_dir()
    if shared is None or not (shared / "data").is_dir():
        pytest.skip("../shared/data (the data mirror) is not beside the checkout")
    return shared / "data"


class Publisher:
    """A stand-in for the publishers' hosts: ``https://host/path`` is served at ``<url>/host/path``."""

    def __init__(self) -> None:
        #: path -> [(query items the request must carry, answer(query) -> (status, body))]
        self.routes: dict[str, list[tuple[dict[str, str], Callable[[dict[str, str]], tuple[int, bytes]]]]] = {}
        self.requests: list[str] = []
        self.release = threading.Event()  # ends the slow answers when the test ends
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urllib.parse.urlsplit(self.path)
                outer.requests.append(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                route = next((answer for want, answer in outer.routes.get(parts.path, [])
                              if want.items() <= query.items()), None)
                status, body = route(query) if route else (404, b"Not Found")
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _path(official_url: str) -> str:
        parts = urllib.parse.urlsplit(official_url)
        return f"/{parts.netloc}{parts.path}"

    def route(self, official_url: str, answer) -> None:
        """Answer requests for ``official_url`` (its path, and its query parameters if it has any: the Fingertips
        API serves every indicator from one path) with ``answer(query) -> (status, body)``."""
        parts = urllib.parse.urlsplit(official_url)
        want = dict(urllib.parse.parse_qsl(parts.query))
        routes = [r for r in self.routes.get(self._path(official_url), []) if r[0] != want]
        self.routes[self._path(official_url)] = [(want, answer), *routes]

    def file(self, official_url: str, body: bytes) -> None:
        """Serve ``body`` at the official URL."""
        self.route(official_url, lambda q: (200, body))

    def arcgis(self, layer_query_url: str, features: list[dict], *, max_records: int = 2000) -> None:
        """Serve an ArcGIS REST layer's ``query`` endpoint, paged by resultOffset/resultRecordCount."""
        from .official import arcgis_page

        self.route(layer_query_url, lambda q: (200, arcgis_page(features, q, max_records)))

    def slow(self, official_url: str, seconds: float = 10.0) -> None:
        """Answer only after ``seconds`` (or when the test ends): a download with a shorter timeout fails."""

        def answer(q):
            self.release.wait(seconds)
            return 200, b"too late"

        self.route(official_url, answer)

    def hits(self, official_url: str) -> int:
        """Requests received for ``official_url`` (any query when it has none)."""
        parts = urllib.parse.urlsplit(official_url)
        want = dict(urllib.parse.parse_qsl(parts.query)).items()
        return sum(1 for r in self.requests if urllib.parse.urlsplit(r).path == self._path(official_url)
                   and want <= dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r).query)).items())

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def publisher(monkeypatch, tmp_path):
    """A :class:`Publisher` on 127.0.0.1; publisher downloads go to it (``HEALTHINTEL_DOWNLOAD_BASE``), into a
    fresh download cache, with no data mirror configured."""
    server = Publisher()
    monkeypatch.setenv("HEALTHINTEL_DOWNLOAD_BASE", server.url)
    monkeypatch.setenv("HEALTHINTEL_INTERIM_DIR", str(tmp_path / "interim"))
    monkeypatch.setenv("HEALTHINTEL_DATA_MIRROR", "")
    monkeypatch.delenv("HEALTHINTEL_DATA_URL", raising=False)
    yield server
    server.close()


@pytest.fixture
def read_from(monkeypatch, tmp_path):
    """``read_from(raw_dir, reader, *args)``: a reader's frame read from ``raw_dir`` (its own processed cache,
    the readers' in-memory caches cleared before and after)."""
    from healthintel.sources import published, readers

    def clear() -> None:
        for module in (readers, published):
            for obj in vars(module).values():
                if hasattr(obj, "cache_clear"):
                    obj.cache_clear()

    def read(raw_dir: Path, reader, *args, **kwargs):
        clear()
        with monkeypatch.context() as m:
            m.setenv("HEALTHINTEL_RAW_DIR", str(raw_dir))
            m.setenv("HEALTHINTEL_PROCESSED_DIR", str(tmp_path / f"processed-{raw_dir.name}"))
            try:
                return reader(*args, **kwargs)
            finally:
                clear()

    return read
