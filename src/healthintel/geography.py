"""Areas and lookups: resolve area names/codes, and map LSOAs to districts and counties.

Owns the notion of an *area*: England, a county or unitary authority, a district, or a named combination
(Kent and Medway). Areas resolve by GSS code or by name (case-insensitive, "&" = "and"), for any English local
authority in the deprivation files, not only the first user's. LSOA membership comes from the IoD files
(IMD 2019: LSOA 2011 → LAD 2019; IoD 2025: LSOA 2021 → LAD 2024) with the ONS lower→upper tier lookups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from .errors import GeographyError
from .sources import readers

ENGLAND = "E92000001"
KENT = "E10000016"
MEDWAY = "E06000035"
KENT_AND_MEDWAY = "E54000032"  # NHS Kent and Medway Integrated Care Board: Kent county + Medway UA

VINTAGES = ("imd2019", "iod2025")

# Named combinations of local authorities (code -> (name, member LA codes)).
COMBINATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    KENT_AND_MEDWAY: ("Kent and Medway", (KENT, MEDWAY)),
}

ALIASES = {"shepway": "folkestone and hythe"}


@dataclass(frozen=True)
class Area:
    """A place healthintel reports on."""

    code: str
    name: str
    type: str  # "country" | "county" | "unitary" | "district" | "combination"
    members: tuple[str, ...] = field(default=())  # lower-tier LA codes making it up ("*" for England)

    @property
    def slug(self) -> str:
        return slugify(self.name)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise_name(text)).strip("-")


def normalise_name(text: str) -> str:
    """Lower-case, "&" → "and", punctuation and repeated spaces removed: matching key for area names."""
    t = str(text).strip().lower().replace("&", " and ")
    t = re.sub(r"[^a-z0-9 ]+", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    return ALIASES.get(t, t)


def _la_type(code: str, is_upper: bool) -> str:
    if code.startswith("E10"):
        return "county"
    if code.startswith(("E06", "E08", "E09")):
        return "unitary"
    return "district" if not is_upper else "county"


@lru_cache(maxsize=4)
def lsoa_lookup(vintage: str = "imd2019") -> pd.DataFrame:
    """LSOA → district (LAD) → county/UA for every English LSOA of the index's vintage.

    Columns: ``lsoa_code``, ``lsoa_name``, ``lad_code``, ``lad_name``, ``utla_code``, ``utla_name``.
    """
    check_vintage(vintage)
    if vintage == "imd2019":
        lsoa = readers.imd2019_index()[["lsoa_code", "lsoa_name", "lad_code", "lad_name"]]
        upper = readers.lookup_ltla_utla(2019)
    else:
        lsoa = readers.lookup_lsoa21_ltla24()
        lsoa = lsoa[lsoa["lsoa_code"].isin(readers.iod2025_lsoa()["lsoa_code"])]
        upper = readers.lookup_ltla_utla(2021)
    out = lsoa.merge(upper, on="lad_code", how="left")
    # Unitary authorities (and LADs created after the lookup's year) are their own upper tier.
    missing = out["utla_code"].isna()
    out.loc[missing, "utla_code"] = out.loc[missing, "lad_code"]
    out.loc[missing, "utla_name"] = out.loc[missing, "lad_name"]
    return out.reset_index(drop=True)


def check_vintage(vintage: str) -> None:
    if vintage not in VINTAGES:
        raise GeographyError(
            f"unknown deprivation vintage {vintage!r}: use 'imd2019' (IMD 2019, LSOA 2011) or "
            "'iod2025' (IoD 2025, LSOA 2021)."
        )


@lru_cache(maxsize=4)
def areas(vintage: str = "imd2019") -> dict[str, Area]:
    """Every area that can be reported on for a vintage, by code."""
    lk = lsoa_lookup(vintage)
    out: dict[str, Area] = {ENGLAND: Area(ENGLAND, "England", "country", ("*",))}
    lads = lk[["lad_code", "lad_name", "utla_code"]].drop_duplicates("lad_code")
    for row in lads.itertuples(index=False):
        is_own_upper = row.lad_code == row.utla_code
        out[row.lad_code] = Area(row.lad_code, row.lad_name, _la_type(row.lad_code, is_own_upper), (row.lad_code,))
    uppers = lk.groupby(["utla_code", "utla_name"], sort=False)["lad_code"].unique()
    for (code, name), members in uppers.items():
        if code not in out or out[code].members != tuple(members):
            out[code] = Area(code, name, "county" if code.startswith("E10") else "unitary", tuple(sorted(members)))
    for code, (name, parts) in COMBINATIONS.items():
        if all(p in out for p in parts):
            members = tuple(sorted(m for p in parts for m in out[p].members))
            out[code] = Area(code, name, "combination", members)
    return out


def resolve_area(area: str | Area, vintage: str = "imd2019") -> Area:
    """Find an area by GSS code or name ("Tunbridge Wells", "kent & medway", "E07000116").

    Raises
    ------
    GeographyError
        When nothing matches, with the closest names as suggestions.
    """
    if isinstance(area, Area):
        return area
    table = areas(vintage)
    key = str(area).strip()
    if key.upper() in table:
        return table[key.upper()]
    want = normalise_name(key)
    by_name = {normalise_name(a.name): a for a in table.values()}
    if want in by_name:
        return by_name[want]
    import difflib

    close = difflib.get_close_matches(want, list(by_name), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(by_name[c].name for c in close)}?" if close else ""
    raise GeographyError(
        f"unknown area {area!r} for {vintage}: give an English local authority, county, 'England' or "
        f"'Kent and Medway' by name or GSS code.{hint}"
    )


def lsoas_in(area: str | Area, vintage: str = "imd2019") -> pd.DataFrame:
    """The LSOA lookup rows of an area (all of England for England)."""
    a = resolve_area(area, vintage)
    lk = lsoa_lookup(vintage)
    if a.members == ("*",):
        return lk.copy()
    return lk[lk["lad_code"].isin(a.members)].reset_index(drop=True)


def districts_of(area: str | Area, vintage: str = "imd2019") -> list[Area]:
    """The lower-tier authorities making up an area, in name order."""
    a = resolve_area(area, vintage)
    table = areas(vintage)
    codes = [c for c in a.members if c != "*"] if a.members != ("*",) else lsoa_lookup(vintage)["lad_code"].unique()
    return sorted((table[c] for c in codes), key=lambda x: x.name)


def check_lsoa_codes(codes, vintage: str = "imd2019", *, column: str = "lsoa_code") -> None:
    """Raise a :class:`GeographyError` when codes are not LSOAs of the vintage, naming examples and the fix.

    Codes of the other census geography (LSOA 2011 given to IoD 2025, or LSOA 2021 to IMD 2019) are reported
    as a vintage mismatch with the lookup to use; other codes as unknown. Missing codes are errors too.
    """
    check_vintage(vintage)
    s = pd.Series(codes, dtype="object")
    if s.isna().any():
        rows = list(s.index[s.isna()][:5])
        raise GeographyError(
            f"column {column!r} has {int(s.isna().sum())} missing LSOA code(s) (rows {rows}); "
            "fill them or remove these rows before joining deprivation."
        )
    valid = set(lsoa_lookup(vintage)["lsoa_code"])
    bad = ~s.isin(valid)
    if not bad.any():
        return
    other = "iod2025" if vintage == "imd2019" else "imd2019"
    other_codes = set(lsoa_lookup(other)["lsoa_code"])
    bad_codes = s[bad]
    wrong_vintage = bad_codes[bad_codes.isin(other_codes)]
    unknown = bad_codes[~bad_codes.isin(other_codes)]
    this_geo, other_geo = ("LSOA 2011", "LSOA 2021") if vintage == "imd2019" else ("LSOA 2021", "LSOA 2011")
    parts = []
    if len(wrong_vintage):
        parts.append(
            f"{len(wrong_vintage)} code(s) are {other_geo} codes, not {this_geo} codes as {vintage} needs "
            f"(e.g. {', '.join(map(str, wrong_vintage.unique()[:5]))}): use vintage='{other}', or convert them "
            "with the ONS LSOA 2011 to LSOA 2021 lookup (dataset 'lookup_lsoa11_lsoa21')"
        )
    if len(unknown):
        parts.append(
            f"{len(unknown)} code(s) are not English LSOA codes of either vintage "
            f"(e.g. {', '.join(map(str, unknown.unique()[:5]))}): check for typos, Welsh (W01) codes or other "
            "geographies"
        )
    raise GeographyError(f"column {column!r}: " + "; ".join(parts) + ".")
