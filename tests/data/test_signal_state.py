"""The state of the signals on a date, as known at a publication cut: each rule on a small
synthetic signal table, then on the shipped record's episodes."""

import pandas as pd

from forecast.data.dataset import load_signals
from forecast.data.signal_state import question_state, signal_timeline, state_on, strongest_level


def _level(table, component, signal):
    return table.loc[component, (signal, "level")]


# ------------------------------------------------------------------ the rules, on synthetic tables


def rec(signal, level, events, occurred, published=None, **kw):
    return {"signal": signal, "level": level, "events": events, "occurred": occurred,
            "published": published or occurred, **kw}  # fmt: skip


def level_on(ds, date, component, signal, cut=None):
    return _level(state_on(ds.signals, date, cut), component, signal)


def test_a_record_counts_only_once_published(make_data):
    ds = make_data(signals=[rec("rhetoric", "threatening", "all", "2000-01-01", "2000-01-10")])
    assert level_on(ds, "2000-01-09", "nuclear_test", "rhetoric") == "neutral"  # made, not yet public
    assert level_on(ds, "2000-01-10", "nuclear_test", "rhetoric") == "threatening"
    # seen from a later cut it counts from the day it occurred
    assert level_on(ds, "2000-01-05", "nuclear_test", "rhetoric", cut="2000-01-10") == "threatening"
    assert level_on(ds, "1999-12-31", "nuclear_test", "rhetoric", cut="2000-01-10") == "neutral"
    # the real-time timeline (model training) starts it on the day it became public
    t = signal_timeline(ds.signals, "rhetoric", "nuclear_test", pd.date_range("2000-01-01", "2000-01-12"))
    assert list(t["level"]) == ["neutral"] * 9 + ["threatening"] * 3
    assert t.loc["2000-01-11", "record"] == "S001" and t.loc["2000-01-11", "since"] == pd.Timestamp("2000-01-01")


def test_an_end_date_is_inclusive_and_a_lifetime_counts_from_the_day_it_occurred(make_data):
    ds = make_data(
        signals=[
            rec("sanctions", "tightening", "all", "2000-01-01", end="2000-01-31"),
            rec("rhetoric", "threatening", "all", "2000-01-01", "2000-01-05", lifetime_days="30"),
        ]
    )
    assert level_on(ds, "2000-01-31", "engine_test", "sanctions") == "tightening"
    assert level_on(ds, "2000-02-01", "engine_test", "sanctions") == "steady"
    assert level_on(ds, "2000-01-30", "engine_test", "rhetoric") == "threatening"  # day 30 from 1 January
    assert level_on(ds, "2000-01-31", "engine_test", "rhetoric") == "neutral"


def test_an_open_record_runs_until_the_next_record_of_its_signal(make_data):
    ds = make_data(
        signals=[
            rec("negotiation", "collapsed", "all", "2000-01-01"),
            rec("negotiation", "engaged", "all", "2001-06-01"),
            rec("moratorium", "in_force", "nuclear_test", "2000-01-01"),
        ]
    )
    assert level_on(ds, "2001-05-31", "space_launch", "negotiation") == "collapsed"  # no end, no lifetime
    assert level_on(ds, "2001-06-01", "space_launch", "negotiation") == "engaged"
    assert level_on(ds, "2010-01-01", "space_launch", "negotiation") == "engaged"
    # another signal's record does not end it
    assert level_on(ds, "2010-01-01", "nuclear_test", "moratorium") == "in_force"


def test_the_record_that_started_last_wins_and_none_is_neutral(make_data):
    ds = make_data(
        signals=[
            rec("site_activity", "preparation", "space_launch", "2000-01-01", lifetime_days="60"),
            rec("site_activity", "imminent", "space_launch", "2000-01-20", lifetime_days="5"),
        ]
    )
    table = state_on(ds.signals, "2000-01-22")
    assert _level(table, "space_launch", "site_activity") == "imminent"
    assert table.loc["space_launch", ("site_activity", "record")] == "S002"
    # when the later one expires, the earlier one, still in force, shows again
    assert level_on(ds, "2000-01-25", "space_launch", "site_activity") == "preparation"
    assert level_on(ds, "2000-03-01", "space_launch", "site_activity") == "none"
    assert table.loc["nuclear_test", ("site_activity", "record")] == ""  # no record: neutral, no id


def test_a_records_scope_names_the_components_it_bears_on(make_data):
    ds = make_data(
        signals=[
            rec("site_activity", "preparation", "ballistic_missile", "2000-01-01", lifetime_days="30"),
            rec("rhetoric", "threatening", "all", "2000-01-01", lifetime_days="30"),
            rec("moratorium", "in_force", "nuclear_test;long_range_missile", "2000-01-01"),
        ]
    )
    table = state_on(ds.signals, "2000-01-10")
    on = {c for c in table.index if _level(table, c, "site_activity") == "preparation"}
    assert on == {"long_range_missile", "other_ballistic"}  # ballistic_missile is the union of both
    assert (table[("rhetoric", "level")] == "threatening").all()
    assert {c for c in table.index if _level(table, c, "moratorium") == "in_force"} == {
        "nuclear_test",
        "long_range_missile",
    }
    # a question about a union type sees the strongest level any of its components records
    assert question_state(ds.signals, "2000-01-10", "ballistic_missile")["site_activity"] == "preparation"
    assert question_state(ds.signals, "2000-01-10", "any")["moratorium"] == "in_force"
    assert question_state(ds.signals, "2000-01-10", "space_launch")["moratorium"] == "none"


