"""Converters from the publishers' official files to the canonical files the readers read, and their checks.

``healthintel data fetch`` downloads a dataset's official file (``download:`` in ``catalog.yaml``: the gov.uk
asset of an IoD file, the ONS population zip, ArcGIS REST pages of the ONS Open Geography Portal, a Fingertips
API CSV) and hands it to the converter the entry names (``convert:``). Each converter returns the canonical
table (the same columns and format as the data mirror's file at the entry's ``path``, which the readers in
:mod:`healthintel.sources.readers` read) or a GeoJSON collection, plus a frame to check. :func:`run_checks`
then applies the entry's content ``checks:`` (required columns, expected row count, control totals such as
Kent 902 / Medway 163 LSOAs) before anything is written to ``data/raw``.

Converters read the official layouts by header text (whitespace-normalised, case-insensitive), never by
position, so a column the publisher renames is an error naming the file, the column and the headers found.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HealthIntelError

__all__ = ["ConversionError", "ContentCheckError", "Converted", "CONVERTERS", "AREA_GROUPS", "convert",
           "run_checks", "read_official_table", "clean_name"]

#: Kent County Council's 12 districts (codes unchanged from 2019 to 2024; E07000112 was Shepway until 2018).
KENT_DISTRICTS = tuple(f"E070001{i:02d}" for i in range(5, 17))
#: Named groups of area codes that checks may count by (``count_by: {column: ..., Kent: 902}``).
AREA_GROUPS: dict[str, tuple[str, ...]] = {
    "Kent": KENT_DISTRICTS,
    "Medway": ("E06000035",),
    "England": ("E92000001",),
}


class ConversionError(HealthIntelError):
    """An official file is not in the layout its converter expects (a missing sheet, member or column)."""


class ContentCheckError(HealthIntelError):
    """A converted file failed its content checks (columns, row count, control totals); nothing was written."""


@dataclass
class Converted:
    """What a converter returns: the canonical ``table`` (written as CSV) or ``geojson`` (a FeatureCollection),
    and ``check_frame``, the frame the content checks run on (the canonical columns, plus source columns such as
    the district code when the canonical file has none)."""

    table: pd.DataFrame | None = None
    geojson: dict | None = None
    check_frame: pd.DataFrame = field(default_factory=pd.DataFrame)


# ------------------------------------------------------------------------------------------------ reading
def _norm(text: object) -> str:
    return " ".join(str(text).split()).casefold()


def clean_name(header: str) -> str:
    """A header as R's ``janitor::clean_names`` spells it (the layout of the humaniverse-built mirror files):
    ``"IMD - Proportion of LSOAs in most deprived 10% nationally"`` ->
    ``"imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"``."""
    text = str(header).strip().replace("%", " percent ")
    text = text.replace("LSOAs", "LSO As")  # janitor splits the case change: lso_as
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def _open_member(path: Path, member: str | None) -> tuple[Any, str]:
    """``path`` itself, or ``member`` of the zip archive ``path`` as a file-like; with the name read."""
    if not member:
        return path, path.name
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            match = next((n for n in names if n == member or Path(n).name == member), None)
            if match is None:
                raise ConversionError(f"{path.name} has no member {member!r}; it holds: {', '.join(names)}.")
            return io.BytesIO(zf.read(match)), match
    except zipfile.BadZipFile:
        raise ConversionError(f"{path.name} is not a zip archive (expected {member!r} inside it).") from None


def read_official_table(path: Path, *, member: str | None = None, sheet: str | int | None = None,
                        header_row: int = 0) -> pd.DataFrame:
    """An official CSV or xlsx (optionally inside a zip) as a frame of strings-as-read, headers stripped.

    ``header_row`` is the 0-based row of the header (ONS population files have title rows above it).
    """
    handle, name = _open_member(path, member)
    try:
        if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
            frame = pd.read_excel(handle, sheet_name=0 if sheet is None else sheet, header=header_row,
                                  engine="openpyxl")
        else:
            frame = pd.read_csv(handle, encoding="utf-8-sig", low_memory=False, skiprows=range(header_row))
    except ValueError as exc:  # a missing worksheet
        raise ConversionError(f"{name}: {exc}") from None
    frame.columns = [" ".join(str(c).split()) for c in frame.columns]
    return frame


def _find(frame: pd.DataFrame, header: str, *, prefix: bool = False, where: str = "") -> str:
    """The column of ``frame`` whose header is ``header`` (or starts with it), whitespace- and case-blind."""
    want = _norm(header)
    for col in frame.columns:
        got = _norm(col)
        if got == want or (prefix and got.startswith(want)):
            return str(col)
    shown = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
    raise ConversionError(f"{where or 'the official file'} has no column {header!r}"
                          f"{' (or starting with it)' if prefix else ''}; its headers are: {shown}"
                          f"{' ...' if len(frame.columns) > 12 else ''}. The publisher may have changed the layout: "
                          "update the converter in healthintel/sources/convert.py.")


def _pick(frame: pd.DataFrame, mapping: Mapping[str, str], *, prefix: bool = False, where: str = "") -> pd.DataFrame:
    """``frame`` reduced to ``mapping``'s official headers, renamed to its keys (canonical names), in order."""
    cols = {key: _find(frame, header, prefix=prefix, where=where) for key, header in mapping.items()}
    out = frame[list(cols.values())].copy()
    out.columns = list(cols)
    return out


