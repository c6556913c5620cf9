"""Verified parts: each finished piece of a run or sweep names its checksum and its identity.

A part is a Parquet file ``STEM-DIGEST.parquet`` in a parts folder, where ``STEM`` says which
piece it is (``national-000003``, ``runs-000012``) and ``DIGEST`` is the first 16 hex digits
of the SHA-256 of the file's bytes. Its schema metadata holds an identity record (the
replicate's or chunk's seed and run ids). A part is trusted only if its bytes match its
digest and its identity matches what the piece must hold, so a truncated part, or one moved
under another piece's name, is found and run again rather than assembled.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

IDENTITY = b"khorasan_part"
DIGITS = 16


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normal(identity: Mapping[str, Any]) -> dict[str, Any]:
    """An identity record as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(dict(identity), sort_keys=True, default=str))


def write_part(table: pa.Table, folder: Path, stem: str, identity: Mapping[str, Any]) -> Path:
    """Write ``table`` as the part ``stem`` with its identity, atomically; return its path.

    Earlier versions of the same part are removed once the new one is in place.
    """
    meta = {**(table.schema.metadata or {}), IDENTITY: json.dumps(normal(identity))}
    tmp = folder / f".{stem}.tmp{os.getpid()}"
    try:
        pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
        path = folder / f"{stem}-{file_digest(tmp)[:DIGITS]}.parquet"
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    for old in find_parts(folder, stem):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def find_parts(folder: Path, stem: str) -> list[Path]:
    """Every stored version of part ``stem`` (normally one, or none)."""
    return sorted(p for p in Path(folder).glob(f"{stem}-*.parquet")
                  if len(p.name) == len(stem) + DIGITS + len("-.parquet"))


def identity_of(path: Path) -> dict[str, Any]:
    """The identity record stored in a part (empty if it has none)."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[IDENTITY]) if IDENTITY in meta else {}


def problem(path: Path, expected: Mapping[str, Any]) -> str | None:
    """Why part ``path`` cannot be trusted as the piece ``expected``, or None if it can.

    Args:
        path: The part file.
        expected: Identity fields the part must hold (other stored fields are not compared).
    """
    digest = path.name[-len(".parquet") - DIGITS:-len(".parquet")]
    try:
        if file_digest(path)[:DIGITS] != digest:
            return "its bytes do not match its checksum (truncated or changed)"
        stored = identity_of(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        return f"unreadable ({' '.join(str(exc).split())[:120]})"
    want = normal(expected)
    wrong = {k: stored.get(k) for k, v in want.items() if stored.get(k) != v}
    if wrong:
        return f"it holds {wrong}, not {dict((k, want[k]) for k in wrong)}"
    return None


def strip_identity(table: pa.Table) -> pa.Table:
    """The table without the part's identity record (for the assembled result)."""
    meta = {k: v for k, v in (table.schema.metadata or {}).items() if k != IDENTITY}
    return table.replace_schema_metadata(meta or None)


Note = Callable[[str], None]


def verified(folder: Path, stem: str, expected: Mapping[str, Any], note: Note) -> Path | None:
    """The trustworthy version of part ``stem``, or None; untrustworthy versions are removed.

    Args:
        folder: The parts folder.
        stem: The part's name stem.
        expected: Identity fields it must hold.
        note: Called with one line for each part found wanting.
    """
    reasons = {path: problem(path, expected) for path in find_parts(folder, stem)}
    keep = next((path for path, reason in reasons.items() if reason is None), None)
    for path, reason in reasons.items():
        if path != keep:
            note(f"{path}: {reason}; removed, to run again" if reason
                 else f"{path}: a second copy; removed")
            path.unlink(missing_ok=True)
    return keep
