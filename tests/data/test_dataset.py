"""Loaders and every bad-input case for the data files."""

from pathlib import Path

import pandas as pd
import pytest

from forecast.core.errors import InputError
from forecast.data.dataset import Reach, load_dataset, load_episodes, load_events, load_reach, load_signals, write_reach
from forecast.data.vocab import MISSILE_CLASSES, RECORDED_EVENTS, SIGNALS


def test_shipped_events_are_complete_and_sourced():
    ev = load_events()
    counts = ev["event"].value_counts()
    assert counts["space_launch"] == 10
    assert counts["nuclear_test"] == 6
    assert counts["ballistic_missile"] > 100
    assert counts["engine_test"] >= 8
    assert (ev["source"].str.len() > 0).all()
    assert set(ev["event"]) <= set(RECORDED_EVENTS)
    assert ev["date"].min() >= pd.Timestamp("1998-01-01")
    assert ev["date"].max() <= load_reach().complete_through  # nothing past what the record covers
    missiles = ev[ev["event"] == "ballistic_missile"]
    assert missiles["missile_class"].isin(MISSILE_CLASSES).all()
    # Korea local dates: the first Hwasong-14 flew on 4 July KST, the Hwasong-15 on 29 Nov KST
    assert ((ev["date"] == "2017-07-04") & (missiles["missile_class"] == "ICBM")).any()
    assert ((ev["date"] == "2017-11-29") & (ev["event"] == "ballistic_missile")).any()
    assert not ((ev["date"] == "2017-11-28") & (ev["event"] == "ballistic_missile")).any()


def test_known_space_launches_and_tests_are_on_their_korean_dates():
    ev = load_events()
    launches = set(ev.loc[ev["event"] == "space_launch", "date"].dt.strftime("%Y-%m-%d"))
    assert {"2012-04-13", "2012-12-12", "2016-02-07", "2023-05-31", "2023-08-24", "2023-11-21"} <= launches
    tests = set(ev.loc[ev["event"] == "nuclear_test", "date"].dt.strftime("%Y-%m-%d"))
    assert tests == {"2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03"}


def test_shipped_signals_use_the_vocabulary_and_are_sourced():
    sg = load_signals()
    for rec in sg.itertuples():
        assert rec.level in SIGNALS[rec.signal].levels
        assert rec.published >= rec.occurred
        assert rec.source
    assert set(SIGNALS) <= set(sg["signal"])


def test_dataset_hash_changes_with_the_data(data_copy: Path):
    before = load_dataset(data_copy).data_hash
    with open(data_copy / "signals.csv", "a", encoding="utf-8") as fh:
        fh.write("S999,rhetoric,threatening,all,2024-06-01,2024-06-01,,30,,,test source,\n")
    assert load_dataset(data_copy).data_hash != before


def test_episodes_have_questions_and_valid_periods():
    episodes = load_episodes()
    assert {"leap-day-2012", "hanoi-2019"} <= set(episodes)
    for ep in episodes.values():
        assert ep.questions and ep.start < ep.end


# ------------------------------------------------------------------ bad input


def _rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


