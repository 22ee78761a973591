"""Runs anywhere: a clone of the repository with no ../shared beside it and no network renders the default series
from the embedded data kit alone (issue 15's acceptance test).

The clone runs its own code (``PYTHONPATH=<clone>/src``) with this test environment's interpreter and kernel;
every ``HEALTHINTEL_*`` setting is removed so the clone's folders and no mirror are used. The render runs inside a
new network namespace with only loopback (``unshare -n``, root, as in CI); where that is not possible outside CI,
every HTTP(S) request is sent to a closed local port instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthintel import config
from healthintel.render.series import load_series

pytestmark = pytest.mark.slow


def _offline_command(healthintel: str) -> tuple[list[str], dict[str, str]]:
    """The render command cut off from the network, and extra environment for it."""
    args = [healthintel, "render", "--jobs", "2"]
    can_unshare = (os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip")
                   and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0)
    if can_unshare:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *args], {}
    if os.environ.get("CI"):
        pytest.fail("CI must run this test as root with unshare and ip (util-linux, iproute2) available.")
    dead = "http://127.0.0.1:9"
    return args, {"http_proxy": dead, "https_proxy": dead, "HTTP_PROXY": dead, "HTTPS_PROXY": dead,
                  "no_proxy": "", "NO_PROXY": ""}


def test_default_series_renders_from_the_kit_with_no_mirror_and_no_network(tmp_path):
    machine = tmp_path / "machine"
    clone = machine / "healthintel"
    subprocess.run(["git", "clone", "--quiet", str(config.project_root()), str(clone)], check=True)
    assert not (machine / "shared").exists()
    healthintel = str(Path(sys.executable).with_name("healthintel"))
    command, extra = _offline_command(healthintel)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHINTEL_")}
    env.update(extra, PYTHONPATH=str(clone / "src"))
    start = time.perf_counter()
    done = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    summary = [line.strip() for line in done.stdout.splitlines() if re.fullmatch(r"\s*\d+ ok.*", line)]
    print(f"\n$ {' '.join(command)}\n{summary[-1] if summary else '(no summary)'} in {seconds:.0f} s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = len(load_series(clone / "src" / "healthintel" / "render" / "series.yaml"))
    assert summary and summary[-1] == f"{expected} ok", summary
    fetched = [p for p in (clone / "data" / "raw").rglob("*") if p.is_file() and p.name != ".gitkeep"]
    assert fetched == [], f"the render fetched {fetched[:5]}: the kit must cover the default series"
    page = (clone / "reports" / "deprivation_profile" / "kent.html").read_text(encoding="utf-8")
    assert "embedded data kit" in page and "Open Government Licence" in page
