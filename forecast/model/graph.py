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
enter one by one. PyMC declares the parameters and their priors; the likelihood of the cells, the
quiet warning spells and the warned event days is one Potential computed by a compiled kernel
with its own gradient (forecast/model/likelihood.py, which writes the three terms out). The PyMC
graph is built once per prior file and its data swapped with `pm.set_data` for each as-of cut, so
PyTensor compiles it once per process.
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from forecast.data.vocab import COMPONENTS, WARNING_KINDS
from forecast.model.feature_names import FEATURES
from forecast.model.features import Cells
from forecast.model.likelihood import check_data, log_likelihood
from forecast.model.posterior import prior_arrays
from forecast.model.priors import Priors


def feature_means(cells: Cells) -> np.ndarray:
    """(K, J) exposure-weighted feature means per component, used to centre the features."""
    means = np.zeros((len(COMPONENTS), cells.X.shape[1]))
    for k in range(len(COMPONENTS)):
        m = cells.component == k
        if m.any():
            means[k] = (cells.X[m] * cells.n[m, None]).sum(0) / cells.n[m].sum()
    return means


def model_data(cells: Cells) -> dict[str, np.ndarray]:
    """The model's data containers for one as-of cut."""
    w, sp = cells.warned, cells.spells
    data = {
        "X": cells.X,
        "cell_component": cells.component.astype(np.int64),
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
    check_data(data, len(COMPONENTS), len(WARNING_KINDS), len(FEATURES))
    return data


def build_model(priors: Priors, cells: Cells) -> pm.Model:
    """The PyMC model. Sampling uses centred features (intercept `alpha_c` at the mean
    features), which halves the sampler's tree depth; `alpha`, the log-odds with every
    feature at zero, carries the prior file's base rate through a Potential."""
    p = prior_arrays(priors)
    coords = {"component": list(COMPONENTS), "feature": list(FEATURES), "kind": list(WARNING_KINDS)}
    with pm.Model(coords=coords) as model:
        # M (component x feature means) has one shape in every cut: a static shape spares the
        # compiled graph a runtime shape check (a SpecifyShape, whose error message alone took
        # numba about 2 s to compile on a machine's first fit)
        data = {
            name: pm.Data(name, value, shape=value.shape if name == "M" else None)
            for name, value in model_data(cells).items()
        }
        M = data["M"]
        mu = pm.Normal("mu", mu=p["mu_mu"], sigma=p["mu_sd"], dims="feature")
        tau = pm.HalfNormal("tau", sigma=p["spread"], dims="feature")
        z = pm.Normal("z", 0.0, 1.0, dims=("component", "feature"))
        beta = pm.Deterministic("beta", mu + tau * z, dims=("component", "feature"))
        alpha_c = pm.Flat("alpha_c", dims="component")
        alpha = pm.Deterministic("alpha", alpha_c - (M * beta).sum(axis=-1), dims="component")
        pm.Potential("alpha_prior", pm.logp(pm.Normal.dist(p["alpha_mu"], p["alpha_sd"]), alpha).sum())

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
        log_q = -pt.log1p(1.0 / lead)  # geometric lead time: q = P(lead > t + 1 | lead > t), in log space

        # the Binomial cells, the quiet warning spells and the warned event days, in one compiled
        # kernel with its gradient (forecast.model.likelihood)
        pm.Potential("likelihood", log_likelihood(alpha, beta, hit, log_q, data))
    return model


class CompiledModels:
    """The PyMC model of each prior file, built once and given each as-of cut's cells with
    `pm.set_data`, and its nutpie compilation, made once and given each cut's data with
    `with_data`: one compilation per prior file and process (loaded from the on-disk cache after a
    machine's first). One object per process or worker, passed to whoever samples (the fit store
    holds one); a lock keeps two fits of one server from swapping data under each other."""

    def __init__(self) -> None:
        self._models: dict[str, pm.Model] = {}
        self._compiled: dict = {}  # prior digest -> nutpie_sampler.Compiled
        self.lock = threading.RLock()

    def model(self, priors: Priors, cells: Cells) -> pm.Model:
        """The model for a prior file with this cut's cells swapped in."""
        model = self._models.get(priors.digest)
        if model is None:
            model = self._models[priors.digest] = build_model(priors, cells)
        else:
            with model:
                pm.set_data(model_data(cells))
        return model

    def compiled(self, priors: Priors, cells: Cells):
        """The nutpie model for a prior file with this cut's data (`nutpie_sampler.Compiled`;
        ``seconds`` is the compile time when this call compiled it, else 0)."""
        from forecast.model.nutpie_sampler import compile_model

        done = self._compiled.get(priors.digest)
        first = done is None
        if first:  # the PyMC model is needed only to compile: later cuts go to nutpie as data
            done = self._compiled[priors.digest] = compile_model(self.model(priors, cells))
        with_cut = done.with_data(model_data(cells))
        return dataclasses.replace(with_cut, seconds=done.seconds) if first else with_cut
