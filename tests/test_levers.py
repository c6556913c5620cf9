"""Levers in planners' terms: the catalogue, suggestions, scale, the calibrated-set warning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from helpers import error_line

from model.calendar import month_index
from model.cli import main
from model.config import ConfigError, load_config
from model.data import load_provinces
from model.model import Intervention, KhorasanModel
from model.parameters import SPECS, Parameters
from model.posterior import parameter_sets

POSTERIOR = REPO / "calibration" / "posterior.parquet"
HEADER = ("[scenario]\nname = 's'\n[run]\nstart = '2021-06'\nend = '2022-03'\n"
          "replicates = 4\nseed = 5\nseeds_per_draw = 1\n")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(HEADER + text)
    return path


def test_levers_json_lists_every_parameter_once(capsys):
    assert main(["levers", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in records]
    assert names == list(SPECS)
    for r in records:
        spec = SPECS[r["name"]]
        assert r["calibrated"] == (spec.prior is not None)
        assert r["per_province"] == spec.spatial
        assert r["default"] == spec.default and r["unit"] == spec.unit and r["meaning"]
        assert r["odd"].startswith("§")
    assert {r["odd"] for r in records if r["name"].startswith("iskp_attack")} == {"§7.7"}


def test_levers_text_filters_by_words(capsys):
    assert main(["levers", "border"]) == 0
    out = capsys.readouterr().out
    assert "refuge_capacity" in out and "cross_border_inflow" in out
    assert "clash_casualties" not in out
    assert main(["levers", "no-such-thing"]) == 2
    assert "no parameter matches" in error_line(capsys)


@pytest.mark.parametrize(("text", "needles"), [
    ("[parameters]\niskp_recruit_rat = 0.1\n", ["'iskp_recruit_rat'",
                                                  "did you mean 'iskp_recruit_rate'"]),
    ("[[interventions]]\ndate = '2022-01'\nscale = {iskp_atack_rate = 2}\n",
     ["scale", "did you mean 'iskp_attack_rate'"]),
    ("[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.2}\nprovinces = ['Kabl']\n",
     ["'Kabl'", "did you mean 'Kabul'"]),
    ("[[interventions]]\ndate = '2022-01'\nsett = {clash_rate = 0.2}\n",
     ["'interventions[0].sett'", "did you mean 'set'"]),
    ("[parameter]\nclash_rate = 0.2\n", ["[parameter]", "did you mean 'parameters'"]),
])
def test_unknown_names_get_suggestions(tmp_path, capsys, text, needles):
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    line = error_line(capsys)
    assert all(n in line for n in needles), line


@pytest.mark.parametrize(("text", "needle"), [
    ("scale = {iskp_attack_rate = -1}\n", "must be a number >= 0"),
    ("scale = {iskp_attack_rate = 'x'}\n", "must be a number >= 0"),
    ("scale = {clash_rate = 1000}\n", "out of its bounds"),
    ("set = {clash_rate = 0.2}\nscale = {clash_rate = 2}\n", "not both"),
    ("scale = {iskp_pay = 2}\nprovinces = ['Kabul']\n", "cannot be set per province"),
])
def test_bad_scale_is_one_line(tmp_path, capsys, text, needle):
    path = write(tmp_path, "[[interventions]]\ndate = '2022-01'\n" + text)
    with pytest.raises(ConfigError, match=needle):
        load_config(path)


def step_to(model: KhorasanModel, month: int) -> None:
    while model.steps <= month:
        model.step()


def test_scale_multiplies_each_replicates_own_draw(tmp_path):
    path = write(tmp_path, "[[interventions]]\ndate = '2021-09'\n"
                           "scale = {iskp_attack_rate = 2.5, taliban_recruit_rate = 0.5}\n")
    config = load_config(path)
    sets, source = parameter_sets(config.parameters, "posterior", 5, 4, POSTERIOR)
    assert source["source"] == "posterior"
    draws = [s["iskp_attack_rate"] for s in sets]
    assert len(set(draws)) > 1  # the replicates hold different draws
    due = month_index("2021-09")
    for values in sets:
        model = KhorasanModel(Parameters(values), due + 2, 1, config.model_interventions())
        step_to(model, due)
        assert model.p.iskp_attack_rate == pytest.approx(2.5 * values["iskp_attack_rate"])
        assert model.p.taliban_recruit_rate == pytest.approx(0.5 * values["taliban_recruit_rate"])
        spatial = model.spatial["taliban_recruit_rate"]
        assert np.allclose(spatial, 0.5 * values["taliban_recruit_rate"])


def test_scale_per_province_changes_only_those_provinces():
    kabul = load_provinces().index("Kabul")
    params = Parameters({"clash_rate": 0.4})
    model = KhorasanModel(params, 8, 1, [Intervention(3, {}, (kabul,), {"clash_rate": 3.0})])
    step_to(model, 3)
    values = model.spatial["clash_rate"]
    assert values[kabul] == pytest.approx(1.2)
    assert np.all(np.delete(values, kabul) == 0.4)
    assert model.p.clash_rate == 0.4


def test_set_on_a_calibrated_parameter_warns_once(tmp_path, capsys):
    path = write(tmp_path, "[parameters]\niskp_attack_rate = 2.4\n"
                           "[[interventions]]\ndate = '2022-01'\nset = {iskp_attack_rate = 3.0}\n")
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--workers", "1",
                 "--posterior", str(POSTERIOR)]) == 0
    err = capsys.readouterr().err.splitlines()
    warnings = [line for line in err if "warning" in line]
    assert len(warnings) == 1, err
    assert "iskp_attack_rate" in warnings[0] and "scale" in warnings[0]
    assert main(["run", str(path), "--out", str(tmp_path / "d"), "--quiet", "--workers", "1",
                 "--params", "defaults"]) == 0
    assert "warning" not in capsys.readouterr().err  # defaults: there is no draw to replace
    scaled = write(tmp_path, "[[interventions]]\ndate = '2022-01'\n"
                             "scale = {iskp_attack_rate = 3.0}\n")
    assert main(["validate", str(scaled), "--posterior", str(POSTERIOR)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_validate_shows_the_source_and_the_draws_range(tmp_path, capsys):
    path = write(tmp_path, "")
    assert main(["validate", str(path), "--posterior", str(POSTERIOR)]) == 0
    out = capsys.readouterr().out
    assert "parameters: posterior: 4 parameter draws x 1 seed (4 replicates)" in out
    row = next(line for line in out.splitlines() if line[3:35].strip() == "iskp_attack_rate")
    low, high = (float(v) for v in row[36:57].split(".."))
    sets, _ = parameter_sets({}, "posterior", 5, 4, POSTERIOR)
    draws = [s["iskp_attack_rate"] for s in sets]
    assert low == pytest.approx(min(draws), rel=1e-5) and high == pytest.approx(max(draws),
                                                                                rel=1e-5)
    fixed = next(line for line in out.splitlines() if line[3:35].strip() == "iskp_line")
    assert fixed[36:57].strip() == f"{SPECS['iskp_line'].default:g}"


def test_scale_is_recorded_in_the_manifest(tmp_path):
    path = write(tmp_path, "[[interventions]]\ndate = '2022-01'\nscale = {clash_rate = 2}\n"
                           "provinces = ['Kunar']\n")
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--workers", "1",
                 "--params", "defaults"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["interventions"][0]["scale"] == {"clash_rate": 2.0}
    assert not pd.read_parquet(out / "national.parquet").empty


def test_help_has_examples_and_no_markup(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "khorasan scenario my_scenario.toml" in out
    assert "``" not in out and "docs/tutorial.md" in out
