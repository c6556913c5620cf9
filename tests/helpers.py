"""Helpers shared by the command-line tests."""

from __future__ import annotations

from pathlib import Path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under ``folder`` (hidden ones included)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def error_line(capsys, quiet_stdout: bool = True) -> str:
    """The single stderr line of a failed command (asserting there is exactly one)."""
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("khorasan: error:"), lines[0]
    if quiet_stdout:
        assert captured.out == ""
    return lines[0]
