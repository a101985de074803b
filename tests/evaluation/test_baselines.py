"""The reference forecasters by hand: climatology, the recent rate and the outcome of a window."""

import numpy as np
import pytest

from forecast.evaluation.baselines import climatology, outcome, recent_rate


def test_baselines_by_hand():
    days = np.array(["1998-01-10", "1998-03-01"], dtype="datetime64[D]")
    origin = np.datetime64("1998-04-01")
    # recent rate: 2 events in the past year -> 1 - exp(-2/365 * 30)
    assert recent_rate(days, origin, 30) == pytest.approx(1 - np.exp(-2 / 365 * 30))
    # climatology: the share of the past 30-day windows (closed before 1 April) with an event,
    # shrunk by half an event: (hits + 0.5) / (n + 1)
    n_days = 31 + 28 + 31
    n_windows = n_days - 30 + 1
    hits = sum(
        1 for s in range(n_windows) if any(0 <= (d - np.datetime64("1998-01-01")).astype(int) - s < 30 for d in days)
    )
    assert hits == 10 + 30  # the windows starting 1-10 January and 31 January - 1 March
    assert climatology(days, origin, 30) == pytest.approx((hits + 0.5) / (n_windows + 1))
    assert outcome(days, np.datetime64("1998-02-10"), 30) == 1
    assert outcome(days, np.datetime64("1998-03-02"), 30) == 0


def test_baselines_never_see_the_origin_day_or_later():
    days = np.array(["2000-06-01"], dtype="datetime64[D]")
    on_the_day = np.datetime64("2000-06-01")
    one, thirty = np.timedelta64(1, "D"), np.timedelta64(30, "D")
    assert recent_rate(days, on_the_day, 30) == 0.0  # the event of the origin day is not known yet
    assert recent_rate(days, on_the_day + one, 30) > 0
    assert climatology(days, on_the_day, 30) == climatology(days[:0], on_the_day, 30)
    assert outcome(days, on_the_day, 1) == 1  # ... but it is the window's first day
    assert outcome(days, on_the_day - thirty, 30) == 0  # a window of 30 days ends the day before


def test_climatology_before_a_full_window_is_even_odds():
    assert climatology(np.array([], dtype="datetime64[D]"), np.datetime64("1998-01-20"), 30) == 0.5
