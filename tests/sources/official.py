"""The publishers' official file layouts, rebuilt in the tests from the data mirror's files.

Each builder returns the bytes (or ArcGIS features) a publisher serves for one catalog entry's ``download:`` URL,
in the official layout (File 1 xlsx with its ``IMD2019`` sheet, File 7 csv with its 57 headers, File 10 xlsx with a
sheet per domain, the SAPE22DT2 zip holding an xlsx with title rows above the header, ArcGIS features with ONS
field names, the Fingertips ``all_data`` CSV) and the mirror's values, so that converting them must give back the
mirror's frame. Columns the mirror does not hold are left empty.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from healthintel.sources.catalog import dataset

KENT_MEDWAY = tuple(f"E070001{i:02d}" for i in range(5, 17)) + ("E06000035",)


def mirror_file(mirror: Path, dataset_id: str) -> Path:
    return mirror / dataset(dataset_id).path


def read_mirror(mirror: Path, dataset_id: str, **kw) -> pd.DataFrame:
    return pd.read_csv(mirror_file(mirror, dataset_id), encoding="utf-8-sig", **kw)


def xlsx(sheets: dict[str, pd.DataFrame], *, title_rows: dict[str, list[str]] | None = None) -> bytes:
    """An xlsx workbook (``Notes`` first, as the publishers' files have) with one sheet per frame."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    notes = book.create_sheet("Notes")
    notes.append(["Built by the healthintel tests from the data mirror, in the publisher's layout."])
    for name, frame in sheets.items():
        sheet = book.create_sheet(name)
        for line in (title_rows or {}).get(name, []):
            sheet.append([line])
        sheet.append([str(c) for c in frame.columns])
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            sheet.append([v.item() if isinstance(v, np.generic) else v for v in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


# ------------------------------------------------------------------------------------------------ IoD 2019
DOMAINS = ("Index of Multiple Deprivation (IMD)", "Income", "Employment", "Education, Skills and Training",
           "Health Deprivation and Disability", "Crime", "Barriers to Housing and Services", "Living Environment")
SUPPLEMENTARY = ("Income Deprivation Affecting Children Index (IDACI)",
                 "Income Deprivation Affecting Older People (IDAOPI)", "Children and Young People Sub-domain",
                 "Adult Skills Sub-domain", "Geographical Barriers Sub-domain", "Wider Barriers Sub-domain",
                 "Indoors Sub-domain", "Outdoors Sub-domain")
RATE = {"Income", "Employment", "Income Deprivation Affecting Children Index (IDACI)",
        "Income Deprivation Affecting Older People (IDAOPI)"}
IDS_2019 = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
            "Local Authority District name (2019)"]
DENOMINATORS_2015 = [
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners) ",
]


def _score_header(label: str) -> str:
    return f"{label} Score (rate)" if label in RATE else f"{label} Score"


def _triplet(label: str) -> list[str]:
    return [_score_header(label), f"{label} Rank (where 1 is most deprived)",
            f"{label} Decile (where 1 is most deprived 10% of LSOAs)"]


def file1_2019_frame(mirror: Path) -> pd.DataFrame:
    return read_mirror(mirror, "imd2019_index", thousands=",")


def file1_2019_xlsx(mirror: Path, frame: pd.DataFrame | None = None) -> bytes:
    """File 1: the ``IMD2019`` sheet (the mirror's CSV is an export of it, headers as published)."""
    return xlsx({"IMD2019": file1_2019_frame(mirror) if frame is None else frame})


def file7_2019_csv(mirror: Path) -> bytes:
    """File 7 (IoD 2019): the 57 published columns; ranks/deciles from File 2, scores from the NHSRpopulation
    copy, income/employment rates from mySociety's, denominators from File 6."""
    f1 = file1_2019_frame(mirror)
    f2 = read_mirror(mirror, "imd2019_domains", thousands=",")
    f6 = read_mirror(mirror, "imd2019_population", thousands=",")
    scores = read_mirror(mirror, "imd2019_scores").set_index("lsoa_code")["imd_score"]
    ms = read_mirror(mirror, "imd2019_income_employment")
    ms = ms[ms["nation"] == "E"].set_index("lsoa")
    codes = f1["LSOA code (2011)"]
    out = f1[IDS_2019].copy()
    f2 = f2.set_index("LSOA code (2011)")
    for label in DOMAINS + SUPPLEMENTARY:
        score, rank, decile = _triplet(label)
        if label == DOMAINS[0]:
            out[score] = codes.map(scores).to_numpy()
        elif label in ("Income", "Employment"):
            out[score] = (codes.map(ms[f"{label.lower()}_score"]) / 100).to_numpy()
        else:
            out[score] = np.nan
        for col in (rank, decile):
            out[col] = codes.map(f2[col]).to_numpy() if col in f2.columns else np.nan
    f6 = f6.set_index("LSOA code (2011)")
    for header, mirror_col in zip(DENOMINATORS_2015, f6.columns[3:]):
        out[header] = codes.map(f6[mirror_col]).to_numpy()
    assert len(out.columns) == 57
    return csv_bytes(out)


FILE10_2019_SHEETS = {"IMD": "IMD", "Income": "Income", "Employment": "Employment",
                      "Education": "Education, Skills and Training", "Health": "Health Deprivation and Disability",
                      "Crime": "Crime", "Barriers": "Barriers to Housing and Services", "Living": "Living Environment"}
FILE10_2019_PREFIX = {"IMD": "", "Income": "Income_", "Employment": "Employment_", "Education": "Education_",
                      "Health": "Health_", "Crime": "Crime_", "Barriers": "Housing_and_Access_",
                      "Living": "Environment_"}


def file10_2019_xlsx(mirror: Path, *, average_rank: float | None = None) -> bytes:
    """File 10 (IoD 2019): a sheet per domain, ``<domain> - Average score`` etc.; columns the mirror lacks are
    empty (or ``average_rank`` everywhere, to make other bytes with the same values)."""
    la = read_mirror(mirror, "imd2019_la_summary")
    sheets = {}
    for sheet, label in FILE10_2019_SHEETS.items():
        prefix = FILE10_2019_PREFIX[sheet]
        frame = pd.DataFrame({
            "Local Authority District code (2019)": la["ltla19_code"],
            "Local Authority District name (2019)": la["ltla19_code"],
            f"{label} - Average rank": average_rank,
            f"{label} - Rank of average rank": np.nan,
            f"{label} - Average score": la[f"{prefix}Score"],
            f"{label} - Rank of average score": np.nan,
            f"{label} - Proportion of LSOAs in most deprived 10% nationally": la[f"{prefix}Proportion"],
            f"{label} - Rank of proportion of LSOAs in most deprived 10% nationally": np.nan,
        })
        if sheet == "IMD":
            frame["IMD 2019 - Extent"] = la["Extent"]
            frame["IMD 2019 - Rank of extent"] = np.nan
        sheets[sheet] = frame
    return xlsx(sheets)


# ------------------------------------------------------------------------------------------------ IoD 2025
STEMS_2025 = dict(zip(DOMAINS, ("IMD", "Income", "Employment", "Education", "Health", "Crime",
                                "Housing_and_Services", "Environment")))


def file7_2025_csv(mirror: Path) -> bytes:
    """File 7 (IoD 2025): ids (LSOA 2021, LAD 2024 from the lookup), score/rank/decile of the IMD and domains
    from the humaniverse copy; supplementary columns and mid-2022 denominators empty."""
    hv = read_mirror(mirror, "iod2025_lsoa")
    lookup = read_mirror(mirror, "lookup_lsoa21_ltla24").drop_duplicates("lsoa21_code").set_index("lsoa21_code")
    codes = hv["lsoa21_code"]
    out = pd.DataFrame({
        "LSOA code (2021)": codes, "LSOA name (2021)": codes.map(lookup["lsoa21_name"]),
        "Local Authority District code (2024)": codes.map(lookup["ltla24_code"]),
        "Local Authority District name (2024)": codes.map(lookup["ltla24_name"]),
    })
    for label in DOMAINS + SUPPLEMENTARY:
        stem = STEMS_2025.get(label)
        for header, part in zip(_triplet(label), ("score", "rank", "decile")):
            out[header] = hv[f"{stem}_{part}"] if stem else np.nan
    for header in ("Total population: mid 2022", "Dependent Children aged 0-15: mid 2022",
                   "Older population aged 60 and over: mid 2022",
                   "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022"):
        out[header] = np.nan
    return csv_bytes(out)


def _file10_2025_headers(label: str, *, imd: bool) -> list[str]:
    short = "IMD" if imd else label
    heads = [f"{short} - Average rank", f"{short} - Rank of average rank", f"{short} - Average score ",
             f"{short} - Rank of average score",
             f"{short} - Proportion of LSOAs in most deprived 10% nationally",
             f"{short} - Rank of proportion of LSOAs in most deprived 10% nationally"]
    if imd:
        heads += ["IMD25 - Extent", "IMD25 - Rank of extent", "IMD25 - Local concentration",
                  "IMD25 - Rank of local concentration"]
    if label in ("Income", "Employment"):
        heads += [f"{label} Scale", f"Rank of {label} Scale"]
    return heads


def file10_2025_xlsx(mirror: Path) -> bytes:
    """File 10 v2 (IoD 2025): a sheet per domain whose headers ``janitor::clean_names`` turns into the mirror's
    columns (asserted)."""
    from healthintel.sources.convert import clean_name

    la = read_mirror(mirror, "iod2025_la_summary")
    cols = iter(la.columns[2:])
    sheets = {}
    for sheet, label in zip(("IMD", "Income", "Employment", "Education", "Health", "Crime", "Barriers", "Living"),
                            DOMAINS):
        frame = pd.DataFrame({"Local Authority District code (2024)": la["ltla24_code"],
                              "Local Authority District name (2024)": la["ltla24_name"]})
        for header in _file10_2025_headers(label, imd=sheet == "IMD"):
            col = next(cols)
            assert clean_name(header) == col, (header, col)
            frame[header] = la[col]
        sheets[sheet] = frame
    return xlsx(sheets)


# ------------------------------------------------------------------------------------------------ population
SAPE_MEMBER = "SAPE22DT2-mid-2019-lsoa-syoa-estimates-unformatted.xlsx"


def sape22dt2_zip(mirror: Path, *, lad_codes=KENT_MEDWAY) -> bytes:
    """The SAPE22DT2 zip: one xlsx with a sheet per sex, four title rows, the header on row 5 (only the LSOAs of
    ``lad_codes``: the whole of England and Wales takes minutes to write with openpyxl)."""
    wide = read_mirror(mirror, "population_lsoa11_2019")
    if lad_codes is not None:
        wide = wide[wide["lad19_code"].isin(lad_codes)]
    ages = [str(a) for a in range(90)] + ["90+"]
    sheets, titles = {}, {}
    for sex, name in (("m", "Mid-2019 Males"), ("f", "Mid-2019 Females")):
        part = wide[wide["sex"] == sex]
        frame = pd.DataFrame({"LSOA Code": part["lsoa11_code"], "LSOA Name": part["lsoa11_name"],
                              "LA Code (2019 boundaries)": part["lad19_code"],
                              "LA name (2019 boundaries)": part["lad19_name"],
                              "LA Code (2020 boundaries)": part["lad19_code"],
                              "LA name (2020 boundaries)": part["lad19_name"], "All Ages": part["all_ages"]})
        for a in ages:
            frame[a] = part[a].to_numpy()
        sheets[name] = frame
        titles[name] = [f"{name} population estimates by Lower Layer Super Output Area (LSOA)",
                        "Office for National Statistics", "", ""]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(SAPE_MEMBER, xlsx(sheets, title_rows=titles))
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ ArcGIS
def lookup_features(mirror: Path, dataset_id: str) -> list[dict]:
    """An ONS lookup as ArcGIS GeoJSON features (no geometry), the catalog's ``fields`` mapped back to ONS."""
    fields = dataset(dataset_id).download["fields"]
    frame = read_mirror(mirror, dataset_id)
    ons = frame.rename(columns={ours: theirs for ours, theirs in fields.items()})[list(fields.values())]
    records = ons.astype(object).where(ons.notna(), None).to_dict("records")
    return [{"type": "Feature", "id": i + 1, "geometry": None, "properties": r} for i, r in enumerate(records)]


def boundary_features(mirror: Path, dataset_id: str) -> list[dict]:
    """The mirror's boundary features as an ArcGIS layer serves them (ONS properties, WGS84 geometry)."""
    with open(mirror_file(mirror, dataset_id), encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    derived = dataset(dataset_id).download.get("district_from_name")
    if derived:  # the ONS layer has no district fields: the converter derives them from the LSOA names
        for f in features:
            f["properties"] = {k: v for k, v in f["properties"].items()
                               if k not in (derived["code_field"], derived["name_field"])}
    return features


def arcgis_page(features: list[dict], query: dict[str, str], max_records: int) -> bytes:
    """One page of an ArcGIS REST ``query?f=geojson`` answer (paging as the ONS services do)."""
    offset = int(query.get("resultOffset", 0))
    count = min(int(query.get("resultRecordCount", max_records)), max_records)
    page = features[offset:offset + count]
    body: dict = {"type": "FeatureCollection", "features": page}
    if offset + count < len(features):
        body["properties"] = {"exceededTransferLimit": True}
    return json.dumps(body).encode("utf-8")


# ------------------------------------------------------------------------------------------------ Fingertips
ALL_DATA = ["Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
            "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
            "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator",
            "Value note", "Recent Trend", "Compared to England value or percentiles",
            "Compared to Region value or percentiles", "Time period Sortable", "New data", "Compared to goal",
            "Time period range"]
_FINGERTIPS_QUINTILE = {"Most deprived quintile": "Most deprived quintile (IMD2019)",
                        "Second most deprived quintile": "Second most deprived quintile (IMD2019)",
                        "Average deprived quintile": "Third more deprived quintile (IMD2019)",
                        "Second least deprived quintile": "Second least deprived quintile (IMD2019)",
                        "Least deprived quintile": "Least deprived quintile (IMD2019)"}


def fingertips_from_extract(mirror: Path, dataset_id: str) -> bytes:
    """The Fingertips ``all_data`` CSV a Trafford-style extract was built from (its rows, Fingertips' columns)."""
    spec = dataset(dataset_id).download
    names = {v: int(k) for k, v in spec["indicator_names"].items()}
    ext = read_mirror(mirror, dataset_id, na_values=["NA"], keep_default_na=False)
    quintile = ext["inequality"].isin(list(_FINGERTIPS_QUINTILE))
    out = pd.DataFrame({c: "" for c in ALL_DATA}, index=ext.index)
    out["Indicator ID"] = ext["indicator"].map(names)
    out["Indicator Name"] = ext["indicator"]
    out["Area Code"] = ext["area_code"]
    out["Area Name"] = ext["area_name"]
    out["Area Type"] = np.where(ext["area_code"] == "E92000001", "England", "District & UA")
    out["Sex"] = np.where(ext["inequality"].isin(["Male", "Female"]), ext["inequality"], "Persons")
    out["Category Type"] = np.where(quintile, "England deprivation quintiles (IMD2019)", "")
    out["Category"] = ext["inequality"].map(_FINGERTIPS_QUINTILE).fillna("")
    out["Time period"] = ext["period"]
    out["Value"] = ext["value"]
    out["Compared to England value or percentiles"] = ext["compared_to_England"]
    return csv_bytes(out)


def fingertips_all_data(mirror: Path, dataset_id: str, *, area_types: tuple[str, ...] | None = None) -> bytes:
    """A published-values file back in the full ``all_data`` layout (the catalog's constant columns dropped)."""
    spec = dataset(dataset_id).download
    frame = read_mirror(mirror, dataset_id, low_memory=False)
    frame = frame.drop(columns=[c for c in (spec.get("constants") or {}) if c in frame.columns])
    if area_types is not None:
        frame = frame[frame["Area Type"].isin(area_types)]
    for col in ALL_DATA:
        if col not in frame.columns:
            frame[col] = np.nan
    return csv_bytes(frame[ALL_DATA])
