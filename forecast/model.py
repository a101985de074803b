"""The hazard model: a background hazard per component and direct warnings as competing causes.

Background (recency, regimes, context):

    logit h_bg[k, t] = alpha[k] + sum_j beta[k, j] * x[k, t, j]
    beta[k, j] = mu[j] + tau[j] * z[k, j]      (non-centred partial pooling across components)

Direct warnings (notices, plans, imminent and preparation activity; forecast/warnings.py): a
warning of kind w bearing on component k is followed by the event with probability hit[w, k]
(logit-normal, partially pooled across components), on a day of its support geometric from its
first day with mean lead[w] days. A day's chance of no event is

    (1 - h_bg[k, t]) * (1 - h_w[t]),
    h_w[t] = hit * f(offset) / (1 - hit * F(offset))   (the warning's hazard given it has not fired)

for a warning in force. Warnings of a type are read as evidence of the same event: each kind's hit
rate is learned as what followed warnings of that kind, whatever else was public (on an event
day every warning in force is credited, beside the background), and a forecast takes the
strongest warning in force, not their product.

Days with no warning and identical features are pooled into cells (Binomial counts); warned days
enter one by one. Both are written as Potentials. The PyMC graph is built once per prior file and
its data swapped with `pm.set_data` for each as-of cut, so PyTensor compiles it once per process.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import arviz as az
import numpy as np
import pymc as pm
import pytensor.tensor as pt

from .features import Cells
from .priors import FEATURES, Priors
from .vocab import COMPONENTS, WARNING_KINDS
from .warnings import warning_hazard

MODEL_VERSION = "2.1.0"
RHAT_MAX = 1.01
ESS_MIN = 400


@dataclass(frozen=True)
class SamplerSettings:
    draws: int = 1000
    tune: int = 800
    chains: int = 2
    target_accept: float = 0.98  # 0.95 left one divergence in the fit on all data (2026-08-21 cut)
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
    hit: np.ndarray  # (S, W, K) hit rate of each warning kind for each component
    hit_pooled: np.ndarray  # (S, W) the kind's hit rate shared across components (inverse logit of its mean)
    lead: np.ndarray  # (S, W) mean lead time in days of each warning kind

    @property
    def n_draws(self) -> int:
        return self.alpha.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        return asdict(self)


def component_terms(post: Posterior, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(alpha_k, beta_k) as contiguous arrays for fast repeated use."""
    return post.alpha[:, k].copy(), np.ascontiguousarray(post.beta[:, k, :])


def log_odds(post: Posterior, k: int, X: np.ndarray, terms=None) -> np.ndarray:
    """(draws, rows) daily background log-odds of component k for feature rows X."""
    alpha, beta = terms if terms is not None else component_terms(post, k)
    return alpha[:, None] + beta @ X.T


def prior_arrays(priors: Priors) -> dict[str, np.ndarray]:
    a = np.array([priors.base_rate[k].logit_daily() for k in COMPONENTS])
    e = np.array([priors.effect[f].log_odds() for f in FEATURES])
    spread = np.array([priors.effect[f].spread for f in FEATURES])
    hit = np.array([priors.warning[w].logit_hit() for w in WARNING_KINDS])
    lead = np.array([priors.warning[w].log_lead() for w in WARNING_KINDS])
    return {
        "alpha_mu": a[:, 0],
        "alpha_sd": a[:, 1],
        "mu_mu": e[:, 0],
        "mu_sd": e[:, 1],
        "spread": spread,
        "hit_mu": hit[:, 0],
        "hit_sd": hit[:, 1],
        "hit_spread": np.array([priors.warning[w].spread for w in WARNING_KINDS]),
        "lead_mu": lead[:, 0],
        "lead_sd": lead[:, 1],
    }


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
    w, sp = cells.warned, cells.spells
    return {
        "X": cells.X,
        "onehot": np.eye(len(COMPONENTS))[cells.component],
        "n": cells.n.astype(float),
        "y": cells.y.astype(float),
        "M": feature_means(cells),
        "wX": w.X,
        "w_component": w.component.astype(np.int64),
        "w_offset": np.maximum(w.offset, 0).astype(float),
        "w_length": np.maximum(w.length, 1).astype(float),
        "w_active": (w.offset >= 0).astype(float),
        "s_component": sp.component.astype(np.int64),
        "s_kind": sp.kind.astype(np.int64),
        "s_start": sp.start.astype(float),
        "s_stop": sp.stop.astype(float),
        "s_length": sp.length.astype(float),
    }