def _as_int(series: pd.Series) -> pd.Series:
    """Counts and ranks as integers (xlsx cells can come back as floats; CSV ones with thousands separators)."""
    if not pd.api.types.is_numeric_dtype(series):
        series = series.astype("string").str.replace(",", "", regex=False)
    return pd.to_numeric(series, errors="coerce").round().astype("Int64")


# ------------------------------------------------------------------------------------------------ IoD 2019
_IOD19_IDS = {
    "LSOA code (2011)": "LSOA code (2011)",
    "LSOA name (2011)": "LSOA name (2011)",
    "Local Authority District code (2019)": "Local Authority District code (2019)",
    "Local Authority District name (2019)": "Local Authority District name (2019)",
}
#: The IMD and its seven domains as File 2 / File 7 label them (IoD 2019 and IoD 2025 alike).
IOD_DOMAIN_LABELS = (
    "Index of Multiple Deprivation (IMD)", "Income", "Employment", "Education, Skills and Training",
    "Health Deprivation and Disability", "Crime", "Barriers to Housing and Services", "Living Environment",
)


def iod2019_file1(sources: Sequence[Path], spec: Mapping) -> Converted:
    """File 1 (xlsx, sheet ``IMD2019``) -> the File 1 layout: LSOA and district ids, IMD rank and decile."""
    raw = read_official_table(sources[0], sheet=spec.get("sheet", "IMD2019"))
    out = _pick(raw, {**_IOD19_IDS,
                      "Index of Multiple Deprivation (IMD) Rank": "Index of Multiple Deprivation (IMD) Rank",
                      "Index of Multiple Deprivation (IMD) Decile": "Index of Multiple Deprivation (IMD) Decile"},
                prefix=True, where=f"{sources[0].name} sheet IMD2019")
    out = out.dropna(subset=["LSOA code (2011)"])
    for col in out.columns[4:]:
        out[col] = _as_int(out[col])
    return Converted(table=out.reset_index(drop=True), check_frame=out)


def _file7(sources: Sequence[Path]) -> pd.DataFrame:
    raw = read_official_table(sources[0])
    return raw.dropna(subset=[_find(raw, "LSOA code", prefix=True, where=sources[0].name)])


