"""Helpers shared by the command-line tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def debian_binary(names: tuple[str, ...], package: str) -> str | None:
    """Path of the first of ``names`` on PATH, installing Debian's ``package`` where allowed.

    Installing is allowed in CI (or with ``KHORASAN_INSTALL_CHROMIUM``) as root.
    """
    found = next(filter(None, map(shutil.which, names)), None)
    allowed = os.environ.get("CI") or os.environ.get("KHORASAN_INSTALL_CHROMIUM")
    if found or not allowed or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", package], capture_output=True,
                   timeout=900, check=False)
    return shutil.which(names[0])


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
