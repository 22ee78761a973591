"""The one tidy schema of Fingertips data, whatever the API generation, and the parsers that produce it.

Legacy ``/api`` CSV (``all_data/csv/...``) and FingertipsNext JSON (``/indicators/{id}/data``) are turned into
the same columns (:class:`FingertipsData`). Conventions (DESIGN.md):

- ``deprivation_category`` 1 = most deprived, always. Legacy CSV labels ("Most deprived decile (IMD2019)",
  "Second least deprived quintile", ...) are read by their words; FingertipsNext ``deprivation.sequence``
  counts the other way (10 = most deprived decile) and is converted as ``n + 1 - sequence``; when a label is
  present as well, both readings must agree or the payload is rejected.
  The index is taken off the category label ("Most deprived decile (IMD2019)" -> "Most deprived decile"):
  it is in ``deprivation_index``.
- Periods: "2015", "2009 - 11", "2013/14", "2020/21 - 24/25", "2021/22 Q3", "Mar 2021" parse to
  ``period_start``/``period_end``; a "YYYY/YY" label in the legacy CSV is a financial year (April-March)
  unless ``year_type="academic"`` (September-August) is given. ``period_sortable`` is the start date as the
  integer YYYYMMDD. FingertipsNext gives dates; its labels are written in the legacy style.
- ``area_type`` is named from the GSS code prefix (E92 England, E12 Region, E10 County, E06 Unitary authority,
  ...), so it is the same for both generations; the API's own text is kept when the code is not a known one.
- Comparisons use the legacy vocabulary (Better/Similar/Worse, Higher/Lower, Not compared, "Lowest quintile"
  ...); FingertipsNext ``BenchmarkOutcome`` values are translated.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import FingertipsPayloadError

ENGLAND = "E92000001"

COLUMNS = [
    "indicator_id", "indicator_name", "area_code", "area_name", "area_type", "parent_code", "parent_name",
    "sex", "age", "category_type", "category", "deprivation_index", "deprivation_scale", "deprivation_category",
    "category_basis", "period_label", "period_start", "period_end", "period_sortable", "value",
    "lower_ci_95_0", "upper_ci_95_0", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator", "value_note",
    "recent_trend", "compared_to_england", "compared_to_parent", "compared_to_goal",
]


class FingertipsData(pa.DataFrameModel):
    """Tidy Fingertips indicator data: one row per indicator × area × sex × age × category × period."""

    indicator_id: Series[pd.Int64Dtype] = pa.Field(nullable=False)
    indicator_name: Series[str] = pa.Field(nullable=True)
    area_code: Series[str] = pa.Field(nullable=False)
    area_name: Series[str] = pa.Field(nullable=True)
    area_type: Series[str] = pa.Field(nullable=True)
    parent_code: Series[str] = pa.Field(nullable=True)
    parent_name: Series[str] = pa.Field(nullable=True)
    sex: Series[str] = pa.Field(nullable=True)
    age: Series[str] = pa.Field(nullable=True)
    category_type: Series[str] = pa.Field(nullable=True)
    category: Series[str] = pa.Field(nullable=True)
    deprivation_index: Series[str] = pa.Field(nullable=True)
    deprivation_scale: Series[str] = pa.Field(nullable=True, isin=["decile", "quintile"])
    deprivation_category: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=10)
    category_basis: Series[str] = pa.Field(nullable=True, isin=["national", "within area"])
    period_label: Series[str] = pa.Field(nullable=False)
    period_start: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_sortable: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    lower_ci_95_0: Series[float] = pa.Field(nullable=True)
    upper_ci_95_0: Series[float] = pa.Field(nullable=True)
    lower_ci_99_8: Series[float] = pa.Field(nullable=True)
    upper_ci_99_8: Series[float] = pa.Field(nullable=True)
    count: Series[float] = pa.Field(nullable=True)
    denominator: Series[float] = pa.Field(nullable=True)
    value_note: Series[str] = pa.Field(nullable=True)
    recent_trend: Series[str] = pa.Field(nullable=True)
    compared_to_england: Series[str] = pa.Field(nullable=True)
    compared_to_parent: Series[str] = pa.Field(nullable=True)
    compared_to_goal: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True
        coerce = True

    @pa.dataframe_check
    def quintiles_at_most_five(cls, df: pd.DataFrame) -> Series[bool]:
        return ~((df["deprivation_scale"] == "quintile") & (df["deprivation_category"] > 5)).fillna(False)

    @pa.dataframe_check
    def deprivation_columns_together(cls, df: pd.DataFrame) -> Series[bool]:
        return df["deprivation_scale"].isna() == df["deprivation_category"].isna()


def validate(frame: pd.DataFrame, request_url: str) -> pd.DataFrame:
    """Order, coerce and check ``frame`` against :class:`FingertipsData`; a failure names the request."""
    frame = frame.reindex(columns=COLUMNS)
    try:
        out = FingertipsData.validate(frame)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        raise FingertipsPayloadError(f"the tidy frame built from {request_url} fails the FingertipsData schema: "
                                     f"{exc}", request=request_url) from None
    return out.reset_index(drop=True)


# --- periods -----------------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"], start=1)}


def _century(start_year: int, two: int) -> int:
    year = start_year // 100 * 100 + two
    return year + 100 if year < start_year else year


def _year_start(year: int, year_type: str) -> _dt.date:
    return _dt.date(year, 9 if year_type == "academic" else 4, 1)


def _end_of(year: int, month: int) -> _dt.date:
    nxt = _dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - _dt.timedelta(days=1)


def parse_period(label: str, year_type: str = "financial") -> tuple[_dt.date | None, _dt.date | None]:
    """Start and end dates of a Fingertips time-period label (None, None when the form is not known)."""
    text = re.sub(r"\s+", " ", str(label).strip())
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        y = int(m.group(1))
        return _dt.date(y, 1, 1), _dt.date(y, 12, 31)
    m = re.fullmatch(r"(\d{4}) ?- ?(\d{2}|\d{4})", text)
    if m:
        y0 = int(m.group(1))
        y1 = int(m.group(2)) if len(m.group(2)) == 4 else _century(y0, int(m.group(2)))
        return _dt.date(y0, 1, 1), _dt.date(y1, 12, 31)
    m = re.fullmatch(r"(\d{4})/(\d{2})(?: ?- ?(\d{2}|\d{4})/(\d{2}))?(?: ?Q([1-4]))?", text)
    if m:
        y0 = int(m.group(1))
        if m.group(3):
            y_last_start = int(m.group(3)) if len(m.group(3)) == 4 else _century(y0, int(m.group(3)))
        else:
            y_last_start = y0
        start = _year_start(y0, year_type)
        end = _year_start(y_last_start + 1, year_type) - _dt.timedelta(days=1)
        if m.group(5):
            q = int(m.group(5)) - 1
            month0 = start.month + 3 * q
            qy, qm = y0 + (month0 - 1) // 12, (month0 - 1) % 12 + 1
            start = _dt.date(qy, qm, 1)
            em = qm + 2
            end = _end_of(qy + (em - 1) // 12, (em - 1) % 12 + 1)
        return start, end
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]* (\d{4})", text)
    if m and m.group(1).lower() in _MONTHS:
        y, mo = int(m.group(2)), _MONTHS[m.group(1).lower()]
        return _dt.date(y, mo, 1), _end_of(y, mo)
    return None, None


def period_label(period_type: str, start: _dt.date, end: _dt.date) -> str:
    """A legacy-style label for a FingertipsNext ``datePeriod`` (so both generations label alike)."""
    kind = (period_type or "").lower()
    years = end.year - start.year + (end.month >= start.month)
    if kind.startswith("financial") or kind == "academic" or (start.month in (4, 9) and start.day == 1
                                                               and kind not in ("calendar", "yearly")):
        first = f"{start.year}/{(start.year + 1) % 100:02d}"
        if years <= 1:
            return first
        return f"{first} - {(end.year - 1) % 100:02d}/{end.year % 100:02d}"
    if start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31:
        return str(start.year) if start.year == end.year else f"{start.year} - {end.year % 100:02d}"
    if start.day == 1 and end == _end_of(start.year, start.month):
        return start.strftime("%b %Y")
    return f"{start.isoformat()} to {end.isoformat()}"


def add_period_columns(frame: pd.DataFrame, year_type: str = "financial") -> pd.DataFrame:
    """Fill ``period_start``/``period_end``/``period_sortable`` from ``period_label`` where they are missing."""
    if "period_start" not in frame:
        frame["period_start"] = pd.NaT
        frame["period_end"] = pd.NaT
    labels = frame["period_label"].astype("str")
    parsed = {lab: parse_period(lab, year_type) for lab in labels.unique()}
    for i, col in enumerate(("period_start", "period_end")):
        given = pd.to_datetime(frame[col])
        from_label = pd.to_datetime(labels.map(lambda x, i=i: parsed[x][i]).map(
            lambda d: pd.Timestamp(d) if d is not None else pd.NaT))
        frame[col] = given.where(given.notna(), from_label)
    start = frame["period_start"]
    frame["period_sortable"] = (start.dt.year * 10000 + start.dt.month * 100 + start.dt.day).astype("Int64")
    return frame


# --- deprivation categories --------------------------------------------------------------------------------

_ORDINALS = {"second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}


def _scale(*texts: str | None) -> str | None:
    for t in texts:
        t = (t or "").lower()
        if "decile" in t:
            return "decile"
        if "quintile" in t:
            return "quintile"
    return None


def deprivation_index(category_type: str | None) -> str | None:
    t = category_type or ""
    m = re.search(r"IMD ?(\d{4})|Index of Multiple Deprivation (\d{4})", t, re.I)
    if m:
        return f"IMD{m.group(1) or m.group(2)}"
    if re.search(r"IMD trend|Index of Multiple Deprivation trend", t, re.I):
        return "IMD trend"
    m = re.search(r"IoD ?(\d{4})", t, re.I)
    return f"IoD{m.group(1)}" if m else None


def is_deprivation(category_type: str | None) -> bool:
    return bool(category_type) and bool(re.search(r"depriv|\bIMD\b", category_type, re.I))


def category_from_label(label: str | None, scale: str) -> int | None:
    """1 = most deprived, from a Fingertips category label, or None when the words are not understood."""
    if not label:
        return None
    n = 10 if scale == "decile" else 5
    t = re.sub(r"\(.*?\)", "", label).strip().lower()
    t = re.sub(r"\s+", " ", t)
    if re.search(r"\b(middle|average)\b", t) and scale == "quintile":
        return 3
    words = t.split()
    k = _ORDINALS.get(words[0], 1) if words else 1
    if re.search(r"\b(most|more) deprived\b", t):
        return k if k <= n // 2 else None
    if re.search(r"\b(least|less) deprived\b", t):
        return n + 1 - k if k <= n // 2 else None
    m = re.fullmatch(r"(?:decile|quintile) (\d+)", t)
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= n else None


def deprivation_columns(category_type: str | None, category: str | None, *, sequence: int | None = None,
                        request_url: str = "") -> dict:
    """The explicit deprivation columns for one row (all None when the row is not a deprivation breakdown).

    ``sequence`` is FingertipsNext's ``deprivation.sequence`` (n = most deprived); it is converted to
    1 = most deprived, and checked against the label when both are there.
    """
    none = {"deprivation_index": None, "deprivation_scale": None, "deprivation_category": None,
            "category_basis": None}
    if not is_deprivation(category_type):
        return none
    scale = _scale(category_type, category)
    if scale is None:
        return none
    n = 10 if scale == "decile" else 5
    from_label = category_from_label(category, scale)
    value = from_label
    if sequence is not None:
        if not 1 <= sequence <= n:
            raise FingertipsPayloadError(f"{request_url}: deprivation sequence {sequence} is outside 1..{n} for "
                                         f"{category_type!r}", request=request_url)
        value = n + 1 - sequence
        if from_label is not None and from_label != value:
            raise FingertipsPayloadError(
                f"{request_url}: deprivation sequence {sequence} ({n} = most deprived, so category {value}) "
                f"contradicts the label {category!r} (category {from_label}); refusing to guess the numbering.",
                request=request_url)
    basis = "within area" if re.search(r"\bwithin\b", category_type or "", re.I) else "national"
    return {"deprivation_index": deprivation_index(category_type), "deprivation_scale": scale,
            "deprivation_category": value, "category_basis": basis}


def add_deprivation_columns(frame: pd.DataFrame, request_url: str, sequences: pd.Series | None = None):
    keys = pd.DataFrame({"t": frame["category_type"], "c": frame["category"],
                         "s": sequences if sequences is not None else None})
    rows = [deprivation_columns(t if isinstance(t, str) else None, c if isinstance(c, str) else None,
                                sequence=None if s is None or pd.isna(s) else int(s), request_url=request_url)
            for t, c, s in keys.itertuples(index=False)]
    dep = pd.DataFrame(rows, index=frame.index, columns=["deprivation_index", "deprivation_scale",
                                                         "deprivation_category", "category_basis"])
    dep["deprivation_category"] = dep["deprivation_category"].astype("Int64")
    for col in dep:
        frame[col] = dep[col]
    # the index lives in deprivation_index: "Most deprived decile (IMD2019)" -> "Most deprived decile", so
    # legacy and FingertipsNext labels agree
    is_dep = dep["deprivation_scale"].notna()
    frame.loc[is_dep, "category"] = frame.loc[is_dep, "category"].str.replace(
        r"\s*\((?:IMD|IoD|Index of Multiple Deprivation)[^)]*\)\s*$", "", regex=True)
    return frame


# --- areas and comparisons ---------------------------------------------------------------------------------

_AREA_TYPES = {
    "E92": "England", "E12": "Region", "E10": "County", "E06": "Unitary authority",
    "E07": "Non-metropolitan district", "E08": "Metropolitan district", "E09": "London borough",
    "E11": "Metropolitan county", "E13": "Inner/Outer London", "E47": "Combined authority",
    "E38": "Sub-ICB location", "E54": "Integrated care board", "E40": "NHS region", "E01": "LSOA", "E02": "MSOA",
}


def area_type_from_code(code: str | None, fallback: str | None = None) -> str | None:
    if isinstance(code, str):
        if code[:3] in _AREA_TYPES:
            return _AREA_TYPES[code[:3]]
        if re.fullmatch(r"[A-Z]\d{5}", code):
            return "GP practice"
        if re.fullmatch(r"U\d{5}", code):
            return "Primary care network"
    return fallback


NEXT_OUTCOMES = {
    "NotCompared": "Not compared", "Lowest": "Lowest quintile", "Low": "2nd lowest quintile",
    "Middle": "Middle quintile", "High": "2nd highest quintile", "Highest": "Highest quintile",
}


def comparison_label(outcome: str | None) -> str | None:
    if outcome is None:
        return None
    return NEXT_OUTCOMES.get(outcome, outcome)


# --- payload checks ----------------------------------------------------------------------------------------

def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in (content_type or "").lower() or head.startswith(("<!doctype", "<html", "<head", "<body"))


def decode(request_url: str, body: bytes, content_type: str, kind: str) -> str:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FingertipsPayloadError(f"{request_url}: the response is not UTF-8 text ({exc}).",
                                     request=request_url) from None
    if not text.strip():
        raise FingertipsPayloadError(f"{request_url}: the response is empty (expected {kind}).", request=request_url)
    if _looks_like_html(text, content_type):
        title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        what = f" titled {title.group(1).strip()!r}" if title else ""
        raise FingertipsPayloadError(
            f"{request_url}: the server returned an HTML page{what} instead of {kind} (an error or maintenance "
            "page; the request may be wrong or the API unavailable).", request=request_url)
    return text


def parse_json(request_url: str, body: bytes, content_type: str):
    text = decode(request_url, body, content_type, "JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FingertipsPayloadError(f"{request_url}: the response is not valid JSON ({exc}); it may be "
                                     "truncated.", request=request_url) from None


# --- legacy CSV --------------------------------------------------------------------------------------------

_LEGACY = {
    "indicatorid": "indicator_id", "indicatorname": "indicator_name", "parentcode": "parent_code",
    "parentname": "parent_name", "areacode": "area_code", "areaname": "area_name", "areatype": "area_type",
    "sex": "sex", "age": "age", "categorytype": "category_type", "category": "category",
    "timeperiod": "period_label", "value": "value", "lowerci95.0limit": "lower_ci_95_0",
    "upperci95.0limit": "upper_ci_95_0", "lowerci99.8limit": "lower_ci_99_8", "upperci99.8limit": "upper_ci_99_8",
    "count": "count", "denominator": "denominator", "valuenote": "value_note", "recenttrend": "recent_trend",
    "comparedtoenglandvalueorpercentiles": "compared_to_england", "comparedtogoal": "compared_to_goal",
    "targetdata": "compared_to_goal", "timeperiodsortable": "time_period_sortable",
    "timeperiodrange": "time_period_range", "newdata": "new_data",
}
LEGACY_REQUIRED = ["Indicator ID", "Indicator Name", "Area Code", "Area Name", "Sex", "Age", "Time period", "Value"]
_NUMERIC = ["value", "lower_ci_95_0", "upper_ci_95_0", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator"]


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _legacy_rows(request_url: str, text: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a legacy CSV, checked for the required columns and for truncated lines."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise FingertipsPayloadError(f"{request_url}: the CSV cannot be read ({exc}); it may be truncated.",
                                     request=request_url) from None
    header, data = rows[0], [r for r in rows[1:] if r]
    keys = [_key(h) for h in header]
    missing = [c for c in LEGACY_REQUIRED if _key(c) not in keys]
    if missing:
        if text.lstrip().startswith(("{", "[")):
            raise FingertipsPayloadError(f"{request_url}: expected CSV, got JSON ({text[:120]!r}).",
                                         request=request_url)
        raise FingertipsPayloadError(
            f"{request_url}: the CSV lacks column(s) {missing}; its header is {header[:12]}"
            f"{' …' if len(header) > 12 else ''}. Not a Fingertips all_data CSV?", request=request_url)
    for i, r in enumerate(data, start=2):
        if len(r) != len(header):
            raise FingertipsPayloadError(
                f"{request_url}: CSV line {i} has {len(r)} field(s) but the header has {len(header)}; the "
                "response is truncated or malformed.", request=request_url)
    return header, data


def _legacy_name(k: str) -> str:
    """The tidy name of a legacy CSV column (by its normalised header); unknown columns get a ``_`` prefix."""
    if k in _LEGACY:
        return _LEGACY[k]
    if k == "comparedtopercentiles":  # the parent is England: nothing beyond compared_to_england
        return "_" + k
    if k.startswith("comparedto") and k.endswith("valueorpercentiles"):
        return "compared_to_parent"
    return "_" + k


def _legacy_numeric(frame: pd.DataFrame, request_url: str) -> None:
    """Convert the numeric columns in place (missing ones become NaN); non-numeric text is an error."""
    for col in _NUMERIC:
        if col not in frame:
            frame[col] = np.nan
            continue
        num = pd.to_numeric(frame[col], errors="coerce")
        bad = num.isna() & frame[col].notna()
        if bad.any():
            raise FingertipsPayloadError(f"{request_url}: column {col!r} has non-numeric value(s), e.g. "
                                         f"{frame.loc[bad, col].iloc[0]!r}.", request=request_url)
        frame[col] = num.astype(float)


def tidy_legacy_csv(request_url: str, body: bytes, content_type: str = "", *,
                    year_type: str = "financial") -> pd.DataFrame:
    """Tidy frame from a legacy ``all_data/csv/...`` response (raises FingertipsPayloadError if malformed)."""
    text = decode(request_url, body, content_type, "CSV")
    header, data = _legacy_rows(request_url, text)
    names = [_legacy_name(k) for k in (_key(h) for h in header)]
    frame = pd.DataFrame(data, columns=names, dtype=object).replace({"": None})
    frame = frame.loc[:, ~pd.Index(names).duplicated()]
    bad_id = pd.to_numeric(frame["indicator_id"], errors="coerce").isna()
    if bad_id.any():
        raise FingertipsPayloadError(f"{request_url}: 'Indicator ID' is not an integer on "
                                     f"{int(bad_id.sum())} row(s), e.g. {frame.loc[bad_id, 'indicator_id'].iloc[0]!r}.",
                                     request=request_url)
    _legacy_numeric(frame, request_url)
    for col in COLUMNS:
        if col not in frame:
            frame[col] = None
    frame["area_type"] = [area_type_from_code(c, t) for c, t in zip(frame["area_code"], frame["area_type"])]
    # a comparison with a parent that is England (or none) is compared_to_england's job, as in FingertipsNext
    no_parent = frame["parent_code"].isna() | (frame["parent_code"] == ENGLAND)
    frame.loc[no_parent, "compared_to_parent"] = None
    frame = add_deprivation_columns(frame, request_url)
    frame = add_period_columns(frame.drop(columns=["period_start", "period_end"]), year_type)
    return validate(frame, request_url)


# --- FingertipsNext JSON -----------------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Dim(_Model):
    value: str
    isAggregate: bool = False


class _DatePeriod(_Model):
    type: str = ""
    from_: _dt.date = Field(alias="from")
    to: _dt.date


class _Deprivation(_Model):
    sequence: int
    value: str
    type: str
    isAggregate: bool


class _Benchmark(_Model):
    outcome: str | None = None
    benchmarkAreaCode: str | None = None
    benchmarkAreaName: str | None = None
    benchmarkValue: float | None = None


class _Point(_Model):
    datePeriod: _DatePeriod
    count: float | None = None
    value: float | None
    lowerCi: float | None = None
    upperCi: float | None = None
    trend: str | None = None
    benchmarkComparison: _Benchmark | None = None
    deprivation: _Deprivation | None = None
    ageBand: _Dim | None = None
    sex: _Dim | None = None


class _Segment(_Model):
    age: _Dim | None = None
    sex: _Dim | None = None
    healthData: list[_Point] = []


class _Area(_Model):
    areaCode: str
    areaName: str
    indicatorSegments: list[_Segment]


class _NextData(_Model):
    indicatorId: int | None = None
    name: str | None = None
    benchmarkMethod: str | None = None
    areaHealthData: list[_Area]


def _shape_error(request_url: str, exc: ValidationError, what: str) -> FingertipsPayloadError:
    first = exc.errors()[:3]
    where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in first)
    return FingertipsPayloadError(f"{request_url}: the JSON does not have the shape of {what} ({where}"
                                  f"{'; …' if exc.error_count() > 3 else ''}).", request=request_url)


def _next_row(payload: _NextData, area: _Area, seg: _Segment, p: _Point, dep: _Deprivation | None, *, ci: str,
              indicator_id: int | None, ancestor_code: str | None) -> dict:
    """One tidy row from one FingertipsNext health-data point."""
    bench = p.benchmarkComparison or _Benchmark()
    b_code = bench.benchmarkAreaCode
    parent_code = ancestor_code or (b_code if b_code and b_code != area.areaCode else None)
    parent_name = bench.benchmarkAreaName if parent_code and parent_code == b_code else None
    outcome = comparison_label(bench.outcome)
    vs_england = b_code in (None, ENGLAND)
    age = p.ageBand or seg.age
    sex = p.sex or seg.sex
    return {
        "indicator_id": payload.indicatorId or indicator_id, "indicator_name": payload.name,
        "area_code": area.areaCode, "area_name": area.areaName,
        "area_type": area_type_from_code(area.areaCode),
        "parent_code": parent_code, "parent_name": parent_name,
        "sex": sex.value if sex else None, "age": age.value if age else None,
        "category_type": dep.type if dep else None, "category": dep.value if dep else None,
        "period_label": period_label(p.datePeriod.type, p.datePeriod.from_, p.datePeriod.to),
        "period_start": pd.Timestamp(p.datePeriod.from_), "period_end": pd.Timestamp(p.datePeriod.to),
        "value": p.value, f"lower_ci_{ci}": p.lowerCi, f"upper_ci_{ci}": p.upperCi,
        "count": p.count, "recent_trend": p.trend,
        "compared_to_england": outcome if vs_england else None,
        "compared_to_parent": None if vs_england else outcome,
    }


def tidy_next_json(request_url: str, body: bytes, content_type: str = "", *, indicator_id: int | None = None,
                   ancestor_code: str | None = None) -> pd.DataFrame:
    """Tidy frame from a FingertipsNext ``/indicators/{id}/data`` response."""
    obj = parse_json(request_url, body, content_type)
    try:
        payload = _NextData.model_validate(obj)
    except ValidationError as exc:
        raise _shape_error(request_url, exc, "IndicatorWithHealthDataForArea") from None
    ci = "99_8" if (payload.benchmarkMethod or "").endswith("99_8") else "95_0"
    rows, sequences = [], []
    for area in payload.areaHealthData:
        for seg in area.indicatorSegments:
            for p in seg.healthData:
                dep = p.deprivation if p.deprivation is not None and not p.deprivation.isAggregate else None
                rows.append(_next_row(payload, area, seg, p, dep, ci=ci, indicator_id=indicator_id,
                                      ancestor_code=ancestor_code))
                sequences.append(dep.sequence if dep else None)
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("period_sortable",)])
    if frame["indicator_id"].isna().any():
        raise FingertipsPayloadError(f"{request_url}: no indicatorId in the response.", request=request_url)
    for col in _NUMERIC:
        frame[col] = pd.to_numeric(frame[col]).astype(float)
    frame = add_deprivation_columns(frame, request_url, pd.Series(sequences, index=frame.index, dtype="object"))
    frame = add_period_columns(frame)
    return validate(frame, request_url)


# --- areas -------------------------------------------------------------------------------------------------

class _LegacyArea(_Model):
    Code: str
    Name: str
    AreaTypeId: int | None = None
    Short: str | None = None


class _NextArea(_Model):
    code: str
    name: str
    areaType: dict | None = None


def tidy_areas(request_url: str, body: bytes, content_type: str, generation: str) -> pd.DataFrame:
    """``area_code``, ``area_name``, ``area_type`` from legacy ``areas/by_area_type`` or Next area lists."""
    obj = parse_json(request_url, body, content_type)
    model = _LegacyArea if generation == "legacy" else _NextArea
    if not isinstance(obj, list):
        raise FingertipsPayloadError(f"{request_url}: expected a JSON list of areas, got {type(obj).__name__}.",
                                     request=request_url)
    try:
        items = [model.model_validate(o) for o in obj]
    except ValidationError as exc:
        raise _shape_error(request_url, exc, "a list of areas") from None
    if generation == "legacy":
        rows = [(a.Code, a.Name, area_type_from_code(a.Code, a.Short)) for a in items]
    else:
        rows = [(a.code, a.name, area_type_from_code(a.code, (a.areaType or {}).get("name"))) for a in items]
    return pd.DataFrame(rows, columns=["area_code", "area_name", "area_type"]).astype("str")
