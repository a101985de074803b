"""Scenario trees: validation, the mixture arithmetic, horizons, the back-check and the CLI."""

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.answers import scenarios as sc
from forecast.answers.answerer import Answerer
from forecast.cli.main import app
from forecast.core.errors import InputError
from forecast.data.dataset import load_dataset
from forecast.model.fitted import FitStore
from forecast.model.posterior import SamplerSettings
from forecast.model.priors import load_priors
from forecast.workspace import scenario_files as sf

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "data" / "scenarios").glob("*.toml"))
POST_SUMMIT = ROOT / "data" / "scenarios" / "post-summit-failure.toml"
TINY = SamplerSettings(draws=100, tune=150, chains=2, cores=1)


def tree_text(**over) -> str:
    branches = over.pop(
        "branches",
        """
[branches.a]
title = "A"
probability = 0.25
rationale = "r"
evidence = { announcement = "issued" }

[branches.b]
title = "B"
probability = 0.75
rationale = "r"
evidence = { negotiation = "engaged", rhetoric = "conciliatory:0.5" }
""",
    )
    head = over.pop("head", '[tree]\nname = "T"\ndescription = "d"\n')
    return head + branches


def write(tmp_path, text, name="tree.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_trees_are_valid_with_rationales(path):
    tree = sf.load(path)
    assert abs(sum(tree.weights().values()) - 1) < 1e-9
    assert tree.tree.back_check, "every shipped tree says where it can be back-checked"
    assert all(b.rationale and b.source for b in tree.branches.values())


def test_at_least_five_situations_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {
        "post-summit-failure",
        "moratorium-deal",
        "sanctions-relief",
        "new-sanctions",
        "satellite-programme",
    } <= names


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (tree_text().replace("0.75", "0.7"), "branches.*.probability", "sum to 0.95"),
        (tree_text().replace('announcement = "issued"', 'annoucement = "issued"'), "branches.a.evidence.annoucement",
         "unknown signal"),
        (tree_text().replace('announcement = "issued"', 'announcement = "maybe"'), "branches.a.evidence.announcement",
         "unknown level"),
        (tree_text().replace("conciliatory:0.5", "conciliatory:1.5"), "branches.b.evidence.rhetoric", "confidence"),
        (tree_text(branches="[branches]\n"), "branches", "at least one branch"),
        (tree_text(branches=""), "branches", "Field required"),
        (tree_text().replace("probability = 0.25", "probability = 0.25\nweight = 2"), "branches.a.weight",
         "unknown key"),
        (tree_text().replace("probability = 0.25", "probability = -0.25"), "branches.a.probability", "greater than"),
        (tree_text(head='[tree]\nname = "T"\ndescription = "d"\ndraws_on = ["nowhere"]\n'), "tree.draws_on[0]",
         "unknown episode"),
    ],
    ids=["sum", "signal", "level", "confidence", "empty", "no-branches", "unknown-key", "negative", "episode"],
)  # fmt: skip
def test_bad_trees_name_the_file_and_key(tmp_path, text, field, fragment):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        sf.load(path)
    message = str(exc.value)
    assert "tree.toml" in message and f"'{field}'" in message and fragment in message


def test_a_notice_with_its_window_and_issued_are_branch_evidence(tmp_path):
    text = tree_text().replace(
        'evidence = { announcement = "issued" }', 'evidence = { announcement = "notice@2019-3-10/2019-03-20:0.8" }'
    )
    text = text.replace('rhetoric = "conciliatory:0.5" }', 'rhetoric = "conciliatory:0.5", announcement = "issued" }')
    with pytest.raises(InputError) as exc:  # dates must be ISO: 2019-03-10
        sf.load(write(tmp_path, text))
    assert "'branches.a.evidence.announcement'" in str(exc.value) and "2019-3-10" in str(exc.value)
    tree = sf.load(write(tmp_path, text.replace("2019-3-10", "2019-03-10")))
    assert tree.evidence("a") == {"announcement": ("notice@2019-03-10/2019-03-20", 0.8)}
    assert tree.evidence("b")["announcement"] == ("issued", 1.0)
    backwards = text.replace("2019-3-10/2019-03-20", "2019-03-20/2019-03-10")
    with pytest.raises(InputError) as exc:
        sf.load(write(tmp_path, backwards))
    assert "'branches.a.evidence.announcement'" in str(exc.value) and "ends before it starts" in str(exc.value)
    assert "2019-03-20/2019-03-10" in str(exc.value)
    with pytest.raises(InputError, match="only announcement=notice takes a window"):
        sf.load(write(tmp_path, text.replace("notice@2019-3-10/2019-03-20:0.8", "plan@2019-03-10/2019-03-20")))


def test_broken_toml_is_named(tmp_path):
    with pytest.raises(InputError, match="not valid TOML"):
        sf.load(write(tmp_path, "[tree\nname="))


class Stub:
    """Answers with fixed draws per evidence, for hand-checked arithmetic."""

    def __init__(self, table):
        self.table = table

    def probability(self, event, window, evidence, start=0):
        return np.array(self.table[tuple(sorted(evidence))])


