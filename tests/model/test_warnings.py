"""Direct warnings in the model: the arithmetic of one warning (when it fires, conditioned on not
having fired, daily hazards that telescope) and the record's warnings (windows, replacement, no
look-ahead, the usual window of a notice without dates, the record's share of notices)."""

import numpy as np
import pandas as pd
import pytest

from forecast.data.event_days import component_event_days
from forecast.model.warnings import (
    Warning,
    cumulative_fired,
    default_notice_window,
    notice_share,
    warning_hazard,
    warnings_in_force,
)

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


@pytest.mark.parametrize("lead", [0.05, 1.0, 3.0, 40.0, 2000.0])
@pytest.mark.parametrize("length", [1, 2, 11, 365])
def test_the_hazard_is_the_truncated_geometric_law(lead, length):
    """warning_hazard (written in log space) against the law in its plain power form:
    q = lead / (1 + lead), f(o) = (1 - q) q**o / (1 - q**L), F(o) = (1 - q**o) / (1 - q**L)."""
    offsets = np.arange(length)
    hit = 0.8
    q = lead / (1.0 + lead)
    f = (1 - q) * q**offsets / (1 - q**length)
    before = (1 - q**offsets) / (1 - q**length)
    np.testing.assert_allclose(warning_hazard(offsets, length, hit, lead), hit * f / (1 - hit * before), rtol=1e-9)


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
