"""Back-tests: scores on hand-checked cases, no look-ahead, warning origins, resume, Dask, episodes,
the track record's tables, bad input."""

import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.core.errors import InputError
from forecast.data.dataset import Reach, write_reach
from forecast.evaluation import track_record
from forecast.evaluation.backtest import WARNING_LEVELS, BacktestConfig, plan, run, run_part, warning_records
from forecast.evaluation.baselines import climatology, outcome, recent_rate
from forecast.evaluation.scoring import (
    bootstrap_brier_difference,
    reliability,
    score,
    scores_table,
    select_origins,
    skill_table,
)
from forecast.model.posterior import SamplerSettings

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
    [part] = plan(config, str(data))
    kinds = {o.day.date().isoformat(): (o.kind, o.warning_records) for o in part.origins}
    assert kinds["2012-03-16"] == ("warning", ("S051",))  # the Unha-3 notice, published that day
    before = run_part(part, config, str(data), cache)
    # an event on the warning origin's own day and a record published the day after it
    with open(data / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("2012-03-16,space_launch,,,planted,Sohae,success,test plant,\n")
    with open(data / "signals.csv", "a", encoding="utf-8") as fh:
        fh.write("S999,site_activity,imminent,space_launch,2012-03-17,2012-03-17,,30,,,test plant,\n")
    after = run_part(part, config, str(data), cache)
    cols = ["model", "lower", "upper", "no_signals", "climatology", "recent_rate"]
    early = before["origin"] <= "2012-03-16"  # routine origins and the 16 March warning origin
    assert set(before.loc[early, "origin_kind"]) == {"routine", "warning"}
    pd.testing.assert_frame_equal(before.loc[early, cols], after.loc[early, cols])
    # the warning origin does use the record published that day: the notice moves the forecast
    p = before[(before["event"] == "space_launch") & (before["window_days"] == 30)].set_index("origin")["model"]
    assert p["2012-03-16"] > 3 * p["2012-03-01"]
    # the outcome of a window that contains the planted event does change: it is the truth, not an input
    assert (after["outcome"] >= before["outcome"]).all() and (after["outcome"] > before["outcome"]).any()
    # and the planted record's publication day becomes a warning origin of its own
    kinds = {o.day.date().isoformat(): (o.kind, o.warning_records) for p in plan(config, str(data)) for o in p.origins}
    assert kinds["2012-03-17"] == ("warning", ("S999",))


# ------------------------------------------------------------------ warning origins


def test_warning_levels_are_the_non_neutral_levels_of_the_direct_warning_signals():
    assert WARNING_LEVELS == {
        "announcement": {"issued", "notice", "plan"},  # before and after the notice/plan re-coding
        "site_activity": {"preparation", "imminent"},
    }
    signals = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f", "g", "h"],
            "signal": ["announcement"] * 4 + ["site_activity"] * 3 + ["rhetoric"],
            "level": ["none", "issued", "notice", "plan", "none", "preparation", "imminent", "threatening"],
        }
    )
    assert list(warning_records(signals)["id"]) == ["b", "c", "d", "f", "g"]


