"""scripts/replicate_calibration.py: each seed's config is the committed one with its seed."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import REPO

from model.calibration.hm_config import load_hm_config


@pytest.fixture
def script(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("replicate_calibration",
                                                  REPO / "scripts" / "replicate_calibration.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    for name in ("calibrate.toml", "targets.toml"):
        (calibration / name).write_text((REPO / "calibration" / name).read_text())
    monkeypatch.setattr(module, "CALIBRATION", calibration)
    monkeypatch.setattr(module, "CONFIG", calibration / "calibrate.toml")
    return module


def test_the_committed_seed_is_read_from_calibration_itself(script):
    assert script.seed_folder(20210826) == script.CALIBRATION
    assert script.seed_folder(1) == script.CALIBRATION / "replication" / "seed_1"


def test_another_seed_runs_the_committed_config_with_only_its_seed(script, monkeypatch):
    calls = []

    def fake_main(argv):
        calls.append(argv)
        return 0

    monkeypatch.setattr("model.cli.main", fake_main)
    folder = script.calibrate(2, workers=1)
    committed = load_hm_config(script.CONFIG)
    copy = load_hm_config(folder / "calibrate.toml")
    assert copy["seed"] == 2 and committed["seed"] == 20210826
    assert {k: v for k, v in copy.settings.items() if k != "seed"} == {
        k: v for k, v in committed.settings.items() if k not in ("seed", "targets")} | {
        "targets": "../../targets.toml"}
    assert (copy.free, copy.prior_drawn, copy.targets) == (
        committed.free, committed.prior_drawn, committed.targets)
    assert calls == [["calibrate", str(folder / "calibrate.toml"), "--workers", "1",
                      "--overwrite"]]