def iod2019_file7_domains(sources: Sequence[Path], spec: Mapping) -> Converted:
    """File 7 (csv) -> the File 2 layout: ids, then rank and decile of the IMD and each domain (same headers)."""
    raw = _file7(sources)
    mapping = dict(_IOD19_IDS)
    for label in IOD_DOMAIN_LABELS:
        for part, tail in (("Rank", "(where 1 is most deprived)"),
                           ("Decile", "(where 1 is most deprived 10% of LSOAs)")):
            mapping[f"{label} {part} {tail}"] = f"{label} {part}"
    out = _pick(raw, mapping, prefix=True, where=sources[0].name)
    for col in out.columns[4:]:
        out[col] = _as_int(out[col])
    return Converted(table=out.reset_index(drop=True), check_frame=out)


_IOD19_DENOMINATORS = (
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
)


def iod2019_file7_population(sources: Sequence[Path], spec: Mapping) -> Converted:
    """File 7 (csv) -> the File 6 layout: ids and the five mid-2015 population denominators."""
    raw = _file7(sources)
    out = _pick(raw, {**_IOD19_IDS, **{h: h for h in _IOD19_DENOMINATORS}}, prefix=True, where=sources[0].name)
    for col in out.columns[4:]:
        out[col] = _as_int(out[col])
    return Converted(table=out.reset_index(drop=True), check_frame=out)


def iod2019_file7_scores(sources: Sequence[Path], spec: Mapping) -> Converted:
    """File 7 (csv) -> the NHSRpopulation ``imd`` layout: years, ids, IMD score and decile, sorted by LSOA."""
    raw = _file7(sources)
    out = _pick(raw, {"lsoa_code": "LSOA code (2011)", "lsoa_name": "LSOA name (2011)",
                      "la_code": "Local Authority District code (2019)",
                      "la_name": "Local Authority District name (2019)",
                      "imd_score": "Index of Multiple Deprivation (IMD) Score",
                      "imd_decile": "Index of Multiple Deprivation (IMD) Decile"}, prefix=True, where=sources[0].name)
    out["imd_score"] = pd.to_numeric(out["imd_score"], errors="coerce")
    out["imd_decile"] = _as_int(out["imd_decile"])
    out.insert(0, "lsoa_year", 2011)
    out.insert(3, "la_year", 2019)
    out.insert(6, "imd_year", 2019)
    out = out.sort_values("lsoa_code", kind="stable").reset_index(drop=True)
    return Converted(table=out, check_frame=out)


