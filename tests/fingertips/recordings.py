"""Response bodies for the Fingertips tests, generated at test time from the recorded samples in ../shared.

No raw legacy ``/api`` response was ever recorded (SOURCES.md §9), so a legacy CSV is written from a sample with
the exact column header of ``all_data/csv`` (``fingertips_open_all_data_csv_header_2020.txt`` plus the
"Time period range" column the live API added in 2022). FingertipsNext responses are the recorded JSON
examples, or are written in their shape (``openapi_indicators_schemas.yaml``). The writers here are deliberately
independent of the client's parsers: the acceptance test renders one sample in both generations' formats and
requires the two tidy frames to be identical.

Each *sample* is a list of plain records (one per data point) with keys: indicator_id, indicator_name,
area_code, area_name, area_type (legacy text), parent_code, parent_name, sex, age, category_type, category
(legacy label), next_category (FingertipsNext label), sequence (FingertipsNext, n = most deprived),
period (legacy label), period_type, date_from, date_to, value, lci, uci, count, trend, vs_england.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

FT = Path("data") / "fingertips"

# Legacy labels for FingertipsNext's BenchmarkOutcome (fingertips-open Export/SignificanceFormatter.cs).
OUTCOME_TO_LEGACY = {"NotCompared": "Not compared", "Lowest": "Lowest quintile", "Low": "2nd lowest quintile",
                     "Middle": "Middle quintile", "High": "2nd highest quintile", "Highest": "Highest quintile"}
LEGACY_TO_OUTCOME = {v: k for k, v in OUTCOME_TO_LEGACY.items()}



def csv_rows(path: Path, encoding: str = "utf-8") -> list[dict]:
    """Every row of a CSV file as a dict (the file is closed before returning)."""
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))

def legacy_header(shared: Path, parent_label: str = "percentiles") -> list[str]:
    header = (shared / FT / "fingertips_open_all_data_csv_header_2020.txt").read_text().strip().split(",")
    header = ["Compared to percentiles" if parent_label == "percentiles" and h.startswith("Compared to Region")
              else h for h in header]
    return header + ["Time period range"]


def _fmt(x) -> str:
    return "" if x is None else (repr(x) if isinstance(x, float) else str(x))


def legacy_csv(shared: Path, records: list[dict]) -> bytes:
    """An ``all_data/csv/by_indicator_id`` body (parent type England) for ``records``."""
    header = legacy_header(shared)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for r in records:
        years = int(r["date_to"][:4]) - int(r["date_from"][:4]) + (r["date_to"][5:7] >= r["date_from"][5:7])
        row = {
            "Indicator ID": r["indicator_id"], "Indicator Name": r["indicator_name"],
            "Parent Code": r.get("parent_code"), "Parent Name": r.get("parent_name"),
            "Area Code": r["area_code"], "Area Name": r["area_name"], "Area Type": r.get("area_type"),
            "Sex": r["sex"], "Age": r["age"], "Category Type": r.get("category_type"),
            "Category": r.get("category"), "Time period": r["period"], "Value": r.get("value"),
            "Lower CI 95.0 limit": r.get("lci"), "Upper CI 95.0 limit": r.get("uci"),
            "Count": r.get("count"), "Recent Trend": r.get("trend"),
            "Compared to England value or percentiles": r.get("vs_england"),
            "Compared to percentiles": "Not compared",
            "Time period Sortable": int(r["date_from"][:4]) * 10000, "Time period range": f"{years}y",
        }
        w.writerow([_fmt(row.get(h)) for h in header])
    return out.getvalue().encode("utf-8-sig")


def next_json(records: list[dict], *, benchmark_method: str = "CIOverlappingReferenceValue95") -> bytes:
    """A FingertipsNext ``/indicators/{id}/data`` body for ``records`` (one indicator)."""
    first = records[0]
    areas: dict[str, dict] = {}
    for r in records:
        area = areas.setdefault(r["area_code"], {"areaCode": r["area_code"], "areaName": r["area_name"],
                                                 "indicatorSegments": []})
        segs = area["indicatorSegments"]
        seg = next((s for s in segs if s["sex"]["value"] == r["sex"] and s["age"]["value"] == r["age"]), None)
        if seg is None:
            seg = {"age": {"value": r["age"], "isAggregate": r["age"] == "All ages"},
                   "sex": {"value": r["sex"], "isAggregate": r["sex"] == "Persons"},
                   "reportingPeriod": "Yearly", "isAggregate": False, "healthData": []}
            segs.append(seg)
        if r.get("sequence") is None:
            dep = {"sequence": 11, "value": "Persons", "type": "Persons", "isAggregate": True}
        else:
            dep = {"sequence": r["sequence"], "value": r["next_category"], "type": r["category_type"],
                   "isAggregate": False}
        seg["healthData"].append({
            "datePeriod": {"type": r["period_type"], "from": r["date_from"], "to": r["date_to"]},
            "count": r.get("count"), "value": r.get("value"), "lowerCi": r.get("lci"), "upperCi": r.get("uci"),
            "deprivation": dep, "trend": r.get("trend"),
            "benchmarkComparison": {"outcome": LEGACY_TO_OUTCOME.get(r.get("vs_england"), r.get("vs_england")),
                                    "benchmarkAreaCode": "E92000001", "benchmarkAreaName": "England",
                                    "benchmarkValue": None},
            "isAggregate": False,
        })
    body = {"indicatorId": first["indicator_id"], "name": first["indicator_name"], "polarity": "NoJudgement",
            "benchmarkMethod": benchmark_method, "areaHealthData": list(areas.values())}
    return json.dumps(body, indent=1).encode()


# --- samples -----------------------------------------------------------------------------------------------

def _num(x):
    return float(x) if x not in ("", None) else None


def sample_90362(shared: Path) -> list[dict]:
    """Healthy life expectancy, England and regions, 2009-11 (fingertipsR README head, real API values)."""
    rows = csv_rows(shared / FT / "readme_fingertips_data_IndicatorID90362_AreaTypeID202_head.csv")
    out = []
    for r in rows:
        y0 = int(r["Timeperiod"][:4])
        out.append({
            "indicator_id": int(r["IndicatorID"]), "indicator_name": r["IndicatorName"],
            "area_code": r["AreaCode"], "area_name": r["AreaName"], "area_type": r["AreaType"],
            "parent_code": r["ParentCode"] or None, "parent_name": r["ParentName"] or None,
            "sex": r["Sex"], "age": r["Age"], "period": r["Timeperiod"], "period_type": "Calendar",
            "date_from": f"{y0}-01-01", "date_to": f"{y0 + 2}-12-31", "value": _num(r["Value"]),
            "lci": _num(r["LowerCI95.0limit"]), "uci": _num(r["UpperCI95.0limit"]), "count": _num(r["Count"]),
            "trend": r["RecentTrend"] or None, "vs_england": r["ComparedtoEnglandvalueorpercentiles"],
        })
    return out


def sample_from_next(shared: Path, name: str) -> list[dict]:
    """Records of a recorded FingertipsNext response (no deprivation breakdown in these examples)."""
    obj = json.loads((shared / FT / "next_api_examples" / name).read_text())
    out = []
    for area in obj["areaHealthData"]:
        for seg in area["indicatorSegments"]:
            for p in seg["healthData"]:
                age = (p.get("ageBand") or seg.get("age"))["value"]
                sex = (p.get("sex") or seg.get("sex"))["value"]
                dp = p["datePeriod"]
                y0, y1 = int(dp["from"][:4]), int(dp["to"][:4])
                period = str(y0) if dp["type"] == "Calendar" else f"{y0}/{y1 % 100:02d}"
                out.append({
                    "indicator_id": obj["indicatorId"], "indicator_name": obj["name"],
                    "area_code": area["areaCode"], "area_name": area["areaName"], "area_type": None,
                    "parent_code": "E92000001", "parent_name": "England", "sex": sex, "age": age,
                    "period": period, "period_type": dp["type"], "date_from": dp["from"], "date_to": dp["to"],
                    "value": p["value"], "lci": p["lowerCi"], "uci": p["upperCi"], "count": p["count"],
                    "trend": p["trend"],
                    "vs_england": OUTCOME_TO_LEGACY.get(p["benchmarkComparison"]["outcome"],
                                                        p["benchmarkComparison"]["outcome"]),
                })
    return out


def next_decile_labels(shared: Path) -> dict[int, str]:
    """FingertipsNext sequence -> label (10 = "Most deprived decile"), from its DataCreator categories list."""
    rows = csv_rows(shared / FT / "next_datacreator" / "categories.csv", encoding="utf-8-sig")
    first_type = rows[0]["CategoryTypeName"]
    return {int(r["Sequence"]): r["CategoryName"] for r in rows if r["CategoryTypeName"] == first_type}


def sample_le_local_deciles(shared: Path, area: str = "E06000035", sex: str = "1") -> list[dict]:
    """Life expectancy by within-area LSOA deprivation decile (PHEindicatormethods LE test data, Medway
    males; decile 1 = most deprived). The period is not documented; "2014 - 16" is assumed."""
    labels = next_decile_labels(shared)
    path = shared / "data" / "life_expectancy" / "PHEindicatormethods_LE_testdata_by_local_decile_kent_medway.csv"
    rows = [r for r in csv_rows(path) if r["GeoCode"] == area and r["Sex"] == sex]
    ctype = "LSOA11 deprivation deciles within area (IMD2015)"
    out = []
    for r in rows:
        decile = int(r["Decile"])
        seq = 11 - decile  # FingertipsNext numbering: 10 = most deprived
        out.append({
            "indicator_id": 90366, "indicator_name": "Life expectancy at birth", "area_code": area,
            "area_name": "Medway", "area_type": "UA", "parent_code": "E92000001", "parent_name": "England",
            "sex": "Male" if sex == "1" else "Female", "age": "All ages", "category_type": ctype,
            "category": f"{labels[seq]} (IMD2015)", "next_category": labels[seq], "sequence": seq,
            "period": "2014 - 16", "period_type": "Calendar", "date_from": "2014-01-01", "date_to": "2016-12-31",
            "value": float(r["LifeExp"]), "lci": None, "uci": None, "count": float(r["Deaths"]),
            "trend": None, "vs_england": "Not compared",
        })
    return out


def sample_ncmp_quintiles(shared: Path) -> list[dict]:
    """Year 6 obesity, England by national IMD quintile, 2020/21-24/25 (real Fingertips extract)."""
    path = shared / "data" / "ncmp" / "trafford_fingertips_90323_92033_year6_obesity.csv"
    seen, out = set(), []
    order = {"Most deprived quintile": 5, "Second most deprived quintile": 4, "Average deprived quintile": 3,
             "Second least deprived quintile": 2, "Least deprived quintile": 1}  # FingertipsNext sequence
    for r in csv_rows(path):
        if r["area_code"] != "E92000001" or r["inequality"] not in order or r["inequality"] in seen:
            continue
        seen.add(r["inequality"])
        out.append({
            "indicator_id": 90323, "indicator_name": r["indicator"], "area_code": r["area_code"],
            "area_name": r["area_name"], "area_type": "England", "parent_code": None, "parent_name": None,
            "sex": "Persons", "age": "10-11 yrs",
            "category_type": "County & UA deprivation quintiles in England (IMD2019, 4/23 geography)",
            "category": r["inequality"], "next_category": r["inequality"], "sequence": order[r["inequality"]],
            "period": r["period"], "period_type": "Academic", "date_from": "2020-09-01", "date_to": "2025-08-31",
            "value": float(r["value"]), "lci": None, "uci": None, "count": None, "trend": None,
            "vs_england": r["compared_to_England"],
        })
    return out
