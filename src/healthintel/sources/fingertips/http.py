"""HTTP for the Fingertips client: requests, a persistent on-disk cache, retries with backoff, offline mode.

Why our own small cache rather than an HTTP-semantics cache (hishel, httpx-cache): what the notebooks need is
not RFC 9111 freshness but *reproducibility*. A response is kept whatever the server's ``Cache-Control`` says,
for as long as the caller's ``max_age`` allows; offline mode must answer only from the cache and name the
missing request; a payload is validated *before* it is cached (an HTML error page served with status 200 must
never become the cached answer); and each answer carries provenance (URL, fetched-at, API generation, cache
hit/miss, body checksum). Each of these would be a work-around on top of an HTTP cache; here they are ~150
readable lines over httpx, which does the HTTP itself (connection pooling, TLS, timeouts, proxies).

Cache layout: ``<cache_dir>/<key>.body`` (the response body, bytes as received) and ``<key>.json``
(url, API generation, fetched-at in UTC, status, content type, SHA-256 and size of the body). The key is the
SHA-256 of the canonical URL (query parameters sorted). Both files are written atomically (temporary file +
``os.replace``), body first, so a metadata file always describes a complete body; a body whose checksum
does not match its metadata is treated as absent.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import random
import re
import ssl
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

import httpx

from ... import __version__, config
from ...errors import (
    FingertipsConnectionError, FingertipsDecodingError, FingertipsError, FingertipsOfflineError,
    FingertipsRedirectError, FingertipsTimeoutError, HealthIntelWarning, InvalidInputError, StorageError,
)

CACHE_ENV = "HEALTHINTEL_FINGERTIPS_CACHE"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_AGE = _dt.timedelta(days=7)
USER_AGENT = f"healthintel/{__version__} (+population-health analytics; polite client, cached)"


class FingertipsStaleCacheWarning(HealthIntelWarning):
    """The network failed, so an expired cached response was used instead (see provenance ``cache='stale'``)."""


def default_cache_dir() -> Path:
    """``$HEALTHINTEL_FINGERTIPS_CACHE``, else ``<data/interim>/fingertips_cache`` (git-ignored; ``data/raw`` holds
    only fetched, checksummed files)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser().resolve() if env else config.interim_dir() / "fingertips_cache"


def parse_max_age(value) -> _dt.timedelta | None:
    """``None`` (never expires), a timedelta, seconds, or a string such as ``"90s"``, ``"12h"``, ``"7d"``,
    ``"2w"``; ``"0"`` always refreshes."""
    if value is None or isinstance(value, _dt.timedelta):
        return value
    if isinstance(value, (int, float)):
        return _dt.timedelta(seconds=float(value))
    text = str(value).strip().lower()
    if text in ("none", "never", "inf", "forever"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw]?)", text)
    if not m:
        raise InvalidInputError(f"max age {value!r} not understood: use seconds or a number with s/m/h/d/w "
                                "(e.g. '12h', '7d'), or 'never'.")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return _dt.timedelta(seconds=float(m.group(1)) * unit)


@dataclass(frozen=True)
class Request:
    """One GET request to a Fingertips API. ``expect`` is ``"csv"`` or ``"json"``."""

    generation: str  # "legacy" or "next"
    base_url: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    expect: str = "json"

    @classmethod
    def make(cls, generation: str, base_url: str, path: str, params: dict | None = None, expect: str = "json",
             explode: bool = False):
        """Lists become ``k=a,b`` (legacy) or, with ``explode``, ``k=a&k=b`` (OpenAPI form style)."""
        items = []
        for k, v in (params or {}).items():
            if v is None:
                continue
            if isinstance(v, (list, tuple)):
                if explode:
                    items.extend((k, str(x)) for x in v)
                    continue
                v = ",".join(str(x) for x in v)
            elif isinstance(v, bool):
                v = "true" if v else "false"
            items.append((k, str(v)))
        return cls(generation, base_url.rstrip("/") + "/", path.lstrip("/"), tuple(sorted(items)), expect)

    @property
    def url(self) -> str:
        query = urlencode(self.params, safe=",")
        return self.base_url + self.path + (f"?{query}" if query else "")

    @property
    def key(self) -> str:
        return hashlib.sha256(self.url.encode()).hexdigest()[:40]