def iod2019_file7_income_employment(sources: Sequence[Path], spec: Mapping) -> Converted:
    """File 7 (csv) -> the mySociety ``GB_IMD_E`` columns the readers use: ``nation`` ("E"), ``lsoa``,
    ``overall_local_score`` (IMD score) and the income and employment rates x 100 (mySociety's own composite
    columns are not official and are not reproduced)."""
    raw = _file7(sources)
    out = _pick(raw, {"lsoa": "LSOA code (2011)", "overall_local_score": "Index of Multiple Deprivation (IMD) Score",
                      "income_score": "Income Score (rate)", "employment_score": "Employment Score (rate)",
                      "lad_code": "Local Authority District code (2019)"}, where=sources[0].name)
    for col in ("overall_local_score", "income_score", "employment_score"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out[["income_score", "employment_score"]] = out[["income_score", "employment_score"]] * 100
    out.insert(0, "nation", "E")
    return Converted(table=out.drop(columns="lad_code").reset_index(drop=True), check_frame=out)


#: File 10 (IoD 2019) sheet -> (domain label in its headers, mirror column prefix).
_FILE10_2019 = (
    ("IMD", "IMD", ""), ("Income", "Income", "Income_"), ("Employment", "Employment", "Employment_"),
    ("Education", "Education, Skills and Training", "Education_"),
    ("Health", "Health Deprivation and Disability", "Health_"), ("Crime", "Crime", "Crime_"),
    ("Barriers", "Barriers to Housing and Services", "Housing_and_Access_"),
    ("Living", "Living Environment", "Environment_"),
)


def iod2019_file10(sources: Sequence[Path], spec: Mapping) -> Converted:
    """File 10 (xlsx, a sheet per domain) -> the humaniverse ``imd2019_england_ltla19`` layout: ``ltla19_code``,
    ``Score``, ``Proportion``, ``Extent`` and each domain's average score and proportion."""
    out: pd.DataFrame | None = None
    for sheet, label, prefix in _FILE10_2019:
        raw = read_official_table(sources[0], sheet=sheet)
        mapping = {"ltla19_code": "Local Authority District code (2019)",
                   f"{prefix}Score": f"{label} - Average score",
                   f"{prefix}Proportion": f"{label} - Proportion of LSOAs in most deprived 10% nationally"}
        if sheet == "IMD":
            mapping["Extent"] = "IMD 2019 - Extent"
        part = _pick(raw, mapping, where=f"{sources[0].name} sheet {sheet}").dropna(subset=["ltla19_code"])
        out = part if out is None else out.merge(part, on="ltla19_code", how="left", validate="1:1")
    assert out is not None
    for col in out.columns[1:]:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return Converted(table=out.reset_index(drop=True), check_frame=out)


# ------------------------------------------------------------------------------------------------ IoD 2025
#: IoD 2025 File 7 domain label -> the humaniverse column stem of ``imd2025_england_lsoa21``.
_IOD25_STEMS = dict(zip(IOD_DOMAIN_LABELS, ("IMD", "Income", "Employment", "Education", "Health", "Crime",
                                            "Housing_and_Services", "Environment")))


def iod2025_file7_lsoa(sources: Sequence[Path], spec: Mapping) -> Converted:
    """IoD 2025 File 7 (csv) -> the humaniverse ``imd2025_england_lsoa21`` layout: ``lsoa21_code``, then the
    deciles, ranks and scores of the IMD and the seven domains."""
    raw = _file7(sources)
    where = sources[0].name
    out = pd.DataFrame({"lsoa21_code": raw[_find(raw, "LSOA code (2021)", where=where)]})
    for part in ("decile", "rank", "score"):
        for label, stem in _IOD25_STEMS.items():
            col = _find(raw, f"{label} {part.capitalize()}", prefix=True, where=where)
            values = pd.to_numeric(raw[col], errors="coerce")
            out[f"{stem}_{part}"] = values if part == "score" else values.round().astype("Int64")
    check = out.assign(lad_code=raw[_find(raw, "Local Authority District code (2024)", where=where)].to_numpy())
    return Converted(table=out.reset_index(drop=True), check_frame=check)


#: File 10 (IoD 2025 v2) sheets read, in the mirror's column order.
_FILE10_2025_SHEETS = ("IMD", "Income", "Employment", "Education", "Health", "Crime", "Barriers", "Living")


def iod2025_file10(sources: Sequence[Path], spec: Mapping) -> Converted:
    """IoD 2025 File 10 v2 (xlsx, a sheet per domain) -> the humaniverse ``imd2025_england_ltla24`` layout:
    ``ltla24_code``, ``ltla24_name`` and every other column of the IMD and domain sheets under its
    ``janitor::clean_names`` name (e.g. ``imd_average_score``, ``imd25_extent``, ``rank_of_income_scale``)."""
    out: pd.DataFrame | None = None
    for sheet in _FILE10_2025_SHEETS:
        raw = read_official_table(sources[0], sheet=sheet)
        where = f"{sources[0].name} sheet {sheet}"
        code = _find(raw, "Local Authority District code (2024)", where=where)
        name = _find(raw, "Local Authority District name (2024)", where=where)
        raw = raw.dropna(subset=[code])
        part = raw.rename(columns={code: "ltla24_code", name: "ltla24_name"})
        part.columns = [c if c in ("ltla24_code", "ltla24_name") else clean_name(c) for c in part.columns]
        if out is not None:
            part = part.drop(columns="ltla24_name")
        out = part if out is None else out.merge(part, on="ltla24_code", how="left", validate="1:1")
    assert out is not None
    for col in out.columns[2:]:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return Converted(table=out.reset_index(drop=True), check_frame=out)


# ------------------------------------------------------------------------------------------------ ONS population
def sape_lsoa_syoa_by_sex(sources: Sequence[Path], spec: Mapping) -> Converted:
    """ONS SAPE22DT2 (``format: zip:<the xlsx in it>``, a sheet per sex, title rows above the header) -> the layout
    of the mirror: ``lsoa11_code``, ``lsoa11_name``, ``lad19_code``, ``lad19_name``, ``sex`` ("f"/"m"),
    ``all_ages``, ``0`` ... ``89``, ``90+``; sorted by LSOA code then sex."""
    fmt = str(spec.get("format", ""))
    member = fmt[4:] if fmt.startswith("zip:") else None
    frames = []
    for sex, sheet in (("f", spec.get("sheet_female", "Mid-2019 Females")),
                       ("m", spec.get("sheet_male", "Mid-2019 Males"))):
        raw = read_official_table(sources[0], member=member, sheet=sheet, header_row=int(spec.get("header_row", 4)))
        where = f"{member or sources[0].name} sheet {sheet}"
        ages = {str(a): str(a) for a in range(90)} | {"90+": "90+"}
        part = _pick(raw, {"lsoa11_code": "LSOA Code", "lsoa11_name": "LSOA Name",
                           "lad19_code": "LA Code (2019 boundaries)", "lad19_name": "LA name (2019 boundaries)",
                           "all_ages": "All Ages", **ages}, where=where)
        part = part.dropna(subset=["lsoa11_code"])
        part.insert(4, "sex", sex)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    for col in out.columns[5:]:
        out[col] = _as_int(out[col])
    out = out.sort_values(["lsoa11_code", "sex"], kind="stable").reset_index(drop=True)
    return Converted(table=out, check_frame=out)


# ------------------------------------------------------------------------------------------------ ONS geography
def _features(sources: Sequence[Path]) -> list[dict]:
    features: list[dict] = []
    for src in sources:
        with open(src, encoding="utf-8") as fh:
            features.extend(json.load(fh).get("features") or [])
    if not features:
        raise ConversionError(f"{', '.join(p.name for p in sources)}: the ArcGIS layer returned no features (the "
                              "service may have been renamed or the query matched nothing); check the layer's "
                              "address in catalog.yaml.")
    return features


def arcgis_table(sources: Sequence[Path], spec: Mapping) -> Converted:
    """ArcGIS REST GeoJSON pages of an ONS lookup table -> a CSV of ``fields`` (canonical name -> ONS field),
    de-duplicated when ``distinct``."""
    rows = pd.DataFrame([f.get("properties") or {} for f in _features(sources)])
    fields: Mapping[str, str] = spec["fields"]
    out = _pick(rows, fields, where=f"the ArcGIS layer {spec.get('layer', '')}".strip())
    if spec.get("distinct"):
        out = out.drop_duplicates()
    return Converted(table=out.reset_index(drop=True), check_frame=out)


def _name_prefix_codes(names: pd.Series, codes_by_name: Mapping[str, str]) -> pd.Series:
    """The district code of each LSOA from the district name its name starts with ("Medway 015A")."""
    stems = names.astype(str).str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)
    return stems.map(dict(codes_by_name))


