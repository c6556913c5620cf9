"""One writer per output folder: an exclusive ``flock`` on a lock file inside the folder.

Every command that writes results (``run``, ``sweep``, ``calibrate``, ``report``, ``check``,
``hindcast``) holds the lock of its output folder from before it looks at the folder until it
is done. A second writer is refused at once with one line naming the folder and the holder's
process id. The lock belongs to the open file, so it dies with its holder: a lock file left by a
killed process never blocks (the next writer simply takes it). The lock file is removed when
the command ends, and so is the folder if the command created it and left it empty.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from model.errors import KhorasanError

LOCK_NAME = ".khorasan.lock"


class LockedError(KhorasanError):
    """Another process is writing to the folder."""


def _make(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    if folder.exists() and not folder.is_dir():
        raise KhorasanError(f"{folder}: output path exists and is not a directory")
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KhorasanError(f"{folder}: output directory is not writable "
                            f"({exc.strerror or exc})") from None
    return missing


def _holder(fd: int) -> str:
    """The process id written in the lock file (the holder writes it just after locking)."""
    for _ in range(5):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text:
            return text
        time.sleep(0.02)
    return "unknown"


def _acquire(folder: Path) -> int:
    """Lock ``folder``'s lock file; return its descriptor.

    The lock file may be replaced between our open and our lock (its holder removes it when
    done), so the lock counts only if the path still names the file we locked.
    """
    path = folder / LOCK_NAME
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise KhorasanError(f"{folder}: output directory is not writable "
                                f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise LockedError(f"{folder}: another khorasan command (process {holder}) is "
                              "writing to this folder; wait for it to finish or choose "
                              "another --out") from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)


def _remove_empty(created: list[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:  # not empty (it holds results) or already gone
            return


@contextmanager
def folder_lock(folder: Path) -> Iterator[Path]:
    """Hold the exclusive lock of ``folder`` (created if missing) for the ``with`` block.

    Args:
        folder: The output folder.

    Yields:
        The folder.

    Raises:
        LockedError: If another process holds the lock.
        KhorasanError: If the folder cannot be created or is not a directory.
    """
    folder = Path(folder)
    created = _make(folder)
    try:
        fd = _acquire(folder)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        yield folder
    except OSError as exc:  # e.g. a full disk: the top-level handler names this folder
        if not hasattr(exc, "khorasan_folder"):
            exc.khorasan_folder = folder
        raise
    finally:
        with suppress(OSError):  # while still locked: the next writer makes a new one
            os.unlink(folder / LOCK_NAME)
        os.close(fd)
        _remove_empty(created)
