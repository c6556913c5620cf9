"""docs/ODD.md stays in sync with the code: generated tables, parameters, events, submodels."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from model.calendar import DATED_EVENTS
from model.parameters import SPECS

REPO = Path(__file__).resolve().parents[1]
ODD = REPO / "docs" / "ODD.md"
SUBMODELS = REPO / "model" / "submodels"
HINT = "run `python scripts/gen_odd_tables.py`"


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "gen_odd_tables", REPO / "scripts" / "gen_odd_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def text() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def prose(text: str) -> str:
    """The hand-written part of docs/ODD.md: everything outside the generated blocks."""
    for block in gen.BLOCKS:
        text = re.sub(rf"<!-- BEGIN {block} -->.*?<!-- END {block} -->", "", text,
                      flags=re.DOTALL)
    return text


def _block(text: str, block: str) -> str:
    match = re.search(rf"<!-- BEGIN {block} -->\n(.*?)\n<!-- END {block} -->", text, re.DOTALL)
    assert match, f"docs/ODD.md lacks the {block} markers"
    return match.group(1)


@pytest.mark.parametrize("block", list(gen.BLOCKS))
def test_generated_table_is_current(text, block):
    assert _block(text, block) == gen.BLOCKS[block](), (
        f"the {block.lower()} in docs/ODD.md is out of date: {HINT}")


def test_whole_file_is_current(text):
    assert gen.render(text) == text, f"docs/ODD.md is out of date: {HINT}"


def test_parameter_table_has_every_parameter(text):
    table = _block(text, "PARAMETER TABLE")
    rows = [line for line in table.splitlines()[2:] if line.startswith("| `")]
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in rows] == list(SPECS)


def test_output_table_has_every_column(text):
    from model.outputs import OUTPUTS

    table = _block(text, "OUTPUT TABLE")
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in table.splitlines()[2:]] == \
        list(OUTPUTS)


@pytest.mark.parametrize("name", list(SPECS))
def test_parameter_is_described_in_the_prose(prose, name):
    assert re.search(rf"\b{name}\b", prose), (
        f"parameter '{name}' appears only in the generated table of docs/ODD.md: describe "
        "where it enters the equations (§7)")


@pytest.mark.parametrize("name", [e.name for e in DATED_EVENTS])
def test_dated_event_is_described(prose, name):
    assert f"`{name}`" in prose, f"dated event '{name}' is not described in docs/ODD.md §3.2"


def _submodel_modules() -> list[str]:
    """Modules of model/submodels that define a submodel kernel named after the module."""
    return sorted(p.stem for p in SUBMODELS.glob("*.py")
                  if re.search(rf"^@kernel\ndef {p.stem}\(", p.read_text(encoding="utf-8"),
                               re.MULTILINE))


def test_submodels_found():
    assert {"combat", "control", "defection", "displacement", "expansion", "harm", "movement",
            "policy", "recruitment"} <= set(_submodel_modules())


@pytest.mark.parametrize("module", _submodel_modules())
def test_submodel_has_a_section(prose, module):
    assert f"`model/submodels/{module}.py`" in prose, (
        f"submodel model/submodels/{module}.py has no section in docs/ODD.md §7")


@pytest.mark.parametrize("name", [name for _, name, _, _ in gen.CONSTANTS])
def test_constant_is_named_in_the_prose(prose, name):
    assert re.search(rf"\b{name}\b", prose), (
        f"constant {name} is not used in the prose of docs/ODD.md")


def test_check_mode(tmp_path, capsys):
    good = tmp_path / "ODD.md"
    good.write_text(ODD.read_text(encoding="utf-8"), encoding="utf-8")
    assert gen.main(["--check", "--path", str(good)]) == 0
    stale = _block(good.read_text(encoding="utf-8"), "PARAMETER TABLE")
    good.write_text(good.read_text(encoding="utf-8").replace(stale, "| stale |"),
                    encoding="utf-8")
    assert gen.main(["--check", "--path", str(good)]) == 1
    assert "gen_odd_tables.py" in capsys.readouterr().err
    assert gen.main(["--path", str(good)]) == 0
    assert gen.main(["--check", "--path", str(good)]) == 0


def test_missing_markers_are_an_error():
    with pytest.raises(ValueError, match="BEGIN PARAMETER TABLE"):
        gen.render("no markers here")
