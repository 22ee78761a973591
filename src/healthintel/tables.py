"""Report tables: DataFrames formatted for reviewers (units, CIs, captions, no index) and the provenance footer."""

from __future__ import annotations

import datetime as _dt
import html
import json

import pandas as pd

from . import __version__
from .sources.catalog import provenance


def table(data: pd.DataFrame, *, caption: str, formats: dict | None = None, na_rep: str = "–",
          counts: list[str] | None = None, derived: list[str] | None = None, suppressed=None):
    """A Styler with a caption, hidden index and per-column number formats, ready to display in a report.

    ``counts`` names the columns holding counts of people: they go through
    :func:`healthintel.disclosure.suppress_small_counts` (with the ``derived`` columns of the same rows), the
    suppressed cells show ``c``, and the table is tagged so that ``healthintel render`` re-checks the published
    HTML (``data-hi-counts``). Every table made here carries ``data-hi-table``: the renderer refuses to publish
    HTML tables that did not come through this function. ``suppressed`` (a boolean per row) marks rows already
    suppressed by a chapter's own rule (e.g. :func:`healthintel.disclosure.ncmp_rates`): they show ``c`` too.
    """
    from . import disclosure

    marked = None
    attributes = 'class="hi-table" data-hi-table="table"'
    if counts:
        limit = disclosure.threshold()
        data = disclosure.suppress_small_counts(data.reset_index(drop=True), list(counts), derived=derived,
                                                threshold=limit)
        marked = data.pop("suppressed").to_numpy()
        if suppressed is not None:
            marked = marked | pd.Series(suppressed).to_numpy(dtype=bool)
        formats = {**{c: "{:,.0f}" for c in counts}, **(formats or {})}  # counts stay whole numbers (Float64 now)
        names = html.escape(json.dumps([str(c) for c in counts]), quote=True)
        attributes += f' data-hi-counts="{names}" data-hi-threshold="{limit}"'
    styler = data.style.hide(axis="index").set_caption(caption).format(formats or {}, na_rep=na_rep)
    if marked is not None and marked.any():
        rows = data.index[marked]
        cols = [c for c in list(counts) + list(derived or []) if c in data.columns]
        styler = styler.format(na_rep=disclosure.SUPPRESSED_MARK, subset=pd.IndexSlice[rows, cols],
                               formatter={c: (formats or {}).get(c) for c in cols})
    text = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
    if text:  # names read left-aligned; numbers stay right-aligned
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    return styler.set_table_attributes(attributes).set_table_styles(
        [{"selector": "caption", "props": "caption-side: top; font-weight: bold; text-align: left;"},
         {"selector": "th", "props": "text-align: left; padding: 2px 8px;"},
         {"selector": "td", "props": "padding: 2px 8px;"}]
    )


class HTML:
    """Minimal HTML display object (keeps IPython out of the library's imports)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def provenance_footer(dataset_ids: list[str], *, notes: str = "", extra: pd.DataFrame | None = None) -> HTML:
    """The "Data sources and provenance" footer: every source with vintage, licence, URL and checksum, the
    healthintel version and the time the chapter was run.

    ``extra`` adds rows in the same columns for sources outside the catalog, e.g. the Fingertips API requests
    of :func:`healthintel.sources.fingertips.provenance_table` (request URL, API generation, fetched-at time and
    cache status)."""
    prov = provenance(dataset_ids)
    if extra is not None and len(extra):
        prov = pd.concat([prov, extra], ignore_index=True) if len(prov) else extra.reset_index(drop=True)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in prov.itertuples(index=False)
    )
    head = "".join(f"<th>{html.escape(c)}</th>" for c in prov.columns)
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return HTML(
        '<section class="hi-provenance"><h2>Data sources and provenance</h2>'
        '<table class="hi-table" data-hi-table="provenance">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>{html.escape(notes)}</p>"
        f"<p>Produced with healthintel {__version__} on {now}. Contains public sector information licensed under "
        "the Open Government Licence v3.0. Source: Office for National Statistics licensed under the Open "
        "Government Licence v.3.0. Contains OS data © Crown copyright and database right.</p></section>"
    )


def markdown_list(items: dict) -> str:
    return "\n".join(f"- **{k}**: {v}" for k, v in items.items())
