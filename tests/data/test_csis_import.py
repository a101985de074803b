"""The CSIS provocations-list importer, on a fixture we wrote in the processed CSV layout."""

import datetime as dt
from pathlib import Path

import pytest

from forecast.core.errors import InputError
from forecast.data.dataset import load_events
from forecast.data.importers.csis import decide_date, import_csis, map_event, read_csis

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "csis_fixture.csv"


def _days():
    days, skipped, review = read_csis(FIXTURE)
    return days.set_index(["date", "event"]), skipped, review


def test_event_types_map_to_ours():
    days, _, _ = _days()
    classes = {k: days.loc[k, "missile_class"] for k in days.index if k[1] == "ballistic_missile"}
    assert classes[("2025-02-10", "ballistic_missile")] == "SRBM"
    assert classes[("2025-03-04", "ballistic_missile")] == "IRBM"
    assert classes[("2025-06-18", "ballistic_missile")] == "ICBM"
    assert classes[("2025-07-09", "ballistic_missile")] == "HGV"
    assert classes[("2025-07-22", "ballistic_missile")] == "SLBM"
    assert classes[("2025-08-14", "ballistic_missile")] == "unknown"
    # a launcher's rockets described as ballistic of 380 km count; 60 km rockets do not
    assert classes[("2025-10-28", "ballistic_missile")] == "SRBM"
    assert ("2025-10-15", "ballistic_missile") not in days.index
    assert ("2025-04-11", "space_launch") in days.index
    assert ("2017-09-03", "nuclear_test") in days.index
    assert map_event("Rocket Engine Test", "Other Provocation", "") == ("event", "engine_test")
    assert map_event("Hypersonic Missile", "Missile Provocation", "an intermediate-range hypersonic missile") == (
        "event",
        "ballistic_missile:IRBM",
    )


def test_skipped_rows_are_counted_by_type():
    _, skipped, _ = _days()
    assert skipped["dated before 1998-01-01 (outside the record)"] == 1
    assert skipped["cruise missile: Strategic cruise missile"] == 1
    assert skipped["artillery, naval or gun fire: Artillery Fire"] == 1
    assert (
        skipped[
            "multiple rocket launcher (not ballistic of at least 300 km): Multiple Launch Rocket System (MLRS) Test"
        ]
        == 1
    )
    assert skipped["not a launch or test (other provocation): Balloon-floating Trash"] == 1
    assert sum(skipped.values()) == 5


def test_date_decisions():
    days, _, review = _days()
    # a US date: the description states the Korean day (4 March), which is used and noted
    note = days.loc[("2025-03-04", "ballistic_missile"), "note"]
    assert "CSIS lists 2025-03-03" in note
    # a state-media report of a launch the previous day
    note = days.loc[("2025-04-11", "space_launch"), "note"]
    assert "report date" in note and "2025-04-12" in note
    # a weekday consistent with the listed date confirms it
    day, note, confirmed = decide_date(dt.date(2025, 8, 14), "fired on Thursday")
    assert (day, note, confirmed) == (dt.date(2025, 8, 14), "", True)
    # a weekday one day after the listed (US) date moves the row to the Korean day
    day, _, confirmed = decide_date(dt.date(2025, 8, 13), "fired on Thursday morning")
    assert day == dt.date(2025, 8, 14) and confirmed
    # a state-media report without the day is not guessed
    assert decide_date(dt.date(2025, 5, 20), "state media said a test took place")[0] is None
    # two candidate days are not guessed
    assert decide_date(dt.date(2025, 5, 20), "on May 19 or May 20")[0] is None
    # a Korea time of day keeps the listed date
    assert decide_date(dt.date(2025, 5, 20), "at 7:10 a.m.") == (dt.date(2025, 5, 20), "", True)
    assert decide_date(dt.date(2025, 5, 20), "a launch was reported")[2] is False
    assert {r[0] for r in review} == {"2025-05-20", "2025-09-02"}


def test_report_lists_rows_for_an_analyst(data_copy):
    report = import_csis(FIXTURE, data_copy / "events.csv", dry_run=True)
    review = {(d, e) for d, e, _ in report.review}
    assert ("2025-05-20", "engine_test") in review  # report date, day not given
    assert ("2025-09-02", "Short-range Missile Launch") in review  # not described as ballistic
    assert ("2025-08-03", "ballistic_missile") in review  # new day, date unconfirmed
    held = {(n, o, e) for n, o, e, _ in report.near_dates}
    assert held == {("2024-10-30", "2024-10-31", "ballistic_missile")}
    added = {(r["date"], r["event"]) for r in report.added}
    assert ("2024-10-30", "ballistic_missile") not in added
    assert ("2025-08-03", "ballistic_missile") not in added
    assert report.unchanged == 1  # the nuclear test we already hold
    text = "\n".join(report.lines())
    assert "needs an analyst's decision" in text and "complete-through date is unchanged" in text


def test_dry_run_writes_nothing(data_copy):
    path = data_copy / "events.csv"
    original = path.read_bytes()
    report = import_csis(FIXTURE, path, dry_run=True)
    assert report.added
    assert path.read_bytes() == original


def test_real_merge_validates_and_keeps_every_row(data_copy):
    path = data_copy / "events.csv"
    before = load_events(path)
    report = import_csis(FIXTURE, path)
    after = load_events(path)  # validates
    assert len(after) == len(before) + len(report.added) == len(before) + 8
    key = ["date", "event"]
    assert before[key].merge(after[key], how="left", indicator=True)["_merge"].eq("both").all()
    # the known ICBM class of 2024-10-31 and the nuclear test's values are untouched
    icbm = after[(after["date"] == "2024-10-31") & (after["event"] == "ballistic_missile")].iloc[0]
    assert icbm["missile_class"] == "ICBM"
    new = after[after["source"].str.contains("CSIS Beyond Parallel provocations list")]
    assert len(new) == 8 and new["outcome"].eq("unknown").all()
    # with --accept-shifted the one-day near-match is added too
    report = import_csis(FIXTURE, path, accept_shifted=True)
    assert [r["date"] for r in report.added] == ["2024-10-30"]


def _write(tmp_path, text, encoding="utf-8", name="bad.csv"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def test_bad_inputs_name_file_row_field_value(tmp_path, data_copy):
    header = "date,type,event,description\n"
    with pytest.raises(InputError) as err:
        read_csis(_write(tmp_path, "date,type,description\n2025-01-01,Missile Provocation,x\n"))
    assert (err.value.row, err.value.field) == (1, "event") and "bad.csv" in str(err.value)

    with pytest.raises(InputError) as err:
        read_csis(
            _write(tmp_path, header + "2025-01-01,Missile Provocation,SRBM,ok\n2025-01-02,M,SRBM,caf\xe9\n", "cp1252")
        )
    assert err.value.row == 3 and "UTF-8" in str(err.value) and err.value.value == "e9"

    with pytest.raises(InputError) as err:
        read_csis(_write(tmp_path, ""))
    assert err.value.row == 1 and "empty" in str(err.value)

    with pytest.raises(InputError) as err:
        read_csis(_write(tmp_path, header + "2025-13-01,Missile Provocation,Short-range Ballistic Missile Launch,x\n"))
    assert (err.value.row, err.value.field, err.value.value) == (2, "date", "2025-13-01")
