"""Population pyramid: % of the area's population by sex and age band, with comparator outlines."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import InvalidInputError
from .base import PALETTE, Chart, finish, fmt, is_demo, plt, quiet, require, with_demo

__all__ = ["population_pyramid", "age_bands"]

#: Bar colours by sex (Fingertips population pyramid: males left, females right).
SEX_COLOURS = {"male": "#5555E6", "female": "#7CB5EC"}
COMPARATOR_COLOURS = ["#222222", "#C00000"]


def age_bands(age: pd.Series, width: int = 5, top: int = 90) -> pd.Categorical:
    """Ordered age-band labels ("0-4", …, "85-89", "90+") from single years of age."""
    edges = list(range(0, top, width))
    labels = [f"{a}-{a + width - 1}" for a in edges] + [f"{top}+"]
    idx = np.minimum(np.asarray(age, dtype=int) // width, len(labels) - 1)
    return pd.Categorical.from_codes(idx, categories=labels, ordered=True)


def _sex(value) -> str:
    text = str(value).strip().lower()
    if text in ("m", "male", "males", "1"):
        return "male"
    if text in ("f", "female", "females", "2"):
        return "female"
    raise InvalidInputError(f"population_pyramid: sex must be male/female (or m/f, 1/2); got {value!r}.")


def _shares(frame: pd.DataFrame, age: str, sex: str, value: str, width: int, top: int) -> pd.DataFrame:
    f = frame[[age, sex, value]].copy()
    f["_sex"] = [_sex(v) for v in f[sex]]
    if pd.api.types.is_numeric_dtype(f[age]):
        f["_band"] = age_bands(f[age], width, top)
    else:
        f["_band"] = f[age].astype(str)
    g = f.groupby(["_band", "_sex"], observed=True, sort=False)[value].sum().unstack("_sex").fillna(0)
    if pd.api.types.is_numeric_dtype(f[age]):
        g = g.reindex(age_bands(pd.Series([0]), width, top).categories, fill_value=0)
    for s in ("male", "female"):
        if s not in g:
            g[s] = 0.0
    total = g[["male", "female"]].to_numpy().sum()
    return (100 * g[["male", "female"]] / total).astype(float)


def population_pyramid(
    data: pd.DataFrame,
    area_name: str,
    *,
    comparators=("England",),
    area: str = "area_name",
    age: str = "age",
    sex: str = "sex",
    value: str = "population",
    band_width: int = 5,
    top_age: int = 90,
    title: str = "",
    figsize=(7, 5.2),
) -> Chart:
    """Percentage of the population in each age band by sex: the area as bars, up to two comparators as outlines.

    Parameters
    ----------
    data : DataFrame
        Long populations, one row per area × sex × age (single years, e.g.
        :func:`healthintel.sources.readers.population_lsoa11_2019` summed to areas, or age-band labels).
    area_name : str
        The area drawn as bars (a value of ``area``).
    comparators : sequence of str
        Up to two areas drawn as step outlines (default England).
    age : str
        Single year of age (numbers, banded by ``band_width`` with ``top_age``+ open) or band labels already in
        order (young to old).

    Returns
    -------
    Chart
        One axes: males to the left (negative x), females to the right, one bar per age band and sex (``2 x
        bands`` bars), values as % of the area's total population, one outline line per comparator and sex.
    """
    require(data, "population_pyramid", area=area, age=age, sex=sex, value=value)
    comparators = [c for c in (comparators or ()) if c]
    if len(comparators) > 2:
        raise InvalidInputError("population_pyramid draws at most two comparators.")
    for name in [area_name, *comparators]:
        if name not in set(data[area]):
            raise InvalidInputError(f"population_pyramid: {name!r} is not in column {area!r}.")
    main = _shares(data[data[area] == area_name], age, sex, value, band_width, top_age)
    others = {c: _shares(data[data[area] == c], age, sex, value, band_width, top_age).reindex(main.index, fill_value=0)
              for c in comparators}
    bands = list(main.index)
    y = np.arange(len(bands))
    total = float(pd.to_numeric(data.loc[data[area] == area_name, value]).sum())
    vs = f" compared with {' and '.join(comparators)}" if comparators else ""
    title = with_demo(title or f"Population by age and sex: {area_name}{vs}", is_demo(data))
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        ax.barh(y, -main["male"], height=0.85, color=SEX_COLOURS["male"], label=f"{area_name}: males", zorder=2)
        ax.barh(y, main["female"], height=0.85, color=SEX_COLOURS["female"], label=f"{area_name}: females", zorder=2)
        handles = [Patch(color=SEX_COLOURS["male"], label=f"{area_name}: males"),
                   Patch(color=SEX_COLOURS["female"], label=f"{area_name}: females")]
        for (name, f), colour, style in zip(others.items(), COMPARATOR_COLOURS, ("-", "--")):
            edges = np.r_[y - 0.5, y[-1] + 0.5]
            for s, sign in (("male", -1), ("female", 1)):
                ax.stairs(sign * f[s].to_numpy(), edges, orientation="horizontal", color=colour, linewidth=1.3,
                          linestyle=style, zorder=3, baseline=None)
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=1.3, label=name))
        lim = max(main.to_numpy().max(), *(f.to_numpy().max() for f in others.values())) * 1.1
        ax.set_xlim(-lim, lim)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [f"{abs(t):g}" for t in ticks])
        ax.set_xlim(-lim, lim)
        ax.set_yticks(y, bands, fontsize=7.5)
        ax.set_ylim(-0.6, len(bands) - 0.4)
        ax.set_ylabel("Age band (years)")
        ax.set_xlabel("Share of the total population (%)")
        ax.axvline(0, color=PALETTE["text"], linewidth=0.6)
        ax.text(0.02, 0.98, "Males", transform=ax.transAxes, ha="left", va="top", fontweight="bold")
        ax.text(0.98, 0.98, "Females", transform=ax.transAxes, ha="right", va="top", fontweight="bold")
        ax.grid(axis="y", visible=False)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        ax.set_title(title, loc="left")
        fig.tight_layout()

    lower = {b: re.match(r"\d+", str(b)) for b in bands}
    older = [b for b, m in lower.items() if m and int(m.group()) >= 65]
    share65 = main.loc[older].to_numpy().sum()
    parts = [f"Population pyramid of {area_name} (total {total:,.0f}) by {len(bands)} age bands, males left and "
             f"females right, as % of the total. Largest band: {main.sum(axis=1).idxmax()} "
             f"({fmt(main.sum(axis=1).max(), 1, '%')}); aged 65 and over: {fmt(share65, 1, '%')}."]
    for name, f in others.items():
        parts.append(f"{name} (outline): aged 65 and over {fmt(f.loc[older].to_numpy().sum(), 1, '%')}.")
    return finish(fig, " ".join(parts), title)
