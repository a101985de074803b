"""The model on a small fitted posterior (fitted once per module), its answers and its cache."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecast.answers.answer import answer
from forecast.answers.answerer import Answerer
from forecast.answers.questions import make_question, parse_evidence
from forecast.data.vocab import QUESTION_EVENTS
from forecast.model.features import training_cells
from forecast.model.fitted import FitStore, identity
from forecast.model.posterior import SamplerSettings, sample_prior
from forecast.model.prior_predictive import yearly_counts
from forecast.model.priors import available_priors, load_priors

TINY = SamplerSettings(draws=100, tune=150, chains=2, cores=1)
AS_OF = "2012-03-17"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("fits")


@pytest.fixture(scope="module")
def fit(ds, priors, cache):
    return FitStore(cache).get(ds, priors, AS_OF, TINY, seed=1)


@pytest.fixture(scope="module")
def answerer(ds, priors, fit):
    return Answerer(ds, priors, fit)


def ask(answerer, event, window, evidence=""):
    return answer(answerer, make_question(AS_OF, event, window, evidence))


def test_fit_reports_diagnostics(fit):
    d = fit.diagnostics
    assert d.rhat_max > 0.99 and d.ess_bulk_min > 0 and d.divergences >= 0
    assert not fit.from_cache
    assert fit.posterior.n_draws == TINY.draws * TINY.chains


def test_announcement_raises_the_space_launch_forecast(answerer):
    issued = ask(answerer, "space_launch", 30, "announcement=issued")
    none = ask(answerer, "space_launch", 30, "announcement=none")
    assert issued["probability"] > 3 * none["probability"]
    assert issued["contributions"]["announcement"] > 1.0
    assert none["contributions"]["announcement"] == 0.0
    assert 0 <= issued["lower"] <= issued["probability"] <= issued["upper"] <= 1
    # base rate is the same question with every signal neutral: evidence does not move it
    assert issued["base_rate"] == pytest.approx(none["base_rate"])


def test_the_record_notice_counts_inside_its_window_and_not_before(answerer):
    """As of 17 March 2012 the record holds the 16 March notice of a 12-16 April window: nothing
    from it within a week, most of its weight within 30 days (the window lies inside), and a
    notice set by the analyst for a window after the question's closes adds nothing."""
    week = ask(answerer, "space_launch", 7)["probability"]
    month = ask(answerer, "space_launch", 30)["probability"]
    assert week < 0.1 < 0.5 < month
    quiet = ask(answerer, "space_launch", 30, "announcement=none")["probability"]
    late = ask(answerer, "space_launch", 30, "announcement=notice@2012-05-20/2012-05-25")["probability"]
    assert late == pytest.approx(quiet, rel=1e-6) and month > 5 * quiet
    # a plan is weaker evidence than a notice, and 'issued' lies between them
    plan, issued = (ask(answerer, "space_launch", 90, f"announcement={lv}")["probability"] for lv in ("plan", "issued"))
    notice = ask(answerer, "space_launch", 90, "announcement=notice")["probability"]
    assert plan < issued < notice


def test_probability_never_falls_as_the_window_grows_draw_by_draw(answerer):
    for event in QUESTION_EVENTS:
        curve = answerer.curve(event, 365, parse_evidence("site_activity=imminent"))
        assert (np.diff(curve, axis=1) >= -1e-12).all(), event


def test_any_is_at_least_each_type_draw_by_draw(answerer):
    ev = parse_evidence("rhetoric=threatening")
    p_any = answerer.curve("any", 90, ev)[:, -1]
    for event in QUESTION_EVENTS:
        assert (p_any >= answerer.curve(event, 90, ev)[:, -1] - 1e-12).all(), event
    p_bm = answerer.curve("ballistic_missile", 90, ev)[:, -1]
    assert (p_bm >= answerer.curve("long_range_missile", 90, ev)[:, -1] - 1e-12).all()


def test_uncertain_evidence_is_a_mixture_of_levels(answerer):
    full = answerer.curve("space_launch", 30, parse_evidence("site_activity=imminent"))[:, -1]
    data = answerer.curve("space_launch", 30, {})[:, -1]  # the data records site_activity=none
    mixed = answerer.curve("space_launch", 30, parse_evidence("site_activity=imminent:0.7"))[:, -1]
    np.testing.assert_allclose(mixed, 0.7 * full + 0.3 * data, rtol=1e-10)


def test_changing_evidence_does_not_resample(answerer, monkeypatch):
    import forecast.model.graph

    monkeypatch.setattr(forecast.model.pm, "sample", lambda *a, **k: pytest.fail("sampled"))
    for level in ("none", "preparation", "imminent"):
        ask(answerer, "nuclear_test", 90, f"site_activity={level}")


