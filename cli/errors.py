"""One line per command-line error (what went wrong, where, what to do) and a non-zero exit; with
``--debug`` the exception propagates, traceback and all.

Exit status: 2 for the errors Parley expects (``ParleyError``, ``OSError``, ``ValueError``: a broken
catalogue, a store that is not built, a missing file, an invalid setting), 1 for anything else (a bug:
the line asks for ``--debug`` and a report), 130 when interrupted."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable

from pydantic import ValidationError

from tools.errors import CatalogueError, ParleyError

EXPECTED: tuple[type[BaseException], ...] = (ParleyError, OSError, ValueError)
# what to do, for Parley's errors whose message does not say it already
_PARLEY_FIXES: tuple[tuple[type[ParleyError], str], ...] = (
    (
        CatalogueError,
        "correct the file named here, or point --data / PARLEY_DATA_DIR at a catalogue directory",
    ),
)
_OS_FIXES = {
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "check the path",
    errno.EISDIR: "give a file, not a directory",
    errno.EACCES: "check the permissions",
    errno.EPERM: "check the permissions",
    errno.ENOSPC: "free some disk space",
    errno.EADDRINUSE: "choose another port, or 0 to pick a free one",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _validation(error: ValidationError) -> str:
    """An invalid setting names its env variable (``PARLEY_<FIELD>``) and the value given."""
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ())]
        if error.title == "Settings" and loc:
            where = "PARLEY_" + loc[0].upper() + "".join(f"[{p}]" for p in loc[1:])
        else:
            where = ".".join(loc) or error.title
        given = f"={item['input']!r}" if "input" in item and not isinstance(item["input"], dict) else ""
        problems.append(f"{where}{given}: {item.get('msg', 'invalid')}")
    if error.title == "Settings":
        fix = "fix: change it in the environment, .env or the PARLEY_CONFIG_FILE file"
        return f"invalid setting {'; '.join(problems)} ({fix})"
    return f"invalid {error.title}: {'; '.join(problems)}"


def describe(error: BaseException) -> str:
    """The one line for ``error``."""
    if isinstance(error, ValidationError):
        return _one_line(_validation(error))
    if isinstance(error, ParleyError):
        text = str(error)
        fix = next((fix for kind, fix in _PARLEY_FIXES if isinstance(error, kind)), None)
        if fix and "fix" not in text.lower():
            text += f" (fix: {fix})"
        return _one_line(text)
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename is not None else ""
        fix = _OS_FIXES.get(error.errno or 0)
        return _one_line(f"{error.strerror}{where}" + (f" (fix: {fix})" if fix else ""))
    if isinstance(error, EXPECTED):
        return _one_line(f"{error}" or type(error).__name__)
    return _one_line(
        f"unexpected {type(error).__name__}: {error} (a bug: run again with --debug for the traceback "
        "and report it)"
    )


def run_guarded(prog: str, action: Callable[[], int], *, debug: bool = False) -> int:
    """``action()``'s exit status; an exception becomes one line ``<prog>: <what>`` on stderr."""
    try:
        return int(action())
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # every error ends here: one line, or the traceback with --debug
        if debug:
            raise
        print(f"{prog}: {describe(error)}", file=sys.stderr)
        return 2 if isinstance(error, EXPECTED) else 1
