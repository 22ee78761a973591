"""The deprivation profile chapter: an area's LSOAs by national and local deprivation, against a comparator.

:func:`build` resolves the area and its comparator, loads the index (:func:`healthintel.deprivation.load_deprivation`)
and computes the profile (:func:`healthintel.deprivation.profile`); :class:`DeprivationProfileChapter` gives the
chapter's text, tables, charts and map:

>>> from healthintel import chapters
>>> ch = chapters.deprivation_profile.build(area="Medway")      # doctest: +SKIP
>>> ch.summary_markdown()                                       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import charts, deprivation, geography, tables
from ..deprivation import DeprivationProfile
from .base import Chapter, figure

__all__ = ["DeprivationProfileChapter", "build", "from_frames"]


def _share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` with one decimal ("14.6%"); "–" when ``whole`` is 0."""
    return f"{100 * part / whole:.1f}%" if whole else "–"


@dataclass(frozen=True, eq=False, kw_only=True)
class DeprivationProfileChapter(Chapter):
    """The deprivation profile of one area (built by :func:`build`).

    Attributes
    ----------
    place, comparator : geography.Area
        The area and its comparator (England by default).
    profile : deprivation.DeprivationProfile
        The computed profile: LSOAs, headline figures, quintile shares, domains and local quintiles.
    n_most_deprived : int
        Rows of :meth:`most_deprived_table`.
    """

    place: geography.Area
    comparator: geography.Area
    profile: DeprivationProfile
    n_most_deprived: int = 10

    @property
    def headline(self) -> dict:
        """Headline figures (:func:`healthintel.deprivation.headline`)."""
        return self.profile.headline

    @property
    def index_name(self) -> str:
        """``"IMD 2019"`` or ``"IoD 2025"``."""
        return self.profile.index_name

    def recorded_values(self) -> dict[str, Any]:
        """``lsoas`` (LSOAs in the area) and ``average_score`` (its average IMD score)."""
        return {"lsoas": self.headline["lsoas"], "average_score": self.headline["average_score"]}

    def figures(self) -> list[dict[str, Any]]:
        """figures.json: the average score, LSOAs in England's most deprived decile and the shares of LSOAs and
        residents in England's most deprived quintile (published index values: no confidence intervals)."""
        h, index = self.headline, self.index_name
        source = f"{index} (MHCLG), {self.place.name}'s LSOAs"
        return [
            figure("imd_average_score", h["average_score"], unit="score", period=index, source=source),
            figure("lsoas_in_most_deprived_decile", h["lsoas_most_deprived_decile"], unit="LSOAs", period=index,
                   source=source),
            figure("share_lsoas_most_deprived_quintile", 100 * h["share_lsoas_most_deprived_quintile"], unit="%",
                   period=index, source=source),
            figure("share_population_most_deprived_quintile", 100 * h["share_population_most_deprived_quintile"],
                   unit="%", period=index, source=source),
        ]

    def summary_markdown(self) -> str:
        """The headline paragraph: LSOAs, residents, average score, and the LSOAs in England's most deprived 10% and
        20% (each a count with its share of the area's LSOAs)."""
        h, p, c = self.headline, self.place, self.comparator
        n, decile = int(h["lsoas"]), int(h["lsoas_most_deprived_decile"])
        quintile = int(round(h["share_lsoas_most_deprived_quintile"] * n))
        pop = (f"{h['population']:,.0f} residents (mid-2019)" if self.profile.has_population
               else "population not available")
        lines = [
            f"**{p.name}** ({p.code}) has **{h['lsoas']:,} LSOAs** and {pop}.",
            f"- Population-weighted average {self.index_name} score: **{h['average_score']:.1f}** "
            f"({c.name}: {h['england_average_score']:.1f}; higher is more deprived).",
            f"- LSOAs in England's most deprived 10%: **{decile:,}** ({_share(decile, n)} of the area's LSOAs); in "
            f"the most deprived 20%: **{quintile:,}** ({_share(quintile, n)}).",
        ]
        if self.profile.has_population:
            lines.append(
                f"- Residents living in England's most deprived quintile: "
                f"**{h['share_population_most_deprived_quintile'] * 100:.1f}%** "
                f"({c.name}: {h['england_share_population_most_deprived_quintile'] * 100:.1f}%).")
        return "\n".join(lines)

    def population_chart(self) -> charts.Chart:
        """Share of residents in each national quintile, the area against the comparator."""
        return charts.population_by_quintile(self.profile.quintiles, self.place.name, self.comparator.name)

    def quintile_table(self):
        """Residents (and LSOAs) of the area by national quintile, with the comparator's shares."""
        c = self.comparator.name
        q = self.profile.quintiles.rename(columns={
            "imd_quintile": "National quintile (1 = most deprived)", "population": "Residents",
            "share": "Share of residents", "lsoas": "LSOAs", "england_share": f"{c} share"})
        return tables.table(q, caption=f"Residents of {self.place.name} by national {self.index_name} quintile",
                            formats={"Residents": "{:,.0f}", "Share of residents": "{:.1%}", f"{c} share": "{:.1%}"})

    def map(self) -> charts.Chart:
        """The area's LSOAs shaded by national decile, with district outlines (the alt text says how many LSOAs
        have no boundary in the data mirror)."""
        polys, districts = self.profile.map_layers()
        missing = len(self.profile.lsoas) - len(polys)
        chart = charts.deprivation_map(polys, "imd_decile", self.place.name, n=10, outlines=districts,
                                       label_col="lad_name",
                                       title=f"LSOAs by national {self.index_name} decile: {self.place.name}")
        if missing and len(polys):
            chart.alt += f" {missing} LSOAs have no boundary in the data mirror and are not drawn."
        return chart

    def most_deprived_table(self):
        """The :attr:`n_most_deprived` most deprived LSOAs of the area by national rank."""
        k = self.n_most_deprived
        t = self.profile.most_deprived(k).rename(columns={
            "lsoa_code": "LSOA code", "lsoa_name": "LSOA name", "lad_name": "District", "imd_score": "IMD score",
            "imd_rank": "National rank (1 = most deprived)", "imd_decile": "National decile",
            "population": "Residents"})
        return tables.table(t, caption=f"The {k} most deprived LSOAs in {self.place.name} ({self.index_name})",
                            formats={"IMD score": "{:.1f}", "Residents": "{:,.0f}",
                                     "National rank (1 = most deprived)": "{:,}"})

    def domain_chart(self) -> charts.Chart:
        """Share of the area's LSOAs in England's most deprived 20%, by domain."""
        return charts.domain_bars(self.profile.domains, self.place.name)

    def domain_table(self):
        """LSOAs in England's most deprived 20% for IMD and each domain."""
        t = self.profile.domains.rename(columns={
            "domain": "Domain", "lsoas_most_deprived": "LSOAs in most deprived 20%",
            "share_most_deprived": "Share of LSOAs", "england_share": "England share"})
        return tables.table(t, caption=f"{self.place.name}: LSOAs in England's most deprived 20% by domain",
                            formats={"Share of LSOAs": "{:.1%}", "England share": "{:.0%}"})

    def local_quintile_table(self):
        """LSOAs, residents and mean score in each local quintile, count-based and population-weighted."""
        t = self.profile.local_summary().rename(columns={
            "method": "Method", "local quintile": "Local quintile (1 = most deprived)", "lsoas": "LSOAs",
            "population": "Residents", "mean_imd_score": "Mean IMD score", "population_share": "Share of residents",
            "lsoa_share": "Share of LSOAs"})
        return tables.table(t, caption=f"Local deprivation quintiles within {self.place.name}",
                            formats={"Residents": "{:,.0f}", "Mean IMD score": "{:.1f}",
                                     "Share of residents": "{:.1%}", "Share of LSOAs": "{:.1%}"})

    def methods_markdown(self) -> str:
        """The "Data and methods" list: index, national and local categories, average score, population."""
        vintage = self.profile.vintage
        average = (
            "- **Average score**: the population-weighted mean of LSOA scores using the IoD mid-2015 denominators "
            "(File 6), which reproduces the published district 'average score' (File 10)." if vintage == "imd2019"
            else "- **Average score**: unweighted mean of LSOA scores (LSOA 2021 populations are not in the mirror).")
        return "\n".join([
            f"- **Index**: English Indices of Deprivation ({self.index_name}), published by MHCLG; small areas are "
            f"LSOAs ({'2011' if vintage == 'imd2019' else '2021'} census geography).",
            "- **National deciles and quintiles** are the published equal-count bands of the national rank "
            "(1 = most deprived): category d holds ranks (d−1)·N/n < rank ≤ d·N/n; healthintel recomputes them "
            "from the ranks and checks them against the published deciles.",
            "- **Local quintiles** rank the area's LSOAs by IMD score: count-based with the OHID rule "
            "(PHEindicatormethods `phe_quantile`; ties share a quintile), and population-weighted (each quintile "
            "holds about a fifth of residents; an LSOA is placed by the mid-point of its residents on the "
            "cumulative scale).",
            average,
            f"- **Population**: {deprivation.POPULATION_NOTE[vintage]}.",
            "- **Disclosure**: the chapter publishes aggregates of published statistics only; no record-level "
            "data is used.",
        ])


