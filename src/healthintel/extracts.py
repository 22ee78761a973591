"""The analyst's own record-level extracts: layouts, pandera schemas, the validation report, loading for chapters.

Three layouts (documented for analysts in ``docs/extracts.md``; column names exactly as below):

- ``ncmp`` — one row per measured child (:data:`LAYOUTS`\\ ``["ncmp"]``; the schema is
  :data:`healthintel.obesity.NCMP_SCHEMA`, extended, not duplicated);
- ``deaths`` — one row per death registered (:data:`DEATHS_EXTRACT_SCHEMA`);
- ``population`` — persons by LSOA, sex, single year of age 0–90 (90 = 90 and over) and year
  (:data:`POPULATION_EXTRACT_SCHEMA`).

:func:`check_extract` reads a file (:func:`healthintel.sources.extracts.read_extract`: CSV or parquet) and returns
a :class:`CheckReport`: rows read, the columns found, the LSOA vintage of the codes (LSOA 2011 for IMD 2019, LSOA
2021 for IoD 2025), unknown and wrong-vintage codes with examples, NaN keys, exact duplicate records, values
outside the layout, the years covered and (NCMP) the records that analysis would exclude, by reason. A report
with *errors* means the file cannot be used as it is: every error names the column, example rows and the fix.
Nothing is dropped, summed or repaired silently: records excluded from an analysis are counted by reason.

:func:`load_ncmp`, :func:`load_deaths` and :func:`load_population` are what the chapters call: the checked
extract in the frame the domain modules take (a :class:`healthintel.errors.InvalidInputError` quoting the report
when the file cannot be used), with the file's identity (name, rows, SHA-256 — never its folders) in
``attrs["extract"]`` for the provenance footer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import geography
from .errors import InvalidInputError
from .sources.extracts import ExtractFile, read_extract

__all__ = ["KINDS", "Layout", "LAYOUTS", "CheckReport", "check_extract", "check_frame", "load_ncmp",
           "load_deaths", "load_population", "lsoa_vintage", "deaths_by_lsoa", "population_by_band", "sex_codes",
           "provenance_row",
           "SEX_CODES", "SECTIONS", "row_keys", "duplicated_rows"]
# DEATHS_EXTRACT_SCHEMA and POPULATION_EXTRACT_SCHEMA (pandera, built on first use) are served by __getattr__.

KINDS = ("ncmp", "deaths", "population")
#: Accepted sex codes (case-insensitive) -> 1 male, 2 female.
SEX_CODES = {"m": 1, "male": 1, "1": 1, "1.0": 1, "f": 2, "female": 2, "2": 2, "2.0": 2}
_EXAMPLES = 5
#: The report's sections, in the order they are printed.
SECTIONS = ("Columns", "Missing keys (NaN)", "LSOA codes", "Exact duplicate records", "Values", "Coverage",
            "Rows excluded by reason")
_VINTAGE_GEOGRAPHY = {"imd2019": "LSOA 2011 (IMD 2019)", "iod2025": "LSOA 2021 (IoD 2025)"}


@dataclass(frozen=True)
class Layout:
    """One extract layout: required columns, alternatives, optional columns, keys and column types."""

    kind: str
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    keys: tuple[str, ...]
    numbers: tuple[str, ...]
    text: tuple[str, ...]
    categorical: tuple[str, ...]
    one_of: tuple[tuple[str, ...], ...] = ()
    one_of_label: str = ""
    dates: tuple[str, ...] = ()
    #: Columns no two records may share (a record's identity); empty when records may legitimately repeat.
    unique_on: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        extra = tuple(c for group in self.one_of for c in group if c not in self.required + self.optional)
        return self.required + extra + self.optional


LAYOUTS: dict[str, Layout] = {
    "ncmp": Layout(
        kind="ncmp", title="NCMP pupil-level extract (one row per measured child)",
        required=("pupil_id", "school_year", "academic_year", "sex", "age_months", "lsoa_code", "school_code"),
        one_of=(("bmi_centile",), ("height_cm", "weight_kg"), ("bmi",)),
        one_of_label="bmi_centile, or height_cm and weight_kg, or bmi",
        optional=("date_of_birth", "date_of_measurement", "school_status", "school_lad_code"),
        keys=("pupil_id", "school_year", "academic_year"),
        unique_on=("pupil_id", "school_year", "academic_year"),
        numbers=("age_months", "height_cm", "weight_kg", "bmi", "bmi_centile"),
        text=("pupil_id", "school_code"),
        categorical=("school_year", "academic_year", "sex", "lsoa_code", "school_status", "school_lad_code"),
        dates=("date_of_birth", "date_of_measurement"),
    ),
    "deaths": Layout(
        kind="deaths", title="Deaths extract (one row per death registered)",
        required=("registration_year", "age_at_death", "sex", "lsoa_code"),
        optional=("date_of_death", "underlying_cause"),
        keys=("registration_year", "age_at_death", "sex", "lsoa_code"),
        numbers=("registration_year", "age_at_death"),
        text=("underlying_cause",),
        categorical=("sex", "lsoa_code"),
        dates=("date_of_death",),
    ),
    "population": Layout(
        kind="population", title="Population extract (persons by LSOA, sex, single year of age and year)",
        required=("lsoa_code", "sex", "age", "year", "population"),
        optional=(),
        keys=("lsoa_code", "sex", "age", "year", "population"),
        unique_on=("lsoa_code", "sex", "age", "year"),
        numbers=("age", "year", "population"),
        text=(),
        categorical=("lsoa_code", "sex"),
    ),
}


# --- pandera schemas ---------------------------------------------------------------------------------------------


def _whole(series: pd.Series) -> pd.Series:
    return series.isna() | (series == np.floor(series))


def _deaths_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema({
        "registration_year": pa.Column(float, [pa.Check.in_range(1900, 2100), pa.Check(_whole, name="whole year")],
                                       nullable=True, description="calendar year the death was registered"),
        "age_at_death": pa.Column(float, [pa.Check.in_range(0, 130), pa.Check(_whole, name="completed years")],
                                  nullable=True, description="age at death in completed years"),
        "sex": pa.Column(nullable=True, description="M/F or 1/2"),
        "lsoa_code": pa.Column(nullable=True, description="LSOA of usual residence (2011 or 2021 codes)"),
        "date_of_death": pa.Column(nullable=True, required=False),
        "underlying_cause": pa.Column(nullable=True, required=False, description="ICD-10 code"),
    }, strict=False, name="deaths extract")


def _population_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema({
        "lsoa_code": pa.Column(nullable=True, description="LSOA (2011 or 2021 codes)"),
        "sex": pa.Column(nullable=True, description="M/F or 1/2"),
        "age": pa.Column(float, [pa.Check.in_range(0, 90), pa.Check(_whole, name="single year of age")],
                         nullable=True, description="single year of age 0-90, 90 meaning 90 and over"),
        "year": pa.Column(float, [pa.Check.in_range(1900, 2100), pa.Check(_whole, name="whole year")],
                          nullable=True, description="mid-year of the estimate"),
        "population": pa.Column(float, pa.Check.ge(0), nullable=True, description="persons"),
    }, strict=False, name="population extract")


@lru_cache(maxsize=3)
def _schema(kind: str):
    if kind == "ncmp":
        from .obesity import ncmp

        return ncmp.NCMP_SCHEMA
    return _deaths_schema() if kind == "deaths" else _population_schema()


def __getattr__(name: str):
    # the schemas are built on first use: importing pandera is not free
    if name == "DEATHS_EXTRACT_SCHEMA":
        return _schema("deaths")
    if name == "POPULATION_EXTRACT_SCHEMA":
        return _schema("population")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the report --------------------------------------------------------------------------------------------------


@dataclass
class CheckReport:
    """The validation report of one extract file (see :func:`check_extract`).

    ``errors`` (each naming the column, examples and the fix) mean the file cannot be used; ``notes`` are
    information. ``sections`` holds the report's named parts in order (each a list of lines); ``exclusions``
    the records an analysis would exclude, by reason (NCMP); ``vintage`` "imd2019" or "iod2025" (or "").
    """

    kind: str
    file: ExtractFile
    vintage: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in SECTIONS})
    exclusions: pd.DataFrame | None = None
    years: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the file can be used (no errors)."""
        return not self.errors

    def add(self, section: str, line: str) -> None:
        self.sections.setdefault(section, []).append(line)

    def error(self, section: str, message: str, key: str | None = None, count: int = 0) -> None:
        self.errors.append(message)
        self.add(section, "ERROR: " + message)
        if key:
            self.counts[key] = count

    def text(self) -> str:
        """The report as plain text (what ``healthintel data check`` prints)."""
        lines = [f"healthintel data check: {self.kind} extract {self.file.name}",
                 f"  rows read: {self.file.rows:,}; format: {self.file.format}; SHA-256: {self.file.sha256}"]
        for name, body in self.sections.items():
            if not body:
                continue
            lines.append(f"\n{name}")
            lines += [f"  {line}" for line in body]
        verdict = ("RESULT: usable" if self.ok else
                   f"RESULT: NOT usable: {len(self.errors)} error(s); fix them and run the check again")
        return "\n".join(lines + ["", verdict])

    def error_text(self) -> str:
        """The errors as one message (for an :class:`InvalidInputError`)."""
        return (f"the {self.kind} extract {self.file.name!r} cannot be used "
                f"(run `healthintel data check {self.kind} FILE` for the full report):\n  - "
                + "\n  - ".join(self.errors))


