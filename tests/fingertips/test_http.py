"""HTTP behaviour of the Fingertips client: cache and max age, offline mode (warm and cold), retries with
backoff on 429/5xx (attempts counted, no real sleeping), timeouts, TLS verification, malformed payloads,
polite concurrency."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time

import httpx
import pytest

from healthintel.errors import FingertipsError, FingertipsOfflineError, FingertipsPayloadError, InvalidInputError
from healthintel.sources.fingertips import FingertipsClient, FingertipsStaleCacheWarning
from healthintel.sources.fingertips.http import FingertipsCache, parse_max_age

from . import recordings as rec
from .conftest import route_of

OK_JSON = "application/json"


@pytest.fixture
def csv_body(shared):
    return rec.legacy_csv(shared, rec.sample_90362(shared))


@pytest.fixture
def route(make_client, replay, csv_body):
    """The legacy data route for 90362 with a valid recorded body."""
    r = route_of(make_client().data_request(90362, 202).url)
    replay.routes[r] = (200, "text/csv", csv_body)
    return r


def no_network(request):  # an httpx transport handler that fails the test if anything is sent
    raise AssertionError(f"network touched: {request.url}")


# --- cache -------------------------------------------------------------------------------------------------

def test_second_call_is_a_cache_hit(make_client, replay, route):
    client = make_client()
    first = client.indicator_data(90362, 202)
    second = client.indicator_data(90362, 202)
    assert replay.hits[route] == 1
    assert first.attrs["provenance"][0]["cache"] == "miss" and second.attrs["provenance"][0]["cache"] == "hit"
    assert first.attrs["provenance"][0]["fetched_at"] == second.attrs["provenance"][0]["fetched_at"]
    assert first.equals(second)
    entries = client.cache.entries()
    assert len(entries) == 1 and entries[0]["url"] == client.data_request(90362, 202).url
    assert entries[0]["api_generation"] == "legacy" and entries[0]["sha256"]


def test_max_age_zero_refetches_and_never_keeps(make_client, replay, route):
    make_client().indicator_data(90362, 202)
    make_client(max_age=0).indicator_data(90362, 202)
    assert replay.hits[route] == 2
    make_client(max_age="never").indicator_data(90362, 202)
    assert replay.hits[route] == 2


def test_expired_entry_is_refetched(make_client, replay, route, tmp_path):
    client = make_client(max_age="1h")
    client.indicator_data(90362, 202)
    meta_path = next((tmp_path / "cache").glob("*.json"))
    meta = json.loads(meta_path.read_text())
    meta["fetched_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    meta_path.write_text(json.dumps(meta))
    df = make_client(max_age="1h").indicator_data(90362, 202)
    assert replay.hits[route] == 2 and df.attrs["provenance"][0]["cache"] == "miss"


def test_damaged_cache_entry_is_not_served(make_client, replay, route, tmp_path):
    make_client().indicator_data(90362, 202)
    body = next((tmp_path / "cache").glob("*.body"))
    body.write_bytes(body.read_bytes()[:-20])
    make_client().indicator_data(90362, 202)
    assert replay.hits[route] == 2


@pytest.mark.parametrize("text,expected", [("90s", 90), ("12h", 43200), ("7d", 604800), (30, 30), ("2w", 1209600)])
def test_parse_max_age(text, expected):
    assert parse_max_age(text) == dt.timedelta(seconds=expected)
    assert parse_max_age("never") is None


def test_bad_max_age():
    with pytest.raises(InvalidInputError, match="max age"):
        parse_max_age("soon")


# --- offline -----------------------------------------------------------------------------------------------

def test_offline_with_warm_cache_never_touches_the_network(make_client, route, tmp_path):
    make_client().indicator_data(90362, 202)
    offline = make_client(offline=True, transport=httpx.MockTransport(no_network))
    df = offline.indicator_data(90362, 202)
    prov = df.attrs["provenance"][0]
    assert prov["cache"] == "hit" and prov["offline"] is True and len(df) == 6


def test_offline_env_variable(make_client, route, monkeypatch):
    make_client().indicator_data(90362, 202)
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    client = make_client(transport=httpx.MockTransport(no_network))
    assert client.offline and len(client.indicator_data(90362, 202)) == 6


def test_cold_offline_fails_naming_the_request(make_client):
    client = make_client(offline=True, transport=httpx.MockTransport(no_network))
    url = client.data_request(90366, 502).url
    with pytest.raises(FingertipsOfflineError) as info:
        client.indicator_data(90366, 502)
    msg = str(info.value)
    assert msg.startswith(f"offline: no cached response for {url} (Fingertips legacy API)")
    assert "HEALTHINTEL_FINGERTIPS_CACHE" in msg and "healthintel data fingertips fetch" in msg
    assert info.value.request == url


def test_offline_max_age_is_ignored(make_client, route, tmp_path):
    make_client().indicator_data(90362, 202)
    df = make_client(offline=True, max_age=0, transport=httpx.MockTransport(no_network)).indicator_data(90362, 202)
    assert df.attrs["provenance"][0]["cache"] == "hit"


# --- retries and backoff -----------------------------------------------------------------------------------

def test_retries_on_429_and_503_with_backoff(make_client, replay, route, csv_body, sleeps):
    replay.routes[route] = [(429, "text/plain", b"slow down"), (503, "text/plain", b"busy"),
                            (200, "text/csv", csv_body)]
    replay.headers[route] = {}
    df = make_client(backoff=0.5).indicator_data(90362, 202)
    assert replay.hits[route] == 3 and len(df) == 6
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] <= 0.55 and 1.0 <= sleeps[1] <= 1.1  # exponential


def test_retry_after_header_is_honoured(make_client, replay, route, csv_body, sleeps):
    replay.routes[route] = [(429, "text/plain", b"slow down"), (200, "text/csv", csv_body)]
    replay.headers[route] = {"Retry-After": "7"}
    make_client().indicator_data(90362, 202)
    assert sleeps == [7.0]


def test_retries_exhausted(make_client, replay, route, sleeps):
    replay.routes[route] = (503, "text/plain", b"down")
    client = make_client(retries=3)
    with pytest.raises(FingertipsError, match=r"HTTP 503 Service Unavailable after 4 attempt\(s\)") as info:
        client.indicator_data(90362, 202)
    assert replay.hits[route] == 4 and len(sleeps) == 3
    assert info.value.request == client.data_request(90362, 202).url and info.value.request in str(info.value)
    with pytest.raises(FingertipsOfflineError):  # nothing was cached
        make_client(offline=True).indicator_data(90362, 202)


def test_client_errors_are_not_retried(make_client, replay, sleeps):
    client = make_client()
    with pytest.raises(FingertipsError, match="HTTP 404 .*check the indicator id"):
        client.indicator_data(1, 502)
    assert replay.hits[route_of(client.data_request(1, 502).url)] == 1 and sleeps == []


def test_stale_cache_used_when_the_network_fails(make_client, replay, route, sleeps):
    make_client().indicator_data(90362, 202)
    replay.routes[route] = (503, "text/plain", b"down")
    with pytest.warns(FingertipsStaleCacheWarning, match="Using the cached response"):
        df = make_client(max_age=0, retries=1).indicator_data(90362, 202)
    assert df.attrs["provenance"][0]["cache"] == "stale" and len(df) == 6


def test_timeout_is_retried_then_reported(make_client, replay, route, sleeps):
    replay.delay = 0.5
    client = make_client(timeout=0.05, retries=1)
    start = time.monotonic()
    with pytest.raises(FingertipsError, match=r"timed out after 2 attempt\(s\)") as info:
        client.indicator_data(90362, 202)
    assert time.monotonic() - start < 2 and len(sleeps) == 1
    assert info.value.request in str(info.value)


def test_connection_errors_are_retried(make_client, sleeps):
    calls = []

    def refuse(request):
        calls.append(request.url)
        raise httpx.ConnectError("connection refused", request=request)

    client = make_client(transport=httpx.MockTransport(refuse), retries=2)
    with pytest.raises(FingertipsError, match="failed after 3 attempt"):
        client.indicator_data(90362, 202)
    assert len(calls) == 3 and len(sleeps) == 2


# --- TLS ---------------------------------------------------------------------------------------------------

def test_tls_verification_cannot_be_turned_off(tmp_path):
    with pytest.raises(InvalidInputError, match="cannot be turned off"):
        FingertipsClient(verify=False, cache_dir=tmp_path)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises(InvalidInputError, match="does not verify"):
        FingertipsClient(verify=ctx, cache_dir=tmp_path)


def test_default_client_verifies_certificates(tmp_path):
    client = FingertipsClient(cache_dir=tmp_path)
    ctx = client.fetcher.ssl_context
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert client.base_url.startswith("https://")
    http = client.fetcher.client  # built lazily; no request is sent
    pool_ctx = http._transport._pool._ssl_context  # httpx internals: the context really in use
    assert pool_ctx is ctx
    client.close()


def test_ca_bundle_path_still_verifies(tmp_path):
    import certifi

    client = FingertipsClient(verify=certifi.where(), cache_dir=tmp_path)
    assert client.fetcher.ssl_context.verify_mode == ssl.CERT_REQUIRED


def test_plain_http_only_for_a_local_server(tmp_path):
    with pytest.raises(InvalidInputError, match="https://"):
        FingertipsClient(base_url="http://fingertips.phe.org.uk/api/", cache_dir=tmp_path)
    with pytest.raises(InvalidInputError, match="HEALTHINTEL_FINGERTIPS_NEXT_URL"):
        FingertipsClient("next", cache_dir=tmp_path)


# --- malformed payloads ------------------------------------------------------------------------------------

def _truncated(body: bytes) -> bytes:
    return body[: len(body) * 2 // 3]


MALFORMED_CSV = {
    "html error page": lambda b: (200, "text/html; charset=utf-8",
                                  b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
                                  b"<body>Fingertips is down for maintenance</body></html>"),
    "html without content type": lambda b: (200, "application/octet-stream", b"<html><body>Error</body></html>"),
    "missing columns": lambda b: (200, "text/csv", b"Indicator ID,Area Code,Value\r\n90362,E92000001,63.0\r\n"),
    "truncated csv": lambda b: (200, "text/csv", _truncated(b)),
    "empty body": lambda b: (200, "text/csv", b""),
    "json instead of csv": lambda b: (200, "application/json", b'{"Message": "An error has occurred."}'),
    "non-numeric value": lambda b: (200, "text/csv", b.replace(b"63.02647", b"n/a")),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_CSV))
def test_malformed_legacy_payloads(case, make_client, replay, route, csv_body):
    replay.routes[route] = MALFORMED_CSV[case](csv_body)
    client = make_client()
    url = client.data_request(90362, 202).url
    with pytest.raises(FingertipsPayloadError) as info:
        client.indicator_data(90362, 202)
    assert url in str(info.value) and info.value.request == url
    assert client.cache.entries() == []  # a bad answer is never cached


def test_truncated_csv_message(make_client, replay, route, csv_body):
    replay.routes[route] = (200, "text/csv", _truncated(csv_body))
    with pytest.raises(FingertipsPayloadError, match="truncated"):
        make_client().indicator_data(90362, 202)


def test_html_page_message(make_client, replay, route, csv_body):
    replay.routes[route] = MALFORMED_CSV["html error page"](csv_body)
    with pytest.raises(FingertipsPayloadError, match="HTML page titled 'Service Unavailable'"):
        make_client().indicator_data(90362, 202)


def test_missing_columns_message(make_client, replay, route, csv_body):
    replay.routes[route] = MALFORMED_CSV["missing columns"](csv_body)
    with pytest.raises(FingertipsPayloadError, match=r"lacks column\(s\) \['Indicator Name', 'Area Name'"):
        make_client().indicator_data(90362, 202)


@pytest.fixture
def next_body(shared):
    return (shared / rec.FT / "next_api_examples" / "test-indicators-benchmark-rag_expected-response.json"
            ).read_bytes()


MALFORMED_JSON = {
    "list instead of object": (b"[]", "IndicatorWithHealthDataForArea"),
    "no areaHealthData": (b'{"indicatorId": 41101, "name": "x"}', "areaHealthData"),
    "areaHealthData not a list": (b'{"indicatorId": 1, "areaHealthData": {"areaCode": "E12000007"}}',
                                  "areaHealthData"),
    "point without datePeriod": (json.dumps({"indicatorId": 1, "areaHealthData": [{
        "areaCode": "E1", "areaName": "A", "indicatorSegments": [{"healthData": [{"value": 1}]}]}]}).encode(),
        "datePeriod"),
    "truncated json": (None, "not valid JSON"),
    "html": (b"<!doctype html><title>Bad gateway</title>", "HTML page"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_JSON))
def test_malformed_next_payloads(case, make_client, replay, next_body):
    body, expect = MALFORMED_JSON[case]
    body = body if body is not None else next_body[: len(next_body) // 2]
    client = make_client("next")
    url = client.data_request(41101, 6).url
    replay.routes[route_of(url)] = (200, OK_JSON, body)
    with pytest.raises(FingertipsPayloadError, match=expect) as info:
        client.indicator_data(41101, 6)
    assert url in str(info.value) and info.value.request == url
    assert client.cache.entries() == []


def test_wrong_shape_for_areas(make_client, replay):
    replay.routes["areas/by_area_type?area_type_id=502"] = (200, OK_JSON, b'{"Code": "E10000016"}')
    with pytest.raises(FingertipsPayloadError, match="expected a JSON list of areas"):
        make_client().areas(502)


# --- concurrency -------------------------------------------------------------------------------------------

def test_concurrency_limit(make_client, shared):
    lock, state = threading.Lock(), {"now": 0, "max": 0, "calls": 0}
    records = rec.sample_90362(shared)

    def handler(request):
        with lock:
            state["now"] += 1
            state["calls"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.03)
        ind = int(request.url.params["indicator_ids"])
        body = rec.legacy_csv(shared, [dict(r, indicator_id=ind) for r in records])
        with lock:
            state["now"] -= 1
        return httpx.Response(200, headers={"content-type": "text/csv"}, content=body)

    client = make_client(transport=httpx.MockTransport(handler), max_concurrency=2)
    ids = list(range(90001, 90009))
    df = client.indicators_data(ids, 202)
    assert state["calls"] == 8 and state["max"] <= 2
    assert sorted(df.indicator_id.unique()) == ids and len(df.attrs["provenance"]) == 8


def test_cache_entries_and_clear(tmp_path, make_client, route):
    client = make_client()
    client.indicator_data(90362, 202)
    cache = FingertipsCache(tmp_path / "cache")
    assert len(cache.entries()) == 1
    assert cache.clear() == 1 and cache.entries() == []
