"""The track record the workbench shows: the newest back-test output found and damage reported,
the shipped back-test readable, and the tables split by kind of origin (from a synthetic output
written by the real report code; no fit)."""

import io
import json

import pandas as pd
import pytest

from forecast.core.paths import ROOT
from forecast.evaluation import track_record
from forecast.evaluation.scoring import scores_table, select_origins, skill_table


def test_the_newest_back_test_is_chosen_and_damage_reported(tmp_path):
    for name, created in (("old", "2026-01-01T00:00:00"), ("new", "2026-06-01T00:00:00")):
        d = tmp_path / name
        d.mkdir()
        (d / "manifest.json").write_text(json.dumps({"created": created, "config": {}, "data_hash": "x"}))
        pd.DataFrame(
            [{"priors": "default.toml", "event": "any", "window_days": 30, "forecaster": "model", "brier": 0.1,
              "log_loss": 0.3, "auc": 0.8, "n": 10, "events": 3}]
        ).to_csv(d / "scores.csv", index=False)  # fmt: skip
        pd.DataFrame(
            [{"priors": "default.toml", "event": "any", "window_days": 30, "baseline": "climatology",
              "brier_skill": 0.2, "brier_diff": -0.01, "diff_lo90": -0.02, "diff_hi90": 0.0, "n": 10}]
        ).to_csv(d / "skill.csv", index=False)  # fmt: skip
        pd.DataFrame(columns=["event", "window_days", "forecaster", "bin", "forecast", "observed", "count"]).to_csv(
            d / "reliability.csv", index=False
        )
    broken = tmp_path / "broken"
    broken.mkdir()
    for n in track_record.NEEDED:
        (broken / n).write_text("{" if n.endswith("json") else "")
    run, errors = track_record.latest([tmp_path])
    assert run.path.name == "new"
    assert len(errors) == 1 and "broken" in str(errors[0])
    assert track_record.skill_wide(run).loc[0, "climatology"] == pytest.approx(0.2)


def test_the_shipped_back_test_is_readable():
    run, errors = track_record.latest([ROOT / "results"])
    assert run is not None and not errors
    overall = track_record.overall_scores(run).set_index("forecaster")
    assert overall.loc["model", "brier"] < overall.loc["climatology", "brier"]


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
