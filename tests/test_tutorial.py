"""docs/tutorial.md: every file it shows is written and every command it shows is run, in order.

The commands run in-process (``main(argv)``) in a fresh folder that links the repository's
``scenarios`` and ``calibration``, as if from the repository's root. Each must succeed; each
output line the tutorial shows that holds no number (numbers change with the model) must
appear in what the command printed.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from conftest import REPO

from model.cli import main

TUTORIAL = REPO / "docs" / "tutorial.md"
BLOCK = re.compile(r"(?:<!-- file: (?P<file>\S+) -->\n)?```(?P<kind>\w+)\n(?P<body>.*?)```",
                   re.S)


def steps(text: str) -> list[tuple[str, str, list[str]]]:
    """``("file", name, lines)`` and ``("command", line, shown output)`` in document order."""
    found = []
    for block in BLOCK.finditer(text):
        if block["file"]:
            found.append(("file", block["file"], [block["body"]]))
        elif block["kind"] == "console":
            for line in block["body"].splitlines():
                if line.startswith("$ "):
                    found.append(("command", line[2:], []))
                elif found and found[-1][0] == "command":
                    found[-1][2].append(line)
    return found


def test_tutorial_has_the_steps_of_the_issue():
    commands = [s[1].split()[1] for s in steps(TUTORIAL.read_text()) if s[0] == "command"]
    for step in ("levers", "validate", "run", "compare", "summarize", "report", "scenario"):
        assert step in commands, step
    assert (REPO / "docs" / "figures" / "explorer.png").is_file()


def test_every_tutorial_command_runs(tmp_path, monkeypatch, capsys):
    for folder in ("scenarios", "calibration"):
        (tmp_path / folder).symlink_to(REPO / folder)
    monkeypatch.chdir(tmp_path)
    for kind, what, shown in steps(TUTORIAL.read_text()):
        if kind == "file":
            Path(what).write_text(shown[0], encoding="utf-8")
            continue
        argv = shlex.split(what)
        assert argv[0] == "khorasan"
        code = main(argv[1:])
        captured = capsys.readouterr()
        printed = captured.out + captured.err
        assert code == 0, (what, captured.err[-2000:])
        assert captured.out.strip(), what
        for line in shown:
            if line.strip() and line.strip() != "..." and not re.search(r"\d", line):
                assert line.strip() in printed, (what, line)
    for name in ("report.html", "explorer.html"):
        assert (tmp_path / "results" / "tutorial" / "report" / name).stat().st_size > 100_000