def arcgis_boundaries(sources: Sequence[Path], spec: Mapping) -> Converted:
    """ArcGIS REST GeoJSON pages of an ONS boundary layer -> one FeatureCollection (WGS84, ``outSR=4326``).

    ``properties`` (optional) keeps those ONS fields, in order; ``district_from_name`` adds district code/name
    fields from each LSOA's name (``{code_field, name_field, source_field, districts: {name: code}}``).
    """
    features = _features(sources)
    props = pd.DataFrame([f.get("properties") or {} for f in features])
    derive = spec.get("district_from_name")
    if derive:
        names = props[_find(props, derive["source_field"], where="the ArcGIS layer")]
        codes = _name_prefix_codes(names, derive["districts"])
        labels = {code: name for name, code in derive["districts"].items()}
        props[derive["code_field"]] = codes
        props[derive["name_field"]] = codes.map(labels)
    keep = list(spec.get("properties") or props.columns)
    props = _pick(props, {k: k for k in keep}, where="the ArcGIS layer")
    records = props.astype(object).where(props.notna(), None).to_dict("records")
    out: dict[str, Any] = {"type": "FeatureCollection"}  # RFC 7946: WGS84 longitude/latitude, no crs member
    if spec.get("collection_name"):
        out["name"] = spec["collection_name"]
    out["features"] = [{"type": "Feature", "properties": p, "geometry": f.get("geometry")}
                       for p, f in zip(records, features)]
    check = props.assign(_has_geometry=[f.get("geometry") is not None for f in features])
    return Converted(geojson=out, check_frame=check)


