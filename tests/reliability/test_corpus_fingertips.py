"""Reliability corpus, Fingertips client: hostile servers on 127.0.0.1 (nothing leaves the machine). Every
transport, redirect and decoding failure becomes its own healthintel error naming the request, and a server
that drips one byte every half second runs into the whole-request deadline."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import pytest

from healthintel.errors import (
    FingertipsConnectionError, FingertipsDecodingError, FingertipsError, FingertipsOfflineError,
    FingertipsPayloadError, FingertipsRedirectError, FingertipsTimeoutError, HealthIntelError, InvalidInputError,
    StorageError,
)
from healthintel.sources.fingertips import FingertipsClient

DEADLINE = 1.5


def _head(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    if "Content-Length" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _path(request: bytes) -> str:
    return request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"


def drip_body(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/csv", "Content-Length": "100000"}))
    for _ in range(60):
        conn.sendall(b"x")
        time.sleep(0.5)


def drip_headers(conn: socket.socket, request: bytes) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nX-Slow: " + b"a" * 60:
        conn.sendall(bytes([byte]))
        time.sleep(0.5)


def silent(conn: socket.socket, request: bytes) -> None:
    time.sleep(30)  # accepts, reads the request, never answers


def redirect_loop(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("302 Found", {"Location": _path(request)}))


def redirect_ping_pong(conn: socket.socket, request: bytes) -> None:
    target = "/api/b" if "/api/a" not in _path(request) else "/api/a"
    conn.sendall(_head("301 Moved Permanently", {"Location": target}))


def redirect_to_ftp(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("302 Found", {"Location": "ftp://files.example.invalid/data.csv"}))


def bad_gzip(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/csv", "Content-Encoding": "gzip"}, b"this is not gzip"))


def bad_deflate(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/csv", "Content-Encoding": "deflate"}, b"\x00\x01garbage"))


def hang_up(conn: socket.socket, request: bytes) -> None:
    conn.shutdown(socket.SHUT_RDWR)


def not_http(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


def truncated(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/csv", "Content-Length": "5000"}) + b"IndicatorID,")


def not_utf8(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/csv"}, b"\xff\xfe\x00\xd8 not text \xc3\x28"))


def html_page(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/html"}, b"<html><title>Down for maintenance</title></html>"))


def empty_body(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", {"Content-Type": "text/csv"}))


def not_found(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("404 Not Found", {"Content-Type": "text/plain"}, b"no such indicator"))


def unavailable(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("503 Service Unavailable", {"Content-Type": "text/plain", "Retry-After": "1"}, b"busy"))


@dataclass(frozen=True)
class Hostile:
    id: str
    handler: object
    error: type[BaseException]
    match: str


CASES = [
    Hostile("drip-one-byte-every-half-second", drip_body, FingertipsTimeoutError, r"deadline for the whole request"),
    Hostile("drip-the-headers", drip_headers, FingertipsTimeoutError, r"deadline for the whole request"),
    Hostile("never-answers", silent, FingertipsTimeoutError, r"timed out after 1 attempt"),
    Hostile("redirect-loop-to-itself", redirect_loop, FingertipsRedirectError, r"redirected too many times"),
    Hostile("redirect-ping-pong", redirect_ping_pong, FingertipsRedirectError, r"redirect loop"),
    Hostile("redirect-to-ftp", redirect_to_ftp, FingertipsRedirectError, r"redirected to an address it cannot"),
    Hostile("bad-gzip-encoding", bad_gzip, FingertipsDecodingError, r"could not be decoded.*Content-Encoding"),
    Hostile("bad-deflate-encoding", bad_deflate, FingertipsDecodingError, r"could not be decoded"),
    Hostile("hangs-up-without-answer", hang_up, FingertipsConnectionError, r"failed after 1 attempt"),
    Hostile("answers-another-protocol", not_http, FingertipsConnectionError, r"RemoteProtocolError"),
    Hostile("body-shorter-than-content-length", truncated, FingertipsConnectionError, r"failed after 1 attempt"),
    Hostile("body-not-utf8", not_utf8, FingertipsPayloadError, r"not UTF-8 text"),
    Hostile("html-error-page-with-200", html_page, FingertipsPayloadError, r"HTML page titled 'Down for maint"),
    Hostile("empty-body", empty_body, FingertipsPayloadError, r"the response is empty"),
    Hostile("http-404", not_found, FingertipsError, r"HTTP 404 Not Found \(check the indicator id"),
    Hostile("http-503-every-time", unavailable, FingertipsError, r"HTTP 503 Service Unavailable after 1 attempt"),
]


def _client(url: str, tmp_path, **kw) -> FingertipsClient:
    args = dict(base_url=url, cache_dir=tmp_path / "cache", timeout=DEADLINE, retries=0, sleep=lambda s: None,
                max_age=0)
    args.update(kw)
    return FingertipsClient(**args)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_hostile_server(case: Hostile, hostile, tmp_path):
    server = hostile(case.handler)
    client = _client(server.url, tmp_path)
    start = time.monotonic()
    with pytest.raises(case.error, match=case.match) as info:
        client.indicator_data(90362, 202)
    assert isinstance(info.value, HealthIntelError)
    assert info.value.request and info.value.request in str(info.value)  # the error names the request
    assert time.monotonic() - start < DEADLINE + 3  # the deadline holds, whatever the server does
    assert not list((tmp_path / "cache").glob("*.body"))  # nothing bad was cached


def test_connection_refused(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nobody listens there now
    with pytest.raises(FingertipsConnectionError, match=r"ConnectError") as info:
        _client(f"http://127.0.0.1:{port}/api/", tmp_path).indicator_data(90362, 202)
    assert info.value.request in str(info.value)


def test_unwritable_cache_is_a_storage_error(hostile, tmp_path):
    from tests.fingertips import recordings as rec

    from healthintel import config

    body = rec.legacy_csv(config.shared_dir(), rec.sample_90362(config.shared_dir()))
    server = hostile(lambda conn, request: conn.sendall(_head("200 OK", {"Content-Type": "text/csv"}, body)))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match=r"cannot write the Fingertips cache in .*a-file") as info:
        _client(server.url, tmp_path, cache_dir=blocker / "cache").indicator_data(90362, 202)
    assert isinstance(info.value, OSError) and "indicator_ids=90362" in str(info.value)


def test_offline_and_cold(tmp_path):
    with pytest.raises(FingertipsOfflineError, match=r"offline: no cached response for .*indicator_ids=90362"):
        _client("http://127.0.0.1:9/api/", tmp_path, offline=True).indicator_data(90362, 202)


def test_plain_http_to_a_remote_host_is_refused(tmp_path):
    with pytest.raises(InvalidInputError, match=r"must be reached over https://"):
        _client("http://fingertips.example.org/api/", tmp_path)


def test_bad_deadline_is_an_argument_error(tmp_path):
    with pytest.raises(InvalidInputError, match=r"deadline must be a positive number"):
        _client("http://127.0.0.1:9/api/", tmp_path, timeout=0.0).indicator_data(90362, 202)
