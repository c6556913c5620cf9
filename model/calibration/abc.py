"""ABC-SMC calibration with pyabc (imported lazily: it takes seconds to import).

Each particle is one stochastic simulation from 2015-01 to the last target month. The
simulation is reduced to the targets' statistics, and each target's miss (0 inside a range,
in units of its ``scale``) is a summary statistic whose observed value is 0; the distance is a
p-norm over these misses (``distance = "adaptive"`` re-weights them by their spread across the
population, pyabc's AdaptivePNormDistance). The seed of a simulation is derived from the
calibration seed and the particle's parameter values, so a particle always gives the same
simulation.
"""

from __future__ import annotations

import os
import time
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from model.api import simulate
from model.calibration.stats import months_needed, statistics
from model.calibration.targets import Target, load_targets
from model.config import ConfigError
from model.model import load_kernels
from model.parameters import SPECS, Parameters, check_name
from model.suggest import unknown

ABC_KEYS = {"population_size": int, "max_generations": int, "min_epsilon": float,
            "min_acceptance_rate": float, "max_walltime_minutes": float,
            "max_total_simulations": int, "seed": int, "db": str, "targets": str,
            "posterior": str, "distance": str, "p": float, "transition": str,
            "kernel_scaling": float, "replicates_per_particle": int, "prior_share": float,
            "degrees_of_freedom": float, "replicate_statistic": str}
ABC_CHOICES = {"distance": ("pnorm", "adaptive"), "transition": ("student", "mvn", "local"),
               "replicate_statistic": ("median", "mean")}
REDUCERS = {"median": np.median, "mean": np.mean}


@dataclass(frozen=True)
class AbcConfig:
    """A calibration config (``calibration/abc.toml``), paths resolved against its folder.

    Parameters not listed as free keep their defaults.
    """

    path: Path
    settings: dict[str, Any]
    free: tuple[str, ...]
    targets: tuple[Target, ...]

    def file(self, key: str) -> Path:
        """A path setting, relative to the config's folder."""
        return self.path.parent / self.settings[key]

    @property
    def replicates(self) -> int:
        """Model runs per particle (``replicates_per_particle``, default 1)."""
        return int(self.settings.get("replicates_per_particle", 1))


def load_abc_config(path: str | Path) -> AbcConfig:
    """Load and validate a calibration config.

    Raises:
        ConfigError: On any invalid key or value (one line naming the file and key).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such calibration config")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    stray = [s for s in raw if s not in ("abc", "parameters")]
    if not isinstance(raw.get("abc"), dict) or stray:
        raise ConfigError(f"{path}: not a calibration config (sections: "
                          f"{', '.join(raw) or 'none'}); allowed sections: abc (required), "
                          "parameters")
    settings = raw["abc"]
    for key, value in settings.items():
        if key not in ABC_KEYS:
            raise ConfigError(f"{path}: unknown key 'abc.{key}'; {unknown(key, ABC_KEYS)}")
        if not isinstance(value, ABC_KEYS[key]) and not (ABC_KEYS[key] is float
                                                          and isinstance(value, int)):
            kind = ABC_KEYS[key].__name__
            raise ConfigError(f"{path}: key 'abc.{key}' must be {kind}; allowed values: a TOML "
                              f"{kind}")
        if key == "prior_share" and not 0.0 <= value < 1.0:
            raise ConfigError(f"{path}: key 'abc.prior_share' is {value}; allowed values: "
                              "0 <= prior_share < 1")
        if key == "degrees_of_freedom" and not value > 0:
            raise ConfigError(f"{path}: key 'abc.degrees_of_freedom' is {value}; allowed "
                              "values: degrees_of_freedom > 0")
        if key in ("population_size", "replicates_per_particle") and value < 1:
            raise ConfigError(f"{path}: key 'abc.{key}' is {value}; allowed values: "
                              "integers >= 1")
        if key in ABC_CHOICES and value not in ABC_CHOICES[key]:
            raise ConfigError(f"{path}: key 'abc.{key}' is '{value}'; allowed values: "
                              f"{', '.join(ABC_CHOICES[key])}")
    free = tuple(raw.get("parameters", {}).get("free", []))
    for name in free:
        if check_name(name, f"{path}: parameters.free").prior is None:
            raise ConfigError(f"{path}: key 'parameters.free' names '{name}', which has no prior")
    targets = load_targets(path.parent / settings.get("targets", "targets.toml"))
    return AbcConfig(path, settings, free, tuple(targets))


def particle_seed(seed: int, values: dict[str, float]) -> np.random.SeedSequence:
    """A seed derived from the calibration seed and the particle's parameter values."""
    words = np.frombuffer(np.array([values[k] for k in sorted(values)], float).tobytes(),
                          dtype=np.uint32)
    return np.random.SeedSequence([seed, *words.tolist()])


