"""Back-tests: no look-ahead, warning origins, outputs and resume, the Dask path, two prior files
and bad configurations. The runs answer with fits made by ``fake_sampler`` (the session's small fit's
draws under each refit's identity): what is under test is the back-test's bookkeeping, not the sampler.
The full back-test with real fits is marked slow."""

from dataclasses import replace

import pandas as pd
import pytest

from forecast.core.errors import InputError
from forecast.data.dataset import Reach, load_dataset, write_reach
from forecast.evaluation.backtest import BacktestConfig, plan, run, run_part
from forecast.evaluation.scoring import select_origins
from forecast.evaluation.warning_origins import WARNING_LEVELS, warning_records
from forecast.model.fitted import FitStore


def small(tiny, **kw) -> BacktestConfig:
    base = {
        "start": "2012-01-01",
        "end": "2012-06-30",
        "refit": "quarterly",
        "windows": (30, 90),
        "events": ("space_launch", "any"),
        "settings": tiny,
    }
    return BacktestConfig(**{**base, **kw})


@pytest.fixture
def cache(tmp_path):
    return str(tmp_path / "bt-fits")


def test_no_look_ahead_planted_future_event_and_record_do_not_change_earlier_forecasts(
    cache, data_copy, tiny, fake_sampler
):
    data = data_copy
    config = small(tiny, end="2012-03-31", refit="yearly", origins="monthly")
    [part] = plan(config, str(data))
    kinds = {o.day.date().isoformat(): (o.kind, o.warning_records) for o in part.origins}
    assert kinds["2012-03-16"] == ("warning", ("S051",))  # the Unha-3 notice, published that day
    before = run_part(part, config, load_dataset(data), FitStore(cache))
    # an event on the warning origin's own day and a record published the day after it
    with open(data / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("2012-03-16,space_launch,,,planted,Sohae,success,test plant,\n")
    with open(data / "signals.csv", "a", encoding="utf-8") as fh:
        fh.write("S999,site_activity,imminent,space_launch,2012-03-17,2012-03-17,,30,,,test plant,\n")
    after = run_part(part, config, load_dataset(data), FitStore(cache))
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


def test_warning_origins_are_the_publication_days_of_direct_warnings(data_copy, tiny):
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
    config = small(tiny, start="2012-01-01", end="2024-12-31", refit="yearly")
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


def test_a_warning_on_a_routine_day_is_one_origin_of_both_kinds_and_early_warnings_get_a_refit(tiny):
    # 19 March 2012 (S052) is a Monday: a weekly routine origin too
    parts = plan(small(tiny, start="2012-03-10", end="2012-04-30", origins="weekly", refit="quarterly"))
    origins = {o.day.date().isoformat(): o for p in parts for o in p.origins}
    assert origins["2012-03-19"].kind == "both" and origins["2012-03-19"].warning_records == ("S052",)
    assert origins["2012-03-16"].kind == "warning" and origins["2012-03-12"].kind == "routine"
    assert list(origins).count("2012-03-19") == 1
    # with monthly origins the first routine origin is 1 April: the warnings before it get a refit of
    # their own on the first of them, and the routine origins keep the refit they had without them
    parts = plan(small(tiny, start="2012-03-10", end="2012-06-30", origins="monthly", refit="quarterly"))
    assert [p.refit.date().isoformat() for p in parts] == ["2012-03-16", "2012-04-01"]
    assert [o.day.date().isoformat() for o in parts[0].origins] == [
        "2012-03-16",
        "2012-03-19",
        "2012-03-25",
        "2012-03-29",
    ]
    bare = plan(small(tiny, start="2012-03-10", end="2012-06-30", origins="monthly", warning_origins=False))
    assert [p.refit.date().isoformat() for p in bare] == ["2012-04-01"]


def test_run_writes_outputs_and_resumes_without_redoing(cache, tmp_path, monkeypatch, tiny, fake_sampler):
    out = tmp_path / "bt"
    config = small(tiny)
    frame = run(config, out, jobs=1, cache_dir=cache)
    # one fit and one no-signals fit per refit (quarterly), each made once
    made = list(fake_sampler)
    assert sorted(made) == [
        (r, v, "default.toml") for r in ("2012-01-01", "2012-04-01") for v in ("full", "no_signals")
    ]
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
    assert fake_sampler == made  # the plain run read every fit back from the cache


def test_dask_path_on_a_local_cluster(cache, tmp_path, tiny, fake_sampler):
    from distributed import LocalCluster

    config = small(tiny, end="2012-03-31", refit="monthly", events=("space_launch",), windows=(30,))
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
def test_bad_configurations(kw, field, tiny):
    with pytest.raises(InputError) as err:
        plan(small(tiny, **kw))
    assert err.value.field == field


def test_two_prior_files_are_scored_side_by_side(cache, tmp_path, tiny, fake_sampler):
    config = small(
        tiny,
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
    assert sorted({p for _, _, p in fake_sampler}) == ["default.toml", "sceptical.toml"]


@pytest.mark.slow
def test_full_quick_backtest_beats_climatology_overall(tmp_path):
    """The whole 2000-2024 record with --quick settings (about 2 minutes on 2 cores)."""
    frame = run(BacktestConfig.quick(), tmp_path / "full")
    skill = pd.read_csv(tmp_path / "full" / "skill.csv")
    skill = skill[skill["origin_kind"] == "routine"]
    overall = skill[(skill["event"] == "all") & (skill["baseline"] == "climatology")].iloc[0]
    assert overall["brier_skill"] > 0 and overall["diff_hi90"] < 0
    assert select_origins(frame, "routine")["outcome"].notna().sum() > 6000
