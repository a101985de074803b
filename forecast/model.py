"""The hazard model: a daily logistic hazard per component with partially pooled signal effects.

    logit h[k, t] = alpha[k] + sum_j beta[k, j] * x[k, t, j] * (1 - g * warned[t] * context[j])
    beta[k, j] = mu[j] + tau[j] * z[k, j]      (non-centred partial pooling across components)

`warned` is 1 while a direct warning (notice or imminent activity) is in force; `g` is the share
of the context effects (rhetoric, sanctions, negotiation, moratorium) such a warning overrides.

Days with identical features are pooled into cells (Binomial counts, written as a Potential). The PyMC graph is built
once per prior file and its data swapped with `pm.set_data` for each as-of cut, so PyTensor
compiles it once per process.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import arviz as az
import numpy as np
import pymc as pm
import pytensor.tensor as pt

from .features import Cells
from .priors import CONTEXT_FEATURES, FEATURES, WARNING_FEATURES, Priors
from .vocab import COMPONENTS

MODEL_VERSION = "1.1.0"
RHAT_MAX = 1.01
ESS_MIN = 400


@dataclass(frozen=True)
class SamplerSettings:
    draws: int = 1000
    tune: int = 800
    chains: int = 2
    target_accept: float = 0.95
    cores: int = 2


@dataclass(frozen=True)
class Diagnostics:
    rhat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    divergences: int
    seconds: float

    @property
    def warnings(self) -> list[str]:
        out = []
        if not self.rhat_max <= RHAT_MAX:
            out.append(f"R-hat {self.rhat_max:.3f} > {RHAT_MAX}")
        if not self.ess_bulk_min >= ESS_MIN:
            out.append(f"bulk ESS {self.ess_bulk_min:.0f} < {ESS_MIN}")
        if not self.ess_tail_min >= ESS_MIN:
            out.append(f"tail ESS {self.ess_tail_min:.0f} < {ESS_MIN}")
        if self.divergences:
            out.append(f"{self.divergences} divergent transitions")
        return out

    def line(self) -> str:
        text = (
            f"R-hat max {self.rhat_max:.3f}, ESS bulk min {self.ess_bulk_min:.0f}, "
            f"ESS tail min {self.ess_tail_min:.0f}, divergences {self.divergences}, {self.seconds:.1f} s"
        )
        return text + ("" if not self.warnings else "  WARNING: " + "; ".join(self.warnings))


@dataclass(frozen=True)
class Posterior:
    """Flattened posterior draws (draw = chain x iteration)."""

    alpha: np.ndarray  # (S, K)
    beta: np.ndarray  # (S, K, J)
    mu: np.ndarray  # (S, J)
    tau: np.ndarray  # (S, J)
    g: np.ndarray  # (S,) share of context effects a direct warning overrides

    @property
    def n_draws(self) -> int:
        return self.alpha.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        return asdict(self)


CONTEXT_MASK = np.array([f in CONTEXT_FEATURES for f in FEATURES], dtype=float)
WARNING_COLUMNS = [FEATURES.index(f) for f in WARNING_FEATURES]


def warned(X: np.ndarray) -> np.ndarray:
    """1 where a direct warning is in force (any warning feature above zero), else 0."""
    return (X[:, WARNING_COLUMNS] > 0).any(axis=1).astype(float)


def component_terms(post: Posterior, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(alpha_k, beta_k, context part of beta_k, g) as contiguous arrays for fast repeated use."""
    beta = np.ascontiguousarray(post.beta[:, k, :])
    return post.alpha[:, k].copy(), beta, beta * CONTEXT_MASK, post.g


def log_odds(post: Posterior, k: int, X: np.ndarray, terms=None) -> np.ndarray:
    """(draws, rows) daily log-odds of component k for feature rows X."""
    alpha, beta, beta_context, g = terms if terms is not None else component_terms(post, k)
    return alpha[:, None] + beta @ X.T - g[:, None] * warned(X)[None, :] * (beta_context @ X.T)


def prior_arrays(priors: Priors) -> dict[str, np.ndarray]:
    a = np.array([priors.base_rate[k].logit_daily() for k in COMPONENTS])
    e = np.array([priors.effect[f].log_odds() for f in FEATURES])
    spread = np.array([priors.effect[f].spread for f in FEATURES])
    return {"alpha_mu": a[:, 0], "alpha_sd": a[:, 1], "mu_mu": e[:, 0], "mu_sd": e[:, 1], "spread": spread}


def feature_means(cells: Cells) -> np.ndarray:
    """(K, J) exposure-weighted feature means per component, used to centre the features."""
    means = np.zeros((len(COMPONENTS), cells.X.shape[1]))
    for k in range(len(COMPONENTS)):
        m = cells.component == k
        if m.any():
            means[k] = (cells.X[m] * cells.n[m, None]).sum(0) / cells.n[m].sum()
    return means


