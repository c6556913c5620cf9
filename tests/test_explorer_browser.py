"""The explorer in a real browser: Selenium drives headless Chromium, offline, from a file URL.

It changes the scenario, the outcome and the province and checks that the charts and the
table change, with no console errors and no request made. ``.ci/run`` installs Chromium and
its WebDriver (Debian packages ``chromium`` and ``chromium-driver``); here, if either is
missing, the test is skipped with the reason (installed only as root with ``CI`` or
``KHORASAN_INSTALL_CHROMIUM`` set, as in ``test_report_browser``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import debian_binary
from test_report_browser import FLAGS, chromium

from model.cli import main

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SCENARIO = """[scenario]
name = "{name}"
description = "{name} for the explorer test"
[run]
start = "2021-01"
end = "2022-12"
replicates = 3
seed = 3
"""
CHANGES = {
    "base": "",
    "surge": "[[interventions]]\ndate = '2021-09'\nscale = {iskp_recruit_rate = 6}\n",
    "strikes": "[[interventions]]\ndate = '2021-09'\nset = {over_the_horizon_strikes = 40.0}\n",
}


def chromedriver() -> str | None:
    """Path of the WebDriver for Debian's Chromium, installing it where that is allowed."""
    return debian_binary(("chromedriver",), "chromium-driver")


@pytest.fixture(scope="module")
def explorer(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("explorer")
    runs = []
    for name, change in CHANGES.items():
        config = root / f"{name}.toml"
        config.write_text(SCENARIO.format(name=name) + change)
        runs.append(str(root / name))
        assert main(["run", str(config), "--params", "defaults", "--quiet", "--workers", "1",
                     "--out", runs[-1]]) == 0
    out = root / "explorer.html"
    assert main(["explore", *runs, "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def driver():
    binary, driver_path = chromium(), chromedriver()
    if binary is None or driver_path is None:
        pytest.skip("Chromium or chromedriver is not installed and cannot be installed here "
                    "(.ci/run installs the Debian packages 'chromium' and 'chromium-driver')")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1400,1600")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    browser.set_network_conditions(offline=True, latency=0, download_throughput=0,
                                   upload_throughput=0)
    yield browser
    browser.quit()


def drawn(browser) -> int:
    return int(browser.execute_script("return document.body.dataset.drawn || 0"))


def view(browser) -> dict:
    """What the page shows: the charts' data and the table's text."""
    charts = browser.execute_script(
        "return JSON.stringify(['fan', 'diff', 'map'].map((id) => "
        "document.getElementById(id).data.map((t) => [t.x, t.y, t.fillcolor, t.name])))")
    return {"charts": json.loads(charts), "table": browser.find_element(By.ID, "table").text}


def choose(browser, element: str, value: str) -> dict:
    before = drawn(browser)
    Select(browser.find_element(By.ID, element)).select_by_value(value)
    WebDriverWait(browser, 20).until(lambda b: drawn(b) > before)
    return view(browser)


def test_explorer_offline_changes_scenario_outcome_and_province(explorer, driver):
    driver.get(explorer.as_uri())
    WebDriverWait(driver, 60).until(lambda b: drawn(b) >= 1)
    first = view(driver)
    fan, diff, shown = first["charts"]
    assert len(fan) >= 2 * 5 and len(diff) >= 3 and len(shown) >= 34
    assert "National" in first["table"] and "Kabul" in first["table"]
    assert "Difference (paired)" in first["table"]

    scenario = choose(driver, "compare", "strikes")
    assert scenario["charts"][2] != first["charts"][2]  # the map shows the other difference
    assert scenario["table"] != first["table"]

    outcome = choose(driver, "outcome", "ct_strikes")
    assert outcome["charts"][0] != scenario["charts"][0]
    assert outcome["table"] != scenario["table"] and "Counter-terrorism strikes" in outcome[
        "table"]

    kabul = str(json.loads(driver.execute_script(
        "return JSON.stringify(JSON.parse(document.getElementById('explorer-data')"
        ".textContent).provinces)")).index("Kabul"))
    province = choose(driver, "area", kabul)
    assert province["charts"][0] != outcome["charts"][0]  # Kabul's fan, not the nation's
    chosen = driver.find_element(By.CSS_SELECTOR, "#table tr.chosen").text
    assert chosen.startswith("Kabul")

    csv = driver.execute_script("return window.explorerCSV()")
    assert csv.splitlines()[0].startswith('"section","scenario","area"')
    assert '"Kabul","ct_strikes"' in csv

    requests = driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)")
    assert requests == []
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
