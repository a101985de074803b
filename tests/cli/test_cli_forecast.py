"""The forecasting command line, in process (typer's CliRunner): predict, table, fit, signals,
priors, and bad input; plus one end-to-end smoke test of `python -m forecast` in a subprocess.
Questions as of 2012-03-17 are answered with the session's small fit, read from its cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli.main import app

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LEAP_DAY_QUESTION = ("predict", "--as-of", "2012-03-17", "--event", "space_launch", "--window", "30")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def predict_json(tiny_flags, *args):
    res = invoke("predict", *args, "--format", "json", *tiny_flags)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_predict_leap_day_announcement_contrast(cli_env, tiny_flags):
    question = ("--as-of", "2012-03-17", "--event", "space_launch", "--window", "30")
    [issued] = predict_json(tiny_flags, *question, "--evidence", "announcement=issued")
    [none] = predict_json(tiny_flags, *question, "--evidence", "announcement=none")
    assert issued["probability"] > 3 * none["probability"]
    for row in (issued, none):
        assert {"as_of", "event", "window_days", "probability", "lower", "upper", "base_rate"} <= set(row)
        assert {"data_hash", "priors_file", "priors_hash", "model_version", "seed"} <= set(row)
        assert row["lower"] <= row["probability"] <= row["upper"]
        assert row["fit_as_of"] == "2012-03-17" and row["seed"] == 20260101
    assert issued["base_rate"] == pytest.approx(none["base_rate"])


def test_predict_table_and_csv_formats(cli_env, tiny_flags):
    res = invoke(*LEAP_DAY_QUESTION, "--evidence", "announcement=issued", *tiny_flags)
    assert res.exit_code == 0, res.output
    first, *table = res.stdout.splitlines()
    assert first.startswith("# as_of 2012-03-17, data_hash ") and "priors_file default.toml" in first
    assert "space_launch" in table[1] and "%" in table[1] and "announcement=issued" in res.stdout
    assert res.stderr.startswith("fit as of 2012-03-17 (cache): R-hat max")
    csv = invoke(*LEAP_DAY_QUESTION, "--format", "csv", *tiny_flags)
    assert csv.stdout.splitlines()[0].startswith("as_of,event,window_days,probability,lower,upper,band")


def test_questions_file_one_fit_per_as_of_date(cli_env, tiny_flags, tmp_path, fake_sampler):
    q = tmp_path / "q.csv"
    q.write_text(
        "id,as_of,event,window_days,evidence\n"
        "a,2012-03-17,space_launch,30,announcement=issued\n"
        "c,2019-03-10,space_launch,90,site_activity=preparation;negotiation=collapsed\n"
        "b,2012-03-17,nuclear_test,90,\n"
        "d,2019-03-10,any,365,site_activity=imminent:0.5\n",
        encoding="utf-8",
    )
    res = invoke("predict", "--questions", q, "--format", "json", *tiny_flags)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["id"] for r in rows] == ["a", "c", "b", "d"]  # input order
    assert [r["fit_as_of"] for r in rows] == ["2012-03-17", "2019-03-10", "2012-03-17", "2019-03-10"]
    fits = [line for line in res.stderr.splitlines() if line.startswith("fit as of")]
    assert len(fits) == 2 and fits[0].startswith("fit as of 2012-03-17 (cache)"), res.stderr
    assert fake_sampler == [("2019-03-10", "full", "default.toml")]  # the other date needed a fit of its own
    csv_out = invoke("predict", "--questions", q, "--format", "csv", *tiny_flags)
    assert csv_out.stdout.splitlines()[0].startswith("id,as_of,event,window_days,probability,lower,upper")


@pytest.mark.parametrize("fmt", ["table", "md", "csv", "json"])
def test_table_every_event_by_window(cli_env, tiny_flags, fmt):
    res = invoke("table", "--as-of", "2012-03-17", "--evidence", "announcement=issued", "--format", fmt, *tiny_flags)
    assert res.exit_code == 0, res.output
    for event in ("space_launch", "long_range_missile", "ballistic_missile", "nuclear_test", "engine_test", "any"):
        assert event in res.stdout
    if fmt == "json":
        rows = json.loads(res.stdout)
        assert len(rows) == 6 * 4 and {r["window_days"] for r in rows} == {30, 90, 180, 365}
    if fmt in ("table", "md"):
        assert "data_hash" in res.stdout and "365 days" in res.stdout
        assert "# evidence: " in res.stdout and "(analyst-set: announcement=issued)" in res.stdout


def test_fit_and_signals_commands(cli_env, tiny_flags, small_fit):
    res = invoke("fit", "--as-of", "2012-03-17", *tiny_flags)
    assert res.exit_code == 0, res.output
    assert "cache hit" in res.stdout and "R-hat" in res.stdout and "data_hash" in res.stdout
    assert f"fit {small_fit.identity.digest()}" in res.stdout
    res = invoke("signals", "--as-of", "2012-03-17")
    assert res.exit_code == 0, res.output
    assert "announcement" in res.stdout and "space_launch" in res.stdout and "in_data_on_2012-03-17" in res.stdout
    bad = invoke("signals", "--as-of", "17 March")
    assert bad.exit_code == 2 and "--as-of" in bad.stderr and "YYYY-MM-DD" in bad.stderr


def test_priors_check_prints_prior_predictive():
    res = invoke("priors", "check", "--priors", ROOT / "priors" / "sceptical.toml")
    assert res.exit_code == 0, res.output
    assert "prior median" in res.stdout and "nuclear_test" in res.stdout


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
def test_bad_flags_exit_2_with_one_clear_line(work_dir, tiny_flags, fake_sampler, override, value, allowed):
    args = {"--as-of": "2012-03-17", "--event": "space_launch", "--window": "30"}
    extra = []
    for flag, v in zip(override[::2], override[1::2], strict=True):
        if flag in args:
            args[flag] = v
        else:
            extra += [flag, v]
    flat = [x for kv in args.items() for x in kv] + extra
    res = invoke("predict", *flat, *tiny_flags)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and value in lines[0] and allowed in lines[0], res.stderr
    assert fake_sampler == []  # refused before any fit


def test_predict_needs_a_question_and_not_two(work_dir, tmp_path):
    res = invoke("predict", "--as-of", "2012-03-17", "--event", "any")
    assert res.exit_code == 2 and "--window is required" in res.stderr
    q = tmp_path / "q.csv"
    q.write_text("as_of,event,window_days,evidence\n2012-03-17,any,30,\n")
    res = invoke("predict", "--questions", q, "--as-of", "2012-03-17")
    assert res.exit_code == 2 and "not both" in res.stderr


def test_malformed_questions_file_names_row_and_field(work_dir, tmp_path, tiny_flags):
    q = tmp_path / "q.csv"
    q.write_text(
        "as_of,event,window_days,evidence\n2012-03-17,space_launch,30,\n2012-03-17,rocket,30,\n", encoding="utf-8"
    )
    res = invoke("predict", "--questions", q, *tiny_flags)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert str(q) in res.stderr and "row 3" in res.stderr and "event" in res.stderr and "rocket" in res.stderr
    q.write_text("as_of,event,window\n2012-03-17,space_launch,30\n", encoding="utf-8")
    res = invoke("predict", "--questions", q, *tiny_flags)
    assert res.exit_code == 2 and "missing column 'window_days'" in res.stderr


def test_bad_prior_file_names_the_key(work_dir, tiny_flags):
    bad = FIXTURES / "bad_unknown_key.toml"
    res = invoke(*LEAP_DAY_QUESTION, "--priors", bad, *tiny_flags)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert str(bad) in res.stderr and "spraed" in res.stderr
    res = invoke(*LEAP_DAY_QUESTION, "--priors", "priors/nope.toml", *tiny_flags)
    assert res.exit_code == 2 and "default.toml" in res.stderr


def test_strict_exits_3_when_the_fit_misses_the_thresholds(cli_env, tiny_flags):
    res = invoke(*LEAP_DAY_QUESTION, "--strict", *tiny_flags)
    assert res.exit_code == 3 and res.stdout == ""  # the small fit's ESS is below 400
    assert "misses the thresholds" in res.stderr and "bulk ESS" in res.stderr


def test_python_m_forecast_end_to_end(cli_env, tiny_flags):
    """The one subprocess test: the installed entry point, its exit code and its output."""
    env = {**os.environ, **cli_env}
    out = subprocess.run(
        [sys.executable, "-m", "forecast", *LEAP_DAY_QUESTION, "--evidence", "announcement=issued", *tiny_flags],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    first, header, row = out.stdout.splitlines()
    assert first.startswith("# as_of 2012-03-17, data_hash ") and "model_version" in first
    assert header.split()[:3] == ["as_of", "event", "window_days"]
    assert row.split()[:3] == ["2012-03-17", "space_launch", "30"] and "%" in row
    assert "fit as of 2012-03-17 (cache)" in out.stderr and "Traceback" not in out.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "forecast", "predict", "--as-of", "2012-03-17", "--event", "rocket", "--window", "30"],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.startswith("error: field '--event'")