def _rows(mask: np.ndarray, limit: int = _EXAMPLES) -> str:
    """1-based data row numbers of the first ``limit`` True entries ("rows 3, 17 and 4 more")."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in idx[:limit])
    more = f" and {idx.size - limit:,} more" if idx.size > limit else ""
    return f"row{'s' if idx.size > 1 else ''} {shown}{more}"


def _examples(values: pd.Series, limit: int = _EXAMPLES) -> str:
    uniq = pd.unique(values.astype(object))[:limit]
    return ", ".join(repr(v) for v in uniq)


# --- column checks -----------------------------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, layout: Layout, report: CheckReport) -> bool:
    have = list(frame.columns)
    missing = [c for c in layout.required if c not in have]
    section = "Columns"
    report.add(section, f"found: {', '.join(have) if have else '(none)'}")
    if missing:
        report.error(section, f"missing required column(s) {missing}: the {layout.kind} layout needs "
                              f"{list(layout.required)} (column names exactly as in docs/extracts.md; rename "
                              "yours to these names)", "missing_columns", len(missing))
    if layout.one_of and not any(set(g) <= set(have) for g in layout.one_of):
        report.error(section, f"no measurement columns: the layout needs {layout.one_of_label}",
                     "missing_columns", report.counts.get("missing_columns", 0) + 1)
    unknown = [c for c in have if c not in layout.columns]
    if unknown:
        report.add(section, f"not in the layout (kept, not used): {', '.join(unknown)}")
    return not missing


def _numbers(frame: pd.DataFrame, layout: Layout, report: CheckReport) -> pd.DataFrame:
    """Numeric columns as float64; text that is not a number is an error (column, rows, values)."""
    out = frame
    for name in layout.numbers:
        if name not in frame or pd.api.types.is_float_dtype(frame[name]):
            continue
        raw = frame[name]
        values = pd.to_numeric(raw.astype(object), errors="coerce").astype("float64")
        bad = (values.isna() & raw.notna()).to_numpy()
        if bad.any():
            report.error("Values", f"column {name!r}: {int(bad.sum()):,} value(s) are not numbers "
                                   f"({_rows(bad)}: {_examples(raw[bad])}); write plain numbers (no units or "
                                   "words)", f"not_numbers:{name}", int(bad.sum()))
        out = out.assign(**{name: values})
    for name in layout.dates:
        if name in out and not pd.api.types.is_datetime64_any_dtype(out[name]):
            raw = out[name]
            values = pd.to_datetime(raw.astype(object), errors="coerce", format="ISO8601")
            bad = (values.isna() & raw.notna()).to_numpy()
            if bad.any():
                report.error("Values", f"column {name!r}: {int(bad.sum()):,} value(s) are not dates "
                                       f"({_rows(bad)}: {_examples(raw[bad])}); write dates as YYYY-MM-DD",
                             f"not_dates:{name}", int(bad.sum()))
            out = out.assign(**{name: values})
    return out


def _nan_keys(frame: pd.DataFrame, layout: Layout, report: CheckReport) -> None:
    section = "Missing keys (NaN)"
    found = False
    for name in layout.keys:
        if name not in frame:
            continue
        missing = frame[name].isna().to_numpy()
        if missing.any():
            found = True
            report.error(section, f"column {name!r} is empty in {int(missing.sum()):,} row(s) ({_rows(missing)}): "
                                  f"every {layout.kind} row needs {', '.join(layout.keys)}; fill them in or "
                                  "remove those rows from the extract yourself (they are never dropped silently)",
                         f"nan:{name}", int(missing.sum()))
    if not found:
        report.add(section, "none: every row has " + ", ".join(k for k in layout.keys if k in frame))


def _codes(series: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column (0 = missing) and their count: categorical codes as they are, whole numbers in a
    small range by offset (ages, years), anything else factorised."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(dtype=np.int64) + 1, len(series.cat.categories) + 1
    if series.dtype == np.float64:
        v = series.to_numpy()
        nan = np.isnan(v)
        any_nan = bool(nan.any())
        if not nan.all():
            low, high = (np.nanmin(v), np.nanmax(v)) if any_nan else (v.min(), v.max())
            shifted = v - (low - 1)  # 1.. for values
            with np.errstate(invalid="ignore"):  # NaN cast, replaced below
                codes = shifted.astype(np.int64)
            if any_nan:
                codes[nan], shifted[nan] = 0, 0.0  # 0 for missing
            if high - low < 1 << 20 and np.array_equal(codes, shifted):  # whole numbers in a small range
                return codes, int(high - low) + 2
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def row_keys(frame: pd.DataFrame, columns) -> np.ndarray:
    """One int64 per row, equal exactly when the rows are equal in ``columns`` (NaN equal to NaN): mixed-radix
    codes, re-factorised whenever the product would overflow. Vectorised: no hashing of whole rows."""
    key = np.zeros(len(frame), dtype=np.int64)
    size = 1
    for name in columns:
        codes, n = _codes(frame[name])
        if size * n >= 2 ** 62:
            key, uniques = pd.factorize(key)
            key, size = key.astype(np.int64), len(uniques)
        key = key * n + codes
        size *= n
    return key


def first_seen(key: np.ndarray) -> np.ndarray:
    """True where ``key`` occurs for the first time. One sort finds whether any key repeats (the usual answer is
    no); only the rows of repeated keys are then compared in order (hashing millions of distinct keys is slow)."""
    ordered = np.sort(key)
    same = ordered[1:] == ordered[:-1]
    out = np.ones(len(key), dtype=bool)
    if not same.any():
        return out
    involved = np.isin(key, np.unique(ordered[1:][same]))
    out[involved] = ~pd.Series(key[involved]).duplicated().to_numpy()
    return out


def duplicated_rows(frame: pd.DataFrame, columns=None) -> np.ndarray:
    """True for every row equal to an earlier row in ``columns`` (default all)."""
    return ~first_seen(row_keys(frame, list(frame.columns) if columns is None else columns))


def _duplicates(frame: pd.DataFrame, layout: Layout, report: CheckReport, context: dict) -> None:
    """Exact duplicate records: errors, except deaths rows without a record-level column (see the notes). Rows
    unique on the layout's identity columns (``unique_on``) are unique on all, so only repeats of those are
    compared column by column."""
    section = "Exact duplicate records"
    if layout.unique_on:
        repeated = ~first_seen(row_keys(frame, layout.unique_on))
        context["repeated_identity"] = repeated
        dup = duplicated_rows(frame) if repeated.any() else repeated
    else:
        dup = duplicated_rows(frame)
    n = int(dup.sum())
    report.counts["exact_duplicates"] = n
    if not n:
        report.add(section, "none")
        return
    first = frame[dup].iloc[0]
    example = ", ".join(f"{c}={first[c]!r}" for c in layout.keys if c in frame)
    if layout.kind == "deaths" and "date_of_death" not in frame:
        report.add(section, f"{n:,} row(s) repeat an earlier row exactly ({_rows(dup)}; e.g. {example}). Without "
                            "date_of_death several deaths can share year, age, sex and LSOA, so these are counted "
                            "as separate deaths; add date_of_death to let true duplicates be found.")
        return
    context["exact_duplicates"] = dup
    report.error(section, f"{n:,} row(s) repeat an earlier row exactly ({_rows(dup)}; e.g. {example}): remove the "
                          "repeated copies (they are never dropped or summed silently)", "exact_duplicates", n)


def sex_codes(series: pd.Series) -> np.ndarray:
    """1 male, 2 female, 0 missing, -1 not a recognised code (M/F, 1/2, male/female; any case)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array([SEX_CODES.get(str(u).strip().lower(), -1) for u in uniques] + [0], dtype=np.int8)
    return lookup[codes]


