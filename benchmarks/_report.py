"""What every benchmark prints: its result with the targets and whether they are met."""

from __future__ import annotations

import json


def judge(result: dict, targets: dict[str, tuple[str, float]]) -> None:
    """Add ``targets`` (as text) and ``targets_met`` for the targets the result measured.

    Args:
        result: The benchmark's record, changed in place.
        targets: Key -> (``"<="`` or ``">="``, bound).
    """
    result["targets"] = {k: f"{how} {bound}" for k, (how, bound) in targets.items()}
    result["targets_met"] = {k: result[k] <= bound if how == "<=" else result[k] >= bound
                             for k, (how, bound) in targets.items() if k in result}


def emit(result: dict, as_json: bool) -> None:
    """Print the record as one JSON object or as an aligned two-column table."""
    if as_json:
        print(json.dumps(result))
        return
    width = max(len(key) for key in result)
    for key, value in result.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
