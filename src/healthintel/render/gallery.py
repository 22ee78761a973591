"""Render the chart gallery (``notebooks/explore/chart_gallery.ipynb``) to HTML and PNGs, outside ``make report``.

``python -m healthintel.render.gallery [output_dir]`` executes the notebook with papermill on the
``healthintel`` kernel and writes ``chart_gallery.html`` (the reviewer page, no code), the executed notebook and one
PNG per chart (``NN_<title>.png``, decoded from the charts' embedded images) to ``output_dir``
(default ``reports/gallery``). The report series and ``healthintel render`` are untouched.
"""

from __future__ import annotations

import base64
import html
import re
import sys
from pathlib import Path

from .. import config

NOTEBOOK = Path("explore") / "chart_gallery.ipynb"
_IMG = re.compile(r'<figure class="hi-chart" data-title="([^"]*)"><img src="data:image/png;base64,([^"]+)" '
                  r'alt="([^"]*)"')


def chart_images(nb) -> list[tuple[str, str, bytes]]:
    """``(title, alt, png bytes)`` of every chart shown in an executed notebook, in order."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            page = (output.get("data") or {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            found += [(html.unescape(title), html.unescape(alt), base64.b64decode(data))
                      for title, data, alt in _IMG.findall(page)]
    return found


def _slug(text: str, n: int = 48) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:n].rstrip("_")


def render_gallery(output_dir: str | Path | None = None, *, parameters: dict | None = None,
                   kernel: str = config.KERNEL_NAME) -> Path:
    """Execute the gallery notebook and write its HTML page, executed notebook and chart PNGs; returns the HTML."""
    import nbformat
    import papermill as pm

    from .export import atomic_write, write_html

    out = Path(output_dir) if output_dir else config.reports_dir() / "gallery"
    out.mkdir(parents=True, exist_ok=True)
    executed = out / "chart_gallery.ipynb"
    pm.execute_notebook(str(config.notebooks_dir() / NOTEBOOK), str(executed), parameters=parameters or {},
                        kernel_name=kernel, cwd=str(config.project_root()), progress_bar=False)
    nb = nbformat.read(str(executed), as_version=4)
    html_path = write_html(nb, out / "chart_gallery.html", chapter="chart_gallery", kernel=kernel,
                           notebook_dir=out)
    for i, (title, _, png) in enumerate(chart_images(nb), start=1):
        atomic_write(out / f"{i:02d}_{_slug(title.replace('(demo data)', '')) or 'chart'}.png", png)
    return html_path


if __name__ == "__main__":  # pragma: no cover - thin CLI-free entry point
    print(render_gallery(sys.argv[1] if len(sys.argv) > 1 else None))
