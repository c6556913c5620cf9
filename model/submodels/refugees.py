"""Submodel 7b (§7.13): refugees abroad: routes, departures and returns, by host and province.

Hosts are Pakistan, Iran and the Central Asian states, in :data:`model.state.HOSTS` order.
Each province keeps the stock of its people abroad in each host (``Q_ih``), so that residents,
the internally displaced and refugees abroad add up, with the killed, to the population.
"""

from __future__ import annotations

import numpy as np

from model.submodels.compile import kernel

N_HOSTS = 3


@kernel
def routes(p, w, i):
    """``π_ih ∝ pull_h · (1 + refugee_route_adjacency · [i borders h])``, summing to 1.

    ``pull = (1, 1, central_asia_refugee_pull)`` for Pakistan, Iran and Central Asia.
    """
    pakistan = 1.0 + p.refugee_route_adjacency * w.borders_pakistan[i]
    iran = 1.0 + p.refugee_route_adjacency * w.borders_iran[i]
    central_asia = p.central_asia_refugee_pull * (
        1.0 + p.refugee_route_adjacency * w.borders_central_asia[i])
    total = pakistan + iran + central_asia
    return pakistan / total, iran / total, central_asia / total


@kernel
def initial_refugees(p, w, pv, abroad):
    """§5: each host's 2015 stock spread over home provinces, ``Q_ih ∝ N_i · π_ih``."""
    stocks = (p.refugees_pakistan_2015, p.refugees_iran_2015, p.refugees_central_asia_2015)
    n_prov = len(pv.resident)
    share = np.empty((N_HOSTS, n_prov))
    for i in range(n_prov):
        route = routes(p, w, i)
        for h in range(N_HOSTS):
            share[h, i] = pv.resident[i] * route[h]
    for h in range(N_HOSTS):
        total = 0.0
        for i in range(n_prov):  # a plain loop: numpy's pairwise sum would differ when uncompiled
            total += share[h, i]
        for i in range(n_prov):
            abroad[h, i] = stocks[h] * share[h, i] / total


@kernel
def departures(p, w, i, new):
    """Refugees leaving province ``i`` for each host this month, out of ``new`` displaced.

    ``out_ih = refugee_exit_share · (1 + collapse_exit_gain · E) · new_i · π_ih ·
    open_h``, with ``open_h`` the host's ``*_border_open`` and ``E = economic_collapse``.
    """
    share = min(p.refugee_exit_share * (1.0 + p.collapse_exit_gain * p.economic_collapse), 1.0)
    pakistan, iran, central_asia = routes(p, w, i)
    return (share * new * pakistan * p.pakistan_border_open,
            share * new * iran * p.iran_border_open,
            share * new * central_asia * p.central_asia_border_open)


@kernel
def return_rates(p, r, security):
    """Monthly return fraction per host for a home province whose security is ``σ_i``.

    ``refugee_return_rate · σ_i + forced_h``: voluntary returns where home is secure, and
    each host's ``*_forced_return`` (Pakistan's adds ``pakistan_return_drive_2016`` during
    its dated 2016 drive).
    """
    voluntary = p.refugee_return_rate * security
    pakistan = p.pakistan_forced_return + r.return_drive * p.pakistan_return_drive_2016
    return (min(voluntary + pakistan, 1.0), min(voluntary + p.iran_forced_return, 1.0),
            min(voluntary + p.central_asia_forced_return, 1.0))


@kernel
def record_abroad(abroad, i, o):
    """Record the month-end refugees abroad of province ``i``, per host and in all."""
    o.refugees_abroad_pakistan[i] = abroad[0, i]
    o.refugees_abroad_iran[i] = abroad[1, i]
    o.refugees_abroad_central_asia[i] = abroad[2, i]
    o.refugees_abroad[i] = abroad[0, i] + abroad[1, i] + abroad[2, i]