@dataclass
class Response:
    """A response body with its provenance. ``cache`` is ``"hit"``, ``"miss"`` or ``"stale"``."""

    request: Request
    body: bytes
    fetched_at: str
    cache: str
    content_type: str = ""
    sha256: str = ""
    offline: bool = False
    parsed: object = None

    def provenance(self) -> dict:
        return {
            "request": self.request.url,
            "api_generation": self.request.generation,
            "fetched_at": self.fetched_at,
            "cache": self.cache,
            "offline": self.offline,
            "sha256": self.sha256,
            "bytes": len(self.body),
        }


class FingertipsCache:
    """A directory of response bodies keyed by request, with fetched-at times (see module docstring)."""

    def __init__(self, directory: Path | str | None = None):
        self.directory = Path(directory).expanduser().resolve() if directory else default_cache_dir()

    def _paths(self, request: Request) -> tuple[Path, Path]:
        return self.directory / f"{request.key}.body", self.directory / f"{request.key}.json"

    def get(self, request: Request) -> tuple[bytes, dict] | None:
        body_path, meta_path = self._paths(request)
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != request.url or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None  # a key collision or a damaged entry: never serve it
        return body, meta

    def put(self, request: Request, body: bytes, content_type: str, status: int) -> dict:
        try:
            return self._put(request, body, content_type, status)
        except OSError as exc:
            raise StorageError(
                f"cannot write the Fingertips cache in {self.directory} ({type(exc).__name__}: "
                f"{exc.strerror or exc}) for {request.url}. Make the folder writable or free disk space, or point "
                f"{CACHE_ENV} (or --cache-dir) at another folder.", path=self.directory) from exc

    def _put(self, request: Request, body: bytes, content_type: str, status: int) -> dict:
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "url": request.url,
            "api_generation": request.generation,
            "fetched_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "status": status,
            "content_type": content_type,
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
            "healthintel": __version__,
        }
        body_path, meta_path = self._paths(request)
        _atomic_write(body_path, body)
        _atomic_write(meta_path, json.dumps(meta, indent=1).encode())
        return meta

    def entries(self) -> list[dict]:
        """Metadata of every cached response, oldest first."""
        if not self.directory.is_dir():
            return []
        out = []
        for p in self.directory.glob("*.json"):
            try:
                out.append(json.loads(p.read_text()))
            except (OSError, ValueError):
                continue
        return sorted(out, key=lambda m: m.get("fetched_at", ""))

    def clear(self) -> int:
        n = 0
        if self.directory.is_dir():
            for p in list(self.directory.glob("*.body")) + list(self.directory.glob("*.json")):
                p.unlink(missing_ok=True)
                n += p.suffix == ".json"
        return n


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _age(fetched_at: str) -> _dt.timedelta:
    try:
        then = _dt.datetime.fromisoformat(fetched_at)
    except (TypeError, ValueError):
        return _dt.timedelta.max
    return _dt.datetime.now(_dt.UTC) - then


def ssl_context(verify=True) -> ssl.SSLContext:
    """A verifying TLS context. ``verify`` is True (system/certifi roots), a CA bundle path (e.g. a council
    proxy's root certificate) or an ``ssl.SSLContext`` that verifies. Verification cannot be turned off."""
    if verify is True:
        return ssl.create_default_context()
    if isinstance(verify, ssl.SSLContext):
        if verify.verify_mode != ssl.CERT_REQUIRED or not verify.check_hostname:
            raise InvalidInputError("the SSL context given to the Fingertips client does not verify certificates "
                                    "and host names; TLS verification cannot be turned off.")
        return verify
    if isinstance(verify, (str, os.PathLike)) and not isinstance(verify, bool):
        path = Path(verify).expanduser()
        if not path.exists():
            raise InvalidInputError(f"CA bundle {path} does not exist.")
        return ssl.create_default_context(cafile=str(path)) if path.is_file() else \
            ssl.create_default_context(capath=str(path))
    raise InvalidInputError(f"verify={verify!r}: TLS verification cannot be turned off for Fingertips requests; "
                            "give a CA bundle path (for a proxy with its own root certificate) instead.")


@dataclass
class RetryPolicy:
    """Retries on 429/5xx, timeouts and connection errors: ``backoff * 2**attempt`` seconds (capped, with
    jitter), or the server's ``Retry-After`` when it gives one. ``sleep`` is injectable so tests never wait."""

    retries: int = 4
    backoff: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.1
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is not None:
            after = response.headers.get("retry-after", "").strip()
            if after.isdigit():
                return min(float(after), self.max_delay)
        base = min(self.backoff * (2 ** attempt), self.max_delay)
        return base * (1 + self.jitter * random.random())


