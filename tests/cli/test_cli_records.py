"""`forecast records` on the command line: add, list and remove the analyst's own records, and
every bad flag named with exit code 2, nothing saved."""

import json

import pytest
from typer.testing import CliRunner

from forecast.cli.main import app
from forecast.data import analyst_records as ar
from forecast.data.dataset import load_dataset

SHIPPED_HASH = load_dataset().data_hash


@pytest.fixture
def rdir(work_dir):
    return ar.records_dir()


def merged(rdir):
    return ar.load_with_records(rdir=rdir)


def cli(*args):
    return CliRunner().invoke(app, list(args))


def test_cli_add_list_remove(rdir):
    out = cli("records", "add", "event", "--date", "2024-12-20", "--event", "ballistic_missile")
    assert out.exit_code == 2  # --source is required
    out = cli(
        "records", "add", "event", "--date", "2024-12-20", "--event", "ballistic_missile",
        "--missile-class", "SRBM", "--source", "Yonhap (test)", "--note", "planted",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "A-E001" in out.output
    out = cli(
        "records", "add", "signal", "--signal", "announcement", "--level", "notice", "--events", "space_launch",
        "--occurred", "2024-12-18", "--published", "2024-12-18", "--window-start", "2024-12-26",
        "--window-end", "2024-12-31", "--source", "IMO",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    out = cli("records", "list", "--format", "json")
    assert out.exit_code == 0
    assert [r["id"] for r in json.loads(out.output)] == ["A-E001", "A001"]
    out = cli("data", "show", "--event", "ballistic_missile", "--format", "csv")
    assert "2024-12-20,ballistic_missile,SRBM" in out.output and ",analyst," in out.output
    assert cli("records", "remove", "A001").exit_code == 0
    assert cli("records", "remove", "A-E001").exit_code == 0
    assert "no records" in cli("records", "list").output
    assert merged(rdir).data_hash == SHIPPED_HASH


@pytest.mark.parametrize(
    ("args", "flag", "value"),
    [
        (["--date", "2099-01-01"], "--date", "2099-01-01"),
        (["--event", "rocket"], "--event", "rocket"),
        (["--missile-class", "XRBM"], "--missile-class", "XRBM"),
        (["--source", " "], "--source", ""),
    ],
)
def test_cli_bad_event_names_the_flag_and_exits_2(rdir, args, flag, value):
    base = {"--date": "2024-12-20", "--event": "ballistic_missile", "--missile-class": "SRBM", "--source": "s"}
    base |= dict(zip(args[::2], args[1::2], strict=True))
    out = cli("records", "add", "event", *[x for kv in base.items() for x in kv])
    assert out.exit_code == 2
    line = out.output.strip()
    assert line.startswith("error: ") and len(line.splitlines()) == 1
    assert f"field '{flag}'" in line and repr(value) in line
    assert not (rdir / "events.csv").exists()


def test_cli_bad_signal_names_the_flag_and_exits_2(rdir):
    out = cli(
        "records", "add", "signal", "--signal", "announcement", "--level", "notice", "--events", "space_launch",
        "--occurred", "2024-12-18", "--published", "2024-12-18", "--window-start", "2024-12-26",
        "--window-end", "2024-12-20", "--source", "IMO",
    )  # fmt: skip
    assert out.exit_code == 2
    assert "field '--window-end'" in out.output and "'2024-12-20'" in out.output
    out = cli("records", "remove", "A999")
    assert out.exit_code == 2 and "'A999'" in out.output
