"""`forecast scenarios` on the command line: the tree as of its date in JSON, Markdown and CSV with
the back-check, and bad trees, windows and sensitivity windows refused before any fit. Fits other
than the session's come from ``fake_sampler`` (the command's output is under test, not the sampler)."""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.answers import scenarios as sc
from forecast.cli.main import app
from forecast.core.paths import DATA_DIR
from forecast.workspace import scenario_files as sf

POST_SUMMIT = DATA_DIR / "scenarios" / "post-summit-failure.toml"


def test_cli_scenarios_table_json_and_errors(cli_env, tiny_flags, tmp_path, tree_text, fake_sampler):
    runner = CliRunner()
    args = ["scenarios", str(POST_SUMMIT), *tiny_flags, "--windows", "30,90"]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["as_of"] == "2019-03-01" and doc["weights"]["pressure"] == 0.5
    frame = pd.DataFrame(doc["forecasts"])
    assert set(frame["branch"]) == {"pressure", "punishment", "back_to_talks", sc.MIXTURE, sc.STATUS_QUO}
    assert len(frame) == 6 * 2 * 5 and {"data_hash", "priors_hash", "model_version"} <= set(doc)
    assert doc["fit_as_of"] == "2019-03-01" and doc["back_check"] is None
    table = runner.invoke(app, [*args, "--format", "md"])
    assert table.exit_code == 0 and "| space_launch" in table.stdout and "Sensitivity" in table.stdout
    # one fit per run (a fake one is not stored where the next run would find it)
    assert fake_sampler == [("2019-03-01", "full", "default.toml")] * 2
    bad = tmp_path / "tree.toml"
    bad.write_text(tree_text().replace("0.75", "0.6"))
    res = runner.invoke(app, ["scenarios", str(bad)])
    assert res.exit_code == 2 and "tree.toml" in res.stderr and "sum to" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, [*args, "--sensitivity-window", "365"])
    assert res.exit_code == 2 and "--sensitivity-window" in res.stderr


def test_cli_scenarios_back_check_beside_what_happened(cli_env, tiny_flags, fake_sampler):
    tree = sf.load(POST_SUMMIT)
    res = CliRunner().invoke(
        app, ["scenarios", str(POST_SUMMIT), *tiny_flags, "--windows", "90", "--back-check", "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    forecasts, back_check = res.stdout.split("\n\n")
    long = pd.read_csv(io.StringIO(forecasts))
    assert {"branch", "event", "window_days", "probability", "data_hash"} <= set(long.columns)
    assert set(long["branch"]) == {*tree.branches, sc.MIXTURE, sc.STATUS_QUO} and set(long["window_days"]) == {90}
    checked = pd.read_csv(io.StringIO(back_check))
    assert set(checked["as_of"].astype(str)) == {str(d) for d in tree.tree.back_check}
    assert "what happened" in checked.columns
    assert sorted(cut for cut, _, _ in fake_sampler) == sorted({"2019-03-01", *map(str, tree.tree.back_check)})


@pytest.mark.parametrize("windows", ["0,90", "90,90", "-5,90", "30,2000"])
def test_cli_rejects_bad_windows_before_fitting(work_dir, fake_sampler, windows):
    res = CliRunner().invoke(app, ["scenarios", str(POST_SUMMIT), "--windows", windows])
    assert res.exit_code == 2 and "--windows" in res.stderr and "Traceback" not in res.output
    assert fake_sampler == []
