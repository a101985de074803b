"""Sampling a compiled model: NUTS draws for one as-of cut and their convergence diagnostics."""

from __future__ import annotations

import time

import numpy as np
import pymc as pm
from arviz_stats.base import array_stats
from arviz_stats.validate import validate_ci_prob

from forecast.model.features import Cells
from forecast.model.graph import CompiledModels
from forecast.model.posterior import Diagnostics, Posterior, SamplerSettings
from forecast.model.priors import Priors


def diagnostics(idata, seconds: float, compile_seconds: float = 0.0) -> Diagnostics:
    """The convergence diagnostics of the draws: worst R-hat and ESS over the parameters, divergences, time."""
    names = ["alpha_c", "mu", "tau", "z", "hit_m", "hit_s", "hit_z", "log_lead"]
    post = idata["posterior"]
    # ArviZ's array functions on each (chain, draw, ...) array: the same R-hat and ESS as az.rhat /
    # az.ess on the whole group (tail ESS at ArviZ's default interval, as az.ess), without xarray's
    # per-call overhead (a third of a small fit's time)
    arrays = [np.asarray(post[v].values, dtype=float) for v in names]

    def extreme(fn, stat, **kw):
        return float(fn([float(fn(stat(a, chain_axis=0, draw_axis=1, **kw))) for a in arrays]))

    return Diagnostics(
        rhat_max=extreme(np.nanmax, array_stats.rhat),
        ess_bulk_min=extreme(np.nanmin, array_stats.ess, method="bulk"),
        ess_tail_min=extreme(np.nanmin, array_stats.ess, method="tail", prob=validate_ci_prob(None)),
        divergences=int(idata["sample_stats"]["diverging"].values.sum()),
        seconds=seconds,
        compile_seconds=compile_seconds,
    )


def sample(
    models: CompiledModels, priors: Priors, cells: Cells, settings: SamplerSettings, seed: int, progress=None
) -> tuple[Posterior, Diagnostics]:
    """NUTS draws and diagnostics for one as-of cut. ``progress(done, total)``, if given, hears how
    many of the sampler's iterations (tuning included, all chains) are done: with nutpie five times a
    second, with pm.sample every 1%."""
    t0 = time.perf_counter()
    with models.lock:
        if settings.sampler == "pymc":
            idata, compile_seconds = _pymc_sample(models.model(priors, cells), settings, seed, progress), 0.0
        else:
            from forecast.model.nutpie_sampler import nutpie_sample

            compiled = models.compiled(priors, cells)
            compile_seconds = compiled.seconds
            idata = nutpie_sample(
                compiled.model,
                draws=settings.draws,
                tune=settings.tune,
                chains=settings.chains,
                cores=settings.cores,
                target_accept=settings.target_accept,
                seed=seed,
                progress=progress,
            )
    post = idata["posterior"]

    def flat(name: str) -> np.ndarray:
        v = post[name].values
        return v.reshape(-1, *v.shape[2:])

    posterior = Posterior(
        alpha=flat("alpha"),
        beta=flat("beta"),
        mu=flat("mu"),
        tau=flat("tau"),
        hit=flat("hit"),
        hit_pooled=flat("hit_pooled"),
        lead=flat("lead"),
    )
    return posterior, diagnostics(idata, time.perf_counter() - t0, compile_seconds)


def _pymc_sample(model: pm.Model, settings: SamplerSettings, seed: int, progress=None):
    """PyMC's own NUTS (``nuts_sampler="pymc"``: PyMC 6 would pick nutpie by itself when installed)."""
    callback = None
    if progress is not None:
        total = settings.chains * (settings.draws + settings.tune)
        step = max(1, total // 100)
        done = [0]

        def callback(trace, draw) -> None:
            done[0] += 1
            if done[0] % step == 0 or done[0] == total:
                progress(done[0], total)

    with model:
        return pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=settings.cores,
            target_accept=settings.target_accept,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
            callback=callback,
            nuts_sampler="pymc",
        )
