"""Inequality charts: the gradient by deprivation quintile/decile with the gap, and the slope index of inequality."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import InvalidInputError
from .base import (
    BENCHMARK_ORDER, MORE_DEPRIVED_NOTE, PALETTE, Chart, benchmark_colour, canonical_label, ci_whiskers,
    deprivation_colours, finish, fit_title, fmt, fmt_ci, is_demo, legend_below, plt, quiet, require, unit_label,
    with_demo,
)

__all__ = ["deprivation_gradient", "sii_chart"]

_NAMES = {5: "quintile", 10: "decile", 4: "quartile"}
#: How the gap is taken: most minus least deprived (obesity: positive when the most deprived have more), or least
#: minus most deprived (life expectancy: positive when the most deprived live shorter lives).
GAPS = ("most - least", "least - most")
STYLES = ("bar", "point")


def _ordered_quantiles(data: pd.DataFrame, quantile: str) -> pd.DataFrame:
    d = data.copy()
    d["_q"] = pd.to_numeric(d[quantile], errors="coerce")
    if d["_q"].isna().any():
        raise InvalidInputError(
            f"the quantile column {quantile!r} must hold numbers (1 = most deprived); got "
            f"{', '.join(map(repr, d.loc[d['_q'].isna(), quantile].head(3)))}."
        )
    if d["_q"].duplicated().any():
        raise InvalidInputError(f"each {quantile!r} must appear once; filter the frame to one area and period.")
    return d.sort_values("_q").reset_index(drop=True)


def deprivation_gradient(
    data: pd.DataFrame,
    *,
    quantile: str = "quantile",
    value: str = "value",
    lower_ci: str | None = "lower_ci",
    upper_ci: str | None = "upper_ci",
    benchmark: str | None = None,
    comparator: float | None = None,
    comparator_name: str = "England",
    area_name: str = "",
    title: str = "",
    unit: str = "",
    value_label: str = "Value",
    dps: int = 1,
    gap: str = "most - least",
    style: str = "bar",
    figsize=(7, 3.8),
) -> Chart:
    """Values by deprivation quintile or decile (1 = most deprived, left) with 95% CIs and the gap annotated.

    Parameters
    ----------
    data : DataFrame
        One row per quantile: :func:`healthintel.stats.proportion` / ``rate`` / ``dsr`` /
        ``life_expectancy`` output ``by`` the deprivation category (from
        :func:`healthintel.stats.assign_quantiles` or :func:`healthintel.deprivation.local_quantiles`).
    quantile : str
        Deprivation category column, numbers with 1 = most deprived.
    benchmark : str, optional
        Column of benchmark labels: bars are then filled with the Fingertips palette; otherwise with the
        colour-blind-safe deprivation scale (dark = most deprived).
    comparator : float, optional
        Drawn as a dashed horizontal line (e.g. the area's overall value or England).
    gap : {"most - least", "least - most"}
        The difference the bracket is labelled with, signed as the chapter's text and tables give it: "most -
        least" (prevalence: positive when the most deprived have more) or "least - most" (life expectancy, as
        Fingertips' gap: decile 10 minus decile 1, positive when the most deprived live shorter lives).
    style : {"bar", "point"}
        Bars from zero (counts, prevalence), or points whose axis starts near the data (life expectancy: bars
        from 0 would flatten an 8-year gap to a few pixels).

    Returns
    -------
    Chart
        One axes with one bar (or point) per quantile (most deprived first), CI whiskers whose extents are the
        input limits, and a bracket between the most and least deprived labelled
        "Gap (most − least deprived): <difference> <unit>" (or "least − most"). Filled with the deprivation
        scale, the legend says "darker = more deprived".
    """
    _check_choice("gap", gap, GAPS)
    _check_choice("style", style, STYLES)
    d = _gradient_frame(data, quantile, value)
    n = len(d)
    vals = pd.to_numeric(d[value], errors="coerce").to_numpy(dtype=float)
    has_ci, lo, hi = _ci_arrays(d, lower_ci, upper_ci)
    use_bench = bool(benchmark and benchmark in d)
    colours = [benchmark_colour(v) for v in d[benchmark]] if use_bench else deprivation_colours(n)
    kind = _NAMES.get(n, "category")
    gap_text = _gap_text(vals, unit, dps, gap)
    base_title = title or f"{value_label} by deprivation {kind}" + (f": {area_name}" if area_name else "")
    title = with_demo(base_title, is_demo(data))
    has_comparator = comparator is not None and not np.isnan(comparator)
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        x = np.arange(n)
        if style == "bar":
            ax.bar(x, np.nan_to_num(vals), color=colours, edgecolor=PALETTE["text"], linewidth=0.4, width=0.7,
                   zorder=2)
        else:
            ax.scatter(x, vals, s=70, c=colours, edgecolors=PALETTE["text"], linewidths=0.6, zorder=5,
                       gid="quantile-points")
        if has_ci:
            ci_whiskers(ax, x, vals, lo, hi)
        if has_comparator:
            ax.axhline(comparator, color=PALETTE["text"], linestyle="--", linewidth=1, zorder=4,
                       label=f"{comparator_name}: {fmt(comparator, dps, unit)}")
        _label_gradient_axes(ax, x, d["_q"], kind, title, unit_label(value_label, unit))
        _draw_gap(ax, n, vals, lo, hi, gap_text, from_zero=style == "bar")
        fig.tight_layout()
        _draw_gradient_legend(ax, d[benchmark] if use_bench else None, None if use_bench else colours[0],
                              marker="o" if style == "point" else "s")

    parts = [_gradient_values_text(base_title, n, kind, d["_q"], vals, lo, hi, unit, dps, style),
             _ratio_text(vals, gap_text)]
    if has_comparator:
        parts.append(f"{comparator_name}: {fmt(comparator, dps, unit)}.")
    if has_ci:
        parts.append("Whiskers show 95% confidence intervals.")
    if is_demo(data):
        parts.append("Demo data.")
    return finish(fig, " ".join(parts), title)


def _check_choice(name: str, given: str, allowed: tuple[str, ...]) -> None:
    if given not in allowed:
        raise InvalidInputError(f"deprivation_gradient: {name} must be one of {', '.join(map(repr, allowed))}; "
                                f"got {given!r}.")


def _gradient_frame(data: pd.DataFrame, quantile: str, value: str) -> pd.DataFrame:
    """The rows ordered by quantile (1 = most deprived first), checked: numbers, each once, at least two."""
    require(data, "deprivation_gradient", quantile=quantile, value=value)
    d = _ordered_quantiles(data, quantile)
    if len(d) < 2:
        raise InvalidInputError("deprivation_gradient needs at least two deprivation categories.")
    return d


def _ci_arrays(d: pd.DataFrame, lower_ci: str | None, upper_ci: str | None) -> tuple[bool, np.ndarray, np.ndarray]:
    """Whether both CI columns are present, and the limits as float arrays (all NaN when absent)."""
    n = len(d)
    has_ci = bool(lower_ci and upper_ci and lower_ci in d and upper_ci in d)
    lo = pd.to_numeric(d[lower_ci], errors="coerce").to_numpy(dtype=float) if has_ci else np.full(n, np.nan)
    hi = pd.to_numeric(d[upper_ci], errors="coerce").to_numpy(dtype=float) if has_ci else np.full(n, np.nan)
    return has_ci, lo, hi


def _gap_text(vals: np.ndarray, unit: str, dps: int, direction: str = "most - least") -> str:
    """"Gap (most − least deprived): +12.0 percentage points" (or least − most), with the sign of that
    difference."""
    gap = vals[0] - vals[-1] if direction == "most - least" else vals[-1] - vals[0]
    gap_unit = "percentage points" if unit == "%" else unit
    words = "most − least" if direction == "most - least" else "least − most"
    return f"Gap ({words} deprived): {'+' if gap > 0 else ''}{fmt(gap, dps, gap_unit)}"


def _label_gradient_axes(ax, x, quantiles: pd.Series, kind: str, title: str, ylabel: str) -> None:
    tick = [f"{int(q)}" for q in quantiles]
    tick[0] += "\nmost\ndeprived"
    tick[-1] += "\nleast\ndeprived"
    ax.set_xticks(x, tick, fontsize=8)
    ax.set_xlabel(f"Deprivation {kind} (1 = most deprived)")
    ax.set_ylabel(ylabel)
    ax.set_title(fit_title(title, ax.figure.get_figwidth()), loc="left")
    ax.grid(axis="x", visible=False)


def _draw_gap(ax, n: int, vals: np.ndarray, lo: np.ndarray, hi: np.ndarray, gap_text: str, *,
              from_zero: bool = True) -> None:
    """Room above the data, and the gap: a bracket from the most to the least deprived category, labelled.

    Bars start at zero; points get an axis that starts near the data (just below the lowest CI limit)."""
    top = np.nanmax(np.where(np.isnan(hi), vals, hi))
    if from_zero:
        bottom, span = 0.0, top
    else:
        bottom = np.nanmin(np.where(np.isnan(lo), vals, lo))
        span = (top - bottom) or abs(top) * 0.1 or 1.0
        bottom -= span * 0.12
    ax.set_ylim(bottom, top + span * 0.3)
    yb = top + span * 0.1
    ax.annotate("", xy=(0, yb), xytext=(n - 1, yb),
                arrowprops=dict(arrowstyle="<->", color=PALETTE["text"], linewidth=1, shrinkA=0, shrinkB=0))
    ax.text((n - 1) / 2, yb + span * 0.02, gap_text, ha="center", va="bottom", fontsize=9,
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none"), gid="gap")


def _draw_gradient_legend(ax, labels: pd.Series | None, darkest=None, *, marker: str = "s") -> None:
    """Below the chart: the benchmark labels present (when the bars are filled by them) or the deprivation
    scale's key ("darker = more deprived", with its darkest colour), then the comparator line."""
    handles, _ = ax.get_legend_handles_labels()
    if labels is not None:
        present = [lab for lab in BENCHMARK_ORDER if lab in {canonical_label(v) for v in labels}]
        handles = [Patch(facecolor=benchmark_colour(lab), label=lab) for lab in present] + handles
    elif darkest is not None:
        handles = [Line2D([], [], linestyle="", marker=marker, markersize=9, markerfacecolor=darkest,
                          markeredgecolor=PALETTE["text"], markeredgewidth=0.5,
                          label=MORE_DEPRIVED_NOTE.capitalize())] + handles
    if handles:
        legend_below(ax, handles, ncol=min(len(handles), 3))


def _gradient_values_text(base_title: str, n: int, kind: str, quantiles: pd.Series, vals, lo, hi, unit: str,
                          dps: int, style: str = "bar") -> str:
    chart = "Bar chart" if style == "bar" else "Dot chart"
    return (f"{chart} of {base_title} across {n} deprivation {kind}s, from 1 (most deprived) to {n} "
            f"(least deprived): "
            + "; ".join(f"{int(q)}: {fmt(v, dps, unit)}" + (f" ({fmt_ci(a, b, dps)})" if fmt_ci(a, b, dps) else "")
                        for q, v, a, b in zip(quantiles, vals, lo, hi)) + ".")


def _ratio_text(vals: np.ndarray, gap_text: str) -> str:
    ratio = vals[0] / vals[-1] if vals[-1] else np.nan
    return gap_text + (f" (ratio {ratio:.2f})" if np.isfinite(ratio) else "") + "."


def sii_chart(
    data: pd.DataFrame,
    sii: pd.DataFrame,
    *,
    quantile: str = "quantile",
    population: str = "population",
    value: str = "value",
    lower_ci: str | None = "lower_ci",
    upper_ci: str | None = "upper_ci",
    multiplier: float = 1,
    area_name: str = "",
    title: str = "",
    unit: str = "",
    value_label: str = "Value",
    dps: int = 1,
    figsize=(7, 4),
) -> Chart:
    """Values by the relative rank of each deprivation category, with the fitted slope index of inequality line.

    Parameters
    ----------
    data : DataFrame
        The input of :func:`healthintel.stats.slope_index_of_inequality` for one group: one row per quantile
        (1 = most deprived) with ``population``, ``value`` and optionally its 95% limits.
    sii : DataFrame
        Its output (one row; ``sii``, ``sii_lower_ci``, ``sii_upper_ci`` and, when computed with
        ``intercept=True``, ``intercept``).
    multiplier : float
        The multiplier the SII was computed with (the fitted slope is ``sii / multiplier``).

    Returns
    -------
    Chart
        One axes with one point per quantile at its mid-point rank (cumulative population share), CI whiskers,
        and the fitted line from rank 0 (most deprived) to 1 (least deprived) labelled with the SII and
        its 95% CI. The line is the population-weighted least-squares fit (without ``transform``): it passes
        through the population-weighted means, so its slope is the SII's and its intercept follows from them.
    """
    require(data, "sii_chart", quantile=quantile, population=population, value=value)
    require(sii, "sii_chart (sii frame)", sii="sii")
    if len(sii) != 1:
        raise InvalidInputError(
            f"sii_chart needs the SII of one group (one row); got {len(sii)}. Filter both frames to one group."
        )
    d = _ordered_quantiles(data, quantile)
    n = len(d)
    pop = pd.to_numeric(d[population], errors="coerce").to_numpy(dtype=float)
    vals = pd.to_numeric(d[value], errors="coerce").to_numpy(dtype=float)
    share = pop / pop.sum()
    rank = np.cumsum(share) - share / 2
    s = sii.iloc[0]
    sii_value = float(s["sii"])
    slope = sii_value / multiplier
    if "intercept" in sii.columns and pd.notna(s["intercept"]):
        intercept = float(s["intercept"])
    else:
        intercept = float(np.sum(share * vals) - slope * np.sum(share * rank))
    lo_s = float(s["sii_lower_ci"]) if "sii_lower_ci" in sii.columns else np.nan
    hi_s = float(s["sii_upper_ci"]) if "sii_upper_ci" in sii.columns else np.nan
    has_ci, lo, hi = _ci_arrays(d, lower_ci, upper_ci)
    kind = _NAMES.get(n, "category")
    ci = fmt_ci(lo_s, hi_s, dps)
    sii_unit = "percentage points" if unit == "%" else unit  # the slope between two percentages
    sii_text = f"SII = {fmt(sii_value, dps, sii_unit)}" + (f" ({ci})" if ci else "")
    base_title = title or f"Slope index of inequality: {value_label.lower()}" + (f", {area_name}" if area_name else "")
    title = with_demo(base_title, is_demo(data))
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        # points, not bars: the axis does not start at 0 (life expectancy 70-85 would flatten)
        ax.scatter(rank, vals, s=55, c=deprivation_colours(n), edgecolors=PALETTE["text"], linewidths=0.6, zorder=5,
                   gid="quantile-points")
        if has_ci:
            ci_whiskers(ax, rank, vals, lo, hi)
        xs = np.array([0.0, 1.0])
        ax.plot(xs, intercept + slope * xs, color=PALETTE["worse"], linewidth=2, zorder=4, label="Fitted SII line",
                gid="sii-line")
        floor = np.nanmin(np.where(np.isnan(lo), vals, lo))
        top = np.nanmax(np.where(np.isnan(hi), vals, hi))
        ends = intercept + slope * xs
        low = min(floor, ends.min())
        pad = (max(top, ends.max()) - low) * 0.35 or 1
        ax.set_ylim(low - pad * 0.6, max(top, ends.max()) + pad)
        ax.set_xlim(0, 1)
        ax.set_xlabel("Relative rank by deprivation (0 = most deprived, 1 = least deprived)")
        ax.set_ylabel(unit_label(value_label, unit))
        ax.set_title(fit_title(title, figsize[0]), loc="left")
        ax.text(0.02, 0.96, sii_text, transform=ax.transAxes, ha="left", va="top", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=PALETTE["england"]), gid="sii-label")
        ax.legend(handles=[Line2D([], [], color=PALETTE["worse"], linewidth=2, label="Fitted line (SII = its slope)"),
                           Line2D([], [], marker="o", linestyle="", markerfacecolor=deprivation_colours(n)[0],
                                  markeredgecolor=PALETTE["text"],
                                  label=f"{kind.capitalize()} at its mid-point rank (95% CI; "
                                        f"{MORE_DEPRIVED_NOTE})")],
                  loc="lower right", fontsize=8)
        fig.tight_layout()

    alt = (f"Chart of {base_title}: {n} deprivation {kind}s placed at their relative rank (0 = most deprived, "
           f"1 = least deprived), values " + "; ".join(f"{int(q)}: {fmt(v, dps, unit)}" for q, v in zip(d["_q"], vals))
           + f". The fitted line runs from {fmt(ends[0], dps, unit)} at the most deprived end to "
           f"{fmt(ends[1], dps, unit)} at the least deprived end: {sii_text}."
           + (" Demo data." if is_demo(data) else ""))
    return finish(fig, alt, title)