def _sex(frame: pd.DataFrame, report: CheckReport, *, fatal: bool) -> None:
    if "sex" not in frame:
        return
    codes = sex_codes(frame["sex"])
    bad = codes == -1
    if bad.any() and fatal:
        report.error("Values", f"column 'sex': {int(bad.sum()):,} value(s) are not M/F or 1/2 ({_rows(bad)}: "
                               f"{_examples(frame['sex'][bad])}); recode them", "bad_sex", int(bad.sum()))
    elif bad.any():
        report.add("Values", f"column 'sex': {int(bad.sum()):,} value(s) are not M/F or 1/2 "
                             f"({_examples(frame['sex'][bad])}): excluded as 'sex missing or unknown'")


#: Rows validated by pandera at a time (bounded memory on millions of rows; the failures are the same).
SCHEMA_CHUNK = 2_000_000


def _failure_cases(schema, data: pd.DataFrame) -> pd.DataFrame:
    """Every failure case of ``data`` against ``schema`` (pandera, lazily, :data:`SCHEMA_CHUNK` rows at a time);
    a failure of a whole column (no row index) is kept once. Missing values are not failures here (NaN keys are
    reported on their own)."""
    import pandera.errors as pe

    found = []
    for start in range(0, max(len(data), 1), SCHEMA_CHUNK):
        try:
            schema.validate(data.iloc[start:start + SCHEMA_CHUNK], lazy=True)
        except pe.SchemaErrors as exc:
            found.append(exc.failure_cases)
    if not found:
        return pd.DataFrame(columns=["column", "check", "failure_case", "index"])
    cases = pd.concat(found, ignore_index=True)
    cases = cases[cases["failure_case"].notna()]
    whole = cases["index"].isna()
    return pd.concat([cases[~whole], cases[whole].drop_duplicates(["column", "check"])], ignore_index=True)


