"""Exceptions and warnings raised by healthintel.

Every error a user can trigger with bad input is a :class:`HealthIntelError`; its message names the column,
the offending rows (or examples of them) and the fix. Statistical suppression (as the national methods do it)
is never an error: it gives NA, a reason column and one :class:`SuppressionWarning`.
"""

from __future__ import annotations


class HealthIntelError(Exception):
    """Base class of every error healthintel raises on purpose."""


class InvalidInputError(HealthIntelError, ValueError):
    """Input data or arguments break a rule of the method (negative counts, numerator > denominator, ...)."""


class MissingColumnError(InvalidInputError, KeyError):
    """A column named in the call is not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class GeographyError(InvalidInputError):
    """Unknown area names/codes, or LSOA codes of the wrong vintage for the chosen index."""


class AreaNotCoveredError(GeographyError):
    """The data (or the goals) a chapter needs do not cover the area asked for; the message names the areas they
    cover. Raised instead of showing another area's figures under this area's name."""


class DataNotFoundError(HealthIntelError, FileNotFoundError):
    """A data file the catalog needs is neither in data/raw, nor in the mirror, nor downloadable."""


class ChecksumMismatchError(HealthIntelError):
    """A fetched file does not match the checksum recorded in the data catalog."""


class StorageError(HealthIntelError, OSError):
    """A file or folder cannot be read or written: permission denied, a read-only or full disk.

    The message names the path and the fix; ``path`` holds it (or None).
    """

    def __init__(self, message: str, *, path=None):
        super().__init__(message)
        self.path = None if path is None else str(path)

    def __str__(self) -> str:  # OSError would otherwise format its own errno/strerror text
        return str(self.args[0]) if self.args else ""


class CorruptFileError(HealthIntelError, ValueError):
    """A file healthintel wrote or caches (manifest, cache metadata, render state) cannot be parsed."""


class RenderError(HealthIntelError):
    """A chapter could not be rendered (bad parameters, failed execution, export failure)."""


class MissingExtraError(HealthIntelError, ImportError):
    """An optional feature needs a package of one of healthintel's extras that is not installed (``pdf``:
    Playwright for ``--format pdf``; ``dask``: distributed for ``--executor dask``); the message names the
    ``pip install 'healthintel[EXTRA]'`` to run. Raised before anything is rendered."""

    def __init__(self, message: str, *, extra: str, module: str):
        super().__init__(message, name=module)
        self.extra = extra

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ParameterError(RenderError, InvalidInputError):
    """Parameters given to a chapter do not match the notebook's ``parameters`` cell."""


class FingertipsError(HealthIntelError):
    """A Fingertips API request failed; the message names the request (URL) and what to do.

    ``request`` holds the URL of the request concerned (or None).
    """

    def __init__(self, message: str, *, request: str | None = None):
        super().__init__(message)
        self.request = request


class FingertipsOfflineError(FingertipsError, DataNotFoundError):
    """Offline mode, and the response to a request is not in the Fingertips cache."""


class FingertipsPayloadError(FingertipsError):
    """A Fingertips response is not what the endpoint returns (HTML error page, truncated CSV, wrong JSON shape)."""


class FingertipsTimeoutError(FingertipsError):
    """A Fingertips request did not complete within its whole-request deadline (connect, headers and body)."""

    transient = True  # worth retrying; a stale cached answer may stand in


class FingertipsConnectionError(FingertipsError):
    """A Fingertips request failed in transport: DNS, refused or reset connection, TLS, protocol error."""

    transient = True


class FingertipsRedirectError(FingertipsError):
    """A Fingertips request was redirected too many times (a redirect loop) or to an unusable address."""


class FingertipsDecodingError(FingertipsPayloadError):
    """A Fingertips response body could not be decoded (bad ``Content-Encoding``, or text that is not UTF-8)."""


class HealthIntelWarning(UserWarning):
    """Base class of healthintel warnings."""


class QuantileTieWarning(HealthIntelWarning):
    """Areas with tied values straddle a quantile boundary: they share one quantile, so the quantiles are not of
    equal size (PHEindicatormethods asks for a manual review)."""


class SuppressionWarning(HealthIntelWarning):
    """Some results were suppressed (NA) under the national method's rules; see the reason column."""


def describe_rows(frame, mask, columns=None, limit: int = 5) -> str:
    """Describe up to ``limit`` offending rows of ``frame`` (by index and key columns) for an error message."""
    import pandas as pd

    bad = frame.loc[pd.Series(mask, index=frame.index).to_numpy(dtype=bool)]
    n = len(bad)
    if columns:
        cols = [c for c in columns if c in bad.columns]
        shown = bad[cols].head(limit)
        items = [
            f"row {idx!r} (" + ", ".join(f"{c}={v!r}" for c, v in zip(cols, row)) + ")"
            for idx, row in zip(shown.index, shown.itertuples(index=False))
        ]
    else:
        items = [f"row {idx!r}" for idx in bad.index[:limit]]
    more = f" and {n - limit} more" if n > limit else ""
    return f"{n} row(s): " + "; ".join(items) + more
