"""How the kernels are compiled: numba, cached on disk under a fingerprint of their sources.

Every submodel kernel is decorated with :data:`kernel` (``numba.njit(cache=True)``). numba
checks a cached function only against its own file, not against the functions and module
constants it uses from other files, so the cache folder is named after a hash of every file
the kernels are built from (:data:`KERNEL_SOURCES`): an edit anywhere in them compiles afresh
instead of loading stale machine code. The folder is, in order of preference,
``$KHORASAN_NUMBA_CACHE``, ``.numba_cache/`` in the source checkout the package runs from, or
``~/.cache/khorasan/numba``; all are created on first use.

``NUMBA_DISABLE_JIT=1`` runs the kernels as plain Python (slowly, for debugging); the results
are the same (docs/ODD.md §4.9). Integer arithmetic of the random streams then wraps with a
numpy overflow warning, which :func:`entry` silences.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numba
import numpy as np

PACKAGE = Path(__file__).resolve().parents[1]
KERNEL_SOURCES = ("submodels/*.py", "state.py", "streams.py", "calendar.py", "outputs.py",
                  "parameters.py", "parameter_table*.py")
"""Files (relative to the package) whose contents the compiled kernels depend on."""
COMPILED = not numba.config.DISABLE_JIT


def source_fingerprint() -> str:
    """A short SHA-256 of the kernels' source files (:data:`KERNEL_SOURCES`)."""
    digest = hashlib.sha256()
    for pattern in KERNEL_SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    """The folder under which compiled kernels are cached (see the module docstring)."""
    if os.environ.get("KHORASAN_NUMBA_CACHE"):
        return Path(os.environ["KHORASAN_NUMBA_CACHE"])
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and os.access(checkout, os.W_OK):
        return checkout / ".numba_cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "khorasan" / "numba"


CACHE_DIR = cache_root() / source_fingerprint()
numba.config.CACHE_DIR = str(CACHE_DIR)  # read when each kernel below is decorated

kernel = numba.njit(cache=True)
"""The decorator of every kernel: compiled in nopython mode, cached in :data:`CACHE_DIR`."""
inline = numba.njit(cache=True, inline="always")
"""The decorator of the random draws, which every submodel calls in its loops: inlined into
the caller (at numba's level), so that passing the stream's state array costs no reference
counting per draw."""


def entry(function):
    """A kernel as the model calls it from Python.

    The kernel itself if compiled, else a wrapper in which the integer wrap-around of the
    plain-Python kernel is silent.
    """
    if COMPILED:
        return function

    @functools.wraps(function)
    def plain(*args):
        with np.errstate(over="ignore"):
            return function(*args)

    return plain