def _schema_failures(schema, frame: pd.DataFrame, cols: list[str]) -> list[tuple[str, str, np.ndarray, pd.Series]]:
    """``(column, check, failing rows, failing values)`` for every check that fails. Categorical columns (codes
    such as the academic year) are validated on their distinct values, then mapped back to the rows that hold
    them: the same answer as row by row, without converting millions of repeated codes."""
    categorical = [c for c in cols if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    plain = [c for c in cols if c not in categorical]
    out = []
    if plain:
        cases = _failure_cases(schema.select_columns(plain), frame[plain])
        for (col, check), grp in cases.groupby(["column", "check"], sort=False, dropna=False):
            out.append((str(col), str(check), grp["index"].dropna().astype(int).to_numpy(), grp["failure_case"]))
    for col in categorical:
        values = frame[col].cat.categories
        cases = _failure_cases(schema.select_columns([col]), pd.DataFrame({col: pd.Series(values, dtype=object)}))
        codes = frame[col].cat.codes.to_numpy()
        for check, grp in cases.groupby("check", sort=False, dropna=False):
            positions = grp["index"].dropna().astype(int).to_numpy()
            rows = np.flatnonzero(np.isin(codes, positions))
            out.append((col, str(check), rows, pd.Series(values[positions], dtype=object)))
    return out


def _schema_values(frame: pd.DataFrame, layout: Layout, report: CheckReport) -> None:
    """Values outside the pandera schema (ranges, categories, formats): errors, counted per column and check."""
    schema = _schema(layout.kind)
    cols = [c for c in schema.columns if c in frame and c not in layout.dates and c != "sex"]
    if layout.kind == "ncmp":
        cols = [c for c in cols if c not in ("sex", "lsoa_code", "school_code", "pupil_id")]
    for col, check, rows, values in _schema_failures(schema, frame, cols):
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
        count = len(rows) or 1
        report.error("Values", f"column {col!r}: {count:,} value(s) fail {check} ({_rows(mask)}: "
                               f"{_examples(values)}); see docs/extracts.md for the allowed values",
                     f"values:{col}", count)
    if not report.sections.get("Values"):
        report.add("Values", "every value is within the layout")


# --- LSOA codes --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lsoa_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(LSOA 2011 codes, LSOA 2021 codes) of England."""
    return (frozenset(geography.lsoa_lookup("imd2019")["lsoa_code"]),
            frozenset(geography.lsoa_lookup("iod2025")["lsoa_code"]))


def _code_classes(codes: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: missing, in both vintages, only LSOA 2011, only LSOA 2021, neither (via the distinct codes)."""
    s11, s21 = _lsoa_sets()
    inverse, uniques = pd.factorize(codes, use_na_sentinel=True)
    u = [str(x).strip() for x in uniques]
    in11 = np.array([x in s11 for x in u] + [False])
    in21 = np.array([x in s21 for x in u] + [False])
    missing = inverse == -1
    a11, a21 = in11[inverse], in21[inverse]
    return missing, a11 & a21, a11 & ~a21, a21 & ~a11, ~a11 & ~a21 & ~missing


def lsoa_vintage(codes: pd.Series, vintage: str = "auto") -> tuple[str, dict[str, np.ndarray]]:
    """The vintage of LSOA codes and each row's class.

    ``vintage="auto"``: "iod2025" when more codes are LSOA 2021-only than LSOA 2011-only, else "imd2019" (codes
    common to both censuses are valid for either). Returns ``(vintage, classes)`` with boolean row masks
    ``missing``, ``valid``, ``wrong_vintage`` (codes only of the other census geography) and ``unknown``.
    """
    missing, both, only11, only21, unknown = _code_classes(codes)
    if vintage == "auto":
        vintage = "iod2025" if only21.sum() > only11.sum() else "imd2019"
    geography.check_vintage(vintage)
    own, other = (only11, only21) if vintage == "imd2019" else (only21, only11)
    return vintage, {"missing": missing, "valid": both | own, "wrong_vintage": other, "unknown": unknown}


def _lsoa(frame: pd.DataFrame, layout: Layout, report: CheckReport, vintage: str) -> dict[str, np.ndarray] | None:
    if "lsoa_code" not in frame:
        return None
    section = "LSOA codes"
    vintage, cls = lsoa_vintage(frame["lsoa_code"], vintage)
    report.vintage = vintage
    codes = frame["lsoa_code"]
    report.add(section, f"vintage: {_VINTAGE_GEOGRAPHY[vintage]}; {int(cls['valid'].sum()):,} row(s) with a valid "
                        "code")
    wrong, unknown = cls["wrong_vintage"], cls["unknown"]
    report.counts.update(wrong_vintage=int(wrong.sum()), unknown_codes=int(unknown.sum()),
                         missing_codes=int(cls["missing"].sum()))
    if wrong.any():
        other = "LSOA 2021" if vintage == "imd2019" else "LSOA 2011"
        report.error(section, f"column 'lsoa_code': {int(wrong.sum()):,} row(s) have {other} codes in an extract of "
                              f"{_VINTAGE_GEOGRAPHY[vintage]} codes ({_rows(wrong)}: {_examples(codes[wrong])}): "
                              "use one census geography throughout (convert with the ONS LSOA 2011 to 2021 lookup, "
                              "catalog id 'lookup_lsoa11_lsoa21')", "wrong_vintage", int(wrong.sum()))
    if unknown.any():
        message = (f"column 'lsoa_code': {int(unknown.sum()):,} row(s) have codes that are not English LSOAs of "
                   f"either census ({_rows(unknown)}: {_examples(codes[unknown])})")
        if layout.kind == "ncmp":
            report.add(section, message + ": those children are excluded ('home LSOA missing or unknown') and "
                                          "counted; they belong to no English area's resident cohort")
        else:
            report.error(section, message + ": correct them, or remove residents of other countries from the "
                                            "extract yourself", "unknown_codes", int(unknown.sum()))
    if cls["missing"].any() and layout.kind == "ncmp":
        report.add(section, f"{int(cls['missing'].sum()):,} row(s) have no home LSOA: excluded and counted")
    return cls


# --- kind-specific checks ----------------------------------------------------------------------------------------


def _ncmp_specific(frame: pd.DataFrame, report: CheckReport, context: dict) -> None:
    from .obesity import ncmp

    _sex(frame, report, fatal=False)
    if "academic_year" in frame:
        years = sorted(str(y) for y in pd.unique(frame["academic_year"].dropna()))
        report.years = tuple(years)
        by = frame.groupby(["academic_year", "school_year"], observed=True).size()
        report.add("Coverage", "records by academic year and school year: "
                   + "; ".join(f"{a} {s}: {n:,}" for (a, s), n in by.items()))
    if not report.ok:
        report.add("Rows excluded by reason", "not computed: fix the errors above first")
        return
    data = frame.reset_index(drop=True)
    m = ncmp._measurements(data, "auto")
    need = np.isnan(m["centile"])
    reason = ncmp.exclusion_reasons(data, m, need, report.vintage)
    keep = reason == ""
    report.exclusions = ncmp.exclusion_table(reason, keep)
    for r in report.exclusions.itertuples():
        report.add("Rows excluded by reason", f"{r.reason}: {r.records:,}")


def _deaths_specific(frame: pd.DataFrame, report: CheckReport, context: dict) -> None:
    _sex(frame, report, fatal=True)
    if "registration_year" in frame:
        counts = frame["registration_year"].value_counts().sort_index()
        report.years = tuple(str(int(y)) for y in counts.index if not np.isnan(y))
        report.add("Coverage", "deaths by registration year: "
                   + "; ".join(f"{int(y)}: {n:,}" for y, n in counts.items() if not np.isnan(y)))
    report.add("Rows excluded by reason", "none: every death is used (problems are errors, never dropped)")


def _population_specific(frame: pd.DataFrame, report: CheckReport, context: dict) -> None:
    _sex(frame, report, fatal=True)
    keys = ["lsoa_code", "sex", "age", "year"]
    if not set(keys) <= set(frame):
        return
    repeated_key = context["repeated_identity"]
    repeated = repeated_key & ~context.get("exact_duplicates", np.zeros(len(frame), dtype=bool))
    if repeated.any():
        report.error("Exact duplicate records", f"{int(repeated.sum()):,} row(s) repeat the lsoa_code, sex, age and "
                                                f"year of an earlier row with a different population "
                                                f"({_rows(repeated)}): give each LSOA, sex, age and year one row",
                     "repeated_keys", int(repeated.sum()))
    years = sorted(int(y) for y in pd.unique(frame["year"].dropna()))
    report.years = tuple(str(y) for y in years)
    _age_coverage(frame, report, ~repeated_key & frame[keys].notna().all(axis=1).to_numpy())
    lsoas = frame["lsoa_code"].nunique()
    report.add("Coverage", f"{lsoas:,} LSOA(s); years {', '.join(map(str, years)) or '(none)'}; "
                           f"{float(frame['population'].sum()):,.0f} person-years in all")
    report.add("Rows excluded by reason", "none: every row is used (problems are errors, never dropped)")


def _age_coverage(frame: pd.DataFrame, report: CheckReport, distinct: np.ndarray) -> None:
    """Every LSOA x year needs its 182 sex x age rows (both sexes, ages 0-90): counted with one bincount."""
    lsoa, n_lsoa = _codes(frame["lsoa_code"])
    year, n_year = _codes(frame["year"])
    group = lsoa * n_year + year
    rows = np.bincount(group[distinct], minlength=n_lsoa * n_year)
    present = np.bincount(group, minlength=n_lsoa * n_year) > 0
    short = np.flatnonzero(present & (rows < 2 * 91))
    if len(short):
        first = pd.Series(np.arange(len(frame))).groupby(group).first()
        ex = ", ".join(f"{frame['lsoa_code'].iloc[first[g]]} {frame['year'].iloc[first[g]]:.0f}"
                       for g in short[:_EXAMPLES])
        report.error("Coverage", f"{len(short):,} LSOA x year group(s) lack some of the 182 sex x age rows "
                                 f"(ages 0-90 for both sexes; e.g. {ex}): add the missing ages with population 0 "
                                 "where nobody lives", "incomplete_ages", len(short))


_SPECIFIC: dict[str, Callable[[pd.DataFrame, CheckReport, dict], None]] = {
    "ncmp": _ncmp_specific, "deaths": _deaths_specific, "population": _population_specific}


def check_frame(kind: str, frame: pd.DataFrame, file: ExtractFile, *, vintage: str = "auto"
                ) -> tuple[pd.DataFrame, CheckReport]:
    """Validate an extract already read (see :func:`check_extract`); returns the typed frame and the report."""
    if kind not in LAYOUTS:
        raise InvalidInputError(f"unknown extract kind {kind!r}; use one of {list(KINDS)}.")
    if vintage not in ("auto", *geography.VINTAGES):
        raise InvalidInputError(f"vintage must be 'auto', 'imd2019' or 'iod2025'; got {vintage!r}.")
    layout = LAYOUTS[kind]
    report = CheckReport(kind=kind, file=file)
    frame = frame.reset_index(drop=True)
    if file.rows == 0:
        report.error("Columns", "the file has no data rows", "empty", 1)
    if not _check_columns(frame, layout, report):
        return frame, report
    frame = _numbers(frame, layout, report)
    _nan_keys(frame, layout, report)
    _lsoa(frame, layout, report, vintage)
    context: dict[str, np.ndarray] = {}
    _duplicates(frame, layout, report, context)
    _schema_values(frame, layout, report)
    _SPECIFIC[kind](frame, report, context)
    return frame, report


def check_extract(kind: str, path: str | Path, *, vintage: str = "auto") -> tuple[pd.DataFrame, CheckReport]:
    """Read and validate an extract file; see the module notes for what the :class:`CheckReport` holds.

    Parameters
    ----------
    kind : {"ncmp", "deaths", "population"}
    path : str or Path
        A ``.csv`` (UTF-8, header row) or ``.parquet`` file.
    vintage : {"auto", "imd2019", "iod2025"}
        The LSOA geography the codes must be: LSOA 2011 (IMD 2019) or LSOA 2021 (IoD 2025); "auto" takes the one
        most of the codes belong to, and reports codes of the other as wrong-vintage.
    """
    if kind not in LAYOUTS:
        raise InvalidInputError(f"unknown extract kind {kind!r}; use one of {list(KINDS)}.")
    layout = LAYOUTS[kind]
    frame, file = read_extract(path, text=layout.text, numbers=layout.numbers, categorical=layout.categorical)
    return check_frame(kind, frame, file, vintage=vintage)


# --- loading for chapters ----------------------------------------------------------------------------------------


def _checked(kind: str, path: str | Path, vintage: str) -> tuple[pd.DataFrame, CheckReport]:
    frame, report = check_extract(kind, path, vintage=vintage)
    if not report.ok:
        raise InvalidInputError(report.error_text())
    frame.attrs.update(synthetic=False, sources=[], extract=report.file, vintage=report.vintage,
                       extract_kind=kind)
    return frame, report


def load_ncmp(path: str | Path, *, vintage: str = "auto") -> tuple[pd.DataFrame, CheckReport]:
    """A checked NCMP extract as the records :func:`healthintel.obesity.prepare` takes (codes as text)."""
    frame, report = _checked("ncmp", path, vintage)
    attrs = dict(frame.attrs)
    for name in ("lsoa_code", "school_year", "academic_year", "school_status", "school_lad_code", "sex"):
        if name in frame and isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("string")
    frame.attrs.update(attrs)
    return frame, report


#: Life-table age bands (0, 1, 5, ..., 90 = 90 and over), as :mod:`healthintel.life_expectancy` uses.
BAND_STARTS = np.array([0, 1, *range(5, 95, 5)])


def _bands(age: np.ndarray) -> np.ndarray:
    return BAND_STARTS[np.searchsorted(BAND_STARTS, age, side="right") - 1].astype(np.int16)


def _by_band(lsoa: pd.Series, sex: np.ndarray, age: np.ndarray, year: np.ndarray,
             weights: np.ndarray | None) -> pd.DataFrame:
    """Sums (or counts) by LSOA x sex x life-table band x year with one bincount over integer codes; the groups
    returned are those with at least one input row."""
    codes = pd.Categorical(lsoa) if not isinstance(lsoa.dtype, pd.CategoricalDtype) else lsoa.array
    cats = codes.categories
    first, last = int(np.min(year)), int(np.max(year))
    years = np.arange(first, last + 1)
    size = (len(cats), 2, len(BAND_STARTS), len(years))
    band_of_age = (np.searchsorted(BAND_STARTS, np.arange(121), side="right") - 1).astype(np.int8)
    flat = np.asarray(codes.codes, dtype=np.int64) * 2  # built in place: one int64 array for millions of rows
    flat += sex - 1
    flat *= len(BAND_STARTS)
    flat += band_of_age[np.minimum(age, 120).astype(np.int16)]
    flat *= len(years)
    flat += (year - first).astype(np.int16)
    total = np.bincount(flat, weights=weights, minlength=int(np.prod(size)))
    present = np.flatnonzero(np.bincount(flat, minlength=int(np.prod(size))))
    lx, sx, bx, yx = np.unravel_index(present, size)
    return pd.DataFrame({
        "lsoa_code": pd.Categorical.from_codes(lx, categories=cats),
        "sex": pd.Categorical.from_codes(sx, categories=["male", "female"]),
        "age": BAND_STARTS[bx].astype(np.int16), "year": years[yx].astype(np.int16), "value": total[present],
    })


def deaths_by_lsoa(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per death -> deaths by ``lsoa_code``, ``sex`` ("male"/"female"), life-table age band ``age`` (0, 1,
    5, ..., 90) and ``year`` (the registration year): the input of
    :func:`healthintel.life_expectancy.validate_inputs`. Every death is counted (none dropped)."""
    out = _by_band(frame["lsoa_code"], sex_codes(frame["sex"]).astype(np.int64),
                   frame["age_at_death"].to_numpy(dtype=float), frame["registration_year"].to_numpy(dtype=float),
                   None)
    return out.rename(columns={"value": "deaths"}).astype({"deaths": "int64"})


def population_by_band(frame: pd.DataFrame) -> pd.DataFrame:
    """Single years of age -> persons by ``lsoa_code``, ``sex`` ("male"/"female"), life-table age band ``age`` and
    ``year`` (sums within each band; every row counted)."""
    out = _by_band(frame["lsoa_code"], sex_codes(frame["sex"]).astype(np.int64), frame["age"].to_numpy(dtype=float),
                   frame["year"].to_numpy(dtype=float), frame["population"].to_numpy(dtype=float))
    return out.rename(columns={"value": "population"})


def load_deaths(path: str | Path, *, vintage: str = "auto") -> tuple[pd.DataFrame, CheckReport]:
    """A checked deaths extract counted by LSOA, sex, age band and registration year (:func:`deaths_by_lsoa`);
    ``attrs["extract"]`` is the file's identity."""
    frame, report = _checked("deaths", path, vintage)
    out = deaths_by_lsoa(frame)
    out.attrs.update(frame.attrs)
    return out, report


def load_population(path: str | Path, *, vintage: str = "auto") -> tuple[pd.DataFrame, CheckReport]:
    """A checked population extract summed to life-table age bands (:func:`population_by_band`)."""
    frame, report = _checked("population", path, vintage)
    out = population_by_band(frame)
    out.attrs.update(frame.attrs)
    return out, report


def provenance_row(report: CheckReport) -> dict[str, Any]:
    """A provenance row for an extract: what the report footer says about the file (never its folders)."""
    f = report.file
    years = f"{report.years[0]} to {report.years[-1]}" if report.years else "no years"
    return {"Source": f"{LAYOUTS[report.kind].title}: {f.name} ({f.rows:,} rows)",
            "Publisher": "supplied by the analyst (record-level; only aggregates are published here)",
            "Vintage": f"{years}; {_VINTAGE_GEOGRAPHY.get(report.vintage, 'LSOA codes')}",
            "Licence": "not published", "Official URL": "-", "SHA-256": f.sha256,
            "Fetched": "read and checked (healthintel data check rules) when the chapter ran"}
