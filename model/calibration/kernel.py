"""A global Student-t proposal for ABC-SMC (imported only when pyabc runs).

pyabc's default proposals are kernel density estimates around the previous particles. With a
dozen or more free parameters and a few hundred particles, the particles are far apart
relative to any kernel narrow enough to keep the acceptance rate up, so the proposal density
swings by orders of magnitude between particles and the importance weights (prior /
proposal) degenerate to a handful of particles. A single heavy-tailed distribution fitted to
the weighted population (population Monte Carlo with a t proposal; the parameters are on the
logit scale, where the posterior is roughly elliptical) has a smooth density, so the weights
stay balanced, while its heavy tails keep exploring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyabc.parameters import Parameter
from pyabc.transition import Transition
from scipy import stats

DEGREES_OF_FREEDOM = 5.0
PRIOR_SHARE = 0.1  # the calibration's default share of proposals from the prior


class StudentTransition(Transition):
    """Multivariate t proposal mixed with the prior.

    The t has the population's weighted mean and weighted covariance times ``scaling``. A
    share ``prior_share`` of the proposals comes from the prior itself (standard logistic in
    every coordinate: the calibration's priors on the logit scale), so the proposal density
    is never far below the prior's and no importance weight exceeds ``1 / prior_share`` times
    the prior's (defensive importance sampling, Hesterberg 1995): the posterior's corners,
    which an ellipse covers poorly, cannot take over the population.

    Args:
        scaling: Multiplier of the population covariance (1 = as wide as the population).
        prior_share: Share of proposals drawn from the prior.
        df: Degrees of freedom of the t distribution.
    """

    def __init__(self, scaling: float = 1.0, prior_share: float = 0.0,
                 df: float = DEGREES_OF_FREEDOM):
        self.scaling = scaling
        self.prior_share = prior_share
        self.df = df
        self.dist = None

    def fit(self, particles: pd.DataFrame, w: np.ndarray) -> None:
        """Fit the location and shape to the weighted ``particles`` (columns in order)."""
        values = particles.to_numpy(dtype=float)
        mean = w @ values
        centred = values - mean
        cov = (centred * w[:, None]).T @ centred / max(1.0 - float(w @ w), 1e-12)
        cov = cov * self.scaling + 1e-9 * np.eye(len(mean))
        self.dist = stats.multivariate_t(loc=mean, shape=cov, df=self.df, allow_singular=True)

    def rvs_single(self) -> Parameter:
        """One proposal (drawn with numpy's global generator, which pyabc seeds)."""
        rng = np.random.mtrand._rand
        if self.prior_share > 0 and rng.random_sample() < self.prior_share:
            draw = rng.logistic(size=len(self.X.columns))
        else:
            draw = self.dist.rvs(random_state=rng)
        return Parameter(dict(zip(self.X.columns, np.atleast_1d(draw), strict=True)))

    def pdf(self, x: Parameter | pd.Series | pd.DataFrame) -> float | np.ndarray:
        """Proposal density at one or several parameter vectors."""
        if isinstance(x, Parameter | pd.Series | dict):
            return float(self._density(np.array([x[key] for key in self.X.columns])))
        return np.atleast_1d(self._density(x[self.X.columns].to_numpy(dtype=float)))

    def _density(self, values: np.ndarray) -> np.ndarray:
        density = (1.0 - self.prior_share) * self.dist.pdf(values)
        if self.prior_share > 0:
            prior = np.exp(stats.logistic.logpdf(values).sum(axis=-1))
            density = density + self.prior_share * prior
        return density
