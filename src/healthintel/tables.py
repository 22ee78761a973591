"""Report tables: DataFrames formatted for reviewers (units, CIs, captions, no index) and the provenance footer."""

from __future__ import annotations

import datetime as _dt
import html
import json

import pandas as pd

from . import __version__
from .sources import kit
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


#: Credits printed under the provenance table, each when a source the page used calls for it.
OGL_CREDIT = "Contains public sector information licensed under the Open Government Licence v3.0."
ONS_CREDIT = "Source: Office for National Statistics licensed under the Open Government Licence v.3.0."
OS_CREDIT = "Contains OS data © Crown copyright and database right {years}."
_SHORT_HASH = 12
#: Said under the provenance table when a source was read from the embedded data kit.
KIT_NOTE = ("Sources marked \"embedded data kit\" were read from healthintel's data kit (data/kit): tables derived "
            "from the official releases listed here, unchanged in value, with the attribution in data/kit/README.md.")


def source_credits(publishers: list[str], licences: list[str]) -> list[str]:
    """The attribution statements the sources of a page require, and only those.

    The Open Government Licence statement when a source is under the OGL; the ONS statement when ONS published a
    source (the ONS's own attribution wording); the OS statement, with the years its licences give, when a source
    contains Ordnance Survey data (the ONS boundary files). A page that uses no ONS or OS data credits neither.
    """
    import re

    out = []
    if any("open government licence" in str(lic).casefold() for lic in licences):
        out.append(OGL_CREDIT)
    if any(str(p).casefold().startswith(("office for national statistics", "ons ")) for p in publishers):
        out.append(ONS_CREDIT)
    os_years = sorted({year for lic in licences if "contains os data" in str(lic).casefold()
                       for year in re.findall(r"\b(?:19|20)\d\d\b", str(lic).split("OS data", 1)[-1])})
    if any("contains os data" in str(lic).casefold() for lic in licences):
        out.append(OS_CREDIT.format(years=", ".join(os_years) or "").replace(" .", "."))
    return out


def _hash_cell(short: str, full: str | None) -> str:
    """A short hash, the full value on hover (title) and a click away (details: select and copy it)."""
    short = str(short)
    if not full:
        return f"<code>{html.escape(short)}</code>"
    full = html.escape(full)
    return (f'<details class="hi-hash"><summary title="SHA-256 {full}"><code>{html.escape(full[:_SHORT_HASH])}…</code>'
            f'<span class="hi-visually-hidden"> (show the full SHA-256)</span></summary><code>{full}</code></details>')


def _url_cell(url: str) -> str:
    url = str(url)
    if url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>'
    return html.escape(url)


def provenance_footer(dataset_ids: list[str], *, notes: str = "", extra: pd.DataFrame | None = None) -> HTML:
    """The "Data sources and provenance" footer: every source with vintage, licence, URL and checksum, the
    healthintel version and the time the chapter was run.

    ``extra`` adds rows in the same columns for sources outside the catalog, e.g. the Fingertips API requests
    of :func:`healthintel.sources.fingertips.provenance_table` (request URL, API generation, fetched-at time and
    cache status).

    The table wraps (``hi-provenance-table``; each cell also carries its column name in ``data-label`` so a phone
    shows one source per card); URLs are links; the SHA-256 shows its first 12 characters with the full value on
    hover and one click away; the credits under it are those the page's own sources require
    (:func:`source_credits`), not a fixed list."""
    from .sources.catalog import file_sha256

    prov = provenance(dataset_ids)
    full: list[str | None] = [file_sha256(i) for i in dataset_ids]
    if extra is not None and len(extra):
        prov = pd.concat([prov, extra], ignore_index=True) if len(prov) else extra.reset_index(drop=True)
        full += [None] * len(extra)
    columns = list(prov.columns)
    body = []
    for values, whole in zip(prov.itertuples(index=False), full):
        cells = []
        for column, value in zip(columns, values):
            text = (_hash_cell(value, whole) if column == "SHA-256" else _url_cell(value) if column == "Official URL"
                    else html.escape(str(value)))
            cells.append(f'<td data-label="{html.escape(column, quote=True)}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    credits = source_credits(list(prov.get("Publisher", [])), list(prov.get("Licence", [])))
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes_html = f"<p>{html.escape(notes)}</p>" if notes else ""
    if set(dataset_ids) & kit.USED:
        notes_html += f"<p>{html.escape(KIT_NOTE)}</p>"
    return HTML(
        '<section class="hi-provenance"><h2>Data sources and provenance</h2>'
        '<table class="hi-table hi-provenance-table" data-hi-table="provenance">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"{notes_html}"
        f"<p>Produced with healthintel {__version__} on {now}. {' '.join(credits)}</p></section>"
    )


def markdown_list(items: dict) -> str:
    return "\n".join(f"- **{k}**: {v}" for k, v in items.items())