# ------------------------------------------------------------------------------------------------ Fingertips
#: The Fingertips ``all_data`` CSV columns the published-value files keep (in this order).
ALL_DATA_COLUMNS = (
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
    "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
    "Count", "Denominator", "Value note", "Compared to England value or percentiles",
)


def _fingertips_csv(sources: Sequence[Path]) -> pd.DataFrame:
    frames = [read_official_table(src) for src in sources]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return out.drop_duplicates().reset_index(drop=True)


def fingertips_all_data(sources: Sequence[Path], spec: Mapping) -> Converted:
    """Fingertips ``/api/all_data/csv/by_indicator_id`` CSV(s) -> the same ``all_data`` columns (those of
    :data:`ALL_DATA_COLUMNS`), optionally only ``indicators`` and ``areas``, plus ``constants`` columns."""
    raw = _fingertips_csv(sources)
    where = sources[0].name
    out = _pick(raw, {c: c for c in ALL_DATA_COLUMNS}, where=where)
    if spec.get("indicators"):
        out = out[pd.to_numeric(out["Indicator ID"], errors="coerce").isin([int(i) for i in spec["indicators"]])]
    if spec.get("areas"):
        out = out[out["Area Code"].isin(_expand_areas(spec["areas"]))]
    for name, value in (spec.get("constants") or {}).items():
        out[name] = value
    return Converted(table=out.reset_index(drop=True), check_frame=out)


def _expand_areas(areas: Iterable[str]) -> list[str]:
    """Area codes, with group names of :data:`AREA_GROUPS` (``Kent``) expanded to their codes."""
    out: list[str] = []
    for a in areas:
        out.extend(AREA_GROUPS.get(str(a), (str(a),)))
    return out


def _quintile_label(category: object) -> object:
    """Fingertips "Most deprived quintile (IMD2019)" -> "Most deprived quintile" (the middle one is "Average
    deprived quintile", as Trafford Data Lab's extracts name it)."""
    if not isinstance(category, str) or not category.strip():
        return np.nan
    label = re.sub(r"\s*\(IMD\s*\d{4}\)\s*$", "", category.strip())
    return "Average deprived quintile" if re.match(r"(third|middle)\b", label, re.I) else label


def _trafford_area_type(code: str) -> str:
    return "Country" if code.startswith("E92") else ("District" if code.startswith("E07") else "UA")


