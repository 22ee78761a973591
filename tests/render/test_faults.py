"""Fault injection: a chapter raising, a worker killed mid-write, a process killed while the HTML is being
replaced, and a failing rename. What a reviewer can find afterwards is documented in render_chapter:

- a failed chapter has no HTML (a previous report for the same slug is removed) and keeps its executed notebook;
- a process killed while writing leaves the previous HTML intact (never half a file: writes go to a hidden temp
  file renamed into place); the temp file and the skip hash are cleared by the next render of that slug;
- the other chapters of the series complete.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest

from healthintel.render import render_chapter, render_series

from .conftest import leftovers

pytestmark = pytest.mark.slow


def test_one_raising_one_killed_the_others_complete(notebooks, reports):
    stale = reports / "killer" / "swale.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<html>old report</html>")
    specs = [{"chapter": "fixture", "parameters": {"area": "Dover"}},
             {"chapter": "killer", "parameters": {"area": "Swale"}},
             {"chapter": "failing", "parameters": {"area": "Medway"}},
             {"chapter": "fixture", "parameters": {"area": "Thanet"}},
             {"chapter": "fixture", "parameters": {"area": "Kent"}}]
    results = render_series(specs, jobs=2, notebooks_dir=notebooks, reports_dir=reports, progress=False)
    status = {(r.chapter, r.slug): (r.status, r.error) for r in results}
    assert [r.chapter for r in results] == [s["chapter"] for s in specs]  # in the order given
    for slug in ("dover", "thanet", "kent"):
        assert status[("fixture", slug)] == ("ok", None)
        assert (reports / "fixture" / f"{slug}.html").is_file()
    assert status[("failing", "medway")] == ("failed", "RuntimeError: boom for Medway")
    killed = status[("killer", "swale")]
    assert killed[0] == "failed" and "BrokenProcessPool" in killed[1]
    assert not stale.exists()  # the crashed job's old report is not left looking current
    assert not (reports / "killer" / "swale.hash").exists()
    assert not list((reports / "killer").glob("*.html")) and leftovers(reports) == []


KILL_DURING_REPLACE = textwrap.dedent("""
    import os, signal, sys
    from healthintel.render import render_chapter

    real_replace = os.replace

    def dying_replace(src, dst, *a, **k):
        if str(dst).endswith(".html"):
            os.kill(os.getpid(), signal.SIGKILL)  # the temp HTML is complete, the rename never happens
        return real_replace(src, dst, *a, **k)

    os.replace = dying_replace
    render_chapter("fixture", {"area": "Dover", "n": 4}, notebooks_dir=sys.argv[1], reports_dir=sys.argv[2])
""")

KILL_DURING_WRITE = textwrap.dedent("""
    import os, signal, sys
    from healthintel.render import render_chapter

    def dying_fsync(fd):
        os.kill(os.getpid(), signal.SIGKILL)  # half-way through atomic_write, before fsync/rename

    os.fsync = dying_fsync
    render_chapter("fixture", {"area": "Dover", "n": 5}, notebooks_dir=sys.argv[1], reports_dir=sys.argv[2])
""")


@pytest.mark.parametrize("script", [KILL_DURING_REPLACE, KILL_DURING_WRITE], ids=["replace", "write"])
def test_killed_mid_write_keeps_the_previous_html_intact(notebooks, reports, script):
    first = render_chapter("fixture", {"area": "Dover"}, notebooks_dir=notebooks, reports_dir=reports)
    assert first.status == "ok"
    before = first.html_path.read_bytes()

    proc = subprocess.run([sys.executable, "-c", script, str(notebooks), str(reports)], capture_output=True,
                          timeout=300, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]

    folder = reports / "fixture"
    assert first.html_path.read_bytes() == before  # the previous report, whole
    assert sorted(p.name for p in folder.glob("*.html")) == ["dover.html"]
    assert not (folder / "dover.hash").exists()  # forgotten before the run: nothing vouches for it now
    temps = leftovers(reports)  # hidden, never linked from the index: beside the report, or in its CSV folder
    assert temps and all(p.name.startswith(".dover.") or (p.name.startswith(".") and p.parent.name == "dover")
                         for p in temps), temps
    linked = re.findall(r'href="(dover/[^"]+\.csv)"', before.decode())
    assert linked and all((folder / link).is_file() for link in linked)  # the old page's CSV links still resolve

    again = render_chapter("fixture", {"area": "Dover"}, notebooks_dir=notebooks, reports_dir=reports)
    assert again.status == "ok"  # not skipped: the hash was forgotten
    assert leftovers(reports) == []  # the next render of the slug clears the dead run's temp files


def test_failing_rename_is_a_failed_result_without_partial_files(notebooks, reports, monkeypatch):
    first = render_chapter("fixture", {"area": "Dover"}, notebooks_dir=notebooks, reports_dir=reports)
    real_replace = os.replace

    def failing_replace(src, dst, *args, **kwargs):
        if str(dst).endswith(".html"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    second = render_chapter("fixture", {"area": "Dover", "n": 4}, notebooks_dir=notebooks, reports_dir=reports)
    assert second.status == "failed" and "No space left on device" in second.error
    assert second.error.startswith("export failed: OSError")
    assert not first.html_path.exists()  # a failed render removes the old report (documented)
    assert second.notebook_path.is_file() and leftovers(reports) == []
    assert not (reports / "fixture" / "dover.hash").exists()
