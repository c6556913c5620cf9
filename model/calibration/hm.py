"""History matching in waves, then rejection ABC in the space not ruled out.

1. **Waves** (``waves``). Wave k draws ``wave_size`` points uniformly from the prior (the unit
   cube over the free parameters), keeping only those that no earlier wave's emulators rule out,
   and draws the ``prior_drawn`` parameters of each from their priors (nuisance parameters,
   integrated over as the projections do); it simulates each point once, and ``noise_pairs``
   of them once more with other seeds (the model's own noise, which the emulator's error
   leaves out), and fits an emulator (:mod:`model.calibration.emulator`). The space not ruled
   out (NROY) shrinks wave by wave; the share of each wave's points that its emulator keeps
   measures by how much. The next points are drawn uniformly on NROY by random walks from the
   kept points (:meth:`Calibration._walk`), so that a NROY space of a millionth of the prior
   is filled as fast as a large one.
2. **Rejection** (``final_particles``, ``population_size``). Points drawn uniformly from the final
   NROY space are simulated ``replicates_per_particle`` times; each target's statistic is the
   median over the replicates and the distance is the Euclidean norm of the misses (in scale
   units). The ``population_size`` nearest are the posterior sample, with equal weights:
   rejection ABC with the prior truncated to NROY (McKinley et al. 2018).

Every stage's points are stored before they are simulated, and every chunk of simulations as it
finishes (``workdir``), so an interrupted calibration resumes where it stopped
(``khorasan calibrate CONFIG --resume``) and gives the same posterior as an uninterrupted one.
Simulation seeds come from ``SeedSequence([seed, stage, particle])``; results do not depend on
the worker count or the executor (local processes or a dask cluster).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from model.api import simulate
from model.calibration import emulator
from model.calibration.hm_config import HmConfig
from model.calibration.stats import months_needed, statistics
from model.errors import KhorasanError
from model.parameters import SPECS, Parameters

FINAL_STAGE = 1000  # the seed-stage number of the rejection stage (waves are 0, 1, ...)
NOISE_STAGE = 500  # wave k's repeated runs (its noise pairs) use seed stage 500 + k
WALK_STEP = 0.3  # a walk step's size, as a multiple of the kept points' spread per coordinate
SAMPLE_STREAM = 0x484D  # the generator of the points ("HM")

Progress = Callable[[str], None]


def natural(free: tuple[str, ...], u: np.ndarray) -> list[dict[str, float]]:
    """Unit-cube rows mapped to the free parameters' prior ranges (ints rounded)."""
    return [{name: SPECS[name].from_prior(x) for name, x in zip(free, point, strict=True)}
            for point in np.atleast_2d(u)]


def simulate_chunk(job: tuple) -> tuple[int, np.ndarray]:
    """Simulate one chunk of particles; each row is the median statistic over replicates.

    A statistic that is undefined (an event that never happened) counts as later or larger
    than any value when taking the median, and is NaN again if the median is.
    """
    index, rows, seeds, targets, n_months, replicates = job
    out = np.empty((len(rows), len(targets)))
    for i, (values, entropy) in enumerate(zip(rows, seeds, strict=True)):
        runs = [list(statistics(targets, simulate(Parameters(values), n_months, s)).values())
                for s in np.random.SeedSequence(entropy).spawn(replicates)]
        median = np.median(np.nan_to_num(np.array(runs), nan=np.inf), axis=0)
        out[i] = np.where(np.isinf(median), np.nan, median)
    return index, out


def _reflect(u: np.ndarray) -> np.ndarray:
    """Fold points back into the unit cube by reflection at its faces."""
    u = np.mod(u, 2.0)
    return np.where(u > 1.0, 2.0 - u, u)


def _save(path: Path, **arrays: np.ndarray) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


