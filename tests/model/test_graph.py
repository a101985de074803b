"""The PyMC graph: it compiles on a real cut's cells, with a finite log-density and gradient."""

import numpy as np
import pandas as pd
import pytensor

from forecast.model.features import training_cells
from forecast.model.graph import CompiledModels, build_model, feature_means


def test_model_gradient_is_finite_at_the_initial_point(ds, priors):
    model = build_model(priors, training_cells(ds, pd.Timestamp("2012-03-17"), priors))
    point = model.initial_point()
    dlogp = model.compile_dlogp()(point)
    assert np.isfinite(dlogp).all() and np.abs(dlogp).max() > 0
    assert np.isfinite(model.compile_logp()(point))


def test_a_compiled_model_is_built_once_per_prior_file_and_takes_each_cuts_data(ds, priors):
    models = CompiledModels()
    early = training_cells(ds, pd.Timestamp("2005-01-01"), priors)
    late = training_cells(ds, pd.Timestamp("2012-03-17"), priors)
    first = models.model(priors, early)
    second = models.model(priors, late)
    assert second is first  # the same graph, its data swapped
    np.testing.assert_array_equal(second["X"].get_value(), late.X)
    np.testing.assert_allclose(second["M"].get_value(), feature_means(late))


def test_the_graphs_likelihood_is_the_documented_law(ds, priors):
    """The three likelihood terms, evaluated by PyTensor at a point, against the same law written
    out in numpy (Binomial cells, telescoped quiet spells, event days beside their warnings)."""
    cells = training_cells(ds, pd.Timestamp("2019-03-01"), priors)
    model = build_model(priors, cells)
    point = model.initial_point()
    rng = np.random.default_rng(3)
    point = {k: v + rng.normal(0, 0.3, size=np.shape(v)) for k, v in point.items()}
    names = ["alpha", "beta", "hit", "lead", "events", "warned_quiet", "warned_events"]
    outs = model.replace_rvs_by_values([model[n] for n in names])
    fn = pytensor.function(model.value_vars, outs, mode="FAST_COMPILE", on_unused_input="ignore")
    values = dict(zip(names, fn(*(point[v.name] for v in model.value_vars)), strict=True))
    alpha, beta, hit, lead = (np.asarray(values[n]) for n in ("alpha", "beta", "hit", "lead"))

    eta = alpha[cells.component] + (cells.X * beta[cells.component]).sum(-1)
    events = (cells.y * eta - cells.n * np.logaddexp(0.0, eta)).sum()
    sp = cells.spells
    q = (lead / (1 + lead))[sp.kind]
    s_hit = hit[sp.kind, sp.component]

    def fired_before(x):
        return s_hit * (1 - q**x) / (1 - q**sp.length)

    quiet = (np.log1p(-fired_before(sp.stop)) - np.log1p(-fired_before(sp.start))).sum()
    w = cells.warned
    w_eta = alpha[w.component] + (w.X * beta[w.component]).sum(-1)
    wq = (lead / (1 + lead))[None, :]  # the law in its power form, not warning_hazard's log space
    off, length = np.maximum(w.offset, 0), np.maximum(w.length, 1)
    w_hit = hit.T[w.component]
    before = (1 - wq**off) / (1 - wq**length)
    h = w_hit * ((1 - wq) * wq**off / (1 - wq**length)) / (1 - w_hit * before)
    none = np.exp(-np.logaddexp(0.0, w_eta))[:, None] * (1 - h)
    warned = ((w.offset >= 0) * np.log(1 - none)).sum()
    assert len(sp.kind) > 0 and (w.offset >= 0).any()  # the cut has both kinds of warning term
    np.testing.assert_allclose(
        [values["events"], values["warned_quiet"], values["warned_events"]], [events, quiet, warned], rtol=1e-9
    )