EVENT_CASES = [
    # (description, old, new, expected field, expected value fragment)
    ("unknown event type", "2013-02-12,nuclear_test", "2013-02-12,nuclear_tset", "event", "nuclear_tset"),
    ("bad date", "2013-02-12,nuclear_test", "2013-02-30,nuclear_test", "date", "2013-02-30"),
    ("future date", "2013-02-12,nuclear_test", "2099-02-12,nuclear_test", "date", "2099-02-12"),
    (
        "unknown missile class",
        "2017-07-04,ballistic_missile,ICBM",
        "2017-07-04,ballistic_missile,XRBM",
        "missile_class",
        "XRBM",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "field", "value"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_bad_event_rows_name_file_row_field_value(data_copy, case, old, new, field, value):
    path = data_copy / "events.csv"
    _rewrite(path, old, new)
    row = _line_of(path, new)
    with pytest.raises(InputError) as err:
        load_events(path)
    e = err.value
    assert (e.file, e.row, e.field) == (str(path), row, field)
    assert value in str(e.value)
    assert str(path) in str(e) and f"row {row}" in str(e)


def test_missing_column_is_named(data_copy):
    path = data_copy / "events.csv"
    _rewrite(path, "date,event,", "day,event,")
    with pytest.raises(InputError, match="missing column 'date'") as err:
        load_events(path)
    assert err.value.row == 1


def test_duplicate_event_rows_point_at_both(data_copy):
    path = data_copy / "events.csv"
    line = next(x for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("2013-02-12,nuclear_test"))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(InputError, match="duplicate of row") as err:
        load_events(path)
    assert err.value.row == n_lines


def test_wrong_encoding_is_reported_with_its_row(data_copy):
    path = data_copy / "events.csv"
    text = path.read_text(encoding="utf-8").replace("Punggye-ri", "P\u2019unggye-ri", 1)
    path.write_bytes(text.encode("cp1252"))
    row = _line_of_bytes(path, b"P\x92unggye")
    with pytest.raises(InputError, match="not UTF-8") as err:
        load_events(path)
    assert err.value.row == row


def _line_of_bytes(path: Path, needle: bytes) -> int:
    for i, line in enumerate(path.read_bytes().splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


SIGNAL_CASES = [
    ("unknown signal level", "S051,announcement,notice", "S051,announcement,shouted", "level", "shouted"),
    ("unknown signal", "S051,announcement,notice", "S051,annoucement,notice", "signal", "annoucement"),
    ("end before start", "2022-12-18,2022-12-19,2023-04-30", "2022-12-18,2022-12-19,2022-12-01", "end", "2022-12-01"),
    (
        "published before occurred",
        "2022-12-18,2022-12-19,2023-04-30",
        "2022-12-18,2022-12-10,2023-04-30",
        "published",
        "2022-12-10",
    ),
    (
        "unknown event scope",
        "S051,announcement,notice,space_launch",
        "S051,announcement,notice,satellite",
        "events",
        "satellite",
    ),
    (
        "future published date",
        "2022-12-18,2022-12-19,2023-04-30",
        "2022-12-18,2099-12-19,2023-04-30",
        "published",
        "2099-12-19",
    ),
    # notices and their windows
    ("issued in the record", "S051,announcement,notice", "S051,announcement,issued", "level", "issued"),
    (
        "notice without window",
        "2012-03-16,2012-03-16,,,2012-04-12,2012-04-16",
        "2012-03-16,2012-03-16,,,,",
        "window_start",
        "",
    ),
    (
        "window ends before it starts",
        "2012-03-16,2012-03-16,,,2012-04-12,2012-04-16",
        "2012-03-16,2012-03-16,,,2012-04-12,2012-04-02",
        "window_end",
        "2012-04-02",
    ),
    (
        "window not a date",
        "2012-03-16,2012-03-16,,,2012-04-12,2012-04-16",
        "2012-03-16,2012-03-16,,,2012-04-12,16 April",
        "window_end",
        "16 April",
    ),
    (
        "notice with an end",
        "2012-03-16,2012-03-16,,,2012-04-12,2012-04-16",
        "2012-03-16,2012-03-16,2012-04-20,,2012-04-12,2012-04-16",
        "end",
        "2012-04-20",
    ),
    (
        "window on a plan",
        "2022-12-18,2022-12-19,2023-04-30,,,",
        "2022-12-18,2022-12-19,,,2023-04-01,2023-04-30",
        "window_start",
        "2023-04-01",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "field", "value"), SIGNAL_CASES, ids=[c[0] for c in SIGNAL_CASES])
def test_bad_signal_rows_name_file_row_field_value(data_copy, case, old, new, field, value):
    path = data_copy / "signals.csv"
    _rewrite(path, old, new)
    row = _line_of(path, new)
    with pytest.raises(InputError) as err:
        load_signals(path)
    e = err.value
    assert (e.row, e.field) == (row, field), str(e)
    assert value in str(e.value)


def test_duplicate_signal_rows_are_refused(data_copy):
    path = data_copy / "signals.csv"
    line = next(x for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("S051,"))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line.replace("S051,", "S900,") + "\n")
    with pytest.raises(InputError, match="duplicate of row"):
        load_signals(path)


# ---------------------------------------------------------------- how far the record is complete


def test_the_records_reach_is_data_and_everything_derives_from_it(data_copy):
    reach = load_reach(data_copy)
    assert reach.complete_through >= pd.Timestamp("2026-08-20") and "CSIS" in reach.checked
    before = load_dataset(data_copy)
    assert before.complete_through == reach.complete_through
    # moving it is the analyst's decision; it changes the data hash (fits and provenance follow)
    write_reach(Reach(pd.Timestamp("2026-09-30"), "checked the September wires"), data_copy)
    after = load_dataset(data_copy)
    assert after.complete_through == pd.Timestamp("2026-09-30") and after.data_hash != before.data_hash


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("[record]\ncomplete_through = 2099-01-01\nchecked = 'x'\n", "record.complete_through", "future"),
        ("[record]\ncomplete_through = '2026-08-20'\nchecked = 'x'\n", "record.complete_through", "must be a date"),
        ("[record]\ncomplete_through = 2026-08-20\n", "record.checked", "what was checked"),
        ("[record]\ncomplete_thru = 2026-08-20\nchecked = 'x'\n", "complete_thru", "unknown key"),
        ("[record\n", None, "not valid TOML"),
    ],
)
def test_a_bad_reach_file_names_file_field_and_value(data_copy, text, field, words):
    (data_copy / "record.toml").write_text(text)
    with pytest.raises(InputError, match=words) as err:
        load_dataset(data_copy)
    assert err.value.file.endswith("record.toml") and err.value.field == field
