"""The output folder of a sweep: atomic part files, resume bookkeeping and final tables.

Layout::

    manifest.json     provenance, the resolved sweep, status, counts and timings
    design.parquet    point and the value of each swept parameter
    runs.parquet      one row per run: point, replicate, seed_entropy, seed_spawn_key,
                      status (ok | error), error, wall_s, one column per outcome
    series/           save_series only: part-NNNNNN.parquet files forming one Parquet
                      dataset (point, replicate, date, national outputs as float32)
    .parts/           while running: runs-NNNNNN-DIGEST.parquet, one finished part per chunk

Each chunk's series part is written before its runs part, both via a temporary file and an
atomic rename, so a runs part on disk means the whole chunk is done. A runs part names its
checksum and holds its chunk's run ids and seed, and the checksum of its series part (see
:mod:`model.parts`); ``--resume`` reruns the chunks without a part that passes these
checks. Memory stays bounded: parts are written as chunks finish and assembled by streaming.
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
from model.parts import Note, file_digest, find_parts, identity_of, problem, verified, write_part

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
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet via a temporary file and an atomic rename."""
    _atomic_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def chunk_identity(index: int, size: int, total: int, replicates: int, seed: int,
                   seeding: str) -> dict[str, Any]:
    """What the runs part of chunk ``index`` must hold: its run ids and seeds."""
    first = index * size
    return {"chunk": index, "first_run": first, "runs": min(size, total - first),
            "replicates": replicates, "seed": seed, "seeding": seeding}


def part_stem(index: int) -> str:
    """The name stem of chunk ``index``'s runs part."""
    return f"runs-{index:06d}"


def part_path(out: Path, index: int) -> Path | None:
    """The runs part of chunk ``index`` on disk, or None."""
    found = find_parts(out / PARTS, part_stem(index))
    return found[0] if found else None


def series_path(out: Path, index: int) -> Path:
    """The series part of chunk ``index``."""
    return out / SERIES / f"part-{index:06d}.parquet"


def write_chunk(out: Path, index: int, runs: dict, series: pd.DataFrame | None,
                schema: pa.Schema, identity: dict[str, Any]) -> None:
    """Write one finished chunk: its series part (if any), then its verified runs part."""
    identity = dict(identity)
    if series is not None:
        write_frame(series, series_path(out, index))
        identity["series_sha256"] = file_digest(series_path(out, index))
    write_part(pa.Table.from_pydict(runs, schema=schema), out / PARTS, part_stem(index),
               identity)


def done_chunks(out: Path) -> set[int]:
    """Indices of the chunks with a runs part on disk (by name, unverified)."""
    parts = out / PARTS
    if not parts.is_dir():
        return set()
    return {int(p.name[len("runs-"):].rsplit("-", 1)[0]) for p in parts.glob("runs-*-*.parquet")
            if p.name[len("runs-"):].rsplit("-", 1)[0].isdigit()}


def _series_problem(out: Path, index: int, part: Path) -> str | None:
    recorded = identity_of(part).get("series_sha256")
    path = series_path(out, index)
    if recorded is None or (path.is_file() and file_digest(path) == recorded):
        return None
    return f"its series part {path.name} is missing or changed"


def verified_chunks(out: Path, identities: list[dict[str, Any]], note: Note) -> set[int]:
    """Indices of the chunks whose runs part (and series part) pass verification.

    Parts that fail are removed, with a note, so that their chunks run again.
    """
    done = set()
    for index, expected in enumerate(identities):
        part = verified(out / PARTS, part_stem(index), expected, note)
        reason = part and _series_problem(out, index, part)
        if reason:
            note(f"{part}: {reason}; it runs again")
            part.unlink()
        elif part:
            done.add(index)
    return done


def _checked(out: Path, identities: list[dict[str, Any]]) -> list[Path]:
    """The one verified runs part of each chunk, in order.

    Raises:
        KhorasanError: On a missing, duplicated or unverifiable part.
    """
    found = [find_parts(out / PARTS, part_stem(i)) for i in range(len(identities))]
    gaps = [i for i, f in enumerate(found) if not f]
    twice = [i for i, f in enumerate(found) if len(f) > 1]
    if gaps or twice:
        raise KhorasanError(f"{out / PARTS}: cannot assemble: chunks missing "
                            f"{gaps[:5] or 'none'}, duplicated {twice[:5] or 'none'}; "
                            "rerun with --resume")
    for (path,), expected in zip(found, identities, strict=True):
        reason = problem(path, expected)
        if reason:
            raise KhorasanError(f"{path}: cannot assemble: {reason}; rerun with --resume")
    return [f[0] for f in found]


def assemble_runs(out: Path, identities: list[dict[str, Any]], schema: pa.Schema) -> int:
    """Stream the verified parts, in chunk order, into ``runs.parquet``; remove them.

    Returns:
        The number of rows.

    Raises:
        KhorasanError: If a part is missing, duplicated, unverifiable or holds other runs
            than its chunk's (nothing is written then).
    """
    files = _checked(out, identities)
    tmp = out / f".{RUNS}.tmp"
    rows, buffer = 0, []
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for path, expected in zip(files, identities, strict=True):
                table = pq.read_table(path, schema=schema)
                _check_runs(path, table, expected)
                buffer.append(table)
                rows += table.num_rows
                if sum(t.num_rows for t in buffer) >= _ROW_GROUP:
                    writer.write_table(pa.concat_tables(buffer))
                    buffer = []
            if buffer:
                writer.write_table(pa.concat_tables(buffer))
        os.replace(tmp, out / RUNS)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    shutil.rmtree(out / PARTS)
    for stale in (out / SERIES).glob(".part-*.tmp*"):  # left by a killed sweep
        stale.unlink()
    return rows


def _check_runs(path: Path, table: pa.Table, expected: dict[str, Any]) -> None:
    first, reps = expected["first_run"], expected["replicates"]
    ids = (table.column("point").to_numpy() * reps + table.column("replicate").to_numpy())
    if list(ids) != list(range(first, first + expected["runs"])):
        raise KhorasanError(f"{path}: cannot assemble: it holds other runs than chunk "
                            f"{expected['chunk']}'s; rerun with --resume")


def check_output(out: Path, overwrite: bool, resume: bool) -> None:
    """Refuse to clobber a sweep or write where we cannot (see :func:`experiment.check_output`).

    Raises:
        KhorasanError: As :func:`model.experiment.check_output`.
    """
    experiment.check_output(out, overwrite, resume, (*RESULT_FILES, PARTS, SERIES), MANIFEST)


def clear(out: Path) -> None:
    """Remove what a sweep writes from ``out`` (for ``--overwrite``), and nothing else.

    ``sensitivity.csv`` and ``figures/`` are left (with a note): other commands wrote them.
    """
    experiment.clear(out, RESULT_FILES, (PARTS, SERIES), ("sensitivity.csv", "figures"))


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
