"""Exception types shared by the package.

Every user-facing error carries enough context to print as one line that names the source,
the key and what is allowed.
"""

from __future__ import annotations


class KhorasanError(Exception):
    """Base class for errors reported to the user as one line (CLI exit status 2)."""


class ParameterError(KhorasanError, KeyError, ValueError):
    """An unknown parameter name, a wrong type or an out-of-range value."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class DataError(KhorasanError):
    """A broken or inconsistent input data file."""
