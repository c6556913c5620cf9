"""No deletion without consent: nothing removed without --overwrite, and with it only what the
command writes; names cannot lead outside the results folder; a report is never replaced
without --overwrite."""

from __future__ import annotations

import pytest
from reliability_helpers import one_line, run, scenario, sweep, sweep_file

from model.cli import main


def _keep(folder):
    """Files that are not the command's own: a figures folder and notes."""
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "fan.png").write_bytes(b"committed figure")
    (folder / "notes.md").write_text("mine")
    return {"figures/fan.png": b"committed figure", "notes.md": b"mine"}


def _still(folder, kept):
    return {name: (folder / name).read_bytes() for name in kept} == kept


def test_run_into_a_folder_without_results_deletes_nothing(tmp_path):
    out = tmp_path / "docs"
    kept = _keep(out)
    assert run(scenario(tmp_path), out) == 0
    assert _still(out, kept)
    assert (out / "national.parquet").is_file()


def test_run_overwrite_replaces_only_what_run_writes(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario(tmp_path), out) == 0
    kept = _keep(out)
    (out / "sensitivity.csv").write_text("not a run's file")
    assert run(scenario(tmp_path), out, "--seed", "9", "--overwrite") == 0
    assert _still(out, kept) and (out / "sensitivity.csv").read_text() == "not a run's file"
    err = capsys.readouterr().err
    assert "figures" in err and "khorasan plot" in err  # told that they are stale


def test_sweep_into_a_folder_without_results_deletes_nothing(tmp_path):
    out = tmp_path / "sweep"
    kept = _keep(out)
    (out / "sensitivity.csv").write_text("mine too")
    assert sweep(sweep_file(tmp_path), out) == 0
    assert _still(out, kept) and (out / "sensitivity.csv").read_text() == "mine too"


def test_sweep_overwrite_leaves_what_other_commands_wrote(tmp_path):
    out = tmp_path / "sweep"
    path = sweep_file(tmp_path)
    assert sweep(path, out) == 0
    kept = _keep(out)
    (out / "sensitivity.csv").write_text("indices")
    assert sweep(path, out, "--overwrite") == 0
    assert _still(out, kept) and (out / "sensitivity.csv").read_text() == "indices"


@pytest.mark.parametrize("name", ["../docs", "a/b", "..", ".hidden", "", "a\\\\b"])
def test_scenario_name_must_be_a_name(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "evil.toml"
    config.write_text(f"[scenario]\nname = '{name}'\n[run]\nend = '2016-12'\nreplicates = 1\n")
    assert main(["run", str(config), "--params", "defaults", "--quiet"]) == 2
    line = one_line(capsys)
    assert "scenario.name" in line and str(config) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.toml"]


def test_sweep_name_must_be_a_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = sweep_file(tmp_path)
    path.write_text(path.read_text().replace("name = 'relsweep'", "name = '../outside'"))
    assert main(["sweep", str(path), "--quiet", "--workers", "1"]) == 2
    assert "sweep.name" in one_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.toml", "sweep.toml"]


def test_report_never_overwrites_without_consent(tmp_path, capsys):
    report = tmp_path / "report" / "report.html"
    report.parent.mkdir()
    report.write_text("<p>committed report</p>")
    mtime = report.stat().st_mtime_ns
    assert main(["report", str(tmp_path / "run"), "-o", str(report)]) == 2
    line = one_line(capsys)
    assert str(report) in line and "--overwrite" in line
    assert report.read_text() == "<p>committed report</p>" and report.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.html"]
    # with consent it goes on (and here stops at the missing run folder, writing nothing)
    assert main(["report", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(report),
                 "--overwrite"]) == 2
    assert str(tmp_path / "a") in one_line(capsys)
    assert report.read_text() == "<p>committed report</p>"