def test_strongest_level_is_the_least_neutral():
    assert strongest_level("site_activity", ["none", "imminent", "preparation"]) == "imminent"
    assert strongest_level("announcement", ["plan", "notice@2012-04-12/2012-04-16"]) == "notice@2012-04-12/2012-04-16"
    assert strongest_level("rhetoric", ["neutral", "neutral"]) == "neutral"
    assert strongest_level("rhetoric", []) == "neutral"
    # on a scale with the neutral level in the middle, either side beats it
    assert strongest_level("rhetoric", ["neutral", "conciliatory"]) == "conciliatory"


def test_a_table_changed_after_its_first_use_is_read_afresh(make_data):
    """State is cached per signals table; a new table (e.g. with an analyst's record) is not
    answered from the old one's cache."""
    ds = make_data(signals=[rec("rhetoric", "threatening", "all", "2000-01-01", lifetime_days="30")])
    assert level_on(ds, "2000-01-10", "engine_test", "rhetoric") == "threatening"
    more = make_data(signals=[rec("rhetoric", "conciliatory", "all", "2000-01-01", lifetime_days="30")])
    assert level_on(more, "2000-01-10", "engine_test", "rhetoric") == "conciliatory"


# ------------------------------------------------------------------ the shipped record


def test_leap_day_2012_announcement_counts_only_once_published():
    sg = load_signals()
    before = state_on(sg, "2012-03-15")
    after = state_on(sg, "2012-03-17")
    assert _level(before, "space_launch", "announcement") == "none"
    assert _level(after, "space_launch", "announcement") == "notice"
    assert _level(after, "space_launch", "moratorium") == "in_force"
    assert _level(after, "space_launch", "negotiation") == "engaged"
    # a nuclear-test question is not moved by a satellite announcement
    assert _level(after, "nuclear_test", "announcement") == "none"


def test_a_record_published_after_the_cut_is_ignored():
    sg = load_signals()
    # US intelligence saw preparation in mid-August 1998, reported only after the launch
    as_known_then = state_on(sg, "1998-08-25")
    as_known_later = state_on(sg, "1998-08-25", cut="1998-12-31")
    assert _level(as_known_then, "space_launch", "site_activity") == "none"
    assert _level(as_known_later, "space_launch", "site_activity") == "preparation"


def test_planted_future_record_does_not_change_an_earlier_state():
    sg = load_signals()
    planted = pd.DataFrame(
        [
            {
                "id": "X1",
                "signal": "site_activity",
                "level": "imminent",
                "events": "nuclear_test",
                "occurred": pd.Timestamp("2019-03-01"),
                "published": pd.Timestamp("2019-03-20"),
                "end": pd.NaT,
                "lifetime_days": 60,
                "source": "planted",
                "note": "",
                "scope": ("nuclear_test",),
            }
        ]
    )
    both = pd.concat([sg, planted], ignore_index=True)
    assert _level(state_on(both, "2019-03-10"), "nuclear_test", "site_activity") == "none"
    assert _level(state_on(both, "2019-03-21"), "nuclear_test", "site_activity") == "imminent"


def test_pulses_expire_and_open_states_run_until_superseded():
    sg = load_signals()
    # the 2012 notice ran to the end of its window, 16 April
    assert _level(state_on(sg, "2012-04-16"), "space_launch", "announcement") == "notice"
    assert _level(state_on(sg, "2012-04-17"), "space_launch", "announcement") == "none"
    # Leap Day engagement runs until the collapse of 17 April; collapse lasts a year, then 'stalled'
    assert _level(state_on(sg, "2012-04-10"), "engine_test", "negotiation") == "engaged"
    assert _level(state_on(sg, "2012-05-01"), "engine_test", "negotiation") == "collapsed"
    assert _level(state_on(sg, "2013-05-01"), "engine_test", "negotiation") == "stalled"


def test_hanoi_2019_state():
    sg = load_signals()
    table = state_on(sg, "2019-03-10")
    assert _level(table, "space_launch", "site_activity") == "preparation"
    assert _level(table, "engine_test", "site_activity") == "preparation"
    assert _level(table, "other_ballistic", "negotiation") == "collapsed"
    assert _level(table, "nuclear_test", "moratorium") == "in_force"


def test_realtime_timeline_starts_at_publication():
    sg = load_signals()
    days = pd.date_range("2019-02-20", "2019-03-10")
    t = signal_timeline(sg, "site_activity", "long_range_missile", days)
    # Sanumdong imagery of 22 Feb was published on 8 Mar
    assert (t.loc[:"2019-03-06", "level"] == "none").all()
    assert t.loc["2019-03-08", "level"] == "preparation"


def test_question_state_for_union_types_keeps_the_strongest_level():
    sg = load_signals()
    state = question_state(sg, "2013-04-10", "ballistic_missile")
    assert state["site_activity"] == "imminent"  # the Musudan launchers (long-range component)
