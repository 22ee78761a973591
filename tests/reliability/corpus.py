"""The reliability corpus harness: a bad or hostile input and what healthintel must answer.

A :class:`Case` either expects a specific healthintel error (type, and a message naming the column/rows/fix),
or NA with a reason: the value column is NA on the rows whose reason column contains the expected text, and
exactly one warning of the expected class was issued. A raw numpy/pandas/httpx exception fails the case.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest

from healthintel.errors import HealthIntelError, SuppressionWarning


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[], object]
    error: type[BaseException] | None = None
    match: str | None = None  # regex the error message must contain (column, rows, fix)
    na: tuple[str, str, str] | None = None  # (value column, reason column, reason text) for NA-with-reason cases
    warning: type[Warning] | None = SuppressionWarning

    def param(self):
        return pytest.param(self, id=self.id)


def error(id: str, call, exc: type[BaseException], match: str | None = None) -> Case:
    return Case(id, call, error=exc, match=match)


def na(id: str, call, value: str, reason_text: str, *, reason: str = "suppression_reason",
       warning: type[Warning] | None = SuppressionWarning) -> Case:
    return Case(id, call, na=(value, reason, reason_text), warning=warning)


def check(case: Case) -> None:
    """Run the case and assert its expected outcome."""
    if case.error is not None:
        with pytest.raises(case.error, match=case.match) as info:
            case.call()
        assert isinstance(info.value, HealthIntelError), f"{type(info.value)} is not a healthintel error"
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = case.call()
    assert isinstance(out, pd.DataFrame)
    value, reason, text = case.na
    assert reason in out.columns, f"no {reason!r} column in {list(out.columns)}"
    hit = out[reason].astype("string").str.contains(text, regex=False).fillna(False).to_numpy(dtype=bool)
    assert hit.any(), f"no row with reason containing {text!r}: {out[reason].tolist()}"
    assert out.loc[hit, value].isna().all(), out.loc[hit, [value, reason]]
    if case.warning is not None:
        warned = [w for w in caught if issubclass(w.category, case.warning)]
        assert len(warned) == 1, [str(w.message) for w in caught]
