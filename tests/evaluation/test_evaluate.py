"""`forecast evaluate`: scores on synthetic tables, bad question files, and one small end-to-end run."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.answers.service import context
from forecast.cli.main import app
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
)
from forecast.model.posterior import SamplerSettings

TINY = ["--draws", "100", "--tune", "150"]
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


GOOD = "a,2012-03-17,space_launch,30,announcement=issued,1,,\n"
LAST_CLOSED = (pd.Timestamp(today()) - pd.Timedelta(days=30)).date().isoformat()  # a 30-day window ending yesterday
BAD_FILES = {
    "missing-outcome": ("as_of,event,window_days,evidence\n2012-03-17,space_launch,30,\n", 1, "outcome", None),
    "bad-outcome": (HEADER + GOOD + "b,2012-03-17,space_launch,30,,maybe,,\n", 3, "outcome", "'maybe'"),
    "empty-outcome": (HEADER + "b,2012-03-17,space_launch,30,,,,\n", 2, "outcome", "''"),
    "bad-as-of": (HEADER + GOOD + "b,2012-13-40,space_launch,30,,1,,\n", 3, "as_of", "'2012-13-40'"),
    "bad-event": (HEADER + "b,2012-03-17,rocket,30,,0,,\n", 2, "event", "'rocket'"),
    "bad-window": (HEADER + "b,2012-03-17,space_launch,ten,,0,,\n", 2, "window_days", "'ten'"),
    "bad-signal": (HEADER + GOOD + "c,2012-03-17,space_launch,30,mood=dark,1,,\n", 3, "evidence", "'mood'"),
    "bad-level": (HEADER + "b,2012-03-17,space_launch,30,site_activity=busy,0,,\n", 2, "evidence", "'busy'"),
    "open-window": (HEADER + GOOD + f"b,{LAST_CLOSED},space_launch,31,,0,,\n", 3, "window_days", "31"),
    "duplicate-id": (HEADER + GOOD + GOOD, 3, "id", "'a'"),
    "empty-file": ("", 1, None, None),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_name_file_row_field_and_value(tmp_path, case):
    text, row, field, value = BAD_FILES[case]
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_scored_questions(path)
    message = str(err.value)
    assert str(path) in message and f"row {row}" in message, message
    if field:
        assert f"field '{field}'" in message, message
    if value:
        assert f"(value: {value})" in message, message
    # the command line: exit code 2, one line on stderr, no traceback, before any sampling
    res = CliRunner().invoke(app, ["evaluate", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == f"error: {message}", res.stderr


def test_open_window_is_refused_and_a_closed_one_past_the_record_passes(tmp_path):
    """The file gives the outcome, so a window past the shipped record is scored once it has closed;
    one still open today is refused."""
    path = write(tmp_path, HEADER + f"b,{LAST_CLOSED},space_launch,31,,0,,\n")
    with pytest.raises(InputError, match="has not closed yet"):
        read_scored_questions(path)
    _, outcomes, _ = read_scored_questions(write(tmp_path, HEADER + f"b,{LAST_CLOSED},space_launch,30,,0,,\n"))
    assert outcomes == [0]


def test_header_only_and_missing_file(tmp_path):
    for path, words in (
        (write(tmp_path, HEADER), "no questions"),
        (tmp_path / "absent.csv", "file not found"),
        (tmp_path, "directory"),
    ):
        res = CliRunner().invoke(app, ["evaluate", str(path)])
        assert res.exit_code == 2 and words in res.stderr and str(path) in res.stderr
        assert "Traceback" not in res.output


# ------------------------------------------------------------------ end to end, one small fit

TINY_FILE = (
    HEADER + "sl30,2012-03-17,space_launch,30,announcement=issued,1,KCNA 16 Mar 2012,Unha-3 on 13 April\n"
    "any30,2012-03-17,any,30,announcement=issued;site_activity=preparation:0.7,yes,,\n"
    "nuc90,2012-03-17,nuclear_test,90,,0,,\n"
    "nuc365,2012-03-17,nuclear_test,365,rhetoric=threatening,true,,third test 12 Feb 2013\n"
    "lrm180,2012-03-17,long_range_missile,180,negotiation=engaged,no,,\n"
    "eng90,2012-03-17,engine_test,90,,0,,\n"
    "bm30,2012-03-17,ballistic_missile,30,rhetoric=threatening,false,,\n"
)


@pytest.fixture(scope="module")
def fits(tmp_path_factory):
    """A private fit cache: every question is as of one date, so the module costs one small fit."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORECAST_CACHE_DIR", str(tmp_path_factory.mktemp("eval-fits")))
        yield


def test_cli_end_to_end_table_json_and_outputs(fits, tmp_path):
    path = write(tmp_path, TINY_FILE)
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(app, ["evaluate", str(path), *TINY, "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "data_hash" in text and "model_version" in text and "seed 20260101" in text
    for word in ("Brier", "log loss", "AUC", "Reliability", "Worst misses", "space_launch", "365", "Unha-3"):
        assert word in text, word
    assert "7 questions, 3 followed by the event" in text
    for name in ("questions.csv", "summary.csv", "reliability.csv", "report.md"):
        assert (out / name).exists(), name
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
    per_q = pd.read_csv(out / "questions.csv")
    assert list(per_q["id"]) == ["sl30", "any30", "nuc90", "nuc365", "lrm180", "eng90", "bm30"]
    assert (per_q["lower"] <= per_q["probability"]).all() and (per_q["probability"] <= per_q["upper"]).all()
    assert {"sq_error", "log_loss", "base_rate", "data_hash", "priors_hash", "note"} <= set(per_q.columns)
    assert "Worst misses" in (out / "report.md").read_text()

    res = runner.invoke(app, ["evaluate", str(path), *TINY, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {"data_hash", "priors_file", "priors_hash", "model_version", "seed"} <= set(doc)
    overall = doc["summary"][0]
    assert overall["event"] == "all" and overall["n"] == 7 and overall["events"] == 3
    assert 0 <= overall["brier"] <= 1 and overall["log_loss"] > 0 and 0 <= overall["auc"] <= 1
    assert len(doc["questions"]) == 7 and len(doc["worst_misses"]) == 7
    assert sum(r["count"] for r in doc["reliability"]) == 7
    # the fit was made once and then read from the cache
    assert "(cache)" in res.stderr

    # the plain function agrees with the command line (same settings, same cached fit)
    ctx = context(settings=SamplerSettings(draws=100, tune=150))
    ev = evaluate(ctx, path)
    assert ev.overall["brier"] == pytest.approx(overall["brier"])
    assert pd.read_csv(out / "summary.csv")["brier"].iloc[0] == pytest.approx(overall["brier"])


def test_cli_csv_carries_provenance(fits, tmp_path):
    path = write(tmp_path, TINY_FILE)
    res = CliRunner().invoke(app, ["evaluate", str(path), *TINY, "--format", "csv"])
    assert res.exit_code == 0, res.output
    head = res.stdout.splitlines()[0].split(",")
    assert head[:4] == ["event", "window_days", "n", "events"] and "brier" in head and "data_hash" in head
