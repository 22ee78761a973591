"""Deprivation: national deciles from ranks, local quintiles, weighted averages against published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel import deprivation as dep
from healthintel.errors import GeographyError, InvalidInputError
from healthintel.sources import readers


@pytest.fixture(scope="module")
def england():
    return dep.load_deprivation("imd2019")


@pytest.fixture(scope="module")
def kent_medway():
    return dep.load_deprivation("imd2019", area="Kent and Medway")


@pytest.mark.parametrize("vintage,n_lsoas", [("imd2019", 32844), ("iod2025", 33755)])
def test_national_deciles_reproduced_from_ranks(vintage, n_lsoas):
    raw = readers.imd2019_index() if vintage == "imd2019" else readers.iod2025_lsoa()
    assert len(raw) == n_lsoas
    deciles = dep.national_quantile(raw["imd_rank"], 10, len(raw))
    np.testing.assert_array_equal(deciles, raw["imd_decile"].to_numpy())
    quintiles = dep.national_quantile(raw["imd_rank"], 5, len(raw))
    np.testing.assert_array_equal(quintiles, (raw["imd_decile"].to_numpy() + 1) // 2)


def test_domain_deciles_reproduced_from_ranks():
    raw = readers.imd2019_index()
    for d in ["income", "employment", "education", "health", "crime", "barriers", "environment"]:
        np.testing.assert_array_equal(dep.national_quantile(raw[f"{d}_rank"], 10, len(raw)), raw[f"{d}_decile"])


def test_most_deprived_lsoa_is_jaywick(england):
    top = dep.most_deprived_lsoas(england, 1).iloc[0]
    assert top["lsoa_code"] == "E01021988" and top["imd_score"] == pytest.approx(92.735)


def test_population_totals_mid_2019(england):
    pop = england.groupby("lad_code")["population"].sum()
    kent_codes = [f"E070001{i:02d}" for i in range(5, 17)]
    assert pop[kent_codes].sum() == 1_581_555
    assert pop["E06000035"] == 278_556


def test_local_quintiles_count_based_hold_a_fifth_of_lsoas(kent_medway):
    out = dep.local_quantiles(kent_medway, n=5)
    counts = out["local_quintile"].value_counts()
    assert sorted(counts.index) == [1, 2, 3, 4, 5]
    assert (abs(counts - len(out) / 5) <= 1).all()
    # quintile 1 = most deprived: its scores are all above quintile 5's
    assert out.loc[out.local_quintile == 1, "imd_score"].min() > out.loc[out.local_quintile == 5, "imd_score"].max()
    assert out.index.equals(kent_medway.index)


def test_local_quintiles_weighted_hold_a_fifth_of_population(kent_medway):
    out = dep.local_quantiles(kent_medway, n=5, weighted=True)
    share = out.groupby("local_quintile_weighted")["population"].sum() / out["population"].sum()
    assert list(share.index) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(share.to_numpy(dtype=float), 0.2, atol=0.005)
    # ordering: weighted quintile never decreases as the score falls
    s = out.sort_values("imd_score", ascending=False)["local_quintile_weighted"].to_numpy(dtype=int)
    assert (np.diff(s) >= 0).all()


def test_local_deciles_within_each_district(kent_medway):
    out = dep.local_quantiles(kent_medway, n=10, by="lad_code")
    per = out.groupby(["lad_code", "local_decile"]).size().unstack()
    assert per.shape == (13, 10)
    sizes = out.groupby("lad_code").size()
    assert ((per.max(axis=1) - per.min(axis=1)) <= 2).all() and (per.sum(axis=1) == sizes).all()


def test_average_score_reproduces_published_district_scores(england):
    published = readers.imd2019_la_summary().set_index("lad_code")["average_score"]
    ours = england.groupby("lad_code").apply(dep.average_score, include_groups=False)
    assert len(ours) == 317
    np.testing.assert_allclose(ours.to_numpy(), published.reindex(ours.index).to_numpy(), atol=0.0015)
    assert ours["E07000114"] == pytest.approx(31.314, abs=0.0005)  # Thanet
    assert ours["E06000035"] == pytest.approx(23.936, abs=0.0005)  # Medway


def test_population_by_quintile_shares(kent_medway, england):
    out = dep.population_by_quintile(kent_medway, england)
    assert out["share"].sum() == pytest.approx(1.0)
    assert out["england_share"].sum() == pytest.approx(1.0)
    assert out["population"].sum() == pytest.approx(1_581_555 + 278_556)
    assert out["england_share"].between(0.18, 0.22).all()


def test_attach_deprivation_joins_and_refuses_bad_codes():
    rows = pd.DataFrame({"lsoa": ["E01021988", "E01021988", "E01000002"], "count": [1, 2, 3]})
    out = dep.attach_deprivation(rows, "lsoa")
    assert len(out) == 3 and out["imd_decile"].notna().all()
    with pytest.raises(GeographyError, match="lsoa"):
        dep.attach_deprivation(pd.DataFrame({"lsoa": ["E01021988", "X"]}), "lsoa")
    with pytest.raises(InvalidInputError, match="lsoa_code"):
        dep.attach_deprivation(rows, "lsoa_code")


def test_iod2025_weighted_needs_population():
    km = dep.load_deprivation("iod2025", area="Kent and Medway")
    assert len(km) == 1107
    assert len(dep.local_quantiles(km, n=5)) == 1107
    with pytest.raises(InvalidInputError, match="population"):
        dep.local_quantiles(km, n=5, weighted=True)


def test_profile_tables_and_text(kent_medway, england):
    from healthintel import geography
    from healthintel.chapters import deprivation_profile

    p = deprivation_profile.from_frames(kent_medway, england, place=geography.resolve_area("Kent and Medway"),
                                        comparator=geography.resolve_area("England"))
    assert p.headline["lsoas"] == 1065
    assert "1,065 LSOAs" in p.summary_markdown()
    html = p.local_quintile_table().to_html()
    assert "population-weighted" in html and "count-based" in html
