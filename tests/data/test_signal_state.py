"""The state of the signals on a date, as known at a publication cut."""

import pandas as pd

from forecast.data.dataset import load_signals
from forecast.data.signal_state import question_state, signal_timeline, state_on


def _level(table, component, signal):
    return table.loc[component, (signal, "level")]


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