class Calibration:
    """One history-matching calibration and its checkpoint folder."""

    def __init__(self, config: HmConfig, workers: int = 1, scheduler: Any = None,
                 progress: Progress | None = None):
        self.config = config
        self.workers, self.scheduler = workers, scheduler
        self.progress = progress or (lambda _: None)
        self.workdir = config.file("workdir")
        self.obs = emulator.TargetArrays.of(list(config.targets))
        self.n_months = months_needed(list(config.targets))
        self.waves: list[emulator.Emulators] = []
        self.kept = np.empty((0, len(config.free)))
        self.share = 1.0
        self.model_runs = 0

    # --- checkpoints -------------------------------------------------------------------------
    def prepare(self, resume: bool, overwrite: bool) -> None:
        """Check or create the checkpoint folder (resume needs a matching one).

        Raises:
            KhorasanError: On a stored run from another config, or one that would be lost.
        """
        stamp = self.workdir / "run.json"
        mine = {"fingerprint": self.config.fingerprint()}
        if resume:
            if not stamp.is_file():
                raise KhorasanError(f"{self.workdir}: nothing to resume (no run.json); allowed: "
                                    "run without --resume")
            stored = json.loads(stamp.read_text(encoding="utf-8"))
            if stored != mine:
                raise KhorasanError(f"{stamp}: the stored run has another config (fingerprint "
                                    f"{stored.get('fingerprint')}); allowed: the same config, "
                                    "or --overwrite")
            return
        if stamp.exists() and not overwrite:
            raise KhorasanError(f"{self.workdir}: a stored calibration is there; allowed: "
                                "--resume to continue it, --overwrite to start again")
        if stamp.exists():
            for old in self.workdir.glob("*.npz"):
                old.unlink()
        self.workdir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(mine) + "\n", encoding="utf-8")

    def _points(self, name: str, n: int, stage: int) -> tuple[np.ndarray, dict]:
        """A stage's points: read back if stored, else drawn (:meth:`_draw_nroy`) and stored."""
        path = self.workdir / f"{name}_points.npz"
        if path.is_file():
            stored = np.load(path)
            return stored["u"], json.loads(str(stored["info"]))
        u, info = self._draw_nroy(n, stage)
        _save(path, u=u, info=np.array(json.dumps(info)))
        return u, info

    def _simulate(self, name: str, stage: int, u: np.ndarray, replicates: int) -> np.ndarray:
        """Statistics of every point, run in chunks; finished chunks are read from disk."""
        from model.sweep.execute import execute

        size = int(self.config["chunk"])
        starts = range(0, len(u), size)
        out = np.full((len(u), len(self.obs.scale)), np.nan)
        todo = []
        for c, start in enumerate(starts):
            path = self.workdir / f"{name}_{c:04d}.npz"
            if path.is_file():
                out[start: start + size] = np.load(path)["stats"]
            else:
                todo.append((c, start))
        seed = int(self.config["seed"])

        def job(c: int, start: int) -> tuple:
            stop = min(start + size, len(u))
            rows = natural(self.config.free + self.config.prior_drawn, u[start:stop])
            return (c, rows, [[seed, stage, i] for i in range(start, stop)],
                    list(self.config.targets), self.n_months, replicates)

        def store(result: tuple[int, np.ndarray]) -> None:
            c, stats = result
            out[c * size: c * size + len(stats)] = stats
            _save(self.workdir / f"{name}_{c:04d}.npz", stats=stats)

        if todo:
            self.progress(f"{name}: simulating {len(todo)} of {len(starts)} chunks "
                          f"({sum(min(size, len(u) - s) for _, s in todo) * replicates} runs)")
            execute((job(c, s) for c, s in todo), store, self.workers, self.scheduler,
                    fn=simulate_chunk)
        self.model_runs += len(u) * replicates
        return out

    # --- sampling ----------------------------------------------------------------------------
    def _draw_nroy(self, n: int, stage: int) -> tuple[np.ndarray, dict]:
        """``n`` points uniform on the space no wave rules out, and that space's prior share.

        Before the first wave the space is the prior itself. After it, each point is the end
        of a random walk (:meth:`_walk`) from a point the last wave kept. Each point is followed
        by uniform draws of the ``prior_drawn`` parameters, which the emulators do not see: the
        calibration integrates over their priors as the projections do.
        """
        rng = np.random.default_rng(np.random.SeedSequence([self.config["seed"],
                                                            SAMPLE_STREAM, stage]))
        if not self.waves:
            u, info = rng.random((n, len(self.config.free))), {"nroy_share": 1.0}
        else:
            u, acceptance = self._walk(rng, n)
            info = {"nroy_share": self.share, "walk_acceptance": acceptance}
        nuisance = rng.random((n, len(self.config.prior_drawn)))
        return np.hstack([u, nuisance]), info

    def _walk(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, float]:
        """Random-walk Metropolis whose stationary distribution is uniform on NROY.

        ``n`` walkers start at points the last wave kept (drawn with replacement; those points
        are close to uniform on NROY) and take ``walk_steps`` Gaussian steps of
        :data:`WALK_STEP` times the kept points' spread in each coordinate, reflected at the
        faces of the unit cube; a step is taken if no wave rules its end out. The reflected
        proposal is symmetric and the target flat, so the walk leaves the uniform distribution
        on NROY unchanged, and its steps spread the copies of a starting point apart. No
        weights are needed. (Without the reflection, almost every step in 74 dimensions left
        the cube somewhere.)
        Returns the points and the share of steps taken.
        """
        s = self.config.settings
        x = self.kept[rng.integers(len(self.kept), size=n)]
        step = WALK_STEP * np.maximum(self.kept.std(axis=0), 1e-3)
        taken = 0
        for _ in range(s["walk_steps"]):
            y = _reflect(x + step * rng.standard_normal(x.shape))
            ok = ~emulator.ruled_out(y, self.waves, self.obs, s["cutoff"],
                                     s["implausibility_rank"])
            x[ok] = y[ok]
            taken += int(ok.sum())
        return x, taken / (n * s["walk_steps"])

    def _cut(self, u: np.ndarray) -> None:
        """Keep the wave's points its new emulator does not rule out; shrink the NROY share.

        The wave's points are uniform on the space not ruled out before it, so the share the
        new emulator keeps estimates how much of that space remains.

        Raises:
            KhorasanError: If the wave rules out every point.
        """
        s = self.config.settings
        out = emulator.ruled_out(u, self.waves[-1:], self.obs, s["cutoff"],
                                 s["implausibility_rank"])
        if out.all():
            raise KhorasanError(f"{self.config.path}: wave {len(self.waves) - 1} rules out "
                                "every point: no parameter set is near every observation "
                                "(see the emulators' implausibility); allowed: revisit the "
                                "targets or the cutoff")
        self.kept = u[~out]
        self.share *= 1.0 - float(out.mean())

    # --- the calibration ---------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Run (or resume) every wave and the rejection stage; return the results."""
        began = time.perf_counter()
        s = self.config.settings
        wave_rows = []
        for k in range(s["waves"]):
            u, info = self._points(f"wave{k}", s["wave_size"], k)
            stats = self._simulate(f"wave{k}", k, u, 1)
            pairs = min(s["noise_pairs"], len(u))
            again = self._simulate(f"wave{k}_noise", NOISE_STAGE + k, u[:pairs], 1)
            noise = emulator.noise_variance(stats[:pairs], again, self.obs)
            d = len(self.config.free)
            em = emulator.fit(u[:, :d], stats, self.obs, s["seed"] + k, noise)
            self.waves.append(em)
            self._cut(u[:, :d])
            wave_rows.append({"wave": k, **info, "simulated": len(u),
                              "failed": int(np.isnan(stats).all(axis=1).sum()),
                              "noise_pairs": pairs,
                              "emulator_r2": dict(zip([t.name for t in self.config.targets],
                                                      np.round(em.r2, 3).tolist(),
                                                      strict=True))})
            walk = (f"; walk steps taken {info['walk_acceptance']:.0%}"
                    if "walk_acceptance" in info else "")
            self.progress(f"wave {k}: NROY {info['nroy_share']:.3g} of the prior{walk}; "
                          f"emulator R^2 median {np.median(em.r2):.2f}, min {em.r2.min():.2f}; "
                          f"it keeps {len(self.kept)} of its {len(u)} points")
        u, info = self._points("final", s["final_particles"], FINAL_STAGE)
        stats = self._simulate("final", FINAL_STAGE, u, s["replicates_per_particle"])
        distance = np.sqrt((self.obs.misses(stats) ** 2).sum(axis=1))
        order = np.argsort(distance, kind="stable")[: s["population_size"]]
        return {"u": u[order, :len(self.config.free)], "stats": stats[order],
                "distance": distance[order],
                "all_distances": distance, "waves": wave_rows, "final": info,
                "model_runs": self.model_runs, "wall_s": time.perf_counter() - began}