class CalibrationModel:
    """The pyabc model: parameters -> each target's miss (picklable for process samplers)."""

    def __init__(self, config: AbcConfig, parent: int | None = None):
        self.parent = parent  # local sampler: the calibrate process its workers die with
        self.targets = list(config.targets)
        self.seed = int(config.settings.get("seed", 0))
        self.n_months = months_needed(self.targets)
        self.replicates = config.replicates
        self.reduce = REDUCERS[config.settings.get("replicate_statistic", "mean")]

    def params(self, particle: dict[str, float]) -> Parameters:
        """The full parameter set of a particle.

        Logit-scale values are mapped to their prior ranges (:func:`natural`), then cast to
        each spec's kind.
        """
        values = {k: natural(k, v) for k, v in particle.items()}
        return Parameters({k: (round(v) if SPECS[k].kind == "int" else v)
                           for k, v in values.items()})

    def __call__(self, particle: dict[str, float]) -> dict[str, float]:
        """Simulate one particle and return the misses by target name.

        With ``replicates_per_particle = k > 1`` the particle is simulated ``k`` times (child
        seeds of its particle seed) and each target's miss is that of the statistic's mean, or
        median with ``replicate_statistic = "median"``, so the distance measures the particle's
        typical behaviour rather than one draw's luck (whether a Jowzjan branch appears at
        all, for instance). The median matches the predictive check, which judges medians, and
        is not dragged by the right tail of ISKP's strength across seeds.
        """
        if self.parent is not None and os.getppid() != self.parent != os.getpid():
            os._exit(1)  # a forked sampler worker whose calibrate process was killed
        particle = dict(particle)
        params = self.params(particle)
        seeds = particle_seed(self.seed, particle).spawn(self.replicates)
        runs = [statistics(self.targets, simulate(params, self.n_months, seed))
                for seed in seeds]
        return {t.name: t.miss(float(self.reduce([run[t.name] for run in runs])))
                for t in self.targets}


def natural(name: str, z: float) -> float:
    """Map a logit-scale value ``z`` to the parameter's prior range.

    ``lo + (hi - lo) * sigmoid(z)``, so a standard logistic ``z`` gives a uniform value.
    """
    lo, hi = SPECS[name].prior
    return float(lo + (hi - lo) / (1.0 + np.exp(-z)))


def priors(free: tuple[str, ...]):
    """Pyabc priors on the logit scale.

    Each free parameter's ``z`` is standard logistic, so that ``natural(z)`` is uniform over
    its prior range.

    ABC-SMC then proposes on an unbounded scale, so no proposal falls outside the prior and
    none is wasted on a bound. (The weights' degeneracy with many parameters has another
    cause; see :func:`_transition`.)
    """
    import pyabc

    return pyabc.Distribution(**{n: pyabc.RV("logistic", 0.0, 1.0) for n in free})


def _sampler(workers: int, scheduler: str | None):
    """The sampler: dask with a scheduler address, else one or several local processes.

    The local samplers stop a generation once it has simulated ``population_size /
    min_acceptance_rate`` particles (pyabc's ``check_max_eval``; off by default in pyabc, where
    the acceptance rate is then only checked after the generation), so one generation's wall
    time is bounded; pyabc discards that generation and the run ends with the previous one.
    """
    import pyabc

    if scheduler:
        from model.sweep.execute import connect

        return pyabc.sampler.DaskDistributedSampler(dask_client=connect(scheduler)[0])
    if workers <= 1:
        return pyabc.sampler.SingleCoreSampler(check_max_eval=True)
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers, check_max_eval=True)


def _distance(settings: dict[str, Any]):
    import pyabc

    p = float(settings.get("p", 2))
    if settings.get("distance", "pnorm") == "adaptive":
        return pyabc.AdaptivePNormDistance(p=p, max_scale_weight_ratio=10.0)
    return pyabc.PNormDistance(p=p)


