"""What a fit is, as plain arrays: the sampler settings, the convergence diagnostics and the
posterior draws, with the arithmetic answers need (numpy only; no PyMC, no ArviZ).

`sample_prior` draws the same quantities from the prior file without a sampler (prior-predictive
checks, and tests of the answer arithmetic on synthetic posteriors).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import numpy as np

from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_DRAWS, DEFAULT_TUNE
from forecast.data.vocab import COMPONENTS, WARNING_KINDS
from forecast.model.feature_names import FEATURES
from forecast.model.priors import Priors

MODEL_VERSION = "2.2.0"  # 2.2.0: the same model as 2.1.x, its likelihood one compiled kernel with its own gradient
RHAT_MAX = 1.01
ESS_MIN = 400


#: NUTS implementations a fit may use: nutpie (Rust, on numba-compiled code; forecast/model/nutpie_sampler.py)
#: or PyMC's own `pm.sample`. Part of a fit's identity: the two give different draws.
SAMPLERS = ("nutpie", "pymc")


@dataclass(frozen=True)
class SamplerSettings:
    """How a fit is sampled; every field is part of the fit's identity (``cores`` aside)."""

    draws: int = DEFAULT_DRAWS
    tune: int = DEFAULT_TUNE
    chains: int = 2
    # nutpie: at 0.97 no divergence in 16 fits (5 as-of dates from 2000 to 2026, 3-4 seeds each); at
    # 0.94-0.95, 2 and 3 fits of 26 had one or two. pm.sample needs 0.98 (0.95 left one divergence in
    # its fit on all data, 2026-08-21 cut).
    target_accept: float = 0.97
    cores: int = 2
    sampler: str = "nutpie"

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, not {self.sampler!r}")


def _int_env(name: str, default: int, low: int) -> int:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise InputError(f"must be a whole number of at least {low}", field=name, value=text)
    return value


def sampler_settings() -> SamplerSettings:
    """The default settings, lowered by ``FORECAST_DRAWS``, ``FORECAST_TUNE`` and ``FORECAST_CHAINS``
    (the tests use a small fit); each setting is part of a fit's identity, so fits never mix."""
    base = SamplerSettings()
    return SamplerSettings(
        draws=_int_env("FORECAST_DRAWS", base.draws, 50),
        tune=_int_env("FORECAST_TUNE", base.tune, 50),
        chains=_int_env("FORECAST_CHAINS", base.chains, 1),
        target_accept=base.target_accept,
        cores=min(base.cores, _int_env("FORECAST_CHAINS", base.chains, 1)),
    )


@dataclass(frozen=True)
class Diagnostics:
    rhat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    divergences: int
    seconds: float  # the whole fit: compiling (if this process had not yet), sampling, diagnostics
    compile_seconds: float = 0.0  # of which compiling the model (0 when this process had compiled it)

    @property
    def warnings(self) -> list[str]:
        """What misses the sampler's thresholds (R-hat, bulk and tail ESS, divergences), one message each."""
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
        """The diagnostics in one line, with any warnings."""
        text = (
            f"R-hat max {self.rhat_max:.3f}, ESS bulk min {self.ess_bulk_min:.0f}, "
            f"ESS tail min {self.ess_tail_min:.0f}, divergences {self.divergences}, {self.seconds:.1f} s"
        )
        if self.compile_seconds:
            text += f" (compiling {self.compile_seconds:.1f} s)"
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
        """The number of posterior draws."""
        return self.alpha.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        """The draws as arrays by name."""
        return asdict(self)


def component_terms(post: Posterior, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(alpha_k, beta_k) as contiguous arrays for fast repeated use."""
    return post.alpha[:, k].copy(), np.ascontiguousarray(post.beta[:, k, :])


def log_odds(post: Posterior, k: int, X: np.ndarray, terms=None) -> np.ndarray:
    """(draws, rows) daily background log-odds of component k for feature rows X."""
    alpha, beta = terms if terms is not None else component_terms(post, k)
    return alpha[:, None] + beta @ X.T


def prior_arrays(priors: Priors) -> dict[str, np.ndarray]:
    """The prior file's means and standard deviations on the model's scale (logit base rates, log odds ratios,
    hit rates and lead times)."""
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
