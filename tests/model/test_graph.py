"""The PyMC graph: it compiles on a real cut's cells, with a finite log-density and gradient."""

import numpy as np
import pandas as pd

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
