"""The forecasting command line end to end: predict, table, fit, signals, priors, and bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TINY = ["--draws", "100", "--tune", "150"]
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return {**os.environ, "FORECAST_CACHE_DIR": str(tmp_path_factory.mktemp("cli-fits"))}


def run(env, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "forecast", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def predict_json(env, *args):
    out = run(env, "predict", *args, "--format", "json", *TINY)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_predict_leap_day_announcement_contrast(env):
    [issued] = predict_json(
        env, "--as-of", "2012-03-17", "--event", "space_launch", "--window", "30", "--evidence", "announcement=issued"
    )
    [none] = predict_json(
        env, "--as-of", "2012-03-17", "--event", "space_launch", "--window", "30", "--evidence", "announcement=none"
    )
    assert issued["probability"] > 3 * none["probability"]
    for row in (issued, none):
        assert {"as_of", "event", "window_days", "probability", "lower", "upper", "base_rate"} <= set(row)
        assert {"data_hash", "priors_file", "priors_hash", "model_version", "seed"} <= set(row)
        assert row["lower"] <= row["probability"] <= row["upper"]
    assert issued["base_rate"] == pytest.approx(none["base_rate"])


def test_questions_file_one_fit_per_as_of_date(env, tmp_path):
    q = tmp_path / "q.csv"
    q.write_text(
        "id,as_of,event,window_days,evidence\n"
        "a,2012-03-17,space_launch,30,announcement=issued\n"
        "b,2012-03-17,nuclear_test,90,\n"
        "c,2019-03-10,space_launch,90,site_activity=preparation;negotiation=collapsed\n"
        "d,2019-03-10,any,365,site_activity=imminent:0.5\n",
        encoding="utf-8",
    )
    out = run(env, "predict", "--questions", str(q), "--format", "json", *TINY)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    fits = [line for line in out.stderr.splitlines() if line.startswith("fit as of")]
    assert len(fits) == 2, out.stderr
    csv_out = run(env, "predict", "--questions", str(q), "--format", "csv", *TINY)
    assert csv_out.stdout.splitlines()[0].startswith("id,as_of,event,window_days,probability,lower,upper")


@pytest.mark.parametrize("fmt", ["table", "md", "csv", "json"])
def test_table_every_event_by_window(env, fmt):
    out = run(env, "table", "--as-of", "2012-03-17", "--evidence", "announcement=issued", "--format", fmt, *TINY)
    assert out.returncode == 0, out.stderr
    for event in ("space_launch", "long_range_missile", "ballistic_missile", "nuclear_test", "engine_test", "any"):
        assert event in out.stdout
    if fmt == "json":
        rows = json.loads(out.stdout)
        assert len(rows) == 6 * 4 and {r["window_days"] for r in rows} == {30, 90, 180, 365}
    if fmt in ("table", "md"):
        assert "data_hash" in out.stdout and "365 days" in out.stdout


def test_fit_and_signals_commands(env):
    out = run(env, "fit", "--as-of", "2012-03-17", *TINY)
    assert out.returncode == 0, out.stderr
    assert "cache hit" in out.stdout and "R-hat" in out.stdout and "data_hash" in out.stdout
    out = run(env, "signals", "--as-of", "2012-03-17")
    assert out.returncode == 0, out.stderr
    assert "announcement" in out.stdout and "space_launch" in out.stdout


def test_priors_check_prints_prior_predictive(env):
    out = run(env, "priors", "check", "--priors", "priors/sceptical.toml")
    assert out.returncode == 0, out.stderr
    assert "prior median" in out.stdout and "nuclear_test" in out.stdout


BAD = [
    (["--event", "satellite"], "satellite", "space_launch"),
    (["--evidence", "mood=dark"], "mood", "site_activity"),
    (["--evidence", "site_activity=busy"], "busy", "preparation"),
    (["--evidence", "site_activity=imminent:1.5"], "1.5", "(0, 1]"),
    (["--window", "0"], "0", "1 to 1095"),
    (["--window", "-5"], "-5", "1 to 1095"),
    (["--window", "100000"], "100000", "1 to 1095"),
    (["--window", "ten"], "ten", "whole number"),
    (["--as-of", "1990-01-01"], "1990-01-01", "earliest"),
    (["--as-of", "2999-01-01"], "2999-01-01", "future"),
    (["--as-of", "2012-13-40"], "2012-13-40", "YYYY-MM-DD"),
]


@pytest.mark.parametrize(("override", "value", "allowed"), BAD, ids=[b[1] for b in BAD])
def test_bad_flags_exit_2_with_one_clear_line(env, override, value, allowed):
    args = {"--as-of": "2012-03-17", "--event": "space_launch", "--window": "30"}
    extra = []
    for flag, v in zip(override[::2], override[1::2], strict=True):
        if flag in args:
            args[flag] = v
        else:
            extra += [flag, v]
    flat = [x for kv in args.items() for x in kv] + extra
    out = run(env, "predict", *flat, *TINY)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and value in lines[0] and allowed in lines[0], out.stderr


def test_malformed_questions_file_names_row_and_field(env, tmp_path):
    q = tmp_path / "q.csv"
    q.write_text(
        "as_of,event,window_days,evidence\n2012-03-17,space_launch,30,\n2012-03-17,rocket,30,\n", encoding="utf-8"
    )
    out = run(env, "predict", "--questions", str(q), *TINY)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert str(q) in out.stderr and "row 3" in out.stderr and "event" in out.stderr and "rocket" in out.stderr
    q.write_text("as_of,event,window\n2012-03-17,space_launch,30\n", encoding="utf-8")
    out = run(env, "predict", "--questions", str(q), *TINY)
    assert out.returncode == 2 and "missing column 'window_days'" in out.stderr


LEAP_DAY_QUESTION = ("predict", "--as-of", "2012-03-17", "--event", "space_launch", "--window", "30")


def test_bad_prior_file_names_the_key(env):
    bad = DATA / "bad_unknown_key.toml"
    out = run(env, *LEAP_DAY_QUESTION, "--priors", str(bad), *TINY)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert str(bad) in out.stderr and "spraed" in out.stderr
    out = run(env, *LEAP_DAY_QUESTION, "--priors", "priors/nope.toml", *TINY)
    assert out.returncode == 2 and "default.toml" in out.stderr
