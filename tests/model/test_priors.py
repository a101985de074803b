"""Prior files: every shipped file valid and plausible, every bad file one InputError naming the
file and the key, and the arithmetic from the analyst's 90% intervals to the model's normals."""

import math
import re
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from forecast.core.errors import InputError
from forecast.data.vocab import COMPONENTS, CONTEXT_SIGNALS, WARNING_KINDS
from forecast.model.feature_names import FEATURES
from forecast.model.posterior import prior_arrays
from forecast.model.prior_predictive import yearly_counts
from forecast.model.priors import DEFAULT_PRIORS, Z90, BaseRate, Effect, WarningPrior, available_priors, load_priors

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


# ------------------------------------------------------------------ the shipped files


@pytest.mark.parametrize("path", available_priors(), ids=lambda p: p.name)
def test_every_prior_file_is_valid_and_its_prior_predictive_plausible(ds, path):
    pr = load_priors(path)
    assert set(pr.base_rate) == set(COMPONENTS) and set(pr.effect) == set(FEATURES)
    assert set(pr.fade) == set(CONTEXT_SIGNALS) and set(pr.warning) == set(WARNING_KINDS)
    for spec in [*pr.base_rate.values(), *pr.effect.values(), *pr.warning.values()]:
        assert spec.rationale and spec.source
    table = yearly_counts(ds, pr, n_draws=400, seed=0).set_index("component")
    # implied yearly event-days: neither absurdly rare nor absurdly frequent
    assert (table["prior median / yr"] > 0.01).all() and (table["prior median / yr"] < 60).all()
    # the record sits inside the prior's 90% range for every component
    assert (table["observed / yr"] >= table["prior 5%"]).all()
    assert (table["observed / yr"] <= table["prior 95%"]).all()


def test_a_prior_files_digest_is_its_bytes(tmp_path):
    copy = tmp_path / "default.toml"
    copy.write_bytes(DEFAULT_PRIORS.read_bytes())
    assert load_priors(copy).digest == load_priors().digest
    copy.write_bytes(DEFAULT_PRIORS.read_bytes() + b"\n# a comment changes the file, so the fits\n")
    assert load_priors(copy).digest != load_priors().digest
    assert load_priors(copy).path == str(copy)


# ------------------------------------------------------------------ bad files


def _section(text: str, header: str) -> str:
    """The text of one [table] of a TOML file, up to the next header."""
    start = text.index(header)
    nxt = text.find("\n[", start + len(header))
    return text[start : nxt if nxt >= 0 else len(text)]


