"""The output folder of a sweep: atomic part files, resume bookkeeping and final tables.

Layout::

    manifest.json     provenance, the resolved sweep, status, counts and timings
    design.parquet    point and the value of each swept parameter
    runs.parquet      one row per run: point, replicate, seed_entropy, seed_spawn_key,
                      status (ok | error), error, wall_s, one column per outcome
    series/           save_series only: part-NNNNNN.parquet files forming one Parquet
                      dataset (point, replicate, date, national outputs as float32)
    .parts/           while running: runs-NNNNNN.parquet, one finished part per chunk

Each chunk's series part is written before its runs part, both via a temporary file and an
atomic rename, so a runs part on disk means the whole chunk is done; ``--resume`` reruns the
chunks without one. Memory stays bounded: parts are written as chunks finish and assembled
by streaming.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import experiment
from model.errors import KhorasanError

MANIFEST, DESIGN, RUNS, SERIES, PARTS = (
    "manifest.json", "design.parquet", "runs.parquet", "series", ".parts")
RESULT_FILES = (MANIFEST, DESIGN, RUNS)
MAX_CHUNK_RUNS = 64
TARGET_CHUNKS = 64
_ROW_GROUP = 65536


def chunk_runs(total_runs: int) -> int:
    """Runs per chunk: about :data:`TARGET_CHUNKS` chunks, at most 64 runs each.

    It depends on the number of runs only (never on the workers), so a resumed sweep cuts
    the same chunks.
    """
    return max(1, min(MAX_CHUNK_RUNS, math.ceil(total_runs / TARGET_CHUNKS)))


def runs_schema(outcomes: list[str]) -> pa.Schema:
    """The schema of ``runs.parquet`` and its parts."""
    fields = [("point", pa.int64()), ("replicate", pa.int64()), ("seed_entropy", pa.int64()),
              ("seed_spawn_key", pa.string()), ("status", pa.string()),
              ("error", pa.string()), ("wall_s", pa.float64())]
    return pa.schema(fields + [(name, pa.float64()) for name in outcomes])


def _atomic_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet via a temporary file and an atomic rename."""
    _atomic_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def part_path(out: Path, index: int) -> Path:
    """The runs part of chunk ``index``."""
    return out / PARTS / f"runs-{index:06d}.parquet"


def write_chunk(out: Path, index: int, runs: dict, series: pd.DataFrame | None,
                schema: pa.Schema) -> None:
    """Write one finished chunk: its series part (if any), then its runs part."""
    if series is not None:
        write_frame(series, out / SERIES / f"part-{index:06d}.parquet")
    _atomic_table(pa.Table.from_pydict(runs, schema=schema), part_path(out, index))


def done_chunks(out: Path) -> set[int]:
    """Indices of the chunks whose runs part is on disk."""
    parts = out / PARTS
    if not parts.is_dir():
        return set()
    return {int(p.name[len("runs-"):-len(".parquet")]) for p in parts.glob("runs-*.parquet")}


def assemble_runs(out: Path, n_chunks: int, schema: pa.Schema) -> int:
    """Stream the parts, in chunk order, into ``runs.parquet``; remove them; return rows."""
    tmp = out / f".{RUNS}.tmp"
    rows, buffer = 0, []
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for index in range(n_chunks):
            table = pq.read_table(part_path(out, index), schema=schema)
            buffer.append(table)
            rows += table.num_rows
            if sum(t.num_rows for t in buffer) >= _ROW_GROUP:
                writer.write_table(pa.concat_tables(buffer))
                buffer = []
        if buffer:
            writer.write_table(pa.concat_tables(buffer))
    os.replace(tmp, out / RUNS)
    shutil.rmtree(out / PARTS)
    for stale in (out / SERIES).glob(".part-*.tmp*"):  # left by a killed sweep
        stale.unlink()
    return rows


def check_output(out: Path, overwrite: bool, resume: bool) -> None:
    """Refuse to clobber a sweep or write where we cannot (see :func:`experiment.check_output`).

    Raises:
        KhorasanError: As :func:`model.experiment.check_output`.
    """
    experiment.check_output(out, overwrite, resume, (*RESULT_FILES, PARTS, SERIES), MANIFEST)


def clear(out: Path) -> None:
    """Remove the results of a previous sweep (and its figures) from ``out``."""
    for name in (*RESULT_FILES, "sensitivity.csv"):
        (out / name).unlink(missing_ok=True)
    for name in (PARTS, SERIES, "figures"):
        shutil.rmtree(out / name, ignore_errors=True)


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of a sweep folder.

    Raises:
        KhorasanError: If it is missing or unreadable.
    """
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KhorasanError(f"{path}: cannot read the sweep manifest: {exc}") from None


def read_table(out: Path, name: str) -> pd.DataFrame:
    """Read ``design.parquet``, ``runs.parquet`` or the ``series`` dataset of a sweep.

    Raises:
        KhorasanError: If it is missing or unreadable.
    """
    path = Path(out) / name
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowInvalid) as exc:
        raise KhorasanError(f"{path}: cannot read sweep results: {exc}") from None
