"""Proper scores by hand: the Brier score, the log loss (clipped), the AUC, reliability bins, skill
against a baseline with a bootstrap interval, and routine/warning origins scored apart."""

import math

import numpy as np
import pandas as pd
import pytest

from forecast.evaluation.scoring import (
    EPS,
    bootstrap_brier_difference,
    by_origin_kind,
    reliability,
    score,
    scores_table,
    select_origins,
    skill_table,
    window_order,
)


def test_scores_on_hand_checked_cases():
    s = score(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.6, 0.4]))
    assert s["brier"] == pytest.approx((0.01 + 0.01 + 0.16 + 0.16) / 4)
    assert s["log_loss"] == pytest.approx(-(np.log(0.9) + np.log(0.9) + np.log(0.6) + np.log(0.6)) / 4)
    assert s["auc"] == pytest.approx(1.0)
    assert (s["n"], s["events"]) == (4, 2)
    assert np.isnan(score(np.array([0, 0]), np.array([0.2, 0.3]))["auc"])
    # log score clips certainty so one miss is costly but finite
    assert np.isfinite(score(np.array([1]), np.array([0.0]))["log_loss"])


def test_brier_and_log_loss_of_three_forecasts():
    s = score(np.array([1, 0, 0]), np.array([0.7, 0.2, 0.4]))
    assert s["brier"] == pytest.approx((0.3**2 + 0.2**2 + 0.4**2) / 3)  # 0.09667
    assert s["log_loss"] == pytest.approx(-(math.log(0.7) + math.log(0.8) + math.log(0.6)) / 3)
    assert s["auc"] == 1.0  # the one event has the highest forecast


def test_auc_counts_ordered_pairs_and_half_a_tie():
    # events at 0.8, 0.3, 0.6; non-events at 0.4, 0.3: of 6 pairs, 4 ordered right, 1 wrong, 1 tie
    s = score(np.array([1, 1, 0, 0, 1]), np.array([0.8, 0.3, 0.4, 0.3, 0.6]))
    assert s["auc"] == pytest.approx(4.5 / 6)
    # reversing the forecasts reverses the ranking
    assert score(np.array([1, 1, 0, 0, 1]), 1 - np.array([0.8, 0.3, 0.4, 0.3, 0.6]))["auc"] == pytest.approx(1.5 / 6)


def test_certainty_is_clipped_for_the_log_loss_only():
    s = score(np.array([1, 0]), np.array([0.0, 0.0]))
    assert s["brier"] == pytest.approx(0.5)  # (1 + 0) / 2: the Brier score takes the forecast as given
    assert s["log_loss"] == pytest.approx((-math.log(EPS) - math.log(1 - EPS)) / 2)
    assert score(np.array([1]), np.array([1.0]))["log_loss"] == pytest.approx(-math.log(1 - EPS))


def test_reliability_bins_carry_counts():
    y = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    p = np.array([0.1, 0.1, 0.2, 0.2, 0.8, 0.8, 0.9, 0.9])
    r = reliability(y, p, bins=2)
    # quantile bins: the median 0.5 splits the forecasts in two halves of four
    assert r["count"].tolist() == [4, 4]
    assert r["forecast"].tolist() == pytest.approx([0.15, 0.85])
    assert r["observed"].tolist() == pytest.approx([0.25, 0.75])
    # one forecast value everywhere: one bin
    assert reliability(np.array([0, 1, 1]), np.array([0.3, 0.3, 0.3]))["count"].tolist() == [3]


