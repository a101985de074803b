"""Direct warnings: the record's notices and plans, their windows and lead times, the analyst's
evidence about them, and the answers they give, on synthetic posteriors (no sampler)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecast.answers.answer import answer
from forecast.answers.answerer import Answerer
from forecast.answers.questions import make_question, parse_evidence
from forecast.core.errors import InputError
from forecast.data.event_days import component_event_days
from forecast.data.vocab import QUESTION_EVENTS, WARNING_KINDS
from forecast.model.fitted import Fit, prior_fit
from forecast.model.posterior import sample_prior
from forecast.model.priors import load_priors
from forecast.model.warnings import (
    Warning,
    cumulative_fired,
    default_notice_window,
    notice_share,
    warning_hazard,
    warnings_in_force,
)


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


# ------------------------------------------------------------------ the arithmetic of one warning


def test_a_notice_fires_inside_its_window_and_never_after():
    w = Warning("notice", first=9, last=14)  # the eve of a window on days 10-14
    hit, lead = np.array([0.9]), np.array([1.0])
    fired = cumulative_fired(w, hit, lead, 30)[0]
    assert fired[:9].max() == 0.0  # nothing before the eve of the window
    assert fired[14] == pytest.approx(0.9)  # all of the hit rate by the window's last day
    assert np.all(fired[14:] == fired[14])  # and nothing after it closes
    assert (np.diff(fired) >= -1e-15).all()


def test_a_warning_known_late_is_conditioned_on_not_having_fired():
    w = Warning("preparation", first=-30, last=59)  # public 30 days ago, nothing since
    hit, lead = np.array([0.5]), np.array([20.0])
    fired = cumulative_fired(w, hit, lead, 60)[0, -1]
    q = 20 / 21
    before = 0.5 * (1 - q**30) / (1 - q**90)
    assert fired == pytest.approx(0.5 * ((1 - q**90) - (1 - q**30)) / (1 - q**90) / (1 - before))
    assert fired < 0.5


def test_daily_hazards_telescope_to_the_window_probability():
    """The likelihood's daily hazard and the answer's window probability are the same law."""
    offsets = np.arange(0, 20)
    h = warning_hazard(offsets, 20, 0.7, 3.0)
    survive = np.prod(1 - h)
    assert 1 - survive == pytest.approx(0.7)
    w = Warning("imminent", first=0, last=19)
    assert cumulative_fired(w, np.array([0.7]), np.array([3.0]), 20)[0, -1] == pytest.approx(0.7)


# ------------------------------------------------------------------ the record's warnings


def test_record_notices_carry_their_windows_and_later_notices_replace_earlier(ds, priors):
    days = component_event_days(ds.events)["space_launch"]
    # 11 Dec 2012: the 10-22 Dec window was extended to 29 Dec on the 10th (S063 replaces S061, S062)
    ws = warnings_in_force(ds.signals, "space_launch", "2012-12-11", days, priors)
    notices = [w for w in ws if w.kind == "notice"]
    assert [w.record for w in notices] == ["S063"]
    assert (notices[0].first, notices[0].last) == (-2, 18)  # eve of 10 Dec .. 29 Dec
    # the day after the 12 Dec launch the notice is spent
    after = warnings_in_force(ds.signals, "space_launch", "2012-12-13", days, priors)
    assert not [w for w in after if w.kind == "notice"]


def test_record_warnings_never_look_ahead(ds, priors):
    """As of the day before the 2012 notice, no notice is in force, whatever came later."""
    days = component_event_days(ds.events)["space_launch"]
    ws = warnings_in_force(ds.signals, "space_launch", "2012-03-15", days, priors)
    assert not [w for w in ws if w.kind == "notice"]
    planted = ds.signals.copy()
    row = planted[planted["id"] == "S051"].iloc[0].copy()
    row["id"], row["published"], row["occurred"] = "S999", pd.Timestamp("2012-03-20"), pd.Timestamp("2012-03-20")
    planted = pd.concat([planted, row.to_frame().T], ignore_index=True)
    assert warnings_in_force(planted, "space_launch", "2012-03-17", days, priors) == warnings_in_force(
        ds.signals, "space_launch", "2012-03-17", days, priors
    )


def test_a_notice_without_dates_takes_the_records_usual_window(ds, priors):
    # as of 2012-03-17 the record knows the 2009 notice (23 days ahead, 5 days long) and the 16 March
    # one (27 days ahead, 5 days long)
    assert default_notice_window(ds.signals, "2012-03-17", priors) == (25, 5)
    # before any notice: the prior file's
    spec = priors.warning["notice"]
    assert default_notice_window(ds.signals, "2005-01-01", priors) == (spec.gap_days, spec.span_days)


def test_issued_weights_notices_and_plans_by_the_record(ds):
    share_2012 = notice_share(ds.signals, "2012-03-17", ("space_launch",))
    share_2024 = notice_share(ds.signals, "2024-12-31", ("space_launch",))
    assert 0 < share_2012 < 1 and 0 < share_2024 < 1
    nuclear = notice_share(ds.signals, "2024-12-31", ("nuclear_test",))
    assert nuclear < 0.5  # the record's nuclear announcements were declared intents, not dated notices


# ------------------------------------------------------------------ evidence and answers


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("announcement=shouted", "unknown level"),
        ("announcement=notice@2012-04-16/2012-04-12", "ends before it starts"),
        ("announcement=notice@12 April/16 April", "two ISO dates"),
        ("announcement=notice@2012-04-12", "two ISO dates"),
        ("rhetoric=threatening@2012-04-12/2012-04-16", "only announcement=notice takes a window"),
        ("announcement=plan@2012-04-12/2012-04-16", "only announcement=notice takes a window"),
        ("announcement=notice@2012-04-12/2012-04-16:1.5", "confidence"),
        ("announcement=notice:0", "confidence"),
    ],
)
def test_bad_warning_evidence_names_the_field_and_value(text, words):
    with pytest.raises(InputError, match=words) as err:
        parse_evidence(text)
    assert err.value.field == "--evidence"


def test_windowed_notice_parses_with_a_confidence():
    ev = parse_evidence("announcement=notice@2012-04-12/2012-04-16:0.8")
    assert ev["announcement"] == ("notice@2012-04-12/2012-04-16", 0.8)


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


def test_prior_files_describe_every_warning_kind():
    for name in ("default", "sceptical"):
        pr = load_priors(f"priors/{name}.toml")
        assert set(pr.warning) == set(WARNING_KINDS)
        for spec in pr.warning.values():
            assert spec.rationale and spec.source
