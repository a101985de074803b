"""Model features on small synthetic records (recency counts, fades, the analyst's overrides) and
on the shipped record (no look-ahead in training or in a forecast window)."""

import numpy as np
import pandas as pd
import pytest

from forecast.data.dataset import Dataset
from forecast.data.event_days import component_event_days
from forecast.data.vocab import COMPONENTS
from forecast.model.feature_names import FEATURES, RECENCY_FEATURES, SIGNAL_FEATURES
from forecast.model.features import (
    FEATURE_INDEX,
    fade_factor,
    override_levels,
    recency_features,
    signal_features,
    training_cells,
    window_features,
    window_state,
)

AS_OF = "2012-03-17"
COL = FEATURE_INDEX


def days(first: str, last: str) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq="D")


def test_feature_names_are_the_context_signals_levels_then_recency():
    assert FEATURES == SIGNAL_FEATURES + RECENCY_FEATURES
    assert "rhetoric=threatening" in SIGNAL_FEATURES and "rhetoric=neutral" not in SIGNAL_FEATURES
    assert not any(f.startswith(("announcement", "site_activity")) for f in FEATURES)  # direct warnings are not


# ------------------------------------------------------------------ recency


@pytest.fixture
def synthetic(make_data):
    """Two space launches (10 Jan, 1 Mar 2000) and a short-range missile day (15 Feb 2000)."""
    return make_data(
        events=[
            {"date": "2000-01-10", "event": "space_launch"},
            {"date": "2000-03-01", "event": "space_launch"},
            {"date": "2000-02-15", "event": "ballistic_missile", "missile_class": "SRBM"},
        ],
        signals=[{"signal": "rhetoric", "level": "neutral", "events": "all", "occurred": "1999-01-01",
                  "published": "1999-01-01"}],
    )  # fmt: skip


def test_recency_counts_the_days_before_never_the_day_itself(synthetic):
    ev = component_event_days(synthetic.events)
    d = days("2000-01-01", "2000-04-30")
    rec = pd.DataFrame(recency_features(d.values.astype("datetime64[D]"), "space_launch", ev), index=d,
                       columns=RECENCY_FEATURES)  # fmt: skip
    same30 = rec["same_type_30d"]
    assert same30["2000-01-10"] == 0 and same30["2000-01-11"] == 1  # the launch day does not see itself
    assert same30["2000-02-09"] == 1 and same30["2000-02-10"] == 0  # 30 days: 10 Jan .. 8 Feb
    assert same30["2000-03-02"] == 1
    # log(1 + launches in the past 365 days), rounded to a tenth so that days pool into cells
    rate = rec["same_type_rate_365d"]
    assert rate["2000-01-10"] == 0 and rate["2000-01-11"] == pytest.approx(0.7)  # log 2
    assert rate["2000-03-02"] == pytest.approx(1.1)  # log 3
    # another component's event in the past 30 days: the missile of 15 Feb, for 30 days
    other = rec["other_type_30d"]
    assert other["2000-02-15"] == 0 and other["2000-02-16"] == 1 and other["2000-03-16"] == 1
    assert other["2000-03-17"] == 0
    # and for the missile component the two launches are the other type
    mis = recency_features(d.values.astype("datetime64[D]"), "other_ballistic", ev)
    assert mis[d.get_loc("2000-01-11"), 2] == 1 and mis[d.get_loc("2000-01-11"), 0] == 0


def test_recency_does_not_see_events_on_or_after_the_cut(synthetic):
    ev = component_event_days(synthetic.events)
    d = days("2000-03-05", "2000-03-10").values.astype("datetime64[D]")
    seen = recency_features(d, "space_launch", ev, known_before=np.datetime64("2000-03-01"))
    # the launch of 1 March is not known yet: the last one seen is 10 January (> 30 days ago)
    assert (seen[:, 0] == 0).all() and (seen[:, 1] == 0.7).all()  # log(1 + 1), to a tenth
    known = recency_features(d, "space_launch", ev, known_before=np.datetime64("2000-03-02"))
    assert (known[:, 0] == 1).all()


# ------------------------------------------------------------------ fades


def test_fades_halve_every_half_life_in_quarters_with_a_floor():
    age = np.array([0, 15, 30, 45, 60, 90, 400, -5])
    np.testing.assert_array_equal(fade_factor(age, 30), [1.0, 0.75, 0.5, 0.25, 0.25, 0.25, 0.25, 1.0])
    np.testing.assert_array_equal(fade_factor(age, None), np.ones(len(age)))  # a state that does not fade


