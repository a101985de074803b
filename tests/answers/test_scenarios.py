"""Scenario trees answered: the mixture and its sensitivity by hand (a stub answerer), and with the
session's small fit as of 2019-03-01 (after the Hanoi summit): a branch's horizon, the back-check
against what happened, evidence that takes effect later."""

import numpy as np
import pytest

from forecast.answers import scenarios as sc
from forecast.answers.answerer import Answerer
from forecast.core.paths import DATA_DIR
from forecast.workspace import scenario_files as sf

POST_SUMMIT = DATA_DIR / "scenarios" / "post-summit-failure.toml"


def write(tmp_path, text, name="tree.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


class Stub:
    """Answers with fixed draws per evidence, for hand-checked arithmetic."""

    def __init__(self, table):
        self.table = table

    def probability(self, event, window, evidence, start=0):
        return np.array(self.table[tuple(sorted(evidence))])


def test_mixture_and_sensitivity_by_hand(tmp_path, tree_text):
    tree = sf.load(write(tmp_path, tree_text()))
    stub = Stub({(): [0.2, 0.2], ("announcement",): [0.1, 0.3], ("negotiation", "rhetoric"): [0.5, 0.7]})
    long = sc.evaluate(tree, stub, ("space_launch",), (30,)).set_index("branch")
    # mixture draw by draw: 0.25 * [0.1, 0.3] + 0.75 * [0.5, 0.7] = [0.4, 0.6]
    assert long.loc[sc.MIXTURE, "probability"] == pytest.approx(0.5)
    assert long.loc[sc.MIXTURE, "lower"] == pytest.approx(0.4 + 0.05 * 0.2)
    assert long.loc["a", "vs_status_quo"] == pytest.approx(0.0)
    assert long.loc["b", "vs_status_quo"] == pytest.approx(0.4)
    assert long.loc[sc.MIXTURE, "vs_status_quo"] == pytest.approx(0.3)
    sens = sc.sensitivity(tree, stub, ("space_launch",), (30,)).set_index("branch")
    # a: 0.35 / 0.65 -> 0.35 * 0.2 + 0.65 * 0.6 = 0.46;  0.15 / 0.85 -> 0.54
    assert sens.loc["a", "plus"] == pytest.approx(-0.04) and sens.loc["a", "minus"] == pytest.approx(0.04)
    assert sens.loc["b", "plus"] == pytest.approx(0.04)
    assert sc.shifted({"a": 0.95, "b": 0.05}, "a", 0.1) == {"a": 1.0, "b": 0.0}
    assert sc.shifted({"a": 1.0, "b": 0.0, "c": 0.0}, "a", -0.1) == pytest.approx({"a": 0.9, "b": 0.05, "c": 0.05})


@pytest.fixture(scope="module")
def answerer(ds, priors, small_fit):
    """As of 2019-03-01 with the small fit's draws (trained before 2012-03-17: never looks ahead)."""
    return Answerer(ds, priors, small_fit, as_of="2019-03-01")


def test_a_horizon_delays_the_branch(answerer):
    now = {"announcement": ("issued", 1.0)}
    sq30 = answerer.probability("space_launch", 30, {}).mean()
    assert answerer.probability("space_launch", 30, now, start=60).mean() == pytest.approx(sq30)
    later = answerer.probability("space_launch", 90, now, start=60).mean()
    assert (
        answerer.probability("space_launch", 90, {}).mean()
        < later
        < answerer.probability("space_launch", 90, now).mean()
    )


def test_back_check_at_hanoi_reports_what_happened(answerer):
    tree = sf.load(POST_SUMMIT)
    table = sc.back_check_rows(tree, answerer, ("ballistic_missile", "space_launch"), (30, 90))
    rows = table.set_index(["event", "window_days"])
    # the CNS database's 17 April 2019 test ("new tactical guided weapon"), then the 4 May KN-23 launches
    assert rows.loc[("ballistic_missile", 90), "what happened"] == "yes, first on 2019-04-17"
    assert rows.loc[("ballistic_missile", 30), "what happened"] == "no"
    assert rows.loc[("space_launch", 90), "what happened"] == "no"
    assert list(table.columns[3:]) == [*tree.branches, sc.MIXTURE, sc.STATUS_QUO, "what happened"]
    mix = rows.loc[("ballistic_missile", 90)]
    assert mix[sc.MIXTURE] == pytest.approx(sum(w * mix[k] for k, w in tree.weights().items()))


def test_a_one_branch_tree_has_no_sensitivity(tmp_path, tree_text):
    one = tree_text(branches='[branches.only]\ntitle = "O"\nprobability = 1.0\nrationale = "r"\n')
    tree = sf.load(write(tmp_path, one))
    stub = Stub({(): [0.2, 0.4]})
    sens = sc.sensitivity(tree, stub, ("any",), (90,))
    assert sens["plus"].abs().max() == 0 and sens["minus"].abs().max() == 0


def test_later_evidence_holds_even_when_todays_record_says_the_same(answerer):
    """Evidence from day 120 at the level the data record today must hold from day 120, even after
    today's record has faded or expired (a branch is not the status quo in disguise)."""
    ds, priors = answerer.ds, answerer.priors
    later = Answerer(ds, priors, answerer.fit, as_of="2019-03-08")  # Sohae preparation in the record
    assert later.data_levels("space_launch")["site_activity"] == "preparation"
    sq = later.probability("space_launch", 365, {}).mean()
    branch = later.probability("space_launch", 365, {"site_activity": ("preparation", 1.0)}, start=120).mean()
    assert branch > sq