def test_warning_origins_are_the_publication_days_of_direct_warnings(data_copy):
    rows = [
        "S990,announcement,plan,space_launch,2024-12-18,2024-12-20,,30,,,plant: window closes after the record,",
        "S991,site_activity,imminent,nuclear_test,2024-11-14,2024-11-15,,30,,,plant,",
        "S993,announcement,plan,space_launch,2024-11-15,2024-11-15,,30,,,plant: same day as S991,",
        "S994,rhetoric,threatening,all,2024-11-20,2024-11-20,,30,,,plant: not a direct warning,",
        "S995,site_activity,preparation,space_launch,2024-10-01,2024-10-21,,30,,,plant: occurred earlier,",
    ]
    with open(data_copy / "signals.csv", "a", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    # a record complete through the end of 2024: origins whose windows close later are left out
    write_reach(Reach(pd.Timestamp("2024-12-31"), "test: the record as of the end of 2024"), data_copy)
    config = small(start="2012-01-01", end="2024-12-31", refit="yearly")
    parts = plan(config, str(data_copy))
    origins = [o for p in parts for o in p.origins]
    warned = {o.day.date().isoformat(): o.warning_records for o in origins if o.warning_records}
    # expected from the raw file: every direct-warning record's publication day in range whose
    # 30-day window closes by 2024-12-31
    raw = pd.read_csv(data_copy / "signals.csv", dtype=str, keep_default_na=False)
    direct = raw[
        ((raw["signal"] == "announcement") & raw["level"].isin(["issued", "notice", "plan"]))
        | ((raw["signal"] == "site_activity") & raw["level"].isin(["preparation", "imminent"]))
    ]
    direct = direct[(direct["published"] >= "2012-01-01") & (direct["published"] <= "2024-12-02")]
    expected = {d: tuple(sorted(g["id"])) for d, g in direct.groupby("published")}
    assert warned == expected
    assert warned["2024-11-15"] == ("S991", "S993") and warned["2024-10-21"] == ("S995",)
    assert "2024-12-20" not in warned and "2024-11-20" not in warned
    assert max(o.day for o in origins) <= pd.Timestamp("2024-12-02")  # 30-day windows close by the record's end
    # each origin lies in the part of the latest refit on or before it
    for i, p in enumerate(parts):
        nxt = parts[i + 1].refit if i + 1 < len(parts) else pd.Timestamp.max
        assert all(p.refit <= o.day < nxt for o in p.origins)
    # the routine grid, its refits and its parts are the same without warning origins
    bare = plan(replace(config, warning_origins=False), str(data_copy))
    assert all(o.kind == "routine" for p in bare for o in p.origins)
    assert [(p.refit, p.origins) for p in bare] == [
        (p.refit, tuple(replace(o, warning_records=()) for o in p.origins if o.routine))
        for p in parts
        if any(o.routine for o in p.origins)
    ]
    assert config.digest() != replace(config, warning_origins=False).digest()


def test_a_warning_on_a_routine_day_is_one_origin_of_both_kinds_and_early_warnings_get_a_refit():
    # 19 March 2012 (S052) is a Monday: a weekly routine origin too
    parts = plan(small(start="2012-03-10", end="2012-04-30", origins="weekly", refit="quarterly"))
    origins = {o.day.date().isoformat(): o for p in parts for o in p.origins}
    assert origins["2012-03-19"].kind == "both" and origins["2012-03-19"].warning_records == ("S052",)
    assert origins["2012-03-16"].kind == "warning" and origins["2012-03-12"].kind == "routine"
    assert list(origins).count("2012-03-19") == 1
    # with monthly origins the first routine origin is 1 April: the warnings before it get a refit of
    # their own on the first of them, and the routine origins keep the refit they had without them
    parts = plan(small(start="2012-03-10", end="2012-06-30", origins="monthly", refit="quarterly"))
    assert [p.refit.date().isoformat() for p in parts] == ["2012-03-16", "2012-04-01"]
    assert [o.day.date().isoformat() for o in parts[0].origins] == [
        "2012-03-16",
        "2012-03-19",
        "2012-03-25",
        "2012-03-29",
    ]
    bare = plan(small(start="2012-03-10", end="2012-06-30", origins="monthly", warning_origins=False))
    assert [p.refit.date().isoformat() for p in bare] == ["2012-04-01"]


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
        "reliability_space_launch_warning.png",
        "path_space_launch.png",
    ):
        assert (out / name).exists(), name
    scores = pd.read_csv(out / "scores.csv")
    assert {"event", "window_days", "forecaster", "brier", "log_loss", "auc", "n", "origin_kind"} <= set(scores.columns)
    assert set(scores["forecaster"]) == {"model", "climatology", "recent_rate", "no_signals"}
    # 6 monthly origins and 6 warning days (16, 19, 25, 29 March, 8 and 27 April 2012) x events x windows
    assert len(frame) == (6 + 6) * 2 * 2
    warn = frame[frame["origin_kind"] == "warning"].drop_duplicates("origin").set_index("origin")["warning_records"]
    assert warn.to_dict() == {
        "2012-03-16": "S051",
        "2012-03-19": "S052",
        "2012-03-25": "S140",
        "2012-03-29": "S054",
        "2012-04-08": "S055;S141",
        "2012-04-27": "S059",
    }
    assert (frame.loc[frame["origin_kind"] == "routine", "warning_records"] == "").all()
    report = (out / "report.md").read_text()
    for heading in ("## Routine and warning origins side by side", "## Routine origins", "## Warning origins"):
        assert heading in report
    assert "S051 announcement=notice (space_launch)" in report
    # resume: every part is on disk, so nothing is fitted or answered again
    import forecast.evaluation.backtest as bt

    with monkeypatch.context() as m:
        m.setattr(bt, "run_part", lambda *a, **k: pytest.fail("redid a finished part"))
        again = run(config, out, jobs=1, cache_dir=cache)
    pd.testing.assert_frame_equal(frame, again)
    assert not list(out.rglob("*.tmp"))
    # the routine rows score exactly as a run without warning origins (same fits, from the cache)
    plain = tmp_path / "plain"
    bare = run(replace(config, warning_origins=False), plain, jobs=1, cache_dir=cache)
    assert set(bare["origin_kind"]) == {"routine"}
    cols = [c for c in bare.columns if c not in ("origin_kind", "warning_records")]
    pd.testing.assert_frame_equal(bare[cols], select_origins(frame, "routine")[cols].reset_index(drop=True))
    for name in ("scores", "skill", "reliability"):
        with_warnings = pd.read_csv(out / f"{name}.csv")
        routine = with_warnings[with_warnings["origin_kind"] == "routine"].reset_index(drop=True)
        pd.testing.assert_frame_equal(pd.read_csv(plain / f"{name}.csv"), routine, check_exact=True)
    assert "## Routine and warning origins side by side" not in (plain / "report.md").read_text()


