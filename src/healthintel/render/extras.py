"""The optional extras rendering can use, checked before anything runs: a missing one is a
:class:`~healthintel.errors.MissingExtraError` that names the ``pip install`` to run, never an ImportError from
deep inside a worker or a report rendered for nothing.

``make report`` installs the runtime dependencies and the ``growth`` extra only; ``make test`` the ``dev`` extra,
which holds these too.
"""

from __future__ import annotations

import importlib.util
import sys

from healthintel.errors import MissingExtraError

#: extra -> (the module it provides, what needs it)
EXTRAS = {
    "pdf": ("playwright", "--format pdf (PDF export drives Chromium through Playwright)"),
    "dask": ("distributed", "--executor dask / --scheduler (dask.distributed)"),
}


def installed(module: str) -> bool:
    """Whether ``module`` (a top-level name) can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken parent package, or a module whose __spec__ is unset
        return False


def require_extra(extra: str) -> None:
    """Raise :class:`~healthintel.errors.MissingExtraError` unless the package of extra ``extra`` is installed.

    Parameters
    ----------
    extra : str
        ``"pdf"`` or ``"dask"`` (a key of :data:`EXTRAS`).

    Raises
    ------
    MissingExtraError
        When the extra's module cannot be found; the message names the extra and the install command.
    """
    module, feature = EXTRAS[extra]
    if installed(module):
        return
    raise MissingExtraError(
        f"{feature} needs the '{module}' package, which is not installed in this environment ({sys.prefix}): "
        f"run  pip install 'healthintel[{extra}]'  (in a checkout: {sys.prefix}/bin/python -m pip install -e "
        f"'.[{extra}]'; make test installs every extra).", extra=extra, module=module)