def build_model(priors: Priors, cells: Cells) -> pm.Model:
    """The PyMC model. Sampling uses centred features (intercept `alpha_c` at the mean
    features), which halves the sampler's tree depth; `alpha`, the log-odds with every
    feature at zero, carries the prior file's base rate through a Potential."""
    p = prior_arrays(priors)
    coords = {"component": list(COMPONENTS), "feature": list(FEATURES), "kind": list(WARNING_KINDS)}
    with pm.Model(coords=coords) as model:
        data = {name: pm.Data(name, value) for name, value in _data(cells).items()}
        X, onehot, n, y, M = (data[k] for k in ("X", "onehot", "n", "y", "M"))
        mu = pm.Normal("mu", mu=p["mu_mu"], sigma=p["mu_sd"], dims="feature")
        tau = pm.HalfNormal("tau", sigma=p["spread"], dims="feature")
        z = pm.Normal("z", 0.0, 1.0, dims=("component", "feature"))
        beta = pm.Deterministic("beta", mu + tau * z, dims=("component", "feature"))
        alpha_c = pm.Flat("alpha_c", dims="component")
        alpha = pm.Deterministic("alpha", alpha_c - (M * beta).sum(axis=-1), dims="component")
        pm.Potential("alpha_prior", pm.logp(pm.Normal.dist(p["alpha_mu"], p["alpha_sd"]), alpha).sum())
        eta = (onehot * (alpha[None, :] + X @ beta.T)).sum(axis=-1)
        # Binomial log-likelihood of y events in n unwarned days, without its constant term
        pm.Potential("events", (y * eta - n * pt.softplus(eta)).sum())

        # direct warnings: hit rate per kind and component (partially pooled), lead time per kind
        hit_m = pm.Normal("hit_m", mu=p["hit_mu"], sigma=p["hit_sd"], dims="kind")
        hit_s = pm.HalfNormal("hit_s", sigma=p["hit_spread"], dims="kind")
        hit_z = pm.Normal("hit_z", 0.0, 1.0, dims=("kind", "component"))
        hit = pm.Deterministic(
            "hit", pm.math.invlogit(hit_m[:, None] + hit_s[:, None] * hit_z), dims=("kind", "component")
        )
        pm.Deterministic("hit_pooled", pm.math.invlogit(hit_m), dims="kind")
        log_lead = pm.Normal("log_lead", mu=p["lead_mu"], sigma=p["lead_sd"], dims="kind")
        lead = pm.Deterministic("lead", pt.exp(log_lead), dims="kind")
        q = lead / (1.0 + lead)  # geometric lead time: P(lead > t + 1 | lead > t)

        # warning spells without an event: P(no firing) telescopes to (1 - hit F(stop)) / (1 - hit F(start))
        s_hit = hit[data["s_kind"], data["s_component"]]
        s_q = q[data["s_kind"]]
        s_norm = 1.0 - s_q ** data["s_length"]

        def fired_before(x):
            return s_hit * (1.0 - s_q**x) / s_norm

        pm.Potential(
            "warned_quiet", (pt.log1p(-fired_before(data["s_stop"])) - pt.log1p(-fired_before(data["s_start"]))).sum()
        )

        # event days on which warnings bore: the event came from the background or from a warning
        wc = data["w_component"]
        w_eta = alpha[wc] + (data["wX"] * beta[wc]).sum(axis=-1)
        h = warning_hazard(data["w_offset"], data["w_length"], hit.T[wc], lead[None, :])
        # each warning in force is credited with the event as if it were alone beside the background:
        # a notice that follows a site report announces the same launch, so the report's hit rate is
        # what followed such reports, not what was left once later warnings had explained it
        log_none = -pt.softplus(w_eta)[:, None] + pt.log1p(-h)
        pm.Potential("warned_events", (data["w_active"] * pt.log1mexp(log_none)).sum())
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
    names = ["alpha_c", "mu", "tau", "z", "hit_m", "hit_s", "hit_z", "log_lead"]
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

    posterior = Posterior(
        alpha=flat("alpha"),
        beta=flat("beta"),
        mu=flat("mu"),
        tau=flat("tau"),
        hit=flat("hit"),
        hit_pooled=flat("hit_pooled"),
        lead=flat("lead"),
    )
    return posterior, diagnostics(idata, time.perf_counter() - t0)


def sample_prior(priors: Priors, n: int, seed: int) -> Posterior:
    """Draws from the prior (for prior-predictive checks), no sampler needed."""
    rng = np.random.default_rng(seed)
    p = prior_arrays(priors)
    alpha = rng.normal(p["alpha_mu"], p["alpha_sd"], size=(n, len(COMPONENTS)))
    mu = rng.normal(p["mu_mu"], p["mu_sd"], size=(n, len(FEATURES)))
    tau = np.abs(rng.normal(0, p["spread"], size=(n, len(FEATURES))))
    z = rng.normal(size=(n, len(COMPONENTS), len(FEATURES)))
    hit_m = rng.normal(p["hit_mu"], p["hit_sd"], size=(n, len(WARNING_KINDS)))
    hit_s = np.abs(rng.normal(0, p["hit_spread"], size=(n, len(WARNING_KINDS))))
    hit_z = rng.normal(size=(n, len(WARNING_KINDS), len(COMPONENTS)))
    lead = np.exp(rng.normal(p["lead_mu"], p["lead_sd"], size=(n, len(WARNING_KINDS))))
    return Posterior(
        alpha=alpha,
        beta=mu[:, None, :] + tau[:, None, :] * z,
        mu=mu,
        tau=tau,
        hit=1 / (1 + np.exp(-(hit_m[:, :, None] + hit_s[:, :, None] * hit_z))),
        hit_pooled=1 / (1 + np.exp(-hit_m)),
        lead=lead,
    )
