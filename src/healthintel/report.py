"""Display helpers for chapter notebooks: recorded values, the synthetic-data flag and callout boxes.

This module owns what a chapter author calls *inside* a notebook so that ``healthintel.render`` can find it
again in the executed notebook:

- :func:`record` stores a named value as a hidden output (mimetype :data:`RECORD_MIMETYPE`); the HTML export
  never shows it and :func:`recorded_values` reads it back (notebook tests assert on it).
- :func:`mark_synthetic` shows a visible note and flags the output ``metadata["healthintel"]["synthetic"]``;
  the HTML report then carries a "SYNTHETIC DATA" banner.
- :func:`callout` shows a styled box for method notes and author placeholders.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

RECORD_MIMETYPE = "application/vnd.healthintel.record+json"
CALLOUT_KINDS = ("note", "method", "warning", "placeholder")

_CALLOUT_STYLE = {
    "note": ("#1d4f91", "#eef3fa", "Note"),
    "method": ("#2f5f2f", "#eef6ee", "Method"),
    "warning": ("#8a3b00", "#fdf1e7", "Warning"),
    "placeholder": ("#5a3d7a", "#f4effa", "Author's text goes here"),
}


def _display(*args, **kwargs) -> None:
    from IPython.display import display

    display(*args, **kwargs)


def _jsonable(value: Any) -> Any:
    """numpy/pandas scalars become plain Python so the notebook JSON stays readable by any reader."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


#: The recorded value holding a chapter's figures document (:meth:`healthintel.chapters.base.Chapter.record`);
#: the renderer writes it beside the HTML as ``<slug>.figures.json`` (:func:`figures_document`).
FIGURES_RECORD = "figures"


def figures_document(notebook: str | Path | Any) -> dict[str, Any] | None:
    """The figures document an executed chapter notebook recorded (``None`` when it recorded none)."""
    document = recorded_values(notebook).get(FIGURES_RECORD)
    return dict(document) if isinstance(document, dict) else None


def record(name: str, value: Any) -> None:
    """Record ``value`` under ``name`` as a hidden output (read back with :func:`recorded_values`)."""
    payload = {name: _jsonable(value)}
    json.dumps(payload)  # fail in the notebook, where the author can see it, not in the reader
    _display({RECORD_MIMETYPE: payload}, raw=True)


def recorded_values(notebook: str | Path | Any) -> dict[str, Any]:
    """All values recorded with :func:`record` in an executed notebook (a path, or a notebook already read);
    later records win."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, (str, Path)) else notebook
    values: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RECORD_MIMETYPE in data:
                payload = data[RECORD_MIMETYPE]
                values.update(json.loads(payload) if isinstance(payload, str) else dict(payload))
    return values


def mark_synthetic(note: str = "This chapter uses synthetic data: figures are illustrative, not real.") -> None:
    """Show a visible synthetic-data note and flag the output so the report carries the banner."""
    # one "Synthetic data:" prefix even when the note already starts with it
    body = note[len("Synthetic data:"):].lstrip() if note.lower().startswith("synthetic data:") else note
    text = html.escape(body)
    box = (
        '<p class="healthintel-synthetic" role="note" style="border:2px solid #b00020;background:#fff0f0;'
        f'color:#5c0010;padding:0.5em 0.75em;font-weight:600">Synthetic data: {text}</p>'
    )
    _display(
        {"text/html": box, "text/plain": f"SYNTHETIC DATA: {note}"},
        raw=True,
        metadata={"healthintel": {"synthetic": True, "note": note}},
    )


class Block:
    """An HTML block with a plain-text fallback, shown by ``display(block)`` (or as a cell's last value)."""

    def __init__(self, html_text: str, plain: str):
        self.html = html_text
        self.plain = plain

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": self.plain}

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.plain


def callout_block(text: str, kind: str = "note") -> Block:
    """``text`` (plain text, escaped) in a styled box; ``kind`` is one of :data:`CALLOUT_KINDS`.

    Returns the box for a chapter method to hand to the notebook; :func:`callout` shows it at once."""
    if kind not in _CALLOUT_STYLE:
        raise ValueError(f"callout kind must be one of {', '.join(CALLOUT_KINDS)}; got {kind!r}")
    border, background, label = _CALLOUT_STYLE[kind]
    box = (
        f'<div class="healthintel-callout healthintel-callout-{kind}" role="note" '
        f'style="border-left:5px solid {border};background:{background};color:#1a1a1a;padding:0.5em 0.9em;'
        f'margin:0.75em 0"><strong style="color:{border}">{label}.</strong> {html.escape(text)}</div>'
    )
    return Block(box, f"{label}: {text}")


def callout(text: str, kind: str = "note") -> None:
    """Show ``text`` (plain text, escaped) in a styled box; ``kind`` is one of :data:`CALLOUT_KINDS`."""
    block = callout_block(text, kind)
    _display({"text/html": block.html, "text/plain": block.plain}, raw=True)
