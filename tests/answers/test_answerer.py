"""Answers from the session's small fit (as of 2012-03-17, the day after KCNA's notice of the
Unha-3 window): the evidence's effect, the record's notice, the contract every answer keeps
(never falling as the window grows, 'any' at least each type), uncertain evidence as a mixture,
and no resampling when the evidence changes."""

import numpy as np
import pytest

from forecast.answers.answer import answer
from forecast.answers.answerer import Answerer
from forecast.answers.questions import make_question, parse_evidence
from forecast.data.vocab import QUESTION_EVENTS

AS_OF = "2012-03-17"


def ask(answerer, event, window, evidence=""):
    return answer(answerer, make_question(answerer.as_of.date(), event, window, evidence))


def test_announcement_raises_the_space_launch_forecast(small_answerer):
    issued = ask(small_answerer, "space_launch", 30, "announcement=issued")
    none = ask(small_answerer, "space_launch", 30, "announcement=none")
    assert issued["probability"] > 3 * none["probability"]
    assert issued["contributions"]["announcement"] > 1.0
    assert none["contributions"]["announcement"] == 0.0
    assert 0 <= issued["lower"] <= issued["probability"] <= issued["upper"] <= 1
    # base rate is the same question with every signal neutral: evidence does not move it
    assert issued["base_rate"] == pytest.approx(none["base_rate"])


def test_the_record_notice_counts_inside_its_window_and_not_before(small_answerer):
    """As of 17 March 2012 the record holds the 16 March notice of a 12-16 April window: nothing
    from it within a week, most of its weight within 30 days (the window lies inside), and a
    notice set by the analyst for a window after the question's closes adds nothing."""
    a = small_answerer
    week = ask(a, "space_launch", 7)["probability"]
    month = ask(a, "space_launch", 30)["probability"]
    assert week < 0.1 < 0.5 < month
    quiet = ask(a, "space_launch", 30, "announcement=none")["probability"]
    late = ask(a, "space_launch", 30, "announcement=notice@2012-05-20/2012-05-25")["probability"]
    assert late == pytest.approx(quiet, rel=1e-6) and month > 5 * quiet
    # a plan is weaker evidence than a notice, and 'issued' lies between them
    plan, issued = (ask(a, "space_launch", 90, f"announcement={lv}")["probability"] for lv in ("plan", "issued"))
    notice = ask(a, "space_launch", 90, "announcement=notice")["probability"]
    assert plan < issued < notice


def test_probability_never_falls_as_the_window_grows_draw_by_draw(small_answerer):
    for event in QUESTION_EVENTS:
        curve = small_answerer.curve(event, 365, parse_evidence("site_activity=imminent"))
        assert (np.diff(curve, axis=1) >= -1e-12).all(), event
        # the curve's last day is the window's answer
        np.testing.assert_allclose(
            curve[:, -1], small_answerer.probability(event, 365, parse_evidence("site_activity=imminent")), rtol=1e-9
        )


def test_any_is_at_least_each_type_draw_by_draw(small_answerer):
    ev = parse_evidence("rhetoric=threatening")
    p_any = small_answerer.curve("any", 90, ev)[:, -1]
    for event in QUESTION_EVENTS:
        assert (p_any >= small_answerer.curve(event, 90, ev)[:, -1] - 1e-12).all(), event
    p_bm = small_answerer.curve("ballistic_missile", 90, ev)[:, -1]
    assert (p_bm >= small_answerer.curve("long_range_missile", 90, ev)[:, -1] - 1e-12).all()


def test_uncertain_evidence_is_a_mixture_of_levels(small_answerer):
    a = small_answerer
    full = a.curve("space_launch", 30, parse_evidence("site_activity=imminent"))[:, -1]
    data = a.curve("space_launch", 30, {})[:, -1]  # the data records site_activity=none
    mixed = a.curve("space_launch", 30, parse_evidence("site_activity=imminent:0.7"))[:, -1]
    np.testing.assert_allclose(mixed, 0.7 * full + 0.3 * data, rtol=1e-10)


def test_changing_evidence_does_not_resample(small_answerer, monkeypatch):
    import pymc

    import forecast.model.sampling

    monkeypatch.setattr(pymc, "sample", lambda *a, **k: pytest.fail("sampled"))
    monkeypatch.setattr(forecast.model.sampling, "sample", lambda *a, **k: pytest.fail("sampled"))
    answers = [
        ask(small_answerer, "nuclear_test", 90, f"site_activity={lv}") for lv in ("none", "preparation", "imminent")
    ]
    assert answers[0]["probability"] < answers[1]["probability"] < answers[2]["probability"]


def test_a_later_as_of_takes_that_days_record_with_the_same_draws(ds, priors, small_fit):
    """Back-tests and these tests answer with an earlier fit at a later date: the record of that
    date, the fit's draws; an earlier date than the fit's cut would look ahead and is refused."""
    later = Answerer(ds, priors, small_fit, as_of="2012-04-20")  # after the launch of 13 April
    assert later.as_of.date().isoformat() == "2012-04-20" and later.fit is small_fit
    assert later.data_levels("space_launch")["announcement"] == "none"  # the notice is spent
    assert (
        later.probability("space_launch", 30, {}).mean()
        < 0.5
        < Answerer(ds, priors, small_fit).probability("space_launch", 30, {}).mean()
    )
    with pytest.raises(ValueError, match="look ahead"):
        Answerer(ds, priors, small_fit, as_of="2012-03-16")
