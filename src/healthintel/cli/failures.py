"""Expected operational failures of the command line, as one clear line on stderr and a meaningful exit code.

Owns :func:`guarded` (the decorator every ``healthintel`` command is wrapped in), :func:`classify` (exception ->
exit code and message) and the exit codes:

==  ==============================================================================================
0   success
1   the work failed: a chapter failed to render, data could not be had (offline and not cached, no mirror),
    an HTTP error or malformed answer from Fingertips
2   bad arguments or parameters (nothing was run); typer's usage errors also exit 2
3   a file or folder could not be read or written: permission denied, read-only or full disk
4   the network failed: timeout, refused connection, redirect loop, undecodable or 5xx answer (try again later)
5   a file healthintel keeps is corrupt (manifest, cache metadata, data file checksum): remove it and fetch again
70  an unexpected internal error (a bug: set ``HEALTHINTEL_DEBUG=1`` to see the traceback)
130 interrupted (Ctrl-C)
==  ==============================================================================================
"""

from __future__ import annotations

import errno
import functools
import json
import os

import typer

from ..errors import (
    ChecksumMismatchError, CorruptFileError, FingertipsConnectionError, FingertipsDecodingError,
    FingertipsRedirectError, FingertipsTimeoutError, HealthIntelError, InvalidInputError, StorageError,
)

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "EXIT_STORAGE", "EXIT_NETWORK", "EXIT_CORRUPT", "EXIT_INTERNAL",
           "EXIT_INTERRUPTED", "classify", "guarded", "storage_message"]

EXIT_FAILED, EXIT_USAGE, EXIT_STORAGE, EXIT_NETWORK, EXIT_CORRUPT = 1, 2, 3, 4, 5
EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130
DEBUG_ENV = "HEALTHINTEL_DEBUG"

_NETWORK = (FingertipsTimeoutError, FingertipsConnectionError, FingertipsRedirectError, FingertipsDecodingError)


def storage_message(exc: OSError, doing: str = "read or write") -> str:
    """What went wrong with a file, in words: permission, read-only or full disk, with the path and the fix."""
    path = exc.filename or "a file"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return (f"no space left on the disk to {doing} {path}: free some space, or point HEALTHINTEL_HOME / "
                "--reports-dir at another disk.")
    if exc.errno == errno.EROFS:
        return f"cannot {doing} {path}: the file system is read-only. Use a writable folder."
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return (f"permission denied: cannot {doing} {path}. Make it writable (chmod/chown), or use another folder "
                "(HEALTHINTEL_HOME, HEALTHINTEL_RAW_DIR, HEALTHINTEL_REPORTS_DIR or --reports-dir).")
    return f"cannot {doing} {path}: {exc.strerror or exc}."


def classify(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one-line message for an exception that ends a command."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted."
    if isinstance(exc, StorageError):
        return EXIT_STORAGE, str(exc)
    if isinstance(exc, CorruptFileError | ChecksumMismatchError):
        return EXIT_CORRUPT, str(exc)
    if isinstance(exc, _NETWORK) or (isinstance(exc, HealthIntelError) and getattr(exc, "transient", False)):
        return EXIT_NETWORK, str(exc)
    if isinstance(exc, InvalidInputError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, HealthIntelError):
        return EXIT_FAILED, str(exc)
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return EXIT_CORRUPT, (f"a file healthintel keeps is corrupt ({type(exc).__name__}: {exc}); remove it and "
                              "run the command again (data/raw/MANIFEST.json: `healthintel data fetch --force`).")
    if isinstance(exc, OSError):
        return EXIT_STORAGE, storage_message(exc)
    return EXIT_INTERNAL, (f"internal error {type(exc).__name__}: {exc} (this is a bug; set {DEBUG_ENV}=1 to see "
                           "the traceback and report it).")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def guarded(func):
    """Run a command; an exception it does not handle itself becomes one line on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure ends as one line and an exit code
            if _is_click_error(exc) or (os.environ.get(DEBUG_ENV) and not isinstance(exc, HealthIntelError)):
                raise
            code, message = classify(exc)
            typer.echo(f"error: {_one_line(message)}", err=True)
            raise typer.Exit(code) from None

    return wrapper


def _is_click_error(exc: BaseException) -> bool:
    import click

    return isinstance(exc, click.exceptions.ClickException | click.exceptions.Exit | click.exceptions.Abort)
