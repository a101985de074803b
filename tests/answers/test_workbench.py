"""The numbers the workbench shows, from the session's small fit: the data's levels, the
waterfall, the curve, what would change my mind (as of 2012-03-17 and, with the same draws, on a
quiet day in 2015), and the session's forecast history."""

import datetime as dt

import numpy as np
import pytest

from forecast.answers import questions, workbench
from forecast.answers.answerer import Answerer, _logit

LEAP_DAY = "2012-03-17"  # the day after the satellite launch was announced


@pytest.fixture(scope="module")
def answerer(small_answerer):
    assert small_answerer.as_of.date().isoformat() == LEAP_DAY
    return small_answerer


def test_data_levels_name_the_records_in_force(answerer):
    levels = workbench.data_levels(answerer, ["space_launch"])
    assert levels["announcement"].level == "notice"
    assert (
        levels["announcement"].records
        and levels["announcement"].label().startswith("data: notice, window 2012-04-12 to 2012-04-16, S")
        and "since 2012-03-16" in levels["announcement"].label()
    )
    assert levels["site_activity"].records == () and "no record in force" in levels["site_activity"].label()


def test_waterfall_steps_add_up_to_the_forecast(answerer):
    evidence = {"site_activity": ("preparation", 0.7), "negotiation": ("collapsed", 1.0)}
    w = workbench.waterfall(answerer, "space_launch", 30, evidence)
    final = workbench.summary(answerer, "space_launch", 30, evidence)
    assert w["step"].iloc[0] == "base rate" and w["step"].iloc[-1] == "forecast"
    assert w["probability"].iloc[0] == pytest.approx(final["base_rate"])
    assert w["change"].iloc[:-1].sum() == pytest.approx(_logit(np.array([final["probability"]]))[0])
    assert w["probability"].iloc[-1] == pytest.approx(final["probability"])
    # the announcement recorded in the data is the largest push: it comes first
    assert w["step"].iloc[1].startswith("announcement=notice (data)")
    assert any(s.startswith("site_activity=preparation (70%)") for s in w["step"])


def test_curve_is_cumulative_and_matches_the_window_answer(answerer):
    c = workbench.curve(answerer, ["space_launch", "any"], {}, days=120)
    for event, g in c.groupby("event"):
        assert (np.diff(g["probability"]) >= -1e-12).all()
        p90 = workbench.summary(answerer, event, 90, {})["probability"]
        assert g.loc[g["day"] == 90, "probability"].iloc[0] == pytest.approx(p90)
    assert (c[c["event"] == "any"]["probability"].values >= c[c["event"] == "space_launch"]["probability"].values).all()


def test_what_would_change_my_mind_ranks_the_signals_left_to_look_for(answerer):
    table = workbench.what_would_change(answerer, "space_launch", 30, {}, exclude={"rhetoric"})
    assert "rhetoric" not in set(table["signal"])
    reach = table.drop_duplicates("signal")["largest_move"].tolist()
    assert reach == sorted(reach, reverse=True)
    current = workbench.summary(answerer, "space_launch", 30, {})["probability"]
    at_data = table[table["data_level"]]
    assert np.allclose(at_data["change"], 0.0, atol=1e-12)
    withdrawn = table[(table["signal"] == "announcement") & (table["level"] == "none")]["probability"].iloc[0]
    assert withdrawn < current / 3  # without the announcement the launch is far less likely


@pytest.fixture(scope="module")
def quiet(ds, priors, small_fit):
    """An answerer as of a quiet day for space launches (no notice, plan or site activity in force),
    with the small fit's draws (trained before 2012-03-17: a later as-of never looks ahead)."""
    return Answerer(ds, priors, small_fit, as_of="2015-06-01")


def test_a_notice_tops_what_would_change_my_mind_on_a_quiet_day(quiet):
    levels = workbench.data_levels(quiet, ["space_launch"])
    assert levels["announcement"].level == "none" and levels["site_activity"].level == "none"
    table = workbench.what_would_change(quiet, "space_launch", 90, {})
    assert (table.iloc[0]["signal"], table.iloc[0]["level"]) == ("announcement", "notice")
    ann = table[table["signal"] == "announcement"].set_index("level")
    # every level of the announcement is ranked, in the vocabulary's order for drawing
    assert list(ann.sort_values("level_order").index) == ["none", "plan", "issued", "notice"]
    assert ann.loc["none", "probability"] < ann.loc["plan", "probability"] < ann.loc["issued", "probability"]
    assert ann.loc["issued", "probability"] < ann.loc["notice", "probability"]
    assert ann.loc["notice", "probability"] > 0.5
    # every signal's levels have their own line in the chart
    assert not table.duplicated(["signal", "level_order"]).any()


def test_a_notice_window_moves_the_forecast_only_when_it_bears_on_the_window(quiet):
    base = workbench.summary(quiet, "space_launch", 30, {})["probability"]
    inside = {"announcement": (questions.notice_level(dt.date(2015, 6, 10), dt.date(2015, 6, 15)), 1.0)}
    after = {"announcement": (questions.notice_level(dt.date(2015, 7, 20), dt.date(2015, 7, 25)), 1.0)}
    assert workbench.summary(quiet, "space_launch", 30, inside)["probability"] > 0.5 > 5 * base
    assert workbench.summary(quiet, "space_launch", 30, after)["probability"] == pytest.approx(base, abs=1e-9)
    assert "opens on 2015-07-20" in workbench.window_note(after["announcement"][0], quiet.as_of, 30)
    assert workbench.window_note(inside["announcement"][0], quiet.as_of, 30) is None
    assert "closed on 2015-05-05" in workbench.window_note("notice@2015-05-01/2015-05-05", quiet.as_of, 30)
    assert "window opening about" in workbench.undated_notice_text(quiet)


def test_change_since_last_compares_the_same_question_only():
    h = []
    first = {"as_of": "2019-03-01", "event": "space_launch", "window_days": 90, "evidence": "", "probability": 0.1}
    h = workbench.record_in_history(h, first)
    other = {**first, "event": "nuclear_test", "probability": 0.5}
    h = workbench.record_in_history(h, other)
    second = {**first, "evidence": "announcement=issued", "probability": 0.4}
    assert workbench.change_since_last(h, second) == pytest.approx(0.3)
    assert workbench.record_in_history(h, {**first}) == h  # a rerun of the same forecast is not a new entry
    assert workbench.change_since_last([], first) is None


def test_forecast_rows_carry_provenance_and_markdown(answerer):
    rows = workbench.forecast_rows(answerer, {}, ["space_launch", "any"], (30, 90), {"data_hash": "abc"})
    assert len(rows) == 4 and all(r["data_hash"] == "abc" for r in rows)
    md = workbench.table_markdown(rows, "header line")
    assert md.startswith("header line") and "| space_launch" in md and "30 days" in md
