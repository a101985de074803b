"""The analyst's direct warnings in answers, on synthetic posteriors drawn from the prior file
(no sampler): a notice's window inside or after the question's, 'issued' as the record's mixture
of notice and plan, one notice as one warning for 'any', and the data's level of a spent warning."""

import dataclasses

import numpy as np
import pytest

from forecast.answers.answer import answer
from forecast.answers.answerer import Answerer
from forecast.answers.questions import make_question, parse_evidence
from forecast.data.vocab import QUESTION_EVENTS
from forecast.model.fitted import Fit, prior_fit
from forecast.model.posterior import sample_prior
from forecast.model.warnings import notice_share


def synthetic_fit(priors, as_of: str, hit: float | None = None, lead: float | None = None, n: int = 400) -> Fit:
    """Prior draws as a posterior; optionally every warning with the same hit rate and lead time."""
    post = sample_prior(priors, n, seed=7)
    if hit is not None:
        post = dataclasses.replace(post, hit=np.full_like(post.hit, hit))
    if lead is not None:
        post = dataclasses.replace(post, lead=np.full_like(post.lead, lead))
    return dataclasses.replace(prior_fit(priors, as_of, n, seed=7), posterior=post)


def ask(answerer, event, window, evidence=""):
    return answer(answerer, make_question(answerer.as_of.date(), event, window, evidence))


@pytest.fixture(scope="module")
def quiet(ds, priors):
    """2015-06-01: no notice, plan or site report in force for a space launch."""
    return Answerer(ds, priors, synthetic_fit(priors, "2015-06-01", hit=0.9, lead=1.0))


def test_a_notice_inside_the_window_makes_the_launch_likely_and_one_after_it_does_not(quiet):
    base = ask(quiet, "space_launch", 30)["probability"]
    inside = ask(quiet, "space_launch", 30, "announcement=notice@2015-06-10/2015-06-15")["probability"]
    later = ask(quiet, "space_launch", 30, "announcement=notice@2015-08-10/2015-08-15")["probability"]
    assert inside > 0.85 and inside > base + 0.5
    assert later == pytest.approx(base)
    # a 60-day question (1 June - 30 July) covers a window in July
    assert ask(quiet, "space_launch", 60, "announcement=notice@2015-07-10/2015-07-15")["probability"] > 0.85


def test_issued_is_the_records_mixture_of_notice_and_plan(ds, quiet):
    w = notice_share(ds.signals, quiet.as_of, ("space_launch",))
    p = {lv: quiet.probability("space_launch", 30, {"announcement": (lv, 1.0)}) for lv in ("issued", "notice", "plan")}
    np.testing.assert_allclose(p["issued"], w * p["notice"] + (1 - w) * p["plan"])
    half = quiet.probability("space_launch", 30, {"announcement": ("issued", 0.5)})
    none = quiet.probability("space_launch", 30, {})
    np.testing.assert_allclose(half, 0.5 * p["issued"] + 0.5 * none)


def test_a_notice_is_one_warning_for_any_and_keeps_the_contract(quiet):
    ev = parse_evidence("announcement=notice;site_activity=imminent")
    curves = {e: quiet.curve(e, 120, ev) for e in QUESTION_EVENTS}
    for event, c in curves.items():
        assert (np.diff(c, axis=1) >= -1e-12).all(), event  # never falls as the window grows
        assert (curves["any"][:, -1] >= c[:, -1] - 1e-12).all(), event  # P(any) >= P(type), draw by draw
    # one notice of one launch, not one per event type: for 'any' it is one more cause beside the
    # background (hit 0.9 here), not five
    notice = parse_evidence("announcement=notice")
    background = quiet.probability("any", 30, {"announcement": ("none", 1.0)})
    p_any = quiet.probability("any", 30, notice)
    np.testing.assert_allclose(p_any, 1 - (1 - 0.9) * (1 - background), atol=0.02)


def test_the_data_level_of_a_spent_warning_is_neutral(ds, priors):
    """The day after the May 2024 launch its notice and the year's plan are spent."""
    a = Answerer(ds, priors, synthetic_fit(priors, "2024-06-05"))
    assert a.data_levels("space_launch")["announcement"] == "none"
    before = Answerer(ds, priors, synthetic_fit(priors, "2024-05-27"))
    assert before.data_levels("space_launch")["announcement"] == "notice"
