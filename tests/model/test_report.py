"""The numbers behind the Model page, from the session's small fit: priors against posteriors for
the direct warnings and the effects, the diagnostics table and the prior file's entries."""

import numpy as np
import pytest

from forecast.model import report as model_report
from forecast.model.feature_names import FEATURES
from forecast.model.fitted import prior_fit


def test_the_model_pages_warning_tables(small_fit, priors):
    frame = model_report.warnings(small_fit, priors)
    long = model_report.warnings_long(frame)
    assert len(long) == 4 * 2 * 2 and set(long["measure"]) == {"hit rate", "mean lead time (days)"}
    notice = long[(long["warning"] == "notice") & (long["source"] == "prior") & (long["measure"] == "hit rate")]
    assert notice[["low", "value", "high"]].iloc[0].tolist() == [0.5, 0.85, 0.98]  # priors/default.toml
    assert (long["low"] <= long["value"]).all() and (long["value"] <= long["high"]).all()
    entries = model_report.prior_entries(priors).set_index("entry")
    assert entries.loc["warning notice", "prior"].startswith("hit rate 0.85 (90% 0.5-0.98); mean lead 1.5 days")
    assert all(entries["rationale"].str.len() > 0)
    assert {"effect rhetoric=threatening", "warning plan", "fade rhetoric", "base rate space_launch"} <= set(
        entries.index
    )


def test_the_effects_table_shows_the_prior_file_beside_the_posterior(small_fit, priors):
    frame = model_report.effects(small_fit, priors).set_index("feature")
    assert list(frame.index) == list(FEATURES)
    spec = priors.effect["rhetoric=threatening"]
    row = frame.loc["rhetoric=threatening"]
    # the normal the model uses, read back as odds ratios: centred on the file's odds ratio, as wide
    # as the file's interval (which the analyst need not have written symmetric on the log scale)
    assert row["prior_odds_ratio"] == pytest.approx(spec.odds_ratio)
    assert row["prior_high"] / row["prior_low"] == pytest.approx(spec.high / spec.low)
    assert row["prior_low"] == pytest.approx(spec.odds_ratio * np.sqrt(spec.low / spec.high))
    assert (frame["posterior_low"] <= frame["posterior_odds_ratio"]).all()
    assert (frame["posterior_odds_ratio"] <= frame["posterior_high"]).all()
    long = model_report.effects_long(frame.reset_index())
    assert len(long) == 2 * len(FEATURES) and set(long["kind"]) == {"prior", "posterior"}


def test_the_diagnostics_table_marks_each_check(small_fit, priors):
    table = model_report.diagnostics(small_fit).set_index("check")
    assert list(table.index)[:2] == ["R-hat (max)", "bulk ESS (min)"]
    assert not table.loc["bulk ESS (min)", "ok"]  # 100 draws x 2 chains cannot reach 400
    assert bool(table.loc["divergent transitions", "ok"]) == (small_fit.diagnostics.divergences == 0)
    synthetic = model_report.diagnostics(prior_fit(priors, "2015-06-01", n=400)).set_index("check")
    assert synthetic["ok"].all()


def test_lead_time_curves_rise_to_one(small_fit):
    curves = model_report.lead_time_curves(small_fit, days=60)
    for kind, g in curves.groupby("kind"):
        assert (np.diff(g["median"]) >= 0).all(), kind
        assert (g["low"] <= g["median"]).all() and (g["median"] <= g["high"]).all()
    notice = curves[curves["kind"] == "notice"].set_index("day")
    assert notice.loc[60, "median"] > 0.99  # a notice's launch comes within days of its window
