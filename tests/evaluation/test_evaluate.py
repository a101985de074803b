"""`forecast evaluate` without the command line: scores on synthetic forecast tables, reading
question files with known outcomes, a window still open refused, and the evaluation itself with
the session's small fit."""

import math

import numpy as np
import pandas as pd
import pytest

from forecast.answers.service import Context
from forecast.core.errors import InputError
from forecast.data.dataset import today
from forecast.evaluation.evaluate import (
    LOG_EPS,
    evaluate,
    read_scored_questions,
    reliability_table,
    score_forecasts,
    summary_table,
    worst_misses,
    write_outputs,
)
from forecast.model.fitted import FitStore

HEADER = "id,as_of,event,window_days,evidence,outcome,source,note\n"


def forecasts(p, y, events=None, windows=None) -> pd.DataFrame:
    n = len(p)
    events = events or ["space_launch", "nuclear_test"] * (n // 2) + ["space_launch"] * (n % 2)
    windows = windows or [30, 90, 365] * (n // 3) + [30] * (n % 3)
    return pd.DataFrame(
        {
            "id": [f"q{i}" for i in range(n)],
            "as_of": ["2012-03-17"] * n,
            "event": events,
            "window_days": windows,
            "probability": p,
            "lower": np.clip(np.asarray(p) - 0.1, 0, 1),
            "upper": np.clip(np.asarray(p) + 0.1, 0, 1),
            "outcome": y,
        }
    )


# ------------------------------------------------------------------ pure scoring


def test_perfect_forecaster_scores_brier_0_and_auc_1():
    y = [1, 0, 1, 0, 0, 1]
    ev = score_forecasts(forecasts([float(v) for v in y], y))
    overall = ev.overall
    assert overall["brier"] == 0
    assert overall["auc"] == 1.0
    assert overall["log_loss"] == pytest.approx(-math.log(1 - LOG_EPS))
    assert overall["n"] == 6 and overall["events"] == 3
    assert (ev.questions["sq_error"] == 0).all()


def test_constant_half_scores_a_quarter_everywhere():
    y = [1, 0, 0, 1, 0, 0, 1, 1]
    summary = summary_table(forecasts([0.5] * 8, y))
    assert summary["brier"].to_numpy() == pytest.approx(0.25)
    assert summary["log_loss"].to_numpy() == pytest.approx(math.log(2))
    assert summary.iloc[0]["auc"] == pytest.approx(0.5)
    # overall first, then each event type, then each window
    assert summary.iloc[0][["event", "window_days"]].tolist() == ["all", "all"]
    assert set(summary.loc[summary["window_days"] == "all", "event"]) == {"all", "space_launch", "nuclear_test"}
    assert list(summary.loc[summary["event"] == "all", "window_days"]) == ["all", "30", "90", "365"]


def test_auc_is_nan_with_one_outcome_only_and_log_loss_is_clipped():
    s = summary_table(forecasts([0.0, 0.2], [1, 1], events=["any", "any"], windows=[30, 30]))
    assert math.isnan(s.iloc[0]["auc"])
    # p = 0 for an event that happened costs -log(1e-6), finite
    assert s.iloc[0]["log_loss"] == pytest.approx((-math.log(LOG_EPS) - math.log(0.2)) / 2)
    assert s.iloc[0]["brier"] == pytest.approx((1 + 0.64) / 2)  # the Brier score is not clipped
    ev = score_forecasts(forecasts([0.0, 0.2, 0.7, 1.0], [1, 1, 0, 0]))
    assert ev.overall["brier"] == pytest.approx(ev.questions["sq_error"].mean())
    assert ev.overall["log_loss"] == pytest.approx(ev.questions["log_loss"].mean())


def test_worst_misses_are_the_ten_largest_squared_errors_in_order():
    p = [0.05 * i for i in range(15)]  # 0 .. 0.7
    y = [0] * 15
    frame = forecasts(p, y).assign(note=[f"n{i}" for i in range(15)])
    worst = worst_misses(frame)
    assert len(worst) == 10
    assert list(worst["id"]) == [f"q{i}" for i in range(14, 4, -1)]
    assert worst["sq_error"].is_monotonic_decreasing
    assert {"id", "as_of", "event", "window_days", "probability", "outcome", "note"} <= set(worst.columns)
    assert worst.iloc[0]["note"] == "n14" and worst.iloc[0]["sq_error"] == pytest.approx(0.49)
    # a missed event counts as much as a false alarm; ties keep file order
    tied = worst_misses(forecasts([0.9, 0.1, 0.5], [0, 1, 1]))
    assert list(tied["id"]) == ["q0", "q1", "q2"]


def test_reliability_uses_fixed_tenths():
    p = [0.02, 0.08, 0.15, 0.55, 0.95, 1.0]
    y = [0, 0, 1, 1, 1, 1]
    rel = reliability_table(forecasts(p, y))
    assert list(rel["bin"]) == ["0.0-0.1", "0.1-0.2", "0.5-0.6", "0.9-1.0"]
    assert list(rel["count"]) == [2, 1, 1, 2]
    first = rel.iloc[0]
    assert first["forecast"] == pytest.approx(0.05) and first["observed"] == 0
    assert rel.iloc[-1]["forecast"] == pytest.approx(0.975) and rel.iloc[-1]["observed"] == 1


# ------------------------------------------------------------------ reading files


def write(tmp_path, text: str, name: str = "questions.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_scored_questions_accepts_word_outcomes_and_keeps_extra_columns(tmp_path):
    path = write(
        tmp_path,
        "as_of,event,window_days,evidence,outcome,analyst\n"
        "2012-03-17,space_launch,30,announcement=issued,Yes,kim\n"
        "2012-03-17,nuclear_test,90,,FALSE,lee\n"
        "2019-03-10,ballistic_missile,90,negotiation=collapsed;site_activity=preparation:0.7,true,park\n"
        "2019-03-10,space_launch,365,,0,kim\n",
    )
    questions, outcomes, extra = read_scored_questions(path)
    assert outcomes == [1, 0, 1, 0]
    assert [q.event for q in questions] == ["space_launch", "nuclear_test", "ballistic_missile", "space_launch"]
    assert questions[2].evidence["site_activity"] == ("preparation", 0.7)
    assert list(extra["row"]) == [2, 3, 4, 5]
    assert list(extra["analyst"]) == ["kim", "lee", "park", "kim"]
    assert {"id", "source", "note"} <= set(extra.columns)


LAST_CLOSED = (pd.Timestamp(today()) - pd.Timedelta(days=30)).date().isoformat()  # a 30-day window ending yesterday


def test_open_window_is_refused_and_a_closed_one_past_the_record_passes(tmp_path):
    """The file gives the outcome, so a window past the shipped record is scored once it has closed;
    one still open today is refused."""
    path = write(tmp_path, HEADER + f"b,{LAST_CLOSED},space_launch,31,,0,,\n")
    with pytest.raises(InputError, match="has not closed yet"):
        read_scored_questions(path)
    _, outcomes, _ = read_scored_questions(write(tmp_path, HEADER + f"b,{LAST_CLOSED},space_launch,30,,0,,\n"))
    assert outcomes == [0]


def test_evaluation_with_the_small_fit(ds, priors, small_fit, fit_cache, tiny, tmp_path):
    """Every question as of 2012-03-17 is answered with the session's small fit, in file order."""
    path = write(
        tmp_path,
        HEADER + "sl30,2012-03-17,space_launch,30,announcement=issued,1,KCNA,Unha-3 on 13 April\n"
        "nuc90,2012-03-17,nuclear_test,90,,0,,\n"
        "any30,2012-03-17,any,30,site_activity=preparation:0.7,yes,,\n",
    )
    ctx = Context(ds, priors, tiny, small_fit.identity.seed, store=FitStore(fit_cache))
    ev = evaluate(ctx, path)
    assert list(ev.questions["id"]) == ["sl30", "nuc90", "any30"]
    assert ev.questions["data_hash"].eq(ds.data_hash).all() and ev.provenance["seed"] == small_fit.identity.seed
    assert ev.overall["n"] == 3 and ev.overall["events"] == 2
    p = ev.questions.set_index("id")["probability"]
    assert p["sl30"] > 0.5 > p["nuc90"]  # the notice of 16 March is in force; no nuclear warning
    assert ev.overall["brier"] == pytest.approx(((p - [1, 0, 1]) ** 2).mean())
    written = write_outputs(ev, tmp_path / "out")
    assert {w.name for w in written} == {"questions.csv", "summary.csv", "reliability.csv", "report.md"}
    assert not list((tmp_path / "out").glob(".*"))