def from_frames(lsoas, reference, *, place: geography.Area, comparator: geography.Area,
                n_most_deprived: int = 10) -> DeprivationProfileChapter:
    """The chapter from already loaded LSOAs of the area (``lsoas``) and of its comparator (``reference``),
    both :func:`healthintel.deprivation.load_deprivation` frames."""
    prof = deprivation.profile(lsoas, reference, place=place, comparator=comparator)
    return DeprivationProfileChapter(sources=tuple(prof.sources), place=place, comparator=comparator,
                                     profile=prof, n_most_deprived=n_most_deprived)


def build(*, area: str = "Kent", imd_vintage: str = "imd2019", comparator: str = "England",
          n_most_deprived: int = 10) -> DeprivationProfileChapter:
    """Build the deprivation profile chapter.

    Parameters
    ----------
    area : str
        Area name or GSS code (county, unitary, district, "Kent and Medway" or "England").
    imd_vintage : {"imd2019", "iod2025"}
        IMD 2019 on LSOA 2011, or IoD 2025 on LSOA 2021.
    comparator : str
        Comparator area for population shares and average scores.
    n_most_deprived : int
        Rows in the most deprived LSOAs table.
    """
    place = geography.resolve_area(area, imd_vintage)
    comparator_place = geography.resolve_area(comparator, imd_vintage)
    lsoas = deprivation.load_deprivation(imd_vintage, area=place)
    reference = deprivation.load_deprivation(imd_vintage, area=comparator_place)
    return from_frames(lsoas, reference, place=place, comparator=comparator_place, n_most_deprived=n_most_deprived)
