"""Geography: area resolution by name/code, LSOA membership, code/vintage checks."""

from __future__ import annotations

import pytest

from healthintel import geography as geo
from healthintel.errors import GeographyError

DISTRICT_LSOAS_2019 = {  # from the IoD 2019 files (data mirror SOURCES.md)
    "Ashford": 78, "Canterbury": 90, "Dartford": 58, "Dover": 67, "Folkestone and Hythe": 67, "Gravesham": 64,
    "Maidstone": 95, "Sevenoaks": 74, "Swale": 85, "Thanet": 84, "Tonbridge and Malling": 72, "Tunbridge Wells": 68,
}


@pytest.mark.parametrize("text", ["Kent and Medway", "kent & medway", "KENT  AND MEDWAY", "E54000032"])
def test_kent_and_medway_resolves(text):
    area = geo.resolve_area(text)
    assert area.code == geo.KENT_AND_MEDWAY and area.type == "combination"
    assert len(area.members) == 13


@pytest.mark.parametrize("text,code", [
    ("Kent", "E10000016"), ("medway", "E06000035"), ("Tonbridge & Malling", "E07000115"),
    ("Folkestone and Hythe", "E07000112"), ("shepway", "E07000112"), ("E07000116", "E07000116"),
    ("Manchester", "E08000003"), ("Cornwall", "E06000052"), ("England", "E92000001"),
])
def test_areas_resolve_by_name_or_code(text, code):
    assert geo.resolve_area(text).code == code


def test_kent_and_medway_lsoa_counts_imd2019():
    assert len(geo.lsoas_in("Kent")) == 902
    assert len(geo.lsoas_in("Medway")) == 163
    assert len(geo.lsoas_in("Kent and Medway")) == 1065
    assert len(geo.lsoas_in("England")) == 32844
    counts = {a.name: len(geo.lsoas_in(a)) for a in geo.districts_of("Kent")}
    assert counts == DISTRICT_LSOAS_2019


def test_kent_and_medway_lsoa_counts_iod2025():
    assert len(geo.lsoas_in("Kent", "iod2025")) == 938
    assert len(geo.lsoas_in("Medway", "iod2025")) == 169
    assert len(geo.lsoas_in("England", "iod2025")) == 33755


def test_unknown_area_suggests_names():
    with pytest.raises(GeographyError, match="Tunbridge Wells"):
        geo.resolve_area("Tunbridge Wels")


def test_unknown_vintage():
    with pytest.raises(GeographyError, match="imd2019"):
        geo.lsoas_in("Kent", "imd2015")


def test_wrong_vintage_codes_raise_with_examples_and_fix():
    new_2021 = sorted(set(geo.lsoa_lookup("iod2025")["lsoa_code"]) - set(geo.lsoa_lookup("imd2019")["lsoa_code"]))
    codes = ["E01021988", new_2021[0], new_2021[1]]
    with pytest.raises(GeographyError) as info:
        geo.check_lsoa_codes(codes, "imd2019", column="home_lsoa")
    msg = str(info.value)
    assert "home_lsoa" in msg and "2 code(s) are LSOA 2021" in msg and new_2021[0] in msg
    assert "vintage='iod2025'" in msg and "lookup_lsoa11_lsoa21" in msg


def test_retired_2011_codes_are_wrong_vintage_for_iod2025():
    retired = sorted(set(geo.lsoa_lookup("imd2019")["lsoa_code"]) - set(geo.lsoa_lookup("iod2025")["lsoa_code"]))
    with pytest.raises(GeographyError, match="are LSOA 2011 codes"):
        geo.check_lsoa_codes([retired[0]], "iod2025")


def test_unknown_and_missing_codes_raise():
    with pytest.raises(GeographyError, match="not English LSOA codes.*W01000001"):
        geo.check_lsoa_codes(["E01021988", "W01000001"], "imd2019")
    with pytest.raises(GeographyError, match="missing"):
        geo.check_lsoa_codes(["E01021988", None], "imd2019")
    geo.check_lsoa_codes(["E01021988", "E01000001"], "imd2019")  # valid codes pass
