"""Benchmark one Khorasan replicate against Mesa's bundled Epstein civil-violence example.

Usage (from the repository root)::

    python benchmarks/bench_model.py            # readable table
    python benchmarks/bench_model.py --json     # one JSON object
    python benchmarks/bench_model.py --runs 30 --epstein-steps 50 --epstein-runs 5

Khorasan: one replicate from 2015-01 to 2023-12 (108 months) through
:func:`model.api.simulate`, timed end to end (model construction included), after one
warm-up run that loads the compiled kernels; ``median_run_s`` at the default parameters,
``median_run_s_map`` at the calibrated posterior's mode (``calibration/posterior.parquet``).
Agent-steps per second is ``(34 provinces + mean living commanders) * 108 / median run
time``, with the living commanders counted from the recorded ``commanders_taliban`` and
``commanders_iskp`` outputs.

Compilation (``--compile``, in fresh interpreters): ``compile_s`` is the time to compile the
kernels into an empty cache folder and run one month, ``cached_startup_s`` the same with the
cache filled (numba loading the kernels), both after the imports; ``import_s`` is the
import of the model itself.

Epstein: ``mesa.examples.advanced.epstein_civil_violence`` at its scenario defaults (40 x 40
torus), seeded with ``rng``; only the steps are timed (construction excluded), and
agent-steps per second is ``agents * steps / time``, median over runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mesa
import numba
import numpy as np
from mesa.examples.advanced.epstein_civil_violence.model import (
    EpsteinCivilViolence,
    EpsteinScenario,
)

from benchmarks._report import emit, judge
from model.api import simulate
from model.parameters import Parameters
from model.posterior import DEFAULT_POSTERIOR, parameter_sets

N_MONTHS = 108  # 2015-01 .. 2023-12
TARGETS = {"median_run_s": ("<=", 0.006), "ratio_model_vs_epstein": (">=", 60.0)}
N_PROVINCES = 34
NOTE = ("Wall-clock timings on a shared, noisy machine; compare medians of several "
        "invocations, not single numbers.")


def time_model(runs: int, params: Parameters, seed0: int = 0) -> tuple[list[float], float]:
    """Time ``runs`` replicates after one warm-up run.

    Args:
        runs: Number of timed replicates (seeds ``seed0 + 1 ..``).
        params: The parameters.
        seed0: Seed of the warm-up run.

    Returns:
        Run times in seconds and the mean number of agents (provinces + living commanders).
    """
    simulate(params, N_MONTHS, seed0)
    times, agents = [], []
    for k in range(runs):
        start = time.perf_counter()
        out = simulate(params, N_MONTHS, seed0 + 1 + k)
        times.append(time.perf_counter() - start)
        living = out["commanders_taliban"].sum(axis=1) + out["commanders_iskp"].sum(axis=1)
        agents.append(N_PROVINCES + float(living.mean()))
    return times, float(np.mean(agents))


def time_epstein(steps: int, runs: int, seed0: int = 0) -> tuple[list[float], float]:
    """Time ``steps`` steps of the Epstein example at its defaults, ``runs`` times.

    Args:
        steps: Steps per run.
        runs: Number of timed runs (after one warm-up run of a few steps).
        seed0: Seed of the first run.

    Returns:
        Agent-steps per second of each run and the mean number of agents.
    """
    warm = EpsteinCivilViolence(scenario=EpsteinScenario(rng=seed0))
    for _ in range(3):
        warm.step()
    rates, agents = [], []
    for k in range(runs):
        epstein = EpsteinCivilViolence(scenario=EpsteinScenario(rng=seed0 + 1 + k))
        n_agents = len(epstein.agents)
        start = time.perf_counter()
        for _ in range(steps):
            epstein.step()
        rates.append(n_agents * steps / (time.perf_counter() - start))
        agents.append(n_agents)
    return rates, float(np.mean(agents))


COMPILE_SCRIPT = """
import time
began = time.perf_counter()
import model.model
from model.model import KhorasanModel
from model.parameters import Parameters
imported = time.perf_counter()
KhorasanModel(Parameters(), 1, 0).run()
print(imported - began, time.perf_counter() - imported)
"""


def time_compile() -> dict:
    """Compile time into an empty cache, then the cached start-up, in fresh interpreters."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "KHORASAN_NUMBA_CACHE": cache}
        runs = [subprocess.run([sys.executable, "-c", COMPILE_SCRIPT], env=env, check=True,
                               capture_output=True, text=True).stdout.split()
                for _ in range(3)]
    return {"import_s": float(runs[1][0]), "compile_s": float(runs[0][1]),
            "cached_startup_s": statistics.median(float(r[1]) for r in runs[1:])}


def map_parameters() -> Parameters | None:
    """The posterior's mode (as ``--params map`` uses it), or None without a posterior."""
    if not DEFAULT_POSTERIOR.is_file():
        return None
    sets, _ = parameter_sets({}, "map", 0, 1)
    return Parameters(sets[0])


def benchmark(runs: int, epstein_steps: int, epstein_runs: int) -> dict:
    """Run both benchmarks and return the result record."""
    load = os.getloadavg()[0]
    times, model_agents = time_model(runs, Parameters())
    median = statistics.median(times)
    mode = map_parameters()
    median_map = statistics.median(time_model(runs, mode)[0]) if mode else None
    model_rate = model_agents * N_MONTHS / median
    rates, epstein_agents = time_epstein(epstein_steps, epstein_runs)
    epstein_rate = statistics.median(rates)
    return {
        "median_run_s": median,
        "median_run_s_map": median_map,
        "min_run_s": min(times),
        "p90_run_s": float(np.percentile(times, 90)),
        "runs": runs,
        "months": N_MONTHS,
        "model_mean_agents": model_agents,
        "model_agent_steps_per_s": model_rate,
        "epstein_agents": epstein_agents,
        "epstein_steps": epstein_steps,
        "epstein_runs": epstein_runs,
        "epstein_agent_steps_per_s": epstein_rate,
        "ratio_model_vs_epstein": model_rate / epstein_rate,
        "load_average": round(load, 2),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "cpu_count": os.cpu_count(),
        "note": NOTE,
    }


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=15, help="timed replicates (>= 10)")
    parser.add_argument("--epstein-steps", type=int, default=50)
    parser.add_argument("--epstein-runs", type=int, default=5)
    parser.add_argument("--compile", action="store_true",
                        help="also time compilation and cached start-up (fresh interpreters)")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error("--runs must be at least 10")
    result = benchmark(args.runs, args.epstein_steps, args.epstein_runs)
    if args.compile:
        result.update(time_compile())
    judge(result, TARGETS)
    emit(result, args.json)


if __name__ == "__main__":
    main()