def _data(cells: Cells) -> dict[str, np.ndarray]:
    """The model's data containers for one as-of cut."""
    return {
        "X": cells.X,
        "warned": warned(cells.X),
        "onehot": np.eye(len(COMPONENTS))[cells.component],
        "n": cells.n.astype(float),
        "y": cells.y.astype(float),
        "M": feature_means(cells),
    }


def build_model(priors: Priors, cells: Cells) -> pm.Model:
    """The PyMC model. Sampling uses centred features (intercept `alpha_c` at the mean
    features), which halves the sampler's tree depth; `alpha`, the log-odds with every
    feature at zero, carries the prior file's base rate through a Potential."""
    p = prior_arrays(priors)
    coords = {"component": list(COMPONENTS), "feature": list(FEATURES)}
    with pm.Model(coords=coords) as model:
        data = {name: pm.Data(name, value) for name, value in _data(cells).items()}
        X, D, onehot, n, y, M = (data[k] for k in ("X", "warned", "onehot", "n", "y", "M"))
        mu = pm.Normal("mu", mu=p["mu_mu"], sigma=p["mu_sd"], dims="feature")
        tau = pm.HalfNormal("tau", sigma=p["spread"], dims="feature")
        z = pm.Normal("z", 0.0, 1.0, dims=("component", "feature"))
        beta = pm.Deterministic("beta", mu + tau * z, dims=("component", "feature"))
        alpha_c = pm.Flat("alpha_c", dims="component")
        alpha = pm.Deterministic("alpha", alpha_c - (M * beta).sum(axis=-1), dims="component")
        pm.Potential("alpha_prior", pm.logp(pm.Normal.dist(p["alpha_mu"], p["alpha_sd"]), alpha).sum())
        a, b = priors.structure.warning_override.beta_params()
        g = pm.Beta("g", alpha=a, beta=b)
        # a direct warning scales the context features' effect down by g
        X_eff = X * (1.0 - g * D[:, None] * CONTEXT_MASK[None, :])
        eta = (alpha_c - (M * beta).sum(axis=-1))[None, :] + X_eff @ beta.T  # (cells, K)
        eta = (onehot * eta).sum(axis=-1)
        # Binomial log-likelihood of y events in n days, without its constant term
        pm.Potential("events", (y * eta - n * pt.softplus(eta)).sum())
    return model


_MODELS: dict[str, pm.Model] = {}


def model_for(priors: Priors, cells: Cells) -> pm.Model:
    """The compiled-once model for a prior file, with this cut's cells swapped in."""
    model = _MODELS.get(priors.digest)
    if model is None:
        model = _MODELS[priors.digest] = build_model(priors, cells)
    else:
        with model:
            pm.set_data(_data(cells))
    return model


def diagnostics(idata, seconds: float) -> Diagnostics:
    names = ["alpha_c", "mu", "tau", "z", "g"]
    rhat = az.rhat(idata, var_names=names)
    bulk = az.ess(idata, var_names=names, method="bulk")
    tail = az.ess(idata, var_names=names, method="tail")

    def extreme(ds, fn):
        return float(fn([float(fn(ds[v].values)) for v in names]))

    return Diagnostics(
        rhat_max=extreme(rhat, np.nanmax),
        ess_bulk_min=extreme(bulk, np.nanmin),
        ess_tail_min=extreme(tail, np.nanmin),
        divergences=int(idata["sample_stats"]["diverging"].values.sum()),
        seconds=seconds,
    )


def sample(
    priors: Priors, cells: Cells, settings: SamplerSettings, seed: int, progress=None
) -> tuple[Posterior, Diagnostics]:
    """NUTS draws and diagnostics. ``progress(done, total)``, if given, hears about every 1% of
    the sampler's iterations (tuning included, all chains)."""
    t0 = time.perf_counter()
    model = model_for(priors, cells)
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
        idata = pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=settings.cores,
            target_accept=settings.target_accept,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
            callback=callback,
        )
    post = idata["posterior"]

    def flat(name: str) -> np.ndarray:
        v = post[name].values
        return v.reshape(-1, *v.shape[2:])

    posterior = Posterior(alpha=flat("alpha"), beta=flat("beta"), mu=flat("mu"), tau=flat("tau"), g=flat("g"))
    return posterior, diagnostics(idata, time.perf_counter() - t0)


def sample_prior(priors: Priors, n: int, seed: int) -> Posterior:
    """Draws from the prior (for prior-predictive checks), no sampler needed."""
    rng = np.random.default_rng(seed)
    p = prior_arrays(priors)
    alpha = rng.normal(p["alpha_mu"], p["alpha_sd"], size=(n, len(COMPONENTS)))
    mu = rng.normal(p["mu_mu"], p["mu_sd"], size=(n, len(FEATURES)))
    tau = np.abs(rng.normal(0, p["spread"], size=(n, len(FEATURES))))
    z = rng.normal(size=(n, len(COMPONENTS), len(FEATURES)))
    a, b = priors.structure.warning_override.beta_params()
    g = rng.beta(a, b, size=n)
    return Posterior(alpha=alpha, beta=mu[:, None, :] + tau[:, None, :] * z, mu=mu, tau=tau, g=g)