def fingertips_extract(sources: Sequence[Path], spec: Mapping) -> Converted:
    """Fingertips ``all_data`` CSV -> Trafford Data Lab's extract layout the mirror's series files use:
    ``area_code``, ``area_name``, ``area_type`` (Country/UA/District), ``period``, ``indicator``, ``measure``,
    ``unit``, ``value`` (rounded to ``round`` d.p.), ``compared_to_England`` and ``inequality`` (the sex for
    sex-split indicators, the deprivation quintile for quintile rows, else empty).

    ``areas`` limits the rows (e.g. ``[England, Kent, Medway]``); breakdown rows (a ``Category Type``) are kept
    only when their type contains one of ``keep_categories`` (e.g. ``deprivation quintile``), so deciles, ethnic
    groups and the like never reach the extract; ``indicator_names`` relabels indicator ids
    (``{90323: "Year 6 prevalence of obesity (including severe obesity)"}``); ``measure`` and ``unit`` are
    constants.
    """
    raw = _fingertips_csv(sources)
    rows = _pick(raw, {c: c for c in ("Indicator ID", "Indicator Name", "Area Code", "Area Name", "Sex",
                                        "Category Type", "Category", "Time period", "Value",
                                        "Compared to England value or percentiles")}, where=sources[0].name)
    if spec.get("areas"):
        rows = rows[rows["Area Code"].isin(_expand_areas(spec["areas"]))]
    category_type = rows["Category Type"].astype("string").fillna("").str.strip()
    wanted = [str(k).casefold() for k in spec.get("keep_categories") or []]
    keep = (category_type == "") | category_type.str.casefold().map(lambda t: any(w in t for w in wanted))
    rows = rows[keep.to_numpy(dtype=bool)]
    names = {int(k): v for k, v in (spec.get("indicator_names") or {}).items()}
    ids = pd.to_numeric(rows["Indicator ID"], errors="coerce").astype("Int64")
    has_category = rows["Category Type"].notna() & (rows["Category Type"].astype(str).str.strip() != "")
    sex = rows["Sex"].where(rows["Sex"].isin(["Male", "Female"]))
    inequality = np.where(has_category, rows["Category"].map(_quintile_label), sex)
    value = pd.to_numeric(rows["Value"], errors="coerce")
    if spec.get("round") is not None:
        value = value.round(int(spec["round"]))
    out = pd.DataFrame({
        "area_code": rows["Area Code"].to_numpy(), "area_name": rows["Area Name"].to_numpy(),
        "area_type": [_trafford_area_type(str(c)) for c in rows["Area Code"]],
        "period": rows["Time period"].astype(str).to_numpy(),
        "indicator": [names.get(int(i), n) if pd.notna(i) else n for i, n in zip(ids, rows["Indicator Name"])],
        "measure": spec.get("measure", ""), "unit": spec.get("unit", ""), "value": value.to_numpy(),
        "compared_to_England": rows["Compared to England value or percentiles"].to_numpy(),
        "inequality": inequality,
    })
    return Converted(table=out, check_frame=out)


#: Converter name (``convert:`` in catalog.yaml) -> function.
CONVERTERS: dict[str, Callable[[Sequence[Path], Mapping], Converted]] = {
    "iod2019_file1": iod2019_file1,
    "iod2019_file7_domains": iod2019_file7_domains,
    "iod2019_file7_population": iod2019_file7_population,
    "iod2019_file7_scores": iod2019_file7_scores,
    "iod2019_file7_income_employment": iod2019_file7_income_employment,
    "iod2019_file10": iod2019_file10,
    "iod2025_file7_lsoa": iod2025_file7_lsoa,
    "iod2025_file10": iod2025_file10,
    "sape_lsoa_syoa_by_sex": sape_lsoa_syoa_by_sex,
    "arcgis_table": arcgis_table,
    "arcgis_boundaries": arcgis_boundaries,
    "fingertips_all_data": fingertips_all_data,
    "fingertips_extract": fingertips_extract,
}


def convert(name: str, sources: Sequence[Path], spec: Mapping) -> Converted:
    """Run the converter ``name`` on the downloaded official file(s) ``sources`` with the entry's ``download``
    spec; any parsing failure becomes a :class:`ConversionError` naming the file."""
    try:
        func = CONVERTERS[name]
    except KeyError:
        raise ConversionError(f"unknown converter {name!r}; healthintel knows: {', '.join(sorted(CONVERTERS))}.") \
            from None
    try:
        return func(sources, spec)
    except ConversionError as exc:
        raise ConversionError(_plain_names(str(exc))) from None
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ConversionError(_plain_names(f"{', '.join(p.name for p in sources)} could not be converted by {name} "
                                           f"({type(exc).__name__}: {exc}).")) from None


