"""Chapter notebooks → executed notebooks → HTML reports for reviewers (papermill + nbconvert).

``render`` only runs notebooks with parameters; it never imports the domain modules.

- :func:`notebook_parameters`, :func:`validate_parameters`: the ``parameters`` cell, checked before a kernel starts.
- :func:`render_chapter`: one chapter × parameters → ``reports/{chapter}/{slug}.ipynb`` and ``.html``; the slug and
  header come from the area's official name (:func:`~healthintel.render.parameters.canonical_area`).
- :func:`load_series`, :func:`render_series`: chapters × areas from YAML across a process pool.
- :func:`write_index`: ``reports/index.html``, the latest result per chapter × area (state merged across runs in
  ``reports/index.json``; ``keep=`` prunes stale rows and their files).
- :mod:`~healthintel.render.commentary`: the author's Markdown commentary, sanitised, into the report.
- :mod:`~healthintel.render.downloads`: a "Download CSV" of every data table, beside the report.
- :mod:`~healthintel.render.pdf`: reports printed to A4 PDF by headless Chromium, one browser per series.
- :mod:`~healthintel.render.cache`: skip unchanged chapters (content hash in ``reports/{chapter}/{slug}.hash``).
- :mod:`~healthintel.render.guard`: disclosure checks on the executed notebook before any HTML is written.
- :mod:`~healthintel.render.gallery`: the chart gallery notebook to HTML and PNGs (outside the series).
"""

from healthintel.render.execute import ChapterResult, render_chapter
from healthintel.render.export import export_html
from healthintel.render.parameters import notebook_parameters, slugify, validate_parameters
from healthintel.render.series import load_series, render_series
from healthintel.render.site import write_index

__all__ = [
    "ChapterResult",
    "export_html",
    "load_series",
    "notebook_parameters",
    "render_chapter",
    "render_series",
    "slugify",
    "validate_parameters",
    "write_index",
]
