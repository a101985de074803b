"""The tables that describe a dataset (`forecast data check`, the Data page), on a small synthetic
record counted by hand, and the shipped record's summary."""

import pandas as pd
import pytest

from forecast.data.summary import (
    check_report,
    counts_by_type,
    counts_by_year,
    events_of,
    signal_counts,
    timeline_frame,
    with_question_types,
)


@pytest.fixture
def small(make_data):
    return make_data(
        events=[
            {"date": "2000-03-01", "event": "ballistic_missile", "missile_class": "ICBM", "vehicle": "Hwasong"},
            {"date": "2000-05-01", "event": "ballistic_missile", "missile_class": "SRBM"},
            {"date": "2002-07-01", "event": "space_launch", "vehicle": "Unha"},
            {"date": "2002-08-01", "event": "nuclear_test"},
        ],
        signals=[
            {"signal": "rhetoric", "level": "threatening", "events": "all", "occurred": "2000-01-01",
             "published": "2000-01-02", "lifetime_days": "30"},
            {"signal": "negotiation", "level": "engaged", "events": "all", "occurred": "2000-06-01",
             "published": "2000-06-01"},
            {"signal": "negotiation", "level": "collapsed", "events": "all", "occurred": "2001-06-01",
             "published": "2001-06-01"},
            {"signal": "sanctions", "level": "tightening", "events": "all", "occurred": "2002-01-01",
             "published": "2002-01-01", "end": "2002-01-01"},
        ],
        complete_through="2002-12-31",
    )  # fmt: skip


def test_a_long_range_missile_day_counts_for_both_question_types(small):
    both = with_question_types(small.events)
    assert len(both) == len(small.events) + 1
    assert list(both[both["event"] == "long_range_missile"]["date"]) == [pd.Timestamp("2000-03-01")]
    assert len(events_of(small.events, "ballistic_missile")) == 2
    assert len(events_of(small.events, "long_range_missile")) == 1
    assert len(events_of(small.events, "any")) == 4  # a day of each row, not double-counted


def test_counts_by_type_and_year(small):
    assert counts_by_type(small.events).to_dict() == {
        "space_launch": 1, "long_range_missile": 1, "ballistic_missile": 2, "nuclear_test": 1, "engine_test": 0,
    }  # fmt: skip
    by_year = counts_by_year(small.events)
    assert list(by_year.index) == [2000, 2001, 2002]  # a year without events is a row of zeros
    assert by_year.loc[2001].sum() == 0
    assert by_year.loc[2000, "ballistic_missile"] == 2 and by_year.loc[2002, "space_launch"] == 1
    assert signal_counts(small.signals).set_index(["signal", "level"])["records"].to_dict() == {
        ("negotiation", "collapsed"): 1, ("negotiation", "engaged"): 1, ("rhetoric", "threatening"): 1,
        ("sanctions", "tightening"): 1,
    }  # fmt: skip


def test_the_check_report_states_hash_reach_and_counts(small):
    lines = check_report(small)
    assert lines[0] == f"data OK (hash {small.data_hash})"
    assert lines[1] == "complete through 2002-12-31 (data/record.toml): synthetic record"
    assert lines[2] == "events: 4 rows, 2000-03-01 to 2002-08-01, every row sourced"
    assert "  ballistic_missile       2" in lines and "  engine_test             0" in lines
    assert any(line.startswith("signal records: 4, occurred 2000-01-01 to 2002-01-01") for line in lines)
    assert lines[-1] == "note: no events of type engine_test"


def test_the_timeline_spans_each_record_until_it_ends(small):
    points, spans = timeline_frame(
        small.events, small.signals, ["ballistic_missile", "space_launch"], ["negotiation", "rhetoric", "sanctions"],
        (2000, 2002), small.complete_through,
    )  # fmt: skip
    assert list(points["row"]) == ["ballistic_missile", "ballistic_missile", "space_launch"]
    assert points["detail"].tolist() == ["Hwasong ICBM", "SRBM", "Unha"] and set(points["origin"]) == {"shipped"}
    by_id = spans.set_index("id")
    assert by_id.loc["S001", "end"] == pd.Timestamp("2000-01-31")  # a lifetime of 30 days
    assert by_id.loc["S002", "end"] == pd.Timestamp("2001-06-01")  # open: until the next negotiation record
    assert by_id.loc["S003", "end"] == pd.Timestamp("2002-12-31")  # the last one: until the record's end
    assert by_id.loc["S004", "end"] == pd.Timestamp("2002-01-04")  # shown at least three days wide
    assert by_id.loc["S001", "level"] == "rhetoric=threatening" and by_id.loc["S001", "row"] == "signal: rhetoric"
    # a window of years clips the spans
    _, late = timeline_frame(small.events, small.signals, [], ["negotiation"], (2002, 2002), small.complete_through)
    assert late.set_index("id").loc["S003", "start"] == pd.Timestamp("2002-01-01") and "S002" not in set(late["id"])


def test_the_shipped_summary(ds):
    lines = check_report(ds)
    assert lines[0].startswith("data OK (hash ") and ds.data_hash in lines[0]
    assert f"complete through {ds.complete_through.date()}" in lines[1]
    counts = counts_by_type(ds.events)
    assert counts["space_launch"] == 10 and counts["nuclear_test"] == 6
    assert counts["ballistic_missile"] >= counts["long_range_missile"] > 0
