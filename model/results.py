"""Reading a run directory's result files (light: no Mesa, no simulation)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.errors import KhorasanError


def read_table(run_dir: Path, kind: str) -> pd.DataFrame:
    """Read ``provinces`` or ``national`` results of a run directory.

    Raises:
        KhorasanError: If the file is missing or unreadable.
    """
    path = Path(run_dir) / f"{kind}.parquet"
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowInvalid) as exc:
        raise KhorasanError(f"{path}: cannot read results: {exc}") from None
