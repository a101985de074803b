"""The forecast log: appended to atomically, a foreign or unwritable file refused, a log written
before the analyst-records column read and extended (no fit)."""

import pandas as pd
import pytest

from forecast.core.errors import InputError
from forecast.workspace import forecast_log


def test_the_log_appends_and_refuses_a_foreign_file(tmp_path):
    path = tmp_path / "log.csv"
    assert forecast_log.append(path, [{"event": "space_launch", "probability": 0.2, "notes": "two\nlines"}]) == 1
    assert forecast_log.append(path, [{"event": "any", "probability": 0.5}]) == 2
    frame = pd.read_csv(path)
    assert list(frame["event"]) == ["space_launch", "any"] and frame["notes"].iloc[0] == "two\nlines"
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError) as exc:
        forecast_log.append(other, [{"event": "any"}])
    assert "other.csv" in str(exc.value) and "row 1" in str(exc.value)
    assert other.read_text() == "a,b\n1,2\n"


def test_a_log_that_cannot_be_written_is_an_input_error(tmp_path):
    (tmp_path / "log.csv").mkdir()
    with pytest.raises(InputError, match="log"):
        forecast_log.append(tmp_path / "log.csv", [{"event": "any"}])


def test_forecast_log_reads_a_log_written_before_the_column(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(",".join(forecast_log.LEGACY_COLUMNS) + "\n" + ",".join(["x"] * 19) + "\n", encoding="utf-8")
    assert forecast_log.read_text(path).splitlines()[0].endswith(",analyst_records")
    assert forecast_log.append(path, [{"as_of": "2024-12-21", "analyst_records": 1}]) == 2
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(rows["analyst_records"]) == ["", "1"]
