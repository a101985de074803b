"""`forecast evaluate` on the command line: every bad question file named in one line with exit
code 2 before any fit, and the end-to-end run (table, JSON, CSV, output files) on the session's
small fit."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.answers.service import context
from forecast.cli.main import app
from forecast.core.errors import InputError
from forecast.data.dataset import today
from forecast.evaluation.evaluate import evaluate, read_scored_questions
from forecast.model.posterior import SamplerSettings

HEADER = "id,as_of,event,window_days,evidence,outcome,source,note\n"


def write(tmp_path, text: str, name: str = "questions.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "a,2012-03-17,space_launch,30,announcement=issued,1,,\n"
LAST_CLOSED = (pd.Timestamp(today()) - pd.Timedelta(days=30)).date().isoformat()  # a 30-day window ending yesterday
BAD_FILES = {
    "missing-outcome": ("as_of,event,window_days,evidence\n2012-03-17,space_launch,30,\n", 1, "outcome", None),
    "bad-outcome": (HEADER + GOOD + "b,2012-03-17,space_launch,30,,maybe,,\n", 3, "outcome", "'maybe'"),
    "empty-outcome": (HEADER + "b,2012-03-17,space_launch,30,,,,\n", 2, "outcome", "''"),
    "bad-as-of": (HEADER + GOOD + "b,2012-13-40,space_launch,30,,1,,\n", 3, "as_of", "'2012-13-40'"),
    "bad-event": (HEADER + "b,2012-03-17,rocket,30,,0,,\n", 2, "event", "'rocket'"),
    "bad-window": (HEADER + "b,2012-03-17,space_launch,ten,,0,,\n", 2, "window_days", "'ten'"),
    "bad-signal": (HEADER + GOOD + "c,2012-03-17,space_launch,30,mood=dark,1,,\n", 3, "evidence", "'mood'"),
    "bad-level": (HEADER + "b,2012-03-17,space_launch,30,site_activity=busy,0,,\n", 2, "evidence", "'busy'"),
    "open-window": (HEADER + GOOD + f"b,{LAST_CLOSED},space_launch,31,,0,,\n", 3, "window_days", "31"),
    "duplicate-id": (HEADER + GOOD + GOOD, 3, "id", "'a'"),
    "empty-file": ("", 1, None, None),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_name_file_row_field_and_value(tmp_path, work_dir, fake_sampler, case):
    text, row, field, value = BAD_FILES[case]
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_scored_questions(path)
    message = str(err.value)
    assert str(path) in message and f"row {row}" in message, message
    if field:
        assert f"field '{field}'" in message, message
    if value:
        assert f"(value: {value})" in message, message
    # the command line: exit code 2, one line on stderr, no traceback, before any sampling
    res = CliRunner().invoke(app, ["evaluate", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == f"error: {message}", res.stderr
    assert fake_sampler == []


def test_header_only_and_missing_file(tmp_path, work_dir):
    for path, words in (
        (write(tmp_path, HEADER), "no questions"),
        (tmp_path / "absent.csv", "file not found"),
        (tmp_path, "directory"),
    ):
        res = CliRunner().invoke(app, ["evaluate", str(path)])
        assert res.exit_code == 2 and words in res.stderr and str(path) in res.stderr
        assert "Traceback" not in res.output


# ------------------------------------------------------------------ end to end, the session's small fit

TINY_FILE = (
    HEADER + "sl30,2012-03-17,space_launch,30,announcement=issued,1,KCNA 16 Mar 2012,Unha-3 on 13 April\n"
    "any30,2012-03-17,any,30,announcement=issued;site_activity=preparation:0.7,yes,,\n"
    "nuc90,2012-03-17,nuclear_test,90,,0,,\n"
    "nuc365,2012-03-17,nuclear_test,365,rhetoric=threatening,true,,third test 12 Feb 2013\n"
    "lrm180,2012-03-17,long_range_missile,180,negotiation=engaged,no,,\n"
    "eng90,2012-03-17,engine_test,90,,0,,\n"
    "bm30,2012-03-17,ballistic_missile,30,rhetoric=threatening,false,,\n"
)


def test_cli_end_to_end_table_json_and_outputs(cli_env, tiny_flags, tmp_path):
    path = write(tmp_path, TINY_FILE)
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(app, ["evaluate", str(path), *tiny_flags, "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "data_hash" in text and "model_version" in text and "seed 20260101" in text
    for word in ("Brier", "log loss", "AUC", "Reliability", "Worst misses", "space_launch", "365", "Unha-3"):
        assert word in text, word
    assert "7 questions, 3 followed by the event" in text
    for name in ("questions.csv", "summary.csv", "reliability.csv", "report.md"):
        assert (out / name).exists(), name
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
    per_q = pd.read_csv(out / "questions.csv")
    assert list(per_q["id"]) == ["sl30", "any30", "nuc90", "nuc365", "lrm180", "eng90", "bm30"]
    assert (per_q["lower"] <= per_q["probability"]).all() and (per_q["probability"] <= per_q["upper"]).all()
    assert {"sq_error", "log_loss", "base_rate", "data_hash", "priors_hash", "note"} <= set(per_q.columns)
    assert "Worst misses" in (out / "report.md").read_text()

    res = runner.invoke(app, ["evaluate", str(path), *tiny_flags, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {"data_hash", "priors_file", "priors_hash", "model_version", "seed"} <= set(doc)
    overall = doc["summary"][0]
    assert overall["event"] == "all" and overall["n"] == 7 and overall["events"] == 3
    assert 0 <= overall["brier"] <= 1 and overall["log_loss"] > 0 and 0 <= overall["auc"] <= 1
    assert len(doc["questions"]) == 7 and len(doc["worst_misses"]) == 7
    assert sum(r["count"] for r in doc["reliability"]) == 7
    # every question is as of one date: one fit, the session's, read from the cache
    fits = [line for line in res.stderr.splitlines() if line.startswith("fit as of")]
    assert fits == [fits[0]] and fits[0].startswith("fit as of 2012-03-17 (cache)")

    # the plain function agrees with the command line (same settings, same cached fit)
    ctx = context(settings=SamplerSettings(draws=100, tune=150))
    ev = evaluate(ctx, path)
    assert ev.overall["brier"] == pytest.approx(overall["brier"])
    assert pd.read_csv(out / "summary.csv")["brier"].iloc[0] == pytest.approx(overall["brier"])


def test_cli_csv_carries_provenance(cli_env, tiny_flags, tmp_path):
    path = write(tmp_path, TINY_FILE)
    res = CliRunner().invoke(app, ["evaluate", str(path), *tiny_flags, "--format", "csv"])
    assert res.exit_code == 0, res.output
    head = res.stdout.splitlines()[0].split(",")
    assert head[:4] == ["event", "window_days", "n", "events"] and "brier" in head and "data_hash" in head
