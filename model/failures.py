"""Every failure of a command as one line on stderr and an exit status, never a traceback.

Bad input (:class:`~model.errors.KhorasanError`) exits with 2; a fault of the machine or the
program exits with 1: a full disk (naming the folder being written and its free space), no
memory, any other ``OSError`` or an unexpected exception. A closed pipe
(``khorasan summarize --json | head``) ends quietly, and Ctrl-C prints one line saying how to
resume. ``khorasan --debug ...`` shows the traceback instead.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from contextlib import suppress
from pathlib import Path

from model.errors import KhorasanError

RESUMABLE = ("run", "sweep", "calibrate")
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


def _say(message: str) -> None:
    print(f"khorasan: {' '.join(message.split())}", file=sys.stderr)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return ""  # pragma: no cover


def _full_disk(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc)


def _folder(exc: OSError) -> Path | None:
    """The folder being written: the locked output folder, else the failing file's folder."""
    if getattr(exc, "khorasan_folder", None) is not None:
        return exc.khorasan_folder
    return Path(exc.filename).parent if exc.filename else None


def _resume_hint(command: str) -> str:
    if command in RESUMABLE:
        return f"rerun the same khorasan {command} with --resume (finished parts are kept)"
    return "rerun the command"


def _quiet_pipe() -> None:
    """Point stdout at /dev/null, so that flushing it at exit does not fail again."""
    with suppress(AttributeError, OSError, ValueError):  # stdout may not be a file
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def report_failure(exc: BaseException, command: str) -> int:
    """Print one line for ``exc`` (raised by sub-command ``command``) and return the status.

    Args:
        exc: The exception that ended the command.
        command: The sub-command's name.

    Returns:
        2 for bad input, 130 for Ctrl-C, 1 for a fault or a closed pipe.
    """
    if isinstance(exc, KhorasanError):
        _say(f"error: {exc}")
        return 2
    if isinstance(exc, KeyboardInterrupt):
        _say(f"interrupted; {_resume_hint(command)}")
        return INTERRUPTED
    if isinstance(exc, BrokenPipeError):  # the reader went away: nothing more to say
        _quiet_pipe()
        return 1
    if isinstance(exc, MemoryError):
        _say(f"error: out of memory in khorasan {command}; allowed: fewer replicates, design "
             "points or workers")
        return 1
    if isinstance(exc, OSError) and _full_disk(exc):
        folder = _folder(exc)
        try:
            free = _size(shutil.disk_usage(folder or ".").free)
        except OSError:
            free = "unknown"
        _say(f"error: no space left on the device writing {folder or 'the output'} ({free} "
             f"free); make room, then {_resume_hint(command)}")
        return 1
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"error: {where}{exc.strerror or exc}")
        return 1
    first = str(exc).splitlines()[0] if str(exc) else ""
    _say(f"error: unexpected {type(exc).__name__}: {first[:300]} (a fault in khorasan "
         f"{command}; rerun with --debug for the traceback)")
    return 1
