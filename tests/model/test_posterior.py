"""What a fit is as plain arrays: sampler settings from the environment, the convergence
diagnostics' thresholds and draws from the prior file (numpy only)."""

import numpy as np
import pytest

from forecast.core.errors import InputError
from forecast.data.vocab import COMPONENTS, WARNING_KINDS
from forecast.model.feature_names import FEATURES
from forecast.model.posterior import (
    ESS_MIN,
    RHAT_MAX,
    Diagnostics,
    SamplerSettings,
    log_odds,
    sample_prior,
    sampler_settings,
)


def test_sampler_settings_from_the_environment(monkeypatch):
    for name in ("FORECAST_DRAWS", "FORECAST_TUNE", "FORECAST_CHAINS"):
        monkeypatch.delenv(name, raising=False)
    assert sampler_settings() == SamplerSettings()
    monkeypatch.setenv("FORECAST_DRAWS", "200")
    monkeypatch.setenv("FORECAST_CHAINS", "1")
    s = sampler_settings()
    assert (s.draws, s.tune, s.chains, s.cores) == (200, SamplerSettings().tune, 1, 1)
    monkeypatch.setenv("FORECAST_DRAWS", "lots")
    with pytest.raises(InputError) as exc:
        sampler_settings()
    assert "FORECAST_DRAWS" in str(exc.value) and "lots" in str(exc.value)
    monkeypatch.setenv("FORECAST_DRAWS", "49")  # below the least number of draws
    with pytest.raises(InputError, match="at least 50"):
        sampler_settings()


def test_diagnostics_warn_exactly_past_the_thresholds():
    good = Diagnostics(RHAT_MAX, ESS_MIN, ESS_MIN, 0, 1.0)
    assert good.warnings == [] and "WARNING" not in good.line()
    bad = Diagnostics(RHAT_MAX + 0.001, ESS_MIN - 1, ESS_MIN - 2, 3, 1.0)
    assert bad.warnings == ["R-hat 1.011 > 1.01", "bulk ESS 399 < 400", "tail ESS 398 < 400", "3 divergent transitions"]
    assert bad.line().endswith("WARNING: " + "; ".join(bad.warnings))
    # a NaN (e.g. a constant parameter) is a warning, not a pass
    assert Diagnostics(float("nan"), ESS_MIN, ESS_MIN, 0, 1.0).warnings == ["R-hat nan > 1.01"]


def test_prior_draws_have_the_posteriors_shapes_and_finite_log_odds(priors):
    draws = sample_prior(priors, 100, seed=0)
    k, j, w = len(COMPONENTS), len(FEATURES), len(WARNING_KINDS)
    shapes = {name: a.shape for name, a in draws.arrays().items()}
    assert shapes == {
        "alpha": (100, k), "beta": (100, k, j), "mu": (100, j), "tau": (100, j),
        "hit": (100, w, k), "hit_pooled": (100, w), "lead": (100, w),
    }  # fmt: skip
    assert draws.n_draws == 100
    assert np.isfinite(draws.alpha).all() and np.isfinite(draws.beta).all()
    assert ((draws.hit > 0) & (draws.hit < 1)).all() and (draws.lead > 0).all() and (draws.tau >= 0).all()
    # the same seed gives the same draws, another seed others
    np.testing.assert_array_equal(sample_prior(priors, 100, seed=0).beta, draws.beta)
    assert not np.array_equal(sample_prior(priors, 100, seed=1).beta, draws.beta)


def test_prior_draws_centre_on_the_prior_files_base_rates(priors):
    """The median daily log-odds of the prior draws is the logit of the file's events per year."""
    draws = sample_prior(priors, 4000, seed=0)
    for i, c in enumerate(COMPONENTS):
        mean, _ = priors.base_rate[c].logit_daily()
        assert np.median(draws.alpha[:, i]) == pytest.approx(mean, abs=0.1), c


def test_log_odds_is_alpha_plus_beta_times_features(priors):
    draws = sample_prior(priors, 5, seed=0)
    X = np.zeros((3, len(FEATURES)))
    X[1, 0], X[2, -1] = 1.0, 2.0
    out = log_odds(draws, 2, X)
    assert out.shape == (5, 3)
    np.testing.assert_allclose(out[:, 0], draws.alpha[:, 2])
    np.testing.assert_allclose(out[:, 1], draws.alpha[:, 2] + draws.beta[:, 2, 0])
    np.testing.assert_allclose(out[:, 2], draws.alpha[:, 2] + 2 * draws.beta[:, 2, -1])
