"""Chapter notebooks and their ``parameters`` cell: find, inspect, validate (before any kernel starts), and the
canonical area (official name, slug) a report is filed under."""

from __future__ import annotations

import ast
import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

from healthintel import config
from healthintel.errors import HealthIntelError, ParameterError, RenderError

# Types a default can fix; anything else (an expression, a dict of dicts...) is accepted as is.
_TYPES: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}


def chapters_dir(notebooks_dir: str | Path | None = None) -> Path:
    return Path(notebooks_dir or config.notebooks_dir()) / "chapters"


def chapter_path(chapter: str, notebooks_dir: str | Path | None = None) -> Path:
    """``notebooks/chapters/{chapter}.ipynb``; a :class:`RenderError` lists the chapters when it is missing."""
    folder = chapters_dir(notebooks_dir)
    path = folder / f"{chapter}.ipynb"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        raise RenderError(
            f"no chapter notebook {path}; chapters in {folder}: {', '.join(known) or '(none)'}"
        )
    return path


def _literal(source: str) -> tuple[Any, bool]:
    try:
        return ast.literal_eval(source), True
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return source, False


def _type_name(value: Any) -> str | None:
    if value is None:
        return "None"
    for typ, name in _TYPES.items():  # bool before int: bool is a subclass of int
        if isinstance(value, typ):
            return name
    if isinstance(value, tuple):
        return "list"
    return None


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """The ``parameters`` cell of a notebook: ``{name: {name, default, type, help, source}}``.

    ``default`` is the Python value of the literal default (the source text when it is not a literal),
    ``type`` one of str/int/float/bool/list/dict/None (None when it cannot be inferred), ``help`` the
    trailing ``# comment``. Uses :func:`papermill.inspect_notebook`.
    """
    import papermill

    path = Path(path)
    if not path.is_file():
        raise RenderError(f"no notebook at {path}")
    try:
        inspected = papermill.inspect_notebook(str(path))
    except ValueError:  # no kernelspec in the metadata: we always run Python, so inspect it as Python
        inspected = _inspect_as_python(path)
    out: dict[str, dict] = {}
    for name, info in inspected.items():
        source = info.get("default") or ""
        value, is_literal = _literal(source)
        out[name] = {
            "name": name,
            "default": value,
            "type": _type_name(value) if is_literal else None,
            "help": info.get("help") or "",
            "source": source,
        }
    return out


def _inspect_as_python(path: Path) -> dict[str, dict]:
    import nbformat
    from papermill.translators import papermill_translators

    nb = nbformat.read(str(path), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    translator = papermill_translators.find_translator(config.KERNEL_NAME, "python")
    return {p.name: p._asdict() for p in translator.inspect(cell)}


def _matches(expected: str | None, value: Any) -> bool:
    if expected in (None, "None"):
        return True
    if expected == "bool":
        return isinstance(value, bool)
    if expected == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "str":
        return isinstance(value, str)
    if expected == "list":
        return isinstance(value, (list, tuple))
    if expected == "dict":
        return isinstance(value, dict)
    return True


def validate_parameters(path: str | Path, parameters: dict | None) -> dict:
    """Check ``parameters`` against the notebook's ``parameters`` cell and return defaults merged with them.

    Unknown names and values whose type differs from the default's (int is accepted for float; a None
    default accepts anything) raise :class:`~healthintel.errors.ParameterError`. Papermill itself only warns,
    so this runs before any kernel starts.
    """
    spec = notebook_parameters(path)
    parameters = dict(parameters or {})
    unknown = sorted(set(parameters) - set(spec))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for {Path(path).name}; "
            f"valid parameters: {', '.join(spec) or '(none: the notebook has no parameters cell)'}"
        )
    problems = []
    for name, value in parameters.items():
        expected = spec[name]["type"]
        if not _matches(expected, value):
            problems.append(
                f"parameter {name!r} expects {expected} (default {spec[name]['source']}), "
                f"got {type(value).__name__} {value!r}"
            )
    if problems:
        raise ParameterError(f"{Path(path).name}: " + "; ".join(problems))
    merged = {name: info["default"] for name, info in spec.items()}
    merged.update({k: list(v) if isinstance(v, tuple) else v for k, v in parameters.items()})
    return merged


def slugify(text: Any) -> str:
    """A filesystem-safe, lower-case form: ``"Tunbridge Wells"`` → ``"tunbridge-wells"`` ("&" reads "and")."""
    text = unicodedata.normalize("NFKD", str(text).replace("&", " and ")).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "default"


def area_slug(area: Any) -> str:
    """The slug of an area's official name (``"E54000032"`` and ``"kent & medway"`` → ``"kent-and-medway"``); the
    slug of the text itself when it is not an English area (e.g. a test fixture's name)."""
    return slugify(canonical_area(str(area)))


def default_slug(parameters: dict) -> str:
    """The report's file stem: the slug of the ``area`` parameter's official name (``"default"`` without one)."""
    area = parameters.get("area")
    return area_slug(area) if area not in (None, "") else "default"


@functools.lru_cache(maxsize=256)
def canonical_area(area: str) -> str:
    """The official name of the area ``area`` names, by name or GSS code in any case (``"kent"``,
    ``"E10000016"`` → ``"Kent"``; ``"kent & medway"`` → ``"Kent and Medway"``), through
    :func:`healthintel.geography.resolve_area` (IMD 2019 areas, then IoD 2025 ones).

    Text that names no known area is returned stripped and unchanged: the chapter then reports the unknown area
    itself (with the geography's suggestions), and its report keeps the name it was given.
    """
    from healthintel import geography

    text = str(area).strip()
    for vintage in geography.VINTAGES:
        try:
            return geography.resolve_area(text, vintage).name
        except (HealthIntelError, OSError, ValueError, KeyError):
            continue
    return text


def canonical_parameters(parameters: dict) -> dict:
    """``parameters`` with a non-empty string ``area`` replaced by its official name (:func:`canonical_area`), so
    that ``kent``, ``Kent`` and ``E10000016`` run, hash, title and file the same report."""
    area = parameters.get("area")
    if isinstance(area, str) and area.strip():
        return {**parameters, "area": canonical_area(area)}
    return dict(parameters)