def test_signal_features_fade_expire_and_hold_a_dated_window(make_data, priors):
    ds = make_data(
        signals=[
            # a threat published 5 days after it was made, lasting 60 days from then
            {"signal": "rhetoric", "level": "threatening", "events": "all", "occurred": "2000-01-01",
             "published": "2000-01-06", "lifetime_days": "60"},
            # talks collapse: an open state, no fade, until the next negotiation record
            {"signal": "negotiation", "level": "collapsed", "events": "all", "occurred": "2000-01-01",
             "published": "2000-01-01"},
            {"signal": "negotiation", "level": "engaged", "events": "all", "occurred": "2000-03-01",
             "published": "2000-03-01"},
            # sanctions with an explicit end: full weight until then
            {"signal": "sanctions", "level": "tightening", "events": "nuclear_test", "occurred": "2000-01-01",
             "published": "2000-01-01", "end": "2000-04-30"},
        ]
    )  # fmt: skip
    d = days("2000-01-01", "2000-06-30")
    X, levels = signal_features(ds.signals, "nuclear_test", d, priors)
    f = pd.DataFrame(X, index=d, columns=SIGNAL_FEATURES)
    threat = f["rhetoric=threatening"]
    # real time: nothing before publication; then the fade from the day it occurred (half-life 30)
    assert threat["2000-01-05"] == 0 and threat["2000-01-06"] == 1.0  # five days old: 0.89, in quarters 1
    assert threat["2000-01-16"] == 0.75  # 15 days: 0.71
    assert threat["2000-01-31"] == 0.5 and threat["2000-02-29"] == 0.25
    assert threat["2000-03-01"] == 0  # 60 days after it occurred it has expired
    assert levels["rhetoric"][d.get_loc("2000-03-01")] == "neutral"
    collapsed, engaged = f["negotiation=collapsed"], f["negotiation=engaged"]
    assert (collapsed[:"2000-02-29"] == 1).all() and (collapsed["2000-03-01":] == 0).all()
    assert (engaged["2000-03-01":] == 1).all()
    tight = f["sanctions=tightening"]
    assert (tight[:"2000-04-30"] == 1).all() and (tight["2000-05-01":] == 0).all()  # a dated end does not fade
    # a record about another event type does not bear on this component
    other, _ = signal_features(ds.signals, "space_launch", d, priors)
    assert (other[:, SIGNAL_FEATURES.index("sanctions=tightening")] == 0).all()


def test_signal_features_at_a_cut_count_a_record_from_the_day_it_occurred(make_data, priors):
    ds = make_data(
        signals=[{"signal": "rhetoric", "level": "threatening", "events": "all", "occurred": "2000-01-01",
                  "published": "2000-01-06", "lifetime_days": "60"}]
    )  # fmt: skip
    d = days("2000-01-01", "2000-01-20")
    col = SIGNAL_FEATURES.index("rhetoric=threatening")
    before, _ = signal_features(ds.signals, "engine_test", d, priors, cut=pd.Timestamp("2000-01-05"))
    after, _ = signal_features(ds.signals, "engine_test", d, priors, cut=pd.Timestamp("2000-01-06"))
    assert (before[:, col] == 0).all()  # not yet published at the cut
    assert after[0, col] == 1.0 and after[15, col] == 0.75  # faded from the day it occurred


# ------------------------------------------------------------------ the analyst's levels


def test_override_levels_start_afresh_fade_and_expire(priors):
    window = 100
    X = np.zeros((window, len(FEATURES)))
    X[:, COL["rhetoric=conciliatory"]] = 0.5  # the data's state
    X[:, COL["same_type_30d"]] = 1.0
    out = override_levels(X, {"rhetoric": "threatening", "announcement": "notice"}, priors, start=10)
    np.testing.assert_array_equal(out[:10], X[:10])  # days before the start keep the data's state
    assert (out[10:, COL["rhetoric=conciliatory"]] == 0).all()  # the other level is cleared
    expected = fade_factor(np.arange(90, dtype=float), priors.fade["rhetoric"].half_life_days)
    expected[priors.fade["rhetoric"].evidence_lifetime_days :] = 0.0  # 60 days, then gone
    np.testing.assert_array_equal(out[10:, COL["rhetoric=threatening"]], expected)
    assert out[10, COL["rhetoric=threatening"]] == 1.0 and out[10 + 60, COL["rhetoric=threatening"]] == 0.0
    # recency and the other signals are untouched; direct warnings are not features
    np.testing.assert_array_equal(out[:, COL["same_type_30d"]], X[:, COL["same_type_30d"]])
    assert X[10, COL["rhetoric=threatening"]] == 0  # the input is not changed in place


