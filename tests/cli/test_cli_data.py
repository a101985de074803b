"""`forecast data` on the command line, in process: check, show, reach, and the CNS and CSIS
importers; every bad file exits 2 with one line naming it, nothing written."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli.main import app
from forecast.data.dataset import load_events

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CNS = FIXTURES / "cns_fixture.csv"
CSIS = FIXTURES / "csis_fixture.csv"


def run_cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_cli_data_check_prints_the_summary(work_dir):
    out = run_cli("data", "check")
    assert out.exit_code == 0, out.output
    assert "space_launch" in out.stdout and "nuclear_test" in out.stdout
    assert "events by year" in out.stdout and "signal records" in out.stdout
    assert out.stdout.startswith("data OK (hash ") and "episodes: " in out.stdout


def test_cli_data_check_bad_file_exits_2_without_traceback(work_dir, data_copy):
    _rewrite(data_copy / "signals.csv", "S051,announcement,notice", "S051,announcement,shouted")
    out = run_cli("data", "check", "--data-dir", data_copy)
    assert out.exit_code == 2 and out.stdout == ""
    assert "Traceback" not in out.output
    assert "signals.csv" in out.stderr and "level" in out.stderr and "shouted" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "table"])
def test_cli_data_show_formats(work_dir, fmt):
    out = run_cli("data", "show", "--event", "space_launch", "--format", fmt)
    assert out.exit_code == 0, out.output
    assert "2012-04-13" in out.stdout
    if fmt == "json":
        rows = json.loads(out.stdout)
        assert len(rows) == 10 and {r["event"] for r in rows} == {"space_launch"}
    if fmt == "csv":
        assert out.stdout.splitlines()[0].startswith("date,event")
    if fmt == "md":
        assert out.stdout.startswith("| date")


def test_cli_data_show_long_range_is_irbm_or_icbm(work_dir):
    rows = json.loads(run_cli("data", "show", "--event", "long_range_missile", "--format", "json").stdout)
    assert rows and {r["missile_class"] for r in rows} <= {"IRBM", "ICBM"}


def test_cli_reach_moves_only_when_told_and_refuses_bad_input(work_dir, data_copy):
    out = run_cli("data", "reach", "--data-dir", data_copy)
    assert out.exit_code == 0 and "complete through" in out.stdout
    bad = run_cli("data", "reach", "--set", "2026-13-01", "--checked", "x", "--data-dir", data_copy)
    assert bad.exit_code == 2 and "--set" in bad.stderr and "Traceback" not in bad.output
    unchanged = (data_copy / "record.toml").read_text()
    missing = run_cli("data", "reach", "--set", "2026-09-01", "--data-dir", data_copy)
    assert missing.exit_code == 2 and "--checked" in missing.stderr
    assert (data_copy / "record.toml").read_text() == unchanged
    moved = run_cli("data", "reach", "--set", "2026-08-01", "--checked", "re-read the wires", "--data-dir", data_copy)
    assert moved.exit_code == 0 and "-> 2026-08-01" in moved.stdout and "re-read the wires" in moved.stdout


# ------------------------------------------------------------------ importers


def test_cli_import_cns_reports_and_bad_file_exits_2(data_copy, tmp_path):
    path = data_copy / "events.csv"
    out = run_cli("data", "import-cns", CNS, "--events", path)
    assert out.exit_code == 0, out.output
    assert "added 2 row(s)" in out.stdout and "2025-02-17" in out.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Missile Name\n1-Jan-20,X\n", encoding="utf-8")
    original = path.read_bytes()
    out = run_cli("data", "import-cns", bad, "--events", path)
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "missing column 'Launch Time (UTC)'" in out.stderr
    assert path.read_bytes() == original


def test_cli_import_cns_data_dir_and_accept_shifted(data_copy):
    path = data_copy / "events.csv"
    original = path.read_bytes()
    result = run_cli("data", "import-cns", CNS, "--data-dir", data_copy, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "skipped 2 release row(s)" in result.output and "dry run: nothing written" in result.output
    assert path.read_bytes() == original
    result = run_cli("data", "import-cns", CNS, "--data-dir", data_copy, "--accept-shifted")
    assert result.exit_code == 0, result.output
    assert "2009-07-05" in load_events(path)["date"].dt.strftime("%Y-%m-%d").tolist()


def test_cli_import_csis_exit_2_without_traceback(tmp_path, data_copy):
    path = data_copy / "events.csv"
    original = path.read_bytes()
    ok = run_cli("data", "import-csis", CSIS, "--data-dir", data_copy, "--dry-run")
    assert ok.exit_code == 0, ok.output
    assert "added 8 row(s)" in ok.output and "dry run: nothing written" in ok.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,type,description\n2025-01-01,Missile Provocation,x\n", encoding="utf-8")
    result = run_cli("data", "import-csis", bad, "--data-dir", data_copy)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "missing column 'event'" in result.output
    assert path.read_bytes() == original
