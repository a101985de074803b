"""`forecast backtest` and `forecast episode` on the command line: bad input exits 2 with one clear
line before any work, the warning-origins flag reaches the configuration, and an episode replay
(fits from ``fake_sampler``) writes its table and plot."""

import io

import pandas as pd
from typer.testing import CliRunner

import forecast.evaluation.backtest as bt
from forecast.cli.main import app
from forecast.core.errors import InputError


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_bad_inputs_exit_2(tmp_path, work_dir, fake_sampler):
    out = invoke("episode", "no-such-episode")
    assert out.exit_code == 2 and "leap-day-2012" in out.stderr and "Traceback" not in out.output
    out = invoke("backtest", "--windows", "30,ninety", "--out", tmp_path / "x")
    assert out.exit_code == 2 and "ninety" in out.stderr and "--windows" in out.stderr
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = invoke("backtest", "--out", blocker / "sub", "--start", "2012-01-01", "--end", "2012-02-01")
    assert out.exit_code == 2 and "output directory" in out.stderr and "Traceback" not in out.output
    assert len(out.stderr.strip().splitlines()) == 1
    out = invoke("backtest", "--out", tmp_path / "y", "--start", "1990-01-01")
    assert out.exit_code == 2 and "--start" in out.stderr and "1990-01-01" in out.stderr
    assert fake_sampler == [] and not (tmp_path / "x").exists()


def test_cli_warning_origins_flag_reaches_the_configuration(monkeypatch, tmp_path):
    seen = []

    def stop(config, out, **kw):
        seen.append(config)
        raise InputError("stopped by the test", field="--out")

    monkeypatch.setattr(bt, "run", stop)
    for flag in ([], ["--no-warning-origins"], ["--warning-origins"]):
        result = invoke("backtest", "--out", tmp_path, *flag)
        assert result.exit_code == 2 and "stopped by the test" in result.stderr
    assert [c.warning_origins for c in seen] == [True, False, True]
    invoke("backtest", "--out", tmp_path, "--quick", "--draws", "120")
    assert seen[-1].refit == "yearly" and seen[-1].settings.draws == 120 and seen[-1].settings.tune == 100


def test_episode_replay_shows_the_2012_announcement(tmp_path, work_dir, fake_sampler):
    out = invoke("episode", "leap-day-2012", "--out", tmp_path, "--format", "csv", "--draws", "100", "--tune", "100")
    assert out.exit_code == 0, out.output
    assert out.stderr.strip() == f"plot: {tmp_path / 'leap-day-2012.png'}"
    table = pd.read_csv(tmp_path / "leap-day-2012.csv")
    assert (tmp_path / "leap-day-2012.png").stat().st_size > 10_000
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(out.stdout)), table)  # stdout is the file's table
    p = table.set_index("origin")["P(space_launch, 30d)"]
    # the announcement of 16 March, public that day, moves the forecast on the day and after it
    assert p["2012-03-19"] > 5 * p["2012-03-12"]
    assert "announcement=notice" in table.set_index("origin").loc["2012-03-16", "new evidence"]
    assert {cut for cut, _, _ in fake_sampler} == {"2012-02-01", "2012-03-01", "2012-04-01", "2012-05-01", "2012-06-01"}