def _plain_names(message: str) -> str:
    """Messages name the official file, not its download-cache name (``<12 hex digits>-File_1_...xlsx``)."""
    return re.sub(r"\b[0-9a-f]{12}-(?=\S)", "", message)


# ------------------------------------------------------------------------------------------------ checks
def _check_counts(frame: pd.DataFrame, spec: Mapping, *, sums: bool) -> tuple[list[str], list[str]]:
    """``count_by``/``sum_by``: rows (or ``value`` totals) per named group of area codes in ``column``."""
    column = spec["column"]
    if column not in frame.columns:
        return [f"column {column!r} to count by is missing"], []
    failed, passed = [], []
    for group, expected in spec.items():
        if group in ("column", "value"):
            continue
        mask = frame[column].isin(AREA_GROUPS.get(group, (group,)))
        got = pd.to_numeric(frame.loc[mask, spec["value"]], errors="coerce").sum() if sums else int(mask.sum())
        what = f"{spec['value']} total" if sums else "rows"
        if got != expected:
            failed.append(f"{group}: expected {expected:,} {what}, found {got:,.0f}")
        else:
            passed.append(f"{group} {expected:,}")
    return failed, passed


def _check_shape(frame: pd.DataFrame, checks: Mapping) -> tuple[list[str], list[str]]:
    """``columns``, ``rows``, ``min_rows`` and ``unique``."""
    failed: list[str] = []
    passed: list[str] = []
    missing = [c for c in checks.get("columns", []) if c not in frame.columns]
    if missing:
        failed.append(f"missing columns {', '.join(map(repr, missing))}")
    elif checks.get("columns"):
        passed.append(f"{len(checks['columns'])} columns")
    if "rows" in checks:
        if len(frame) != int(checks["rows"]):
            failed.append(f"expected {int(checks['rows']):,} rows, found {len(frame):,}")
        else:
            passed.append(f"{len(frame):,} rows")
    if "min_rows" in checks and len(frame) < int(checks["min_rows"]):
        failed.append(f"expected at least {int(checks['min_rows']):,} rows, found {len(frame):,}")
    unique = checks.get("unique")
    if unique and unique in frame.columns and frame[unique].duplicated().any():
        failed.append(f"{int(frame[unique].duplicated().sum()):,} duplicated {unique!r} values")
    return failed, passed


def run_checks(dataset_id: str, frame: pd.DataFrame, checks: Mapping | None) -> str:
    """Apply a catalog entry's content ``checks`` to ``frame`` (a converted file's :attr:`Converted.check_frame`).

    Keys: ``columns`` (required columns), ``rows`` (exact row or feature count), ``min_rows``, ``unique``
    (a column without duplicates), ``count_by`` / ``sum_by`` (control totals per named group of codes:
    ``{column: lad_code, Kent: 902, Medway: 163}``; ``sum_by`` also names the ``value`` column), ``areas``
    (codes that must appear in the column ``area_column``, default ``area_code``).

    Returns
    -------
    str
        A one-line summary of what passed ("checks passed: 4 columns, 32,844 rows, Kent 902, Medway 163").

    Raises
    ------
    ContentCheckError
        Listing every check that failed.
    """
    checks = checks or {}
    failed, passed = _check_shape(frame, checks)
    for key, sums in (("count_by", False), ("sum_by", True)):
        if key in checks:
            f, p = _check_counts(frame, checks[key], sums=sums)
            failed += f
            passed += p
    if checks.get("areas"):
        col = checks.get("area_column", "area_code")
        present = set(frame[col]) if col in frame.columns else set()
        absent = [a for a in _expand_areas(checks["areas"]) if a not in present]
        if absent:
            failed.append(f"areas absent: {', '.join(absent)}")
    if failed:
        raise ContentCheckError(f"{dataset_id}: the converted file failed its content checks ("
                                + "; ".join(failed) + "). It was not written to data/raw.")
    return "checks passed: " + (", ".join(passed) if passed else "none defined")