def test_bootstrap_difference_is_centred_on_the_mean_difference():
    g = pd.DataFrame(
        {
            "origin": ["a", "a", "b", "b"],
            "outcome": [1, 0, 1, 0],
            "model": [0.9, 0.1, 0.8, 0.2],
            "climatology": [0.5, 0.5, 0.5, 0.5],
        }
    )
    d, lo, hi = bootstrap_brier_difference(g, "climatology")
    assert d == pytest.approx(((0.01 + 0.01 + 0.04 + 0.04) - 4 * 0.25) / 4)
    # resampling the two origins: each has its own mean difference; the interval lies between them
    a, b = (0.01 + 0.01 - 0.5) / 2, (0.04 + 0.04 - 0.5) / 2
    assert a - 1e-12 <= lo <= d <= hi <= b + 1e-12 and lo < hi
    # with one origin there is nothing to resample
    one = bootstrap_brier_difference(g[g["origin"] == "a"], "climatology")
    assert one == pytest.approx((a, a, a))


def frame(**cols):
    n = len(cols["outcome"])
    base = {"priors": ["default.toml"] * n, "origin": [f"o{i}" for i in range(n)], "event": ["any"] * n,
            "window_days": [30] * n, "origin_kind": ["routine"] * n}  # fmt: skip
    return pd.DataFrame(base | cols)


def test_skill_against_a_baseline_by_hand():
    f = frame(outcome=[1, 0, 0, 1], model=[0.8, 0.2, 0.1, 0.6], climatology=[0.5] * 4)
    skill = skill_table(f, baselines=("climatology",))
    assert list(skill["event"]) == ["any", "all"]  # each question type, then everything pooled
    row = skill.iloc[-1]
    bm = (0.04 + 0.04 + 0.01 + 0.16) / 4
    assert row["brier_skill"] == pytest.approx(1 - bm / 0.25) and row["brier_diff"] == pytest.approx(bm - 0.25)
    assert row["n"] == 4 and row["diff_lo90"] <= row["brier_diff"] <= row["diff_hi90"] < 0


def test_the_scores_table_has_each_question_type_and_the_pooled_row():
    f = pd.concat(
        [
            frame(outcome=[1, 0], model=[0.9, 0.2], climatology=[0.5, 0.5]),
            frame(outcome=[0, 0], model=[0.3, 0.1], climatology=[0.5, 0.5]).assign(event="nuclear_test"),
        ],
        ignore_index=True,
    )
    table = scores_table(f, forecasters=("model", "climatology")).set_index(["event", "forecaster"])
    assert table.loc[("any", "model"), "brier"] == pytest.approx((0.01 + 0.04) / 2)
    assert table.loc[("nuclear_test", "model"), "brier"] == pytest.approx((0.09 + 0.01) / 2)
    assert table.loc[("all", "model"), "brier"] == pytest.approx((0.01 + 0.04 + 0.09 + 0.01) / 4)
    assert table.loc[("all", "climatology"), "brier"] == pytest.approx(0.25)
    assert np.isnan(table.loc[("nuclear_test", "model"), "auc"])  # no event: no ranking


def test_an_origin_of_both_kinds_is_scored_with_each():
    f = frame(outcome=[1, 0, 1], model=[0.9, 0.1, 0.5]).assign(origin_kind=["routine", "warning", "both"])
    assert select_origins(f, "routine")["origin"].tolist() == ["o0", "o2"]
    assert select_origins(f, "warning")["origin"].tolist() == ["o1", "o2"]
    with pytest.raises(ValueError, match="unknown origin kind"):
        select_origins(f, "weekly")
    old = f.drop(columns="origin_kind")  # written before warning origins existed: all routine
    assert len(select_origins(old, "routine")) == 3 and select_origins(old, "warning").empty
    stacked = by_origin_kind(f, lambda rows: pd.DataFrame({"priors": ["p"], "n": [len(rows)]}))
    assert stacked.to_dict("list") == {"priors": ["p", "p"], "origin_kind": ["routine", "warning"], "n": [2, 2]}


def test_windows_sort_as_numbers_with_the_pooled_row_last():
    w = pd.Series(["90", "365", "all", "30"])
    assert w.iloc[np.argsort(window_order(w).to_numpy(), kind="stable")].tolist() == ["30", "90", "365", "all"]