@dataclass
class Fetcher:
    """Cached, retrying, concurrency-limited GETs over one httpx client."""

    cache: FingertipsCache = field(default_factory=FingertipsCache)
    max_age: _dt.timedelta | None = DEFAULT_MAX_AGE
    offline: bool = False
    timeout: float | httpx.Timeout = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_concurrency: int = 4
    verify: object = True
    transport: httpx.BaseTransport | None = None
    deadline: float | None = None

    def __post_init__(self):
        self.max_age = parse_max_age(self.max_age)
        if self.max_concurrency < 1:
            raise InvalidInputError("max_concurrency must be at least 1.")
        if self.deadline is None:  # the whole request (connect, headers, body) must finish within the timeout
            self.deadline = float(self.timeout) if not isinstance(self.timeout, httpx.Timeout) else \
                float(max(t for t in (self.timeout.connect, self.timeout.read, self.timeout.write, 60.0) if t))
        if not (isinstance(self.deadline, (int, float)) and self.deadline > 0):
            raise InvalidInputError(
                f"the request deadline must be a positive number of seconds; got {self.deadline!r}.")
        self.ssl_context = ssl_context(self.verify)
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                timeout = self.timeout if isinstance(self.timeout, httpx.Timeout) else \
                    httpx.Timeout(self.timeout, connect=min(10.0, float(self.timeout)))
                self._client = httpx.Client(
                    verify=self.ssl_context, timeout=timeout, transport=self.transport, follow_redirects=True,
                    headers={"User-Agent": USER_AGENT},
                    limits=httpx.Limits(max_connections=self.max_concurrency),
                )
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, request: Request, parse: Callable[[Request, bytes, str], object] | None = None) -> Response:
        """The response to ``request``: from the cache when fresh (or whenever offline), else from the network.

        ``parse(request, body, content_type)`` turns the body into a result (``Response.parsed``) and raises
        :class:`FingertipsPayloadError` on a malformed payload; a downloaded body is parsed *before* it is
        cached, so a bad answer is never kept.
        """
        cached = self.cache.get(request)
        if self.offline:
            if cached is None:
                raise FingertipsOfflineError(
                    f"offline: no cached response for {request.url} (Fingertips {request.generation} API) in "
                    f"{self.cache.directory}. Run the same call once with network access (e.g. `healthintel data "
                    f"fingertips fetch ...`), or set {CACHE_ENV} to a folder holding a warm cache.",
                    request=request.url)
            return self._parsed(self._from_cache(request, cached, "hit", offline=True), parse)
        if cached is not None and (self.max_age is None or _age(cached[1].get("fetched_at")) <= self.max_age):
            return self._parsed(self._from_cache(request, cached, "hit"), parse)
        try:
            response = self._download(request)
        except FingertipsError as exc:
            if cached is None or not getattr(exc, "transient", False):
                raise
            warnings.warn(f"{exc} Using the cached response fetched at {cached[1].get('fetched_at')} instead.",
                          FingertipsStaleCacheWarning, stacklevel=3)
            return self._parsed(self._from_cache(request, cached, "stale"), parse)
        body, ctype = response.content, response.headers.get("content-type", "")
        parsed = parse(request, body, ctype) if parse is not None else None
        meta = self.cache.put(request, body, ctype, response.status_code)
        return Response(request, body, meta["fetched_at"], "miss", ctype, meta["sha256"], parsed=parsed)

    def get_many(self, requests: Iterable[Request], parse=None) -> list[Response]:
        """Several requests, at most ``max_concurrency`` at a time, in the order given."""
        from concurrent.futures import ThreadPoolExecutor

        requests = list(requests)
        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            return list(pool.map(lambda r: self.get(r, parse), requests))

    @staticmethod
    def _parsed(response: Response, parse) -> Response:
        if parse is not None:
            response.parsed = parse(response.request, response.body, response.content_type)
        return response

    @staticmethod
    def _from_cache(request: Request, cached: tuple[bytes, dict], status: str, offline: bool = False) -> Response:
        body, meta = cached
        return Response(request, body, meta.get("fetched_at", ""), status, meta.get("content_type", ""),
                        meta.get("sha256", ""), offline)

    def _download(self, request: Request) -> _Answer:
        attempts = self.retry.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                with self._slots:
                    response = self._fetch_once(request)
            except (FingertipsTimeoutError, FingertipsConnectionError) as exc:
                if last:
                    what = "timed out" if isinstance(exc, FingertipsTimeoutError) else "failed"
                    raise type(exc)(f"Fingertips request {what} after {attempts} attempt(s) ({exc}): "
                                    f"{request.url}. Check the network, or use offline mode with a warm cache.",
                                    request=request.url) from exc.__cause__
                self.retry.sleep(self.retry.delay(attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                if last:
                    raise _transient(f"Fingertips answered HTTP {response.status_code} "
                                     f"{response.reason_phrase} after {attempts} attempt(s): {request.url}", request)
                self.retry.sleep(self.retry.delay(attempt, response))
                continue
            if response.status_code >= 400:
                hint = " (check the indicator id, area type and parameters)" if response.status_code in (400, 404) \
                    else ""
                raise FingertipsError(f"Fingertips answered HTTP {response.status_code} {response.reason_phrase}"
                                      f"{hint}: {request.url}", request=request.url)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_once(self, request: Request) -> _Answer:
        """One GET, headers and body, within the whole-request deadline (``deadline`` seconds).

        httpx's timeouts are per network operation, so a server sending one byte every half second would never
        trip them. The request runs on a helper thread that the caller waits for at most ``deadline`` seconds;
        the helper also checks the deadline between body chunks, so it stops soon after the caller gave up.
        """
        assert self.deadline is not None  # set in __post_init__
        seconds = float(self.deadline)
        stop_at = time.monotonic() + seconds
        box: dict = {}
        cancelled = threading.Event()

        def work() -> None:
            try:
                box["answer"] = self._stream(request, stop_at, cancelled)
            except BaseException as exc:  # handed to the caller, mapped there
                box["error"] = exc

        worker = threading.Thread(target=work, name="fingertips-request", daemon=True)
        worker.start()
        worker.join(seconds)
        if worker.is_alive() or isinstance(box.get("error"), _DeadlineExceeded):
            cancelled.set()
            raise FingertipsTimeoutError(
                f"no complete answer within the {seconds:g} s deadline for the whole request", request=request.url)
        if "error" in box:
            raise _mapped(box["error"], request) from box["error"]
        return box["answer"]

    def _stream(self, request: Request, stop_at: float, cancelled: threading.Event) -> _Answer:
        with self.client.stream("GET", request.url) as response:
            chunks = []
            for chunk in response.iter_bytes():
                if cancelled.is_set() or time.monotonic() > stop_at:
                    raise _DeadlineExceeded()
                chunks.append(chunk)
            return _Answer(response.status_code, response.reason_phrase, response.headers, b"".join(chunks))


class _DeadlineExceeded(Exception):
    """Raised on the helper thread when the whole-request deadline has passed."""


@dataclass
class _Answer:
    """A complete HTTP answer: status, headers and the decoded body."""

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    content: bytes


def _mapped(exc: BaseException, request: Request) -> BaseException:
    """The healthintel error for a failure of one request (the original is kept as its cause)."""
    url = request.url
    if isinstance(exc, httpx.TooManyRedirects):
        return FingertipsRedirectError(
            f"Fingertips request was redirected too many times (a redirect loop?): {url}. The API address may have "
            "moved: check FINGERTIPS base_url, or try again later.", request=url)
    if isinstance(exc, httpx.DecodingError):
        return FingertipsDecodingError(
            f"{url}: the response body could not be decoded ({exc}); the server sent a bad Content-Encoding. Try "
            "again later, or report it to the Fingertips team.", request=url)
    if isinstance(exc, httpx.TimeoutException):
        return FingertipsTimeoutError(f"{type(exc).__name__}", request=url)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL) and _redirected(exc, url):
        return FingertipsRedirectError(
            f"Fingertips request was redirected to an address it cannot follow ({exc}): {url}.", request=url)
    if isinstance(exc, httpx.TransportError):
        return FingertipsConnectionError(f"{type(exc).__name__}: {exc}", request=url)
    if isinstance(exc, httpx.HTTPError | httpx.InvalidURL | httpx.StreamError):
        return FingertipsError(f"Fingertips request failed ({type(exc).__name__}: {exc}): {url}", request=url)
    if isinstance(exc, OSError | ssl.SSLError | ValueError):
        return FingertipsConnectionError(f"{type(exc).__name__}: {exc}", request=url)
    return exc


def _redirected(exc: Exception, url: str) -> bool:
    try:
        return str(exc.request.url) != url  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return False


def _transient(message: str, request: Request) -> FingertipsError:
    exc = FingertipsError(message, request=request.url)
    exc.transient = True
    return exc
