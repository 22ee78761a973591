"""An area's NCMP cohort: the children resident in it (as OHID publishes) or the pupils at its schools.

OHID's local NCMP figures are for children *resident* in the area: "Local authority and region geographies are
derived from the postcode of child residency; only children with valid geographical coding (postcode of
residence) have been included" (Fingertips 92033 metadata). :func:`select_cohort` keeps those records (home
LSOA in the area) by default; ``cohort="school"`` keeps the pupils measured at the area's schools instead (the
school's district is the optional ``school_lad_code`` column). :func:`cohort_counts` counts, per academic year,
residents measured at the area's schools and at schools elsewhere, non-residents at the area's schools and
pupils at its schools without a usable home LSOA — what the chapter's Data quality section shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import geography
from ..errors import InvalidInputError

__all__ = ["COHORTS", "COHORT_CATEGORIES", "school_area_codes", "cohort_masks", "cohort_counts", "select_cohort"]

COHORTS = ("resident", "school")
#: Cohort-count categories, in the order shown; the second item says which cohort includes them.
COHORT_CATEGORIES = (
    ("resident, measured at the area's schools", "both"),
    ("resident, measured at a school elsewhere", "resident"),
    ("resident, school's district not recorded", "resident"),
    ("not resident, measured at the area's schools", "school"),
    ("home LSOA missing or not an English LSOA, measured at the area's schools", "school"),
)


def school_area_codes(place: geography.Area, vintage: str = "imd2019") -> set[str] | None:
    """GSS codes that put a school inside ``place``: its districts, itself and any area whose districts all lie
    in it (``None`` for England: every school)."""
    if place.members == ("*",):
        return None
    members = set(place.members)
    codes = members | {place.code}
    codes |= {code for code, area in geography.areas(vintage).items()
              if area.members and area.members != ("*",) and set(area.members) <= members}
    return codes


def cohort_masks(records: pd.DataFrame, place: geography.Area, vintage: str = "imd2019"
                 ) -> dict[str, np.ndarray | None]:
    """Boolean row masks: ``resident`` (home LSOA in the area), ``known_home`` (home LSOA an English LSOA of the
    vintage) and ``at_school`` (school in the area; ``None`` without a ``school_lad_code`` column)."""
    lsoa = records["lsoa_code"].astype("string")
    known = lsoa.isin(set(geography.lsoa_lookup(vintage)["lsoa_code"])).fillna(False).to_numpy(dtype=bool)
    resident = lsoa.isin(set(geography.lsoas_in(place, vintage)["lsoa_code"])).fillna(False).to_numpy(dtype=bool)
    at_school = None
    if "school_lad_code" in records:
        codes = school_area_codes(place, vintage)
        school = records["school_lad_code"].astype("string")
        at_school = (school.notna().to_numpy(dtype=bool) if codes is None
                     else school.isin(codes).fillna(False).to_numpy(dtype=bool))
    return {"resident": resident, "known_home": known, "at_school": at_school}


def _category(records: pd.DataFrame, masks: dict[str, np.ndarray | None]) -> np.ndarray:
    resident, known, at = masks["resident"], masks["known_home"], masks["at_school"]
    out = np.full(len(records), "", dtype=object)
    if at is None:
        out[resident] = COHORT_CATEGORIES[2][0]
        return out
    recorded = records["school_lad_code"].notna().to_numpy(dtype=bool)
    out[resident & at] = COHORT_CATEGORIES[0][0]
    out[resident & ~at & recorded] = COHORT_CATEGORIES[1][0]
    out[resident & ~recorded] = COHORT_CATEGORIES[2][0]
    out[~resident & known & at] = COHORT_CATEGORIES[3][0]
    out[~known & at] = COHORT_CATEGORIES[4][0]
    return out


def cohort_counts(records: pd.DataFrame, place: geography.Area, *, vintage: str = "imd2019",
                  cohort: str = "resident") -> pd.DataFrame:
    """Records per academic year and :data:`COHORT_CATEGORIES` category (every category, zeros included).

    Columns ``academic_year``, ``category``, ``in_cohort`` (whether ``cohort`` includes the category) and
    ``records``.
    """
    check_cohort(cohort)
    cat = _category(records, cohort_masks(records, place, vintage))
    frame = pd.DataFrame({"academic_year": records["academic_year"].astype("string").to_numpy(), "category": cat})
    counts = frame[frame["category"] != ""].groupby(["academic_year", "category"]).size()
    years = sorted(frame["academic_year"].dropna().unique())
    index = pd.MultiIndex.from_product([years, [c for c, _ in COHORT_CATEGORIES]],
                                       names=["academic_year", "category"])
    out = counts.reindex(index, fill_value=0).rename("records").reset_index()
    include = {c: who in ("both", cohort) for c, who in COHORT_CATEGORIES}
    out.insert(2, "in_cohort", out["category"].map(include))
    out["records"] = out["records"].astype("int64")
    return out


def check_cohort(cohort: str) -> str:
    """``cohort`` itself when it is "resident" or "school"; else an :class:`InvalidInputError`."""
    if cohort not in COHORTS:
        raise InvalidInputError(f"cohort must be 'resident' (children living in the area, as OHID publishes) or "
                                f"'school' (pupils at the area's schools); got {cohort!r}.")
    return cohort


def select_cohort(records: pd.DataFrame, place: geography.Area, *, cohort: str = "resident",
                  vintage: str = "imd2019") -> pd.DataFrame:
    """The records of ``place``'s cohort: residents (home LSOA in the area; the default, as OHID publishes) or
    pupils at the area's schools (``cohort="school"``, which needs the ``school_lad_code`` column)."""
    check_cohort(cohort)
    masks = cohort_masks(records, place, vintage)
    if cohort == "resident":
        keep = masks["resident"]
    elif masks["at_school"] is None:
        raise InvalidInputError("cohort='school' needs the school's district in column 'school_lad_code' (GSS "
                                "code of the school's district or unitary authority); the extract has no such "
                                "column. Add it, or use cohort='resident'.")
    else:
        keep = masks["at_school"]
    out = records[keep]
    out.attrs.update(records.attrs)
    return out