def test_mixture_and_sensitivity_by_hand(tmp_path):
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
def answerer(tmp_path_factory):
    ds, priors = load_dataset(), load_priors()
    fit = FitStore(tmp_path_factory.mktemp("fits")).get(ds, priors, "2019-03-01", TINY, seed=5)
    return Answerer(ds, priors, fit)


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


def test_saving_writes_a_valid_file_and_never_over_another(tmp_path):
    tree = sf.load(POST_SUMMIT)
    edited = tree.model_copy(deep=True)
    edited.branches["pressure"].probability = 0.4
    edited.branches["back_to_talks"].probability = 0.4
    out = sf.save(edited, tmp_path / "mine.toml")
    again = sf.load(out)
    assert again.weights() == {"pressure": 0.4, "punishment": 0.2, "back_to_talks": 0.4}
    assert again.branches["back_to_talks"].takes_effect_after_days == 60
    assert tomllib.loads(out.read_text())["tree"]["name"] == tree.tree.name
    (tmp_path / "other.toml").write_text("keep me")
    with pytest.raises(InputError, match="different scenario file"):
        sf.save(edited, tmp_path / "other.toml")
    assert (tmp_path / "other.toml").read_text() == "keep me"
    sf.save(edited, out, opened=out)  # the file it was opened from may be replaced
    bad = edited.model_copy(deep=True)
    bad.branches["pressure"].probability = 0.9
    with pytest.raises(InputError, match="sum to"):
        sf.save(bad, out, opened=out)
    assert sf.load(out).weights()["pressure"] == 0.4  # left as it was
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_scenarios_table_json_and_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "fits"))
    runner = CliRunner()
    args = ["scenarios", str(POST_SUMMIT), "--draws", "100", "--tune", "150", "--windows", "30,90"]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["as_of"] == "2019-03-01" and doc["weights"]["pressure"] == 0.5
    frame = pd.DataFrame(doc["forecasts"])
    assert set(frame["branch"]) == {"pressure", "punishment", "back_to_talks", sc.MIXTURE, sc.STATUS_QUO}
    assert len(frame) == 6 * 2 * 5 and {"data_hash", "priors_hash", "model_version"} <= set(doc)
    table = runner.invoke(app, [*args, "--format", "md"])
    assert table.exit_code == 0 and "| space_launch" in table.stdout and "Sensitivity" in table.stdout
    bad = write(tmp_path, tree_text().replace("0.75", "0.6"))
    res = runner.invoke(app, ["scenarios", str(bad)])
    assert res.exit_code == 2 and "tree.toml" in res.stderr and "sum to" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, [*args, "--sensitivity-window", "365"])
    assert res.exit_code == 2 and "--sensitivity-window" in res.stderr


@pytest.mark.parametrize("windows", ["0,90", "90,90", "-5,90", "30,2000"])
def test_cli_rejects_bad_windows_before_fitting(windows):
    res = CliRunner().invoke(app, ["scenarios", str(POST_SUMMIT), "--windows", windows])
    assert res.exit_code == 2 and "--windows" in res.stderr and "Traceback" not in res.output


def test_tree_dates_are_checked(tmp_path):
    late = tree_text(head='[tree]\nname = "T"\ndescription = "d"\nback_check = [2090-01-01]\n')
    with pytest.raises(InputError, match="tree.back_check"):
        sf.load(write(tmp_path, late))
    early = tree_text(head='[tree]\nname = "T"\ndescription = "d"\nas_of = 1995-01-01\n')
    with pytest.raises(InputError, match="'tree.as_of'"):
        sf.load(write(tmp_path, early))


def test_a_one_branch_tree_has_no_sensitivity(tmp_path):
    one = tree_text(branches='[branches.only]\ntitle = "O"\nprobability = 1.0\nrationale = "r"\n')
    tree = sf.load(write(tmp_path, one))
    stub = Stub({(): [0.2, 0.4]})
    sens = sc.sensitivity(tree, stub, ("any",), (90,))
    assert sens["plus"].abs().max() == 0 and sens["minus"].abs().max() == 0


def test_quoted_branch_keys_round_trip(tmp_path):
    text = tree_text().replace("[branches.b]", '[branches."back to talks"]')
    tree = sf.load(write(tmp_path, text))
    again = sf.load(sf.save(tree, tmp_path / "out.toml"))
    assert list(again.branches) == ["a", "back to talks"]


def test_later_evidence_holds_even_when_todays_record_says_the_same(answerer):
    """Evidence from day 120 at the level the data record today must hold from day 120, even after
    today's record has faded or expired (a branch is not the status quo in disguise)."""
    ds, priors = answerer.ds, answerer.priors
    later = Answerer(ds, priors, answerer.fit, as_of="2019-03-08")  # Sohae preparation in the record
    assert later.data_levels("space_launch")["site_activity"] == "preparation"
    sq = later.probability("space_launch", 365, {}).mean()
    branch = later.probability("space_launch", 365, {"site_activity": ("preparation", 1.0)}, start=120).mean()
    assert branch > sq
