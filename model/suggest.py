"""'Did you mean' suggestions for unknown names (config keys, parameters, provinces, outcomes)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

LIST_AT_MOST = 12
"""Longer lists of valid names are not printed; the message points to ``khorasan levers``."""


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``choices`` that look like ``word`` (case-insensitive), best first."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    prefix = [c for c in choices if word and c.lower().startswith(word.lower())]
    return list(dict.fromkeys([lowered[f] for f in found] + prefix))[:n]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` (or ``"'x' or 'y'"``) for a near miss, else ``""``."""
    found = close_matches(word, choices)
    if not found:
        return ""
    return "did you mean " + " or ".join(f"'{f}'" for f in found) + "? "


def unknown(word: str, choices: Iterable[str], label: str = "valid keys",
            catalogue: str = "'khorasan levers' lists them") -> str:
    """The tail of an 'unknown name' message: suggestions, then the valid names.

    Args:
        word: The unknown name.
        choices: The valid names.
        label: What the valid names are called (``"valid keys"``, ``"provinces"``, ...).
        catalogue: Where a long list can be read instead (used above :data:`LIST_AT_MOST`).

    Returns:
        ``"did you mean 'x'? valid keys: a, b, c"``, or for a long list ``"did you mean
        'x'? (85 valid keys: 'khorasan levers' lists them)"``.
    """
    choices = list(choices)
    hint = did_you_mean(word, choices)
    if len(choices) > LIST_AT_MOST:
        return f"{hint}({len(choices)} {label}: {catalogue})"
    return f"{hint}{label}: {', '.join(choices)}"