def _transition(settings: dict[str, Any]):
    """The proposal, its covariance times ``kernel_scaling`` (default 1).

    ``student`` (default): one multivariate t (``degrees_of_freedom``, default 5) fitted to
    the weighted population, a share ``prior_share`` (default 0.1) of proposals from the prior
    (:mod:`model.calibration.kernel`); ``mvn``: pyabc's multivariate normal kernel density
    estimate (Silverman's bandwidth); ``local``: each particle's covariance from its nearest
    quarter (Filippi et al. 2013). The two kernel density estimates degenerate the
    importance weights with many free parameters.
    """
    import pyabc

    scaling = float(settings.get("kernel_scaling", 1.0))
    kind = settings.get("transition", "student")
    if kind == "local":
        return pyabc.LocalTransition(k_fraction=0.25, scaling=scaling)
    if kind == "mvn":
        return pyabc.MultivariateNormalTransition(scaling=scaling)
    from model.calibration.kernel import DEGREES_OF_FREEDOM, PRIOR_SHARE, StudentTransition

    return StudentTransition(scaling=scaling,
                             prior_share=float(settings.get("prior_share", PRIOR_SHARE)),
                             df=float(settings.get("degrees_of_freedom", DEGREES_OF_FREEDOM)))


def build_abc(config: AbcConfig, workers: int, scheduler: str | None):
    """The configured :class:`pyabc.ABCSMC` object."""
    import pyabc

    pyabc.settings.set_figure_params("default")
    parent = os.getpid() if not scheduler and workers > 1 else None
    return pyabc.ABCSMC(
        CalibrationModel(config, parent), priors(config.free), _distance(config.settings),
        population_size=int(config.settings.get("population_size", 200)),
        sampler=_sampler(workers, scheduler),
        transitions=_transition(config.settings),
    )


def run_abc(config: AbcConfig, workers: int = 2, scheduler: str | None = None,
            resume: bool = False):
    """Run (or continue) ABC-SMC and return pyabc's History.

    Args:
        config: The calibration config.
        workers: Processes for the multicore sampler.
        scheduler: A dask scheduler address (selects the dask sampler).
        resume: Continue the run stored in the history database.

    Raises:
        ConfigError: If resuming with no history, or starting over an existing one.
    """
    db_path = _stored_db(config, "resume") if resume else config.file("db").resolve()
    db = f"sqlite:///{db_path}"
    np.random.seed(int(config.settings.get("seed", 0)) % 2**32)  # pyabc's proposals
    load_kernels()  # compiled once here: the samplers' forked workers inherit them
    abc = build_abc(config, workers, scheduler)
    observed = {t.name: 0.0 for t in config.targets}
    if resume:
        abc.load(db, 1, observed)
    else:
        db_path.unlink(missing_ok=True)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        abc.new(db, observed)
    s = config.settings
    began = time.perf_counter()
    history = abc.run(
        minimum_epsilon=float(s.get("min_epsilon", 0.0)),
        max_nr_populations=int(s.get("max_generations", 10)),
        min_acceptance_rate=float(s.get("min_acceptance_rate", 0.0)),
        max_total_nr_simulations=int(s.get("max_total_simulations", 10**9)),
        max_walltime=timedelta(minutes=float(s.get("max_walltime_minutes", 20))),
    )
    history.walltime_s = time.perf_counter() - began
    return history


def stored_history(config: AbcConfig, generation: int):
    """The stored pyabc History, checked to hold ``generation`` (for ``--export-generation``).

    Raises:
        ConfigError: If there is no history database or no such generation.
    """
    import pyabc

    db_path = _stored_db(config, "export")
    history = pyabc.History(f"sqlite:///{db_path}")
    if history.max_t is None or not 0 <= generation <= history.max_t:
        raise ConfigError(f"{db_path}: no generation {generation}; allowed values: "
                          f"0..{history.max_t}")
    return history


def _stored_db(config: AbcConfig, purpose: str) -> Path:
    """The history database's path, which must exist for ``purpose`` (resume, export).

    Raises:
        ConfigError: If there is no history database.
    """
    db_path = config.file("db").resolve()
    if not db_path.is_file():
        raise ConfigError(f"{db_path}: nothing to {purpose} (no history database)")
    return db_path
