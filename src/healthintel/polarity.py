"""Polarity and the Fingertips labels shared by benchmarking, quintiles, trends, targets and KPI status.

Fingertips (``PholioObjects/Constants.cs`` ``PolarityIds``): −1 Not applicable, 0 "RAG – Low is good",
1 "RAG – High is good", 99 "BOB – Blue orange blue" (shown as "No judgement" in metadata and FingertipsNext).
"""

from __future__ import annotations

from .errors import InvalidInputError

LOW_IS_GOOD = "low_is_good"
HIGH_IS_GOOD = "high_is_good"
NO_JUDGEMENT = "no_judgement"
NOT_APPLICABLE = "not_applicable"
POLARITIES = (LOW_IS_GOOD, HIGH_IS_GOOD, NO_JUDGEMENT, NOT_APPLICABLE)

_ALIASES = {
    "low_is_good": LOW_IS_GOOD, "low is good": LOW_IS_GOOD, "rag - low is good": LOW_IS_GOOD,
    "rag – low is good": LOW_IS_GOOD, "0": LOW_IS_GOOD,
    "high_is_good": HIGH_IS_GOOD, "high is good": HIGH_IS_GOOD, "rag - high is good": HIGH_IS_GOOD,
    "rag – high is good": HIGH_IS_GOOD, "1": HIGH_IS_GOOD,
    "no_judgement": NO_JUDGEMENT, "no judgement": NO_JUDGEMENT, "bob": NO_JUDGEMENT, "99": NO_JUDGEMENT,
    "bob - blue orange blue": NO_JUDGEMENT, "bob – blue orange blue": NO_JUDGEMENT, "none/bob": NO_JUDGEMENT,
    "not_applicable": NOT_APPLICABLE, "not applicable": NOT_APPLICABLE, "-1": NOT_APPLICABLE,
}

# Labels exactly as Fingertips writes them (CSV export "Compared to England value or percentiles").
BETTER, SIMILAR, WORSE, BEST, WORST = "Better", "Similar", "Worse", "Best", "Worst"
HIGHER, LOWER = "Higher", "Lower"
NOT_COMPARED = "Not compared"
BENCHMARK_LABELS = (BEST, BETTER, SIMILAR, WORSE, WORST, HIGHER, LOWER, NOT_COMPARED)


def parse_polarity(polarity) -> str:
    """Normalise a polarity given as our name, a Fingertips name ("RAG - Low is good") or id (0, 1, 99, −1)."""
    key = str(polarity).strip().lower()
    try:
        return _ALIASES[key]
    except KeyError:
        raise InvalidInputError(
            f"polarity {polarity!r} is not recognised: use one of {', '.join(repr(p) for p in POLARITIES)} "
            "(Fingertips names such as 'RAG - Low is good' and ids 0, 1, 99, -1 are also accepted)."
        ) from None
