"""OHID Fingertips client: one interface over the legacy ``/api`` and the FingertipsNext JSON API.

>>> from healthintel.sources.fingertips import FingertipsClient
>>> ft = FingertipsClient()                                   # legacy API, cache in data/interim/fingertips_cache
>>> le = ft.indicator_data(90366, area_type=502)              # tidy frame (FingertipsData schema)
>>> le.attrs["provenance"]                                    # request URL, fetched-at, API generation, cache
>>> provenance_table(le)                                      # rows for the report's provenance table

Every result is a tidy frame validated against :class:`~healthintel.sources.fingertips.tidy.FingertipsData`
(deprivation category 1 = most deprived, whatever the backend). Responses are cached on disk (see
:mod:`healthintel.sources.fingertips.http`); ``offline=True`` (or ``HEALTHINTEL_FINGERTIPS_OFFLINE=1``) answers
from the cache only and raises :class:`~healthintel.errors.FingertipsOfflineError` naming a missing request.

Backends (``backend=``):

- ``"legacy"``: ``https://fingertips.phe.org.uk/api/`` (override ``HEALTHINTEL_FINGERTIPS_URL``):
  ``all_data/csv/by_indicator_id``, ``all_data/csv/for_one_indicator``, ``indicator_metadata/by_indicator_id``,
  ``area_types``, ``areas/by_area_type``, ``areas/by_parent_area_code`` (nearest neighbours ``nn-<type>-<code>``).
- ``"next"``: FingertipsNext (``/indicators/{id}/data``, ``/areas/areatypes``, ``/areas/areatypes/{key}/areas``).
  Its public address is not fixed yet, so it must be given (``base_url=`` or ``HEALTHINTEL_FINGERTIPS_NEXT_URL``).
  Area types are slugs (``counties-and-unitary-authorities``); the legacy ids of common ones (15, 6, 501, 502,
  7, 126) are translated.
"""

from __future__ import annotations

import os
from functools import partial

import pandas as pd

from ...errors import FingertipsError, FingertipsPayloadError, InvalidInputError
from .http import (CACHE_ENV, DEFAULT_MAX_AGE, Fetcher, FingertipsCache,  # noqa: F401 (re-exported)
                              FingertipsStaleCacheWarning, Request, Response, RetryPolicy, default_cache_dir)
from .tidy import COLUMNS, FingertipsData, parse_json, tidy_areas, tidy_legacy_csv, tidy_next_json

__all__ = [
    "FingertipsClient", "FingertipsData", "COLUMNS", "provenance_table", "indicator_data", "default_cache_dir",
    "FingertipsStaleCacheWarning", "LEGACY_URL", "NEXT_AREA_TYPES",
]

LEGACY_URL = "https://fingertips.phe.org.uk/api/"
URL_ENV = "HEALTHINTEL_FINGERTIPS_URL"
NEXT_URL_ENV = "HEALTHINTEL_FINGERTIPS_NEXT_URL"
OFFLINE_ENV = "HEALTHINTEL_FINGERTIPS_OFFLINE"
ENGLAND_AREA_TYPE = 15
LEGACY_MAX_IDS = 100