def test_dask_path_on_a_local_cluster(cache, tmp_path):
    from distributed import LocalCluster

    config = small(end="2012-03-31", refit="monthly", events=("space_launch",), windows=(30,))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        frame = run(config, tmp_path / "dask", dask=cluster.scheduler_address, cache_dir=cache)
    # three monthly and four warning origins (16, 19, 25 and 29 March 2012), each answered on the worker
    assert len(frame) == 7 and frame["model"].between(0, 1).all()
    assert list(frame["origin_kind"]) == ["routine"] * 3 + ["warning"] * 4


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


def test_cli_warning_origins_flag_reaches_the_configuration(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    import forecast.evaluation.backtest as bt
    from forecast.cli.main import app

    seen = []

    def stop(config, out, **kw):
        seen.append(config)
        raise InputError("stopped by the test", field="--out")

    monkeypatch.setattr(bt, "run", stop)
    for flag in ([], ["--no-warning-origins"], ["--warning-origins"]):
        result = CliRunner().invoke(app, ["backtest", "--out", str(tmp_path), *flag])
        assert result.exit_code == 2
    assert [c.warning_origins for c in seen] == [True, False, True]


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


# ------------------------------------------------------------------ the track record's tables


def test_routine_rows_of_the_outputs_are_the_routine_scores_and_warnings_are_scored_apart(backtest_output):
    folder, frame = backtest_output
    scored = frame.assign(outcome=frame["outcome"].astype(int))
    skill = pd.read_csv(folder / "skill.csv")
    for kind in ("routine", "warning"):
        rows = select_origins(scored, kind)
        expected = pd.read_csv(io.StringIO(skill_table(rows).to_csv(index=False)))  # as written and read back
        got = skill[skill["origin_kind"] == kind].drop(columns="origin_kind").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # an origin that is both is scored with each kind
    n_origins = {k: select_origins(frame, k)["origin"].nunique() for k in ("routine", "warning")}
    assert n_origins == {"routine": 24, "warning": 6}
    report = (folder / "report.md").read_text()
    assert "24 routine and 6 warning origins (1 both)" in report
    assert "| 2010-09-20 | warning | S903; S904" in report  # ids not in the data are listed as they are


def test_track_record_splits_by_kind_of_origin(backtest_output):
    folder, frame = backtest_output
    run_ = track_record.load(folder)
    assert track_record.kinds(run_) == ["routine", "warning"]
    for kind in ("routine", "warning"):
        overall = track_record.overall_scores(run_, kind).set_index("forecaster")
        rows = select_origins(frame, kind)
        assert overall.loc["model", "questions"] == len(rows)
        assert overall.loc["model", "brier"] == pytest.approx(((rows["model"] - rows["outcome"]) ** 2).mean())
    side = track_record.overall_by_kind(run_).set_index("forecaster")
    assert side.loc["model", "questions (warning)"] == len(select_origins(frame, "warning"))
    # windows as numbers, the pooled row last, in every table
    wide = track_record.skill_wide(run_, "default.toml", "warning")
    assert list(wide["window_days"].astype(str)) == ["30", "90", "180", "365"] * 2 + ["all"]
    assert list(wide["event"])[-1] == "all"
    comparison = track_record.kind_comparison(run_, "default.toml")
    assert list(comparison["window_days"].astype(str))[:4] == ["30", "90", "180", "365"]
    warning_scores = scores_table(select_origins(frame, "warning"))
    model = warning_scores[(warning_scores["forecaster"] == "model") & (warning_scores["event"] == "any")]
    got = comparison[comparison["event"] == "any"]["Brier warning"].to_numpy()
    assert got == pytest.approx(model["brier"].to_numpy())
    diffs = track_record.difference_comparison(run_, "default.toml")
    assert {"routine brier_diff", "warning diff_lo90", "warning diff_hi90"} <= set(diffs.columns)
    assert (diffs["warning diff_lo90"] <= diffs["warning brier_diff"]).all()
    events, windows = track_record.reliability_choices(run_, "warning")
    assert windows == [30, 90, 180, 365] and events == ["any", "space_launch"]
    curve = track_record.reliability_curve(run_, "any", 365, "warning")
    assert curve.groupby("forecaster")["count"].sum()["model"] == 6
    by_question = track_record.scores_by_question(run_, "default.toml", "routine")
    assert list(by_question["window_days"].astype(str).unique()) == ["30", "90", "180", "365", "all"]


def test_old_outputs_without_origin_kinds_load_as_routine(backtest_output, tmp_path):
    folder, _ = backtest_output
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text((folder / "manifest.json").read_text())
    for name in ("scores", "skill", "reliability"):
        t = pd.read_csv(folder / f"{name}.csv")
        t[t["origin_kind"] == "routine"].drop(columns="origin_kind").to_csv(old / f"{name}.csv", index=False)
    old_run, new_run = track_record.load(old), track_record.load(folder)
    assert track_record.kinds(old_run) == ["routine"]
    pd.testing.assert_frame_equal(track_record.overall_scores(old_run), track_record.overall_scores(new_run))
    pd.testing.assert_frame_equal(track_record.skill_wide(old_run), track_record.skill_wide(new_run))
    assert list(track_record.overall_by_kind(old_run).columns) == [
        "priors",
        "forecaster",
        "brier (routine)",
        "log_loss (routine)",
        "questions (routine)",
    ]
    assert "routine brier_diff" in track_record.difference_comparison(old_run).columns


@pytest.mark.slow
def test_full_quick_backtest_beats_climatology_overall(tmp_path):
    """The whole 2000-2024 record with --quick settings (about 2 minutes on 2 cores)."""
    frame = run(BacktestConfig.quick(), tmp_path / "full")
    skill = pd.read_csv(tmp_path / "full" / "skill.csv")
    skill = skill[skill["origin_kind"] == "routine"]
    overall = skill[(skill["event"] == "all") & (skill["baseline"] == "climatology")].iloc[0]
    assert overall["brier_skill"] > 0 and overall["diff_hi90"] < 0
    assert select_origins(frame, "routine")["outcome"].notna().sum() > 6000
