"""figures.json of the deprivation profile: the published MHCLG figures for the area."""

from __future__ import annotations

import pytest

from healthintel import chapters
from healthintel.sources import readers


def test_deprivation_profile_figures_are_the_published_ones():
    ch = chapters.deprivation_profile.build(area="Medway")
    figs = {f["name"]: f for f in ch.figures_document()["figures"]}
    published = readers.imd2019_la_summary().set_index("lad_code").loc["E06000035", "average_score"]
    assert figs["imd_average_score"]["value"] == pytest.approx(published, abs=5e-4)  # MHCLG LA summary
    lsoas = readers.imd2019_index()
    medway = lsoas[lsoas["lad_code"] == "E06000035"]
    assert figs["lsoas_in_most_deprived_decile"]["value"] == int((medway["imd_decile"] == 1).sum())
    assert figs["share_lsoas_most_deprived_quintile"]["value"] == pytest.approx(
        100 * (medway["imd_decile"] <= 2).mean())
    assert {f["period"] for f in figs.values()} == {"IMD 2019"} and ch.figures_document()["real"] is True