# legacy AreaTypeId -> FingertipsNext area type key
NEXT_AREA_TYPES = {
    15: "england", 6: "regions", 501: "districts-and-unitary-authorities",
    502: "counties-and-unitary-authorities", 7: "gps", 126: "combined-authorities",
}
PUBLISHER = "Office for Health Improvement and Disparities (OHID), Fingertips"
LICENCE = "Open Government Licence v3.0"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class FingertipsClient:
    """Cached, offline-capable Fingertips client with one interface over both API generations.

    Parameters
    ----------
    backend : {"legacy", "next"}
        API generation.
    base_url : str, optional
        API root (defaults: see module docstring).
    cache_dir : path, optional
        Cache folder (default ``$HEALTHINTEL_FINGERTIPS_CACHE`` or ``data/interim/fingertips_cache``).
    max_age : timedelta, seconds, "12h", "7d", "never"
        Cached responses younger than this are used without asking the server (default 7 days). Offline mode
        ignores it (age is in the provenance).
    offline : bool, optional
        Never touch the network (default ``$HEALTHINTEL_FINGERTIPS_OFFLINE``).
    timeout : float or httpx.Timeout
        Seconds per request (connect at most 10 s).
    retries, backoff : int, float
        Retries on 429/5xx, timeouts and connection errors, waiting ``backoff * 2**attempt`` seconds (or the
        server's ``Retry-After``). ``sleep`` replaces ``time.sleep`` (tests).
    max_concurrency : int
        Requests in flight at once (default 4: be polite to a public service).
    verify : True, CA bundle path or ssl.SSLContext
        TLS verification is always on; a bundle path serves a proxy with its own root certificate.
    transport : httpx.BaseTransport, optional
        For tests (``httpx.MockTransport``).
    """

    def __init__(self, backend: str = "legacy", *, base_url: str | None = None, cache_dir=None,
                 max_age=DEFAULT_MAX_AGE, offline: bool | None = None, timeout=60.0, retries: int = 4,
                 backoff: float = 1.0, sleep=None, max_concurrency: int = 4, verify=True, transport=None):
        if backend not in ("legacy", "next"):
            raise InvalidInputError(f"backend must be 'legacy' or 'next', not {backend!r}.")
        self.backend = backend
        if base_url is None:
            base_url = os.environ.get(URL_ENV, LEGACY_URL) if backend == "legacy" else os.environ.get(NEXT_URL_ENV)
        if not base_url:
            raise InvalidInputError(f"the FingertipsNext API address is not configured: pass base_url= or set "
                                    f"{NEXT_URL_ENV}.")
        if not base_url.lower().startswith("https://") and not _is_local(base_url):
            raise InvalidInputError(f"{base_url}: Fingertips must be reached over https:// (plain http only for "
                                    "a local test server).")
        self.base_url = base_url.rstrip("/") + "/"
        retry = RetryPolicy(retries=retries, backoff=backoff)
        if sleep is not None:
            retry.sleep = sleep
        self.fetcher = Fetcher(cache=FingertipsCache(cache_dir), max_age=max_age,
                               offline=_env_flag(OFFLINE_ENV) if offline is None else offline, timeout=timeout,
                               retry=retry, max_concurrency=max_concurrency, verify=verify, transport=transport)

    # -- plumbing -------------------------------------------------------------------------------------------
    @property
    def offline(self) -> bool:
        return self.fetcher.offline

    @property
    def cache(self) -> FingertipsCache:
        return self.fetcher.cache

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _request(self, path: str, params: dict | None = None, expect: str = "json") -> Request:
        return Request.make(self.backend, self.base_url, path, params, expect, explode=self.backend == "next")

    def _next_area_type(self, area_type) -> str:
        if isinstance(area_type, str) and not area_type.isdigit():
            return area_type
        try:
            return NEXT_AREA_TYPES[int(area_type)]
        except (KeyError, ValueError):
            raise InvalidInputError(f"legacy area type {area_type!r} has no known FingertipsNext key; give the key "
                                    f"(one of {sorted(NEXT_AREA_TYPES.values())} or another from "
                                    "area_types()).") from None

    # -- data -----------------------------------------------------------------------------------------------
    def data_request(self, indicator_id: int, area_type, *, parent_area_type: int = ENGLAND_AREA_TYPE,
                     parent_area_code: str | None = None, profile_id: int | None = None,
                     area_codes: list[str] | None = None, inequalities=("deprivation",)) -> Request:
        """The request :meth:`indicator_data` makes (for provenance, cache inspection and the CLI)."""
        if self.backend == "legacy":
            return self._request("all_data/csv/by_indicator_id", {
                "indicator_ids": int(indicator_id), "child_area_type_id": int(area_type),
                "parent_area_type_id": int(parent_area_type), "profile_id": profile_id,
                "parent_area_code": parent_area_code}, "csv")
        return self._request(f"indicators/{int(indicator_id)}/data", {
            "area_type": self._next_area_type(area_type), "area_codes": list(area_codes) if area_codes else None,
            "ancestor_code": parent_area_code,
            "benchmark_ref_type": "SubNational" if parent_area_code else None,
            "inequalities": list(inequalities) if inequalities else None})

    def _parser(self, *, year_type: str = "financial", ancestor_code: str | None = None, indicator_id=None):
        if self.backend == "legacy":
            return lambda req, body, ctype: tidy_legacy_csv(req.url, body, ctype, year_type=year_type)
        return lambda req, body, ctype: tidy_next_json(req.url, body, ctype, indicator_id=indicator_id,
                                                       ancestor_code=ancestor_code)

    def indicator_data(self, indicator_id: int, area_type, *, parent_area_type: int = ENGLAND_AREA_TYPE,
                       parent_area_code: str | None = None, profile_id: int | None = None,
                       area_codes: list[str] | None = None, year_type: str = "financial") -> pd.DataFrame:
        """Tidy data of one indicator for every area of ``area_type`` (legacy id such as 502, or a Next key),
        with England and the parents, and any deprivation breakdown rows.

        ``year_type`` ("financial" or "academic") says how a legacy "2021/22" label maps to dates.
        """
        req = self.data_request(indicator_id, area_type, parent_area_type=parent_area_type,
                                parent_area_code=parent_area_code, profile_id=profile_id, area_codes=area_codes)
        resp = self.fetcher.get(req, self._parser(year_type=year_type, ancestor_code=parent_area_code,
                                                  indicator_id=indicator_id))
        return _with_provenance(self._only_areas(resp.parsed, area_codes), [resp])

    def _only_areas(self, frame: pd.DataFrame, area_codes) -> pd.DataFrame:
        if not area_codes or self.backend != "legacy":
            return frame
        # the legacy endpoint has no area filter: keep the requested areas, their parents and England
        mine = frame["area_code"].isin(area_codes)
        parents = set(frame.loc[mine, "parent_code"].dropna()) | {"E92000001"}
        return frame.loc[mine | frame["area_code"].isin(parents)].reset_index(drop=True)

    def indicators_data(self, indicator_ids: list[int], area_type, **kwargs) -> pd.DataFrame:
        """Several indicators in one frame: one request per indicator, ``max_concurrency`` at a time (cached
        one by one, so adding an indicator does not refetch the others)."""
        year_type = kwargs.pop("year_type", "financial")
        reqs = [self.data_request(i, area_type, **kwargs) for i in indicator_ids]
        parses = {r.url: self._parser(year_type=year_type, ancestor_code=kwargs.get("parent_area_code"),
                                      indicator_id=i) for r, i in zip(reqs, indicator_ids)}
        resps = self.fetcher.get_many(reqs, lambda req, body, ctype: parses[req.url](req, body, ctype))
        frames = [self._only_areas(r.parsed, kwargs.get("area_codes")) for r in resps]
        return _with_provenance(pd.concat(frames, ignore_index=True) if frames else
                                FingertipsData.validate(pd.DataFrame(columns=COLUMNS)), resps)

    def indicator_data_all_area_types(self, indicator_id: int, *, year_type: str = "financial") -> pd.DataFrame:
        """Legacy ``all_data/csv/for_one_indicator``: every area type in one file."""
        self._legacy_only("for_one_indicator")
        req = self._request("all_data/csv/for_one_indicator", {"indicator_id": int(indicator_id)}, "csv")
        resp = self.fetcher.get(req, self._parser(year_type=year_type))
        return _with_provenance(resp.parsed, [resp])

    # -- metadata and areas ---------------------------------------------------------------------------------
    def indicator_metadata(self, indicator_ids) -> pd.DataFrame:
        """One row per indicator (legacy ``indicator_metadata/by_indicator_id`` or Next ``/indicators/{id}``)."""
        ids = [int(i) for i in ([indicator_ids] if isinstance(indicator_ids, (int, str)) else indicator_ids)]
        if self.backend == "legacy":
            req = self._request("indicator_metadata/by_indicator_id", {"indicator_ids": ids})
            resp = self.fetcher.get(req, partial(_json_shape, dict, "an object keyed by indicator id"))
            rows = []
            for key, meta in resp.parsed.items():
                if not isinstance(meta, dict):
                    raise FingertipsError(f"{req.url}: metadata for {key} is not an object.", request=req.url)
                desc = meta.get("Descriptive") or {}
                rows.append({"indicator_id": int(meta.get("IID", key)), "indicator_name": desc.get("Name"),
                             "definition": desc.get("Definition"),
                             "unit": (meta.get("Unit") or {}).get("Label"),
                             "value_type": (meta.get("ValueType") or {}).get("Name"),
                             "last_uploaded": (meta.get("DataChange") or {}).get("LastUploadedAt")})
            return _with_provenance(pd.DataFrame(rows), [resp])
        resps = [self.fetcher.get(self._request(f"indicators/{i}"), partial(_json_shape, dict, "an Indicator"))
                 for i in ids]
        rows = [{"indicator_id": int(r.parsed.get("indicatorId", r.parsed.get("indicator_id", i))),
                 "indicator_name": r.parsed.get("title") or r.parsed.get("name"),
                 "definition": r.parsed.get("definition"), "unit": r.parsed.get("unitLabel"),
                 "value_type": r.parsed.get("valueType"), "last_uploaded": r.parsed.get("lastUpdatedDate")}
                for r, i in zip(resps, ids)]
        return _with_provenance(pd.DataFrame(rows), resps)

    def area_types(self) -> pd.DataFrame:
        """``area_type`` (legacy id or Next key) and ``name``."""
        if self.backend == "legacy":
            req = self._request("area_types")
            resp = self.fetcher.get(req, partial(_json_shape, list, "a list of area types"))
            rows = [{"area_type": str(a.get("Id")), "name": a.get("Name"), "short": a.get("Short")}
                    for a in resp.parsed]
        else:
            req = self._request("areas/areatypes")
            resp = self.fetcher.get(req, partial(_json_shape, list, "a list of area types"))
            rows = [{"area_type": a.get("key"), "name": a.get("name"), "short": a.get("hierarchyName")}
                    for a in resp.parsed]
        return _with_provenance(pd.DataFrame(rows, columns=["area_type", "name", "short"]), [resp])

    def areas(self, area_type) -> pd.DataFrame:
        """Areas of one type: ``area_code``, ``area_name``, ``area_type``."""
        if self.backend == "legacy":
            req = self._request("areas/by_area_type", {"area_type_id": int(area_type)})
        else:
            req = self._request(f"areas/areatypes/{self._next_area_type(area_type)}/areas")
        resp = self.fetcher.get(req, lambda r, b, c: tidy_areas(r.url, b, c, self.backend))
        return _with_provenance(resp.parsed, [resp])

    def nearest_neighbours_request(self, area_code: str, area_type: int, neighbour_type: int = 1) -> Request:
        """The request :meth:`nearest_neighbours` makes (for provenance and notes about a missing answer)."""
        self._legacy_only("nearest neighbours")
        return self._request("areas/by_parent_area_code", {
            "area_type_id": int(area_type), "parent_area_code": f"nn-{int(neighbour_type)}-{area_code}"})

    def nearest_neighbours(self, area_code: str, area_type: int, neighbour_type: int = 1) -> pd.DataFrame:
        """Legacy nearest neighbours of ``area_code`` (``neighbour_type`` 1 = CIPFA)."""
        req = self.nearest_neighbours_request(area_code, area_type, neighbour_type)
        resp = self.fetcher.get(req, lambda r, b, c: tidy_areas(r.url, b, c, "legacy"))
        return _with_provenance(resp.parsed, [resp])

    def _legacy_only(self, what: str) -> None:
        if self.backend != "legacy":
            raise InvalidInputError(f"{what} is only available from the legacy Fingertips API (backend='legacy').")


