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


def _read_csv(path: Path):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # every column as text first: a stray word in a numeric column must reach the validation, not stop the read
    names = _csv_header(path)
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding="utf-8", column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             null_values=NULL_VALUES, strings_can_be_null=True),
    )


def _parquet_columns(path: Path, categorical: set[str]):
    """Each column of a parquet file in turn (``(name, Arrow column)``): one column in memory at a time; text
    codes straight into dictionaries (parquet stores them that way)."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    source = pq.ParquetFile(path, read_dictionary=sorted(categorical & set(names)))
    for name in names:
        yield name, source.read(columns=[name]).column(0)


def _table_columns(holder: list):
    """Each column of the Arrow table in ``holder`` (its only reference), dropped from the table once taken."""
    table = holder.pop()
    for name in list(table.column_names):
        col = table.column(name)
        table = table.drop_columns([name])
        yield name, col


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


def _typed_column(col, name: str, text: set[str], numbers: set[str], categorical: set[str]):
    """One Arrow column cast as asked: ``numbers`` to float64 where every value parses, ``text`` to string,
    ``categorical`` to dictionary."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if name in numbers and not pa.types.is_floating(col.type):
        # a column with text that is not a number stays text: the validation reports those values
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
            col = pc.cast(pc.utf8_trim_whitespace(col) if pa.types.is_string(col.type) else col, pa.float64())
    elif name in text | categorical and not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string()) if not pa.types.is_dictionary(col.type) else col
    if name in categorical and pa.types.is_string(col.type):
        col = col.dictionary_encode()
    return col


def _to_frame(columns, text: set[str], numbers: set[str], categorical: set[str]) -> pd.DataFrame:
    """``(name, Arrow column)`` pairs as a DataFrame, each column cast (:func:`_typed_column`), converted and
    released in turn (peak memory about one copy of the data, not two or three)."""
    import pyarrow as pa

    data = {}
    for name, col in columns:
        key = str(name).strip()
        data[key] = _typed_column(col, key, text, numbers, categorical).to_pandas()
        del col
        pa.default_memory_pool().release_unused()  # hand the freed Arrow buffers back to the system
    return pd.DataFrame(data, columns=list(data), copy=False)


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
        if fmt == "parquet":
            frame = _to_frame(_parquet_columns(path, set(categorical)), set(text), set(numbers), set(categorical))
        else:
            holder = [_read_csv(path)]
            frame = _to_frame(_table_columns(holder), set(text), set(numbers), set(categorical))
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"extract {path.name!r} cannot be read as {fmt}: {str(exc).splitlines()[0]}. "
                                "Save it as UTF-8 CSV with one header row, or as parquet.") from None
    columns = tuple(frame.columns)
    info = ExtractFile(name=path.name, rows=len(frame), sha256=file_sha256(path), format=fmt,
                       columns=columns)
    return frame, info
