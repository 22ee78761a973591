"""``healthintel data fingertips fetch | areas | cache-info`` against the local replay server."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from healthintel.cli import app

from . import recordings as rec
from .conftest import route_of


def _env(replay, tmp_path):
    return {"HEALTHINTEL_FINGERTIPS_URL": replay.url, "HEALTHINTEL_FINGERTIPS_CACHE": str(tmp_path / "cache")}


def test_fetch_then_offline_then_cache_info(replay, make_client, shared, tmp_path):
    replay.routes[route_of(make_client().data_request(90362, 202).url)] = (
        200, "text/csv", rec.legacy_csv(shared, rec.sample_90362(shared)))
    runner, env = CliRunner(), _env(replay, tmp_path)
    out = tmp_path / "hle.csv"
    res = runner.invoke(app, ["data", "fingertips", "fetch", "-i", "90362", "-a", "202", "-o", str(out)], env=env)
    assert res.exit_code == 0, res.output
    assert "miss\t" in res.stdout and "indicator_ids=90362" in res.stdout
    assert len(pd.read_csv(out)) == 6
    assert "Healthy life expectancy" in pd.read_csv(tmp_path / "hle.provenance.csv").Source[0]
    res = runner.invoke(app, ["data", "fingertips", "fetch", "-i", "90362", "-a", "202", "--offline"], env=env)
    assert res.exit_code == 0 and "hit (offline)\t" in res.stdout
    res = runner.invoke(app, ["data", "fingertips", "cache-info"], env=env)
    assert res.exit_code == 0 and "1 response(s)" in res.output and "indicator_ids=90362" in res.stdout


def test_cold_offline_fetch_exits_1_with_the_documented_message(tmp_path, replay):
    res = CliRunner().invoke(app, ["data", "fingertips", "fetch", "-i", "90366", "-a", "502", "--offline"],
                             env=_env(replay, tmp_path))
    assert res.exit_code == 1
    assert "error: offline: no cached response for " in res.output
    assert "indicator_ids=90366" in res.output and replay.hits == {}


def test_areas_command(replay, tmp_path):
    replay.routes["areas/by_area_type?area_type_id=502"] = (200, "application/json", json.dumps(
        [{"Code": "E10000016", "Name": "Kent", "Short": "Kent"}]).encode())
    res = CliRunner().invoke(app, ["data", "fingertips", "areas", "-a", "502"], env=_env(replay, tmp_path))
    assert res.exit_code == 0 and "E10000016" in res.stdout and "Kent" in res.stdout