def _is_local(url: str) -> bool:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _json_shape(kind: type, what: str, req: Request, body: bytes, ctype: str):
    obj = parse_json(req.url, body, ctype)
    if not isinstance(obj, kind):
        raise FingertipsPayloadError(f"{req.url}: expected {what} (JSON {kind.__name__}), got "
                                     f"{type(obj).__name__}.", request=req.url)
    return obj


def _with_provenance(frame: pd.DataFrame, responses: list[Response]) -> pd.DataFrame:
    frame = frame.copy()
    records = []
    for r in responses:
        rec = r.provenance()
        parsed = r.parsed
        if isinstance(parsed, pd.DataFrame) and len(parsed) and "indicator_id" in parsed:
            rec["indicator_id"] = int(parsed["indicator_id"].iloc[0])
            name = parsed["indicator_name"].iloc[0] if "indicator_name" in parsed else None
            rec["indicator_name"] = name if isinstance(name, str) else None
        records.append(rec)
    frame.attrs["provenance"] = records
    return frame


def provenance_table(*results) -> pd.DataFrame:
    """Rows for the report's provenance table (the columns of :func:`healthintel.sources.catalog.provenance`),
    one per Fingertips request behind ``results`` (frames carrying ``attrs["provenance"]``, or record lists)."""
    records = []
    for res in results:
        recs = res.attrs.get("provenance", []) if isinstance(res, pd.DataFrame) else res
        records.extend(recs if isinstance(recs, list) else [recs])
    rows = []
    for rec in records:
        generation = "FingertipsNext API" if rec.get("api_generation") == "next" else "Fingertips API (legacy)"
        title = "OHID Fingertips"
        if rec.get("indicator_id") is not None:
            name = rec.get("indicator_name")
            ind = rec["indicator_id"]
            title += f": {name} ({ind})" if isinstance(name, str) else f": indicator {ind}"
        cache = rec.get("cache", "")
        cache_note = {"hit": "from cache", "miss": "downloaded", "stale": "expired cache (network failed)"}.get(
            cache, cache)
        rows.append({
            "Source": title,
            "Publisher": PUBLISHER,
            "Vintage": f"{generation}, as published on {str(rec.get('fetched_at', ''))[:10]}",
            "Licence": LICENCE,
            "Official URL": rec.get("request", ""),
            "SHA-256": (rec.get("sha256") or "")[:12] + "…",
            "Fetched": f"{rec.get('fetched_at', 'not recorded')} "
                       f"({cache_note}{', offline' if rec.get('offline') else ''})",
        })
    return pd.DataFrame(rows, columns=["Source", "Publisher", "Vintage", "Licence", "Official URL", "SHA-256",
                                       "Fetched"])


def indicator_data(indicator_id: int, area_type, *, backend: str = "legacy", offline: bool | None = None,
                   max_age=DEFAULT_MAX_AGE, **kwargs) -> pd.DataFrame:
    """One-call form of :meth:`FingertipsClient.indicator_data` (a client with default settings)."""
    data_kwargs = {k: kwargs.pop(k) for k in ("parent_area_type", "parent_area_code", "profile_id", "area_codes",
                                              "year_type") if k in kwargs}
    with FingertipsClient(backend, offline=offline, max_age=max_age, **kwargs) as client:
        return client.indicator_data(indicator_id, area_type, **data_kwargs)
