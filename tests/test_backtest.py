"""Back-tests: scores on hand-checked cases, no look-ahead, resume, Dask, episodes, bad input."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestConfig, plan, run, run_part
from forecast.baselines import climatology, outcome, recent_rate
from forecast.errors import InputError
from forecast.model import SamplerSettings
from forecast.scoring import bootstrap_brier_difference, reliability, score

TINY = SamplerSettings(draws=100, tune=100, chains=2, cores=1)


def small(**kw) -> BacktestConfig:
    base = {
        "start": "2012-01-01",
        "end": "2012-06-30",
        "refit": "quarterly",
        "windows": (30, 90),
        "events": ("space_launch", "any"),
        "settings": TINY,
    }
    return BacktestConfig(**{**base, **kw})


# ------------------------------------------------------------------ scores by hand


def test_scores_on_hand_checked_cases():
    s = score(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.6, 0.4]))
    assert s["brier"] == pytest.approx((0.01 + 0.01 + 0.16 + 0.16) / 4)
    assert s["log_loss"] == pytest.approx(-(np.log(0.9) + np.log(0.9) + np.log(0.6) + np.log(0.6)) / 4)
    assert s["auc"] == pytest.approx(1.0)
    assert np.isnan(score(np.array([0, 0]), np.array([0.2, 0.3]))["auc"])
    # log score clips certainty so one miss is costly but finite
    assert np.isfinite(score(np.array([1]), np.array([0.0]))["log_loss"])


def test_reliability_bins_carry_counts():
    y = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    p = np.array([0.1, 0.1, 0.2, 0.2, 0.8, 0.8, 0.9, 0.9])
    r = reliability(y, p, bins=2)
    assert r["count"].sum() == 8
    assert r.iloc[0]["forecast"] < r.iloc[-1]["forecast"]


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
    assert lo <= d <= hi


def test_baselines_by_hand():
    days = np.array(["1998-01-10", "1998-03-01"], dtype="datetime64[D]")
    origin = np.datetime64("1998-04-01")
    # recent rate: 2 events in the past year -> 1 - exp(-2/365 * 30)
    assert recent_rate(days, origin, 30) == pytest.approx(1 - np.exp(-2 / 365 * 30))
    # climatology: of the 61 windows of 30 days closed by 1 April, 60 contain an event (+0.5)/(n+1)
    n_days = 31 + 28 + 31
    n_windows = n_days - 30 + 1
    hits = sum(
        1 for s in range(n_windows) if any(0 <= (d - np.datetime64("1998-01-01")).astype(int) - s < 30 for d in days)
    )
    assert climatology(days, origin, 30) == pytest.approx((hits + 0.5) / (n_windows + 1))
    assert outcome(days, np.datetime64("1998-02-10"), 30) == 1
    assert outcome(days, np.datetime64("1998-03-02"), 30) == 0


# ------------------------------------------------------------------ the run


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("bt-fits"))


def test_no_look_ahead_planted_future_event_and_record_do_not_change_earlier_forecasts(cache, tmp_path):
    data = tmp_path / "data"
    import shutil

    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    config = small(end="2012-03-31", refit="yearly", origins="monthly")
    [part] = plan(config)
    before = run_part(part, config, str(data), cache)
    with open(data / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("2012-03-05,space_launch,,,planted,Sohae,success,test plant,\n")
    with open(data / "signals.csv", "a", encoding="utf-8") as fh:
        fh.write("S999,site_activity,imminent,space_launch,2012-03-02,2012-03-02,,30,,,test plant,\n")
    after = run_part(part, config, str(data), cache)
    cols = ["model", "lower", "upper", "no_signals", "climatology", "recent_rate"]
    pd.testing.assert_frame_equal(before[cols], after[cols])
    # the outcome of a window that contains the planted event does change: it is the truth, not an input
    assert (after["outcome"] >= before["outcome"]).all() and (after["outcome"] > before["outcome"]).any()


def test_run_writes_outputs_and_resumes_without_redoing(cache, tmp_path, monkeypatch):
    out = tmp_path / "bt"
    config = small()
    frame = run(config, out, jobs=1, cache_dir=cache)
    for name in (
        "forecasts.csv",
        "scores.csv",
        "skill.csv",
        "reliability.csv",
        "report.md",
        "manifest.json",
        "reliability_space_launch.png",
        "path_space_launch.png",
    ):
        assert (out / name).exists(), name
    scores = pd.read_csv(out / "scores.csv")
    assert {"event", "window_days", "forecaster", "brier", "log_loss", "auc", "n"} <= set(scores.columns)
    assert set(scores["forecaster"]) == {"model", "climatology", "recent_rate", "no_signals"}
    assert len(frame) == 6 * 2 * 2  # origins x events x windows
    # resume: every part is on disk, so nothing is fitted or answered again
    import forecast.backtest as bt

    monkeypatch.setattr(bt, "run_part", lambda *a, **k: pytest.fail("redid a finished part"))
    again = run(config, out, jobs=1, cache_dir=cache)
    pd.testing.assert_frame_equal(frame, again)
    assert not list(out.rglob("*.tmp"))


def test_dask_path_on_a_local_cluster(cache, tmp_path):
    from distributed import LocalCluster

    config = small(end="2012-03-31", refit="monthly", events=("space_launch",), windows=(30,))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        frame = run(config, tmp_path / "dask", dask=cluster.scheduler_address, cache_dir=cache)
    assert len(frame) == 3 and frame["model"].between(0, 1).all()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"start": "1990-01-01"}, "--start"),
        ({"end": "2030-01-01"}, "--end"),
        ({"origins": "hourly"}, "--origins"),
        ({"windows": (0,)}, "--windows"),
        ({"events": ("rocket",)}, "--events"),
    ],
)
def test_bad_configurations(kw, field):
    with pytest.raises(InputError) as err:
        plan(small(**kw))
    assert err.value.field == field


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "forecast", *args], capture_output=True, text=True, timeout=600, env=env
    )


def test_cli_bad_inputs_exit_2(tmp_path):
    out = _cli("episode", "no-such-episode")
    assert out.returncode == 2 and "leap-day-2012" in out.stderr and "Traceback" not in out.stderr
    out = _cli("backtest", "--windows", "30,ninety", "--out", str(tmp_path / "x"))
    assert out.returncode == 2 and "ninety" in out.stderr
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = _cli("backtest", "--out", str(blocker / "sub"), "--start", "2012-01-01", "--end", "2012-02-01")
    assert out.returncode == 2 and "output directory" in out.stderr and "Traceback" not in out.stderr


def test_episode_replay_shows_the_2012_announcement(cache, tmp_path):
    env = {**os.environ, "FORECAST_CACHE_DIR": cache}
    out = _cli(
        "episode",
        "leap-day-2012",
        "--out",
        str(tmp_path),
        "--format",
        "csv",
        "--draws",
        "100",
        "--tune",
        "100",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "leap-day-2012.csv")
    assert (tmp_path / "leap-day-2012.png").stat().st_size > 10_000
    p = table.set_index("origin")["P(space_launch, 30d)"]
    # the announcement of 16 March is first public at the 19 March origin and moves the forecast
    assert p["2012-03-19"] > 5 * p["2012-03-12"]
    assert "announcement=notice" in table.set_index("origin").loc["2012-03-19", "new evidence"]


def test_two_prior_files_are_scored_side_by_side(cache, tmp_path):
    config = small(
        end="2012-01-31",
        refit="monthly",
        events=("space_launch",),
        windows=(30,),
        priors=("priors/default.toml", "priors/sceptical.toml"),
    )
    run(config, tmp_path / "two", jobs=1, cache_dir=cache)
    scores = pd.read_csv(tmp_path / "two" / "scores.csv")
    assert set(scores["priors"]) == {"default.toml", "sceptical.toml"}
    assert "sceptical.toml" in (tmp_path / "two" / "report.md").read_text()


@pytest.mark.slow
def test_full_quick_backtest_beats_climatology_overall(tmp_path):
    """The whole 2000-2024 record with --quick settings (about 2 minutes on 2 cores)."""
    frame = run(BacktestConfig.quick(), tmp_path / "full")
    skill = pd.read_csv(tmp_path / "full" / "skill.csv")
    overall = skill[(skill["event"] == "all") & (skill["baseline"] == "climatology")].iloc[0]
    assert overall["brier_skill"] > 0 and overall["diff_hi90"] < 0
    assert frame["outcome"].notna().sum() > 6000
