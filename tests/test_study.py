"""`khorasan scenario`: baseline and scenario paired in one folder, then comparison and report."""

from __future__ import annotations

import json

from helpers import error_line

from model.cli import main

BASE = """[scenario]
name = "base"
[run]
start = "2021-06"
end = "2022-03"
replicates = 4
seed = 9
"""
CHILD = """[scenario]
name = "child"
extends = "base.toml"
[[interventions]]
date = "2021-10"
scale = {{ iskp_attack_multiplier = {factor} }}
provinces = ["Kabul"]
"""


def test_scenario_runs_baseline_and_scenario_paired_in_one_folder(tmp_path, capsys):
    (tmp_path / "base.toml").write_text(BASE)
    child = tmp_path / "child.toml"
    child.write_text(CHILD.format(factor=4))
    out = tmp_path / "study"
    argv = ["scenario", str(child), "--out", str(out), "--params", "defaults", "--quiet",
            "--workers", "1", "--replicates", "3", "--calibration", str(tmp_path / "none")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "running base" in captured.err and "running child" in captured.err
    assert "child against base: 3 paired replicates, seed 9" in captured.out
    base = json.loads((out / "baseline" / "manifest.json").read_text())
    other = json.loads((out / "child" / "manifest.json").read_text())
    assert base["seeds"] == other["seeds"] and base["config"]["run"] == other["config"]["run"]
    assert base["config"]["run"]["replicates"] == 3
    for name in ("compare/key_outcomes.csv", "compare/differences.png", "report/report.html",
                 "report/explorer.html"):
        assert (out / name).is_file(), name

    assert main(argv) == 0  # again: both runs are reused
    assert capsys.readouterr().err.count("reusing") == 2

    child.write_text(CHILD.format(factor=2))  # the scenario changed: its old run is in the way
    before = (out / "child" / "national.parquet").stat().st_mtime_ns
    assert main(argv) == 2
    assert "--overwrite" in error_line(capsys)
    assert (out / "child" / "national.parquet").stat().st_mtime_ns == before
    assert main([*argv, "--overwrite"]) == 0
    assert "reusing base" in capsys.readouterr().err


def test_scenario_that_is_its_own_baseline_is_refused(tmp_path, capsys):
    (tmp_path / "base.toml").write_text(BASE)
    assert main(["scenario", str(tmp_path / "base.toml"), "--baseline",
                 str(tmp_path / "base.toml"), "--out", str(tmp_path / "s")]) == 2
    assert "its own baseline" in error_line(capsys)
    assert not (tmp_path / "s").exists()


def test_seeds_per_draw_is_checked_on_the_scenarios_run_before_anything_runs(tmp_path, capsys):
    (tmp_path / "base.toml").write_text(BASE)
    child = tmp_path / "child.toml"
    child.write_text(CHILD.format(factor=4))
    out = tmp_path / "study"
    assert main(["scenario", str(child), "--out", str(out), "--quiet", "--workers", "1",
                 "--replicates", "3", "--calibration", str(tmp_path / "none")]) == 2
    line = error_line(capsys)
    assert str(child) in line and "'run.seeds_per_draw' = 4" in line and "(1, 3)" in line
    assert not out.exists()