def test_override_levels_neutral_clears_and_states_without_fade_hold(priors):
    X = np.zeros((30, len(FEATURES)))
    X[:, COL["negotiation=engaged"]] = 1.0
    cleared = override_levels(X, {"negotiation": "stalled"}, priors)
    assert (cleared[:, COL["negotiation=engaged"]] == 0).all()
    assert not cleared[:, [COL[f] for f in SIGNAL_FEATURES if f.startswith("negotiation")]].any()
    held = override_levels(X, {"moratorium": "in_force"}, priors)
    assert (held[:, COL["moratorium=in_force"]] == 1.0).all()
    np.testing.assert_array_equal(override_levels(X, {"rhetoric": "threatening"}, priors, start=30), X)


# ------------------------------------------------------------------ training cells


def test_training_cells_pool_every_day_before_the_cut(make_data, priors):
    ds = make_data(
        events=[
            {"date": "1999-06-01", "event": "nuclear_test"},
            {"date": "2000-01-10", "event": "space_launch"},
            {"date": "2000-03-01", "event": "space_launch"},
        ],
        signals=[{"signal": "rhetoric", "level": "threatening", "events": "all", "occurred": "1999-05-01",
                  "published": "1999-05-01", "lifetime_days": "60"}],
    )  # fmt: skip
    cut = pd.Timestamp("2000-02-01")
    cells = training_cells(ds, cut, priors)
    n_days = (cut - pd.Timestamp("1998-01-01")).days
    assert cells.n_days == n_days
    assert cells.n.sum() == n_days * len(COMPONENTS)  # no warned event days here: every day pooled
    by_component = pd.Series(cells.y).groupby(cells.component).sum()
    assert by_component.to_dict() == {COMPONENTS.index("space_launch"): 1, COMPONENTS.index("nuclear_test"): 1} | {
        COMPONENTS.index(c): 0 for c in COMPONENTS if c not in ("space_launch", "nuclear_test")
    }
    assert len(cells.spells.kind) == 0 and len(cells.warned.component) == 0
    # the threat's days form cells of their own, with the feature at its fade
    threat = cells.X[:, COL["rhetoric=threatening"]]
    assert set(np.unique(threat)) == {0.0, 0.25, 0.5, 0.75, 1.0}
    # without signals (the back-test's baseline) the signal columns are zero
    bare = training_cells(ds, cut, priors, signals=False)
    assert not bare.X[:, : len(SIGNAL_FEATURES)].any() and bare.n.sum() == cells.n.sum()


# ------------------------------------------------------------------ no look-ahead on the shipped record


def test_no_look_ahead_a_planted_future_event_does_not_change_the_fit_data(ds, priors):
    cut = pd.Timestamp(AS_OF)
    before = training_cells(ds, cut, priors)
    planted = pd.DataFrame(
        [
            {
                "date": pd.Timestamp("2012-03-20"),
                "event": "nuclear_test",
                "missile_class": "",
                "missiles": pd.NA,
                "vehicle": "",
                "site": "planted",
                "outcome": "success",
                "source": "test",
                "note": "",
            }
        ]
    )
    ds2 = Dataset(pd.concat([ds.events, planted], ignore_index=True), ds.signals, ds.data_hash + "-planted", ds.reach)
    after = training_cells(ds2, cut, priors)
    np.testing.assert_array_equal(before.X, after.X)
    np.testing.assert_array_equal(before.y, after.y)
    # ...while a cut after the planted event does see it
    assert (
        training_cells(ds2, pd.Timestamp("2012-03-25"), priors).y.sum()
        == training_cells(ds, pd.Timestamp("2012-03-25"), priors).y.sum() + 1
    )


def test_no_look_ahead_window_features_ignore_later_records(ds, priors):
    planted = ds.signals.iloc[[0]].copy()
    for col, value in {"id": "X1", "signal": "rhetoric", "level": "threatening", "events": "space_launch"}.items():
        planted[col] = value
    planted["scope"] = [("space_launch",)]
    planted["occurred"] = planted["published"] = pd.Timestamp("2012-03-18")
    planted["end"], planted["lifetime_days"] = pd.NaT, 30
    ds2 = Dataset(ds.events, pd.concat([ds.signals, planted], ignore_index=True), "planted", ds.reach)
    a = window_features(ds, pd.Timestamp(AS_OF), "space_launch", 30, priors)
    b = window_features(ds2, pd.Timestamp(AS_OF), "space_launch", 30, priors)
    np.testing.assert_array_equal(a, b)
    # the same record published on the as-of day does count
    planted["occurred"] = planted["published"] = pd.Timestamp(AS_OF)
    ds3 = Dataset(ds.events, pd.concat([ds.signals, planted], ignore_index=True), "planted-today", ds.reach)
    c, levels = window_state(ds3, pd.Timestamp(AS_OF), "space_launch", 30, priors)
    assert levels["rhetoric"] == "threatening" and c[0, COL["rhetoric=threatening"]] == 1.0
    assert not np.array_equal(a, c)