DEFAULT = DEFAULT_PRIORS.read_text(encoding="utf-8")
BAD = {
    # case: (new text, field named, words in the message)
    "misspelt entry key": (None, "effect.site_activity=preparation.spraed", "unknown key 'spraed'"),
    "misspelt table": (DEFAULT + "\n[prior]\nx = 1\n", "prior", "unknown key 'prior'"),
    "unknown component": (
        DEFAULT.replace("[base_rate.nuclear_test]", "[base_rate.nuclear_tset]"),
        None,
        "[base_rate] unknown key 'nuclear_tset'",
    ),
    "missing entry": (
        DEFAULT.replace(_section(DEFAULT, "[fade.moratorium]"), ""),
        None,
        "[fade] missing entry 'moratorium'",
    ),
    "interval out of order": (
        DEFAULT.replace("per_year = 0.1\nlow = 0.01", "per_year = 0.1\nlow = 0.5", 1),
        "base_rate.nuclear_test",
        "need low < per_year < high, got 0.5, 0.1, 0.8",
    ),
    "negative rate": (DEFAULT.replace("per_year = 2.0", "per_year = -2.0", 1), "base_rate.other_ballistic.per_year",
                      "greater than 0"),
    "impossible rate": (DEFAULT.replace("high = 15.0", "high = 400.0", 1), "base_rate.other_ballistic",
                        "365 or more events a year"),
    "hit rate above one": (DEFAULT.replace("hit_rate = 0.85", "hit_rate = 1.2", 1), "warning.notice.hit_rate",
                           "less than 1"),
    "empty rationale": (
        re.sub(r'rationale = "The background rate only[^\n]*', 'rationale = ""', DEFAULT, count=1),
        "base_rate.space_launch.rationale",
        "at least 1 character",
    ),
    "bad TOML": (DEFAULT + "\n[meta\n", None, "not valid TOML"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_prior_file_is_one_error_naming_the_file_and_the_key(tmp_path, case):
    text, field, words = BAD[case]
    if text is None:
        path = FIXTURES / "bad_unknown_key.toml"
    else:
        path = tmp_path / "mine.toml"
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_priors(path)
    e = err.value
    assert e.file == str(path) and words in str(e), str(e)
    if field:
        assert e.field == field and f"field '{field}'" in str(e)


def test_a_missing_or_unreadable_prior_file_is_named(tmp_path):
    with pytest.raises(InputError) as err:
        load_priors(tmp_path / "nope.toml")
    assert "nope.toml" in str(err.value) and "shipped files: default.toml, sceptical.toml" in str(err.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(DEFAULT.replace("Six tests", "Six tests \u2013", 1).encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8") as err:
        load_priors(latin)
    assert err.value.file == str(latin)


def test_the_recency_effects_may_be_written_in_their_own_table():
    """[effect.recency.X] and [effect."X"] are the same entry."""
    pr = load_priors()
    assert "[effect.recency.same_type_30d]" in DEFAULT
    assert {"same_type_30d", "same_type_rate_365d", "other_type_30d"} <= set(pr.effect)
    assert "recency" not in pr.effect


# ------------------------------------------------------------------ intervals to normals


def test_z90_is_the_normals_95th_percentile():
    assert NormalDist().inv_cdf(0.95) == pytest.approx(Z90, abs=1e-12)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_a_base_rate_is_a_normal_on_the_daily_logit():
    br = BaseRate(per_year=2.0, low=0.2, high=15.0, rationale="r", source="s")
    mean, sd = br.logit_daily()
    assert mean == pytest.approx(_logit(2 / 365))
    # the analyst's 90% interval is 2 * Z90 standard deviations wide on the logit scale
    assert 2 * Z90 * sd == pytest.approx(_logit(15 / 365) - _logit(0.2 / 365))
    # a rate symmetric on the logit scale maps its interval exactly onto the normal's 5% and 95%
    low, high = 1 / (1 + math.exp(-(_logit(0.01) - 1))), 1 / (1 + math.exp(-(_logit(0.01) + 1)))
    sym = BaseRate(per_year=0.01 * 365, low=low * 365, high=high * 365, rationale="r", source="s")
    m, s = sym.logit_daily()
    assert NormalDist(m, s).inv_cdf(0.05) == pytest.approx(_logit(low))
    assert NormalDist(m, s).inv_cdf(0.95) == pytest.approx(_logit(high))


def test_an_effect_is_a_normal_on_the_log_odds_ratio():
    e = Effect(odds_ratio=2.0, low=1.0, high=4.0, spread=0.4, rationale="r", source="s")
    mean, sd = e.log_odds()
    assert mean == pytest.approx(math.log(2.0))
    # 1 to 4 around 2 is symmetric on the log scale: exactly the normal's 90% interval
    assert math.exp(NormalDist(mean, sd).inv_cdf(0.05)) == pytest.approx(1.0)
    assert math.exp(NormalDist(mean, sd).inv_cdf(0.95)) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="need low < odds_ratio < high"):
        Effect(odds_ratio=5.0, low=1.0, high=4.0, spread=0.4, rationale="r", source="s")


def test_a_warnings_hit_rate_and_lead_time_are_normals_on_logit_and_log():
    w = WarningPrior(
        hit_rate=0.5, low=0.2, high=0.8, spread=0.5, lead_days=10.0, lead_low=2.5, lead_high=40.0, span_days=30,
        rationale="r", source="s",
    )  # fmt: skip
    hit_mean, hit_sd = w.logit_hit()
    assert hit_mean == pytest.approx(0.0)
    assert NormalDist(hit_mean, hit_sd).inv_cdf(0.95) == pytest.approx(_logit(0.8))
    lead_mean, lead_sd = w.log_lead()
    assert math.exp(lead_mean) == pytest.approx(10.0)
    assert math.exp(NormalDist(lead_mean, lead_sd).inv_cdf(0.05)) == pytest.approx(2.5)
    assert w.gap_days == 0  # notices only; other kinds start when public
    with pytest.raises(ValueError, match="need lead_low < lead_days < lead_high"):
        WarningPrior(**{**w.model_dump(), "lead_days": 50.0})


def test_the_models_prior_arrays_follow_the_file(priors):
    arrays = prior_arrays(priors)
    for i, c in enumerate(COMPONENTS):
        assert (arrays["alpha_mu"][i], arrays["alpha_sd"][i]) == pytest.approx(priors.base_rate[c].logit_daily())
    for j, f in enumerate(FEATURES):
        assert (arrays["mu_mu"][j], arrays["mu_sd"][j]) == pytest.approx(priors.effect[f].log_odds())
        assert arrays["spread"][j] == priors.effect[f].spread
    for i, w in enumerate(WARNING_KINDS):
        assert (arrays["hit_mu"][i], arrays["hit_sd"][i]) == pytest.approx(priors.warning[w].logit_hit())
        assert (arrays["lead_mu"][i], arrays["lead_sd"][i]) == pytest.approx(priors.warning[w].log_lead())
    assert all(np.all(arrays[k] > 0) for k in ("alpha_sd", "mu_sd", "spread", "hit_sd", "lead_sd"))
