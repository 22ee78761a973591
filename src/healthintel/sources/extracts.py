"""Reading an analyst's own record-level extract (CSV or parquet): typed columns, file identity, nothing else.

I/O only. :func:`read_extract` reads a file into a DataFrame and an :class:`ExtractFile` (the file's name without
its folders, rows, SHA-256, format) for the provenance footer. It never drops, sums or repairs a row: columns
named ``text`` are read as text (categorical where ``categorical``), columns named ``numbers`` as floats *when
every value parses* (otherwise they stay text, so the validation above can report the values that do not), and
every other column as it comes. The layouts, their pandera schemas and the validation report are in
:mod:`healthintel.extracts` (domain layer: it needs the LSOA lookups).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataNotFoundError, InvalidInputError

__all__ = ["ExtractFile", "FORMATS", "read_extract", "file_sha256", "extract_format"]

#: File suffix -> format name.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: Cells read as missing in a CSV (besides an empty cell).
NULL_VALUES = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "None"]


@dataclass(frozen=True)
class ExtractFile:
    """What a report may say about an extract file: its name (no folders), rows, SHA-256 and format."""

    name: str
    rows: int
    sha256: str
    format: str
    columns: tuple[str, ...] = ()

    def describe(self) -> str:
        """``"ncmp_2023.csv (12,345 rows, SHA-256 ab12…)"``."""
        return f"{self.name} ({self.rows:,} rows, SHA-256 {self.sha256})"


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_format(path: str | Path) -> str:
    """``"csv"`` or ``"parquet"`` from the file's suffix; anything else is an :class:`InvalidInputError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInputError(f"extract {Path(path).name!r}: the file name must end in .csv or .parquet "
                                f"(got {suffix or 'no suffix'}); save the extract as CSV (UTF-8) or parquet.")
    return FORMATS[suffix]


def _read_table(path: Path, fmt: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        return pq.read_table(path)
    # every column as text first: a stray word in a numeric column must reach the validation, not stop the read
    names = _csv_header(path)
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding="utf-8", column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             null_values=NULL_VALUES, strings_can_be_null=True),
    )


def _csv_header(path: Path) -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        row = next(csv.reader(fh), None)
    if not row:
        raise InvalidInputError(f"extract {path.name!r} is empty: it has no header row.")
    names = [c.strip() for c in row]
    if len(set(names)) != len(names):
        twice = sorted({c for c in names if names.count(c) > 1})
        raise InvalidInputError(f"extract {path.name!r} has repeated column name(s) {twice}; give each column "
                                "one name.")
    return names


def _typed(table, text: set[str], numbers: set[str], categorical: set[str]):
    """Cast ``numbers`` to float64 where every value parses, ``text`` to string, ``categorical`` to dictionary."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if name in numbers and not pa.types.is_floating(col.type):
            # a column with text that is not a number stays text: the validation reports those values
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
                col = pc.cast(pc.utf8_trim_whitespace(col) if pa.types.is_string(col.type) else col, pa.float64())
        elif name in text | categorical and not pa.types.is_string(col.type):
            col = pc.cast(col, pa.string()) if not pa.types.is_dictionary(col.type) else col
        if name in categorical and pa.types.is_string(col.type):
            col = col.dictionary_encode()
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def read_extract(path: str | Path, *, text: Iterable[str] = (), numbers: Iterable[str] = (),
                 categorical: Iterable[str] = ()) -> tuple[pd.DataFrame, ExtractFile]:
    """Read a CSV or parquet extract.

    Parameters
    ----------
    path : str or Path
        The file (``.csv``, UTF-8 with a header row; or ``.parquet``).
    text, numbers, categorical : iterable of str
        Columns to read as text, as numbers (float64, only when every value parses), and as categorical text
        (low-cardinality codes such as ``lsoa_code``: far less memory on millions of rows).

    Returns
    -------
    (DataFrame, ExtractFile)
        Every row of the file, in file order (index 0..n-1; row ``i`` is line ``i + 2`` of a CSV), and its
        identity (file name without folders, rows, SHA-256, format, column names as in the file).
    """
    path = Path(path)
    fmt = extract_format(path)
    if not path.is_file():
        raise DataNotFoundError(f"no extract file {path.name!r} at the path given; check the path (it must be a "
                                "file the current user can read).")
    import pyarrow as pa

    try:
        table = _read_table(path, fmt)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"extract {path.name!r} cannot be read as {fmt}: {str(exc).splitlines()[0]}. "
                                "Save it as UTF-8 CSV with one header row, or as parquet.") from None
    table = table.rename_columns([str(c).strip() for c in table.column_names])
    table = _typed(table, set(text), set(numbers), set(categorical))
    frame = table.to_pandas()
    info = ExtractFile(name=path.name, rows=len(frame), sha256=file_sha256(path), format=fmt,
                       columns=tuple(table.column_names))
    return frame, info