def test_no_look_ahead_a_planted_future_event_does_not_change_the_fit_data(ds, priors):
    cut = pd.Timestamp(AS_OF)
    before = training_cells(ds, cut, priors)
    planted = pd.DataFrame(
        [
            {
                "date": pd.Timestamp("2012-03-20"),
                "event": "nuclear_test",
                "missile_class": "",
                "missiles": pd.NA,
                "vehicle": "",
                "site": "planted",
                "outcome": "success",
                "source": "test",
                "note": "",
            }
        ]
    )
    from forecast.data.dataset import Dataset

    ds2 = Dataset(pd.concat([ds.events, planted], ignore_index=True), ds.signals, ds.data_hash + "-planted", ds.reach)
    after = training_cells(ds2, cut, priors)
    np.testing.assert_array_equal(before.X, after.X)
    np.testing.assert_array_equal(before.y, after.y)
    # ...while a cut after the planted event does see it
    assert (
        training_cells(ds2, pd.Timestamp("2012-03-25"), priors).y.sum()
        == training_cells(ds, pd.Timestamp("2012-03-25"), priors).y.sum() + 1
    )


def test_no_look_ahead_window_features_ignore_later_records(ds, priors):
    from forecast.data.dataset import Dataset
    from forecast.model.features import window_features

    planted = ds.signals.iloc[[0]].copy()
    for col, value in {"id": "X1", "signal": "site_activity", "level": "imminent", "events": "space_launch"}.items():
        planted[col] = value
    planted["scope"] = [("space_launch",)]
    planted["occurred"] = planted["published"] = pd.Timestamp("2012-03-18")
    planted["end"], planted["lifetime_days"] = pd.NaT, 30
    ds2 = Dataset(ds.events, pd.concat([ds.signals, planted], ignore_index=True), "planted", ds.reach)
    a = window_features(ds, pd.Timestamp(AS_OF), "space_launch", 30, priors)
    b = window_features(ds2, pd.Timestamp(AS_OF), "space_launch", 30, priors)
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ cache


def test_cache_hit_mismatch_and_damage(ds, priors, fit, cache):
    hit = FitStore(cache).get(ds, priors, AS_OF, TINY, seed=1)
    assert hit.from_cache
    np.testing.assert_array_equal(hit.posterior.alpha, fit.posterior.alpha)
    # another seed is another identity: not served from this entry
    assert FitStore(cache).load(identity(ds, priors, TINY, 2, AS_OF)) is None
    # a file whose stored identity differs (e.g. renamed by hand) is refused
    path = next(cache.glob("fit-*.nc"))
    other = dataclasses.replace(identity(ds, priors, TINY, 1, AS_OF), data_hash="something-else")
    FitStore(cache).path(other).write_bytes(path.read_bytes())
    assert FitStore(cache).load(other) is None
    # a damaged file is refitted, never served, and replaced by a good one
    path.write_bytes(b"not a fit")
    assert FitStore(cache).load(fit.identity) is None
    refit = FitStore(cache).get(ds, priors, AS_OF, TINY, seed=1)
    assert not refit.from_cache
    assert FitStore(cache).load(fit.identity) is not None
    assert not list(cache.glob("*.tmp"))


# ------------------------------------------------------------------ priors


@pytest.mark.parametrize("path", available_priors(), ids=lambda p: p.name)
def test_every_prior_file_is_valid_and_its_prior_predictive_plausible(ds, path):
    pr = load_priors(path)
    table = yearly_counts(ds, pr, n_draws=400, seed=0).set_index("component")
    # implied yearly event-days: neither absurdly rare nor absurdly frequent
    assert (table["prior median / yr"] > 0.01).all() and (table["prior median / yr"] < 60).all()
    # the record sits inside the prior's 90% range for every component
    assert (table["observed / yr"] >= table["prior 5%"]).all()
    assert (table["observed / yr"] <= table["prior 95%"]).all()


def test_prior_draws_have_finite_log_odds(priors):
    draws = sample_prior(priors, 100, seed=0)
    assert np.isfinite(draws.alpha).all() and np.isfinite(draws.beta).all()


def test_model_gradient_is_finite_at_the_initial_point(ds, priors):
    from forecast.model.graph import build_model

    model = build_model(priors, training_cells(ds, pd.Timestamp(AS_OF), priors))
    point = model.initial_point()
    dlogp = model.compile_dlogp()(point)
    assert np.isfinite(dlogp).all()
    assert np.isfinite(model.compile_logp()(point))
