"""The CNS database importer, on a fixture we wrote in the CNS export format."""

from pathlib import Path

from forecast.data.dataset import load_events
from forecast.data.importers.cns import cns_days, import_cns

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "cns_fixture.csv"


def test_cns_rows_become_korean_days():
    days = cns_days(FIXTURE).set_index(["date", "event"])
    # 00:40 UTC 4 Jul (12-hour clock '12:40:00 AM') is still 4 Jul in Korea
    assert ("2017-07-04", "ballistic_missile") in days.index
    # 22:30 UTC 13 Jan is 14 Jan in Korea, and two rows make one day of two missiles
    row = days.loc[("2025-02-17", "ballistic_missile")]
    assert row["missiles"] == "2" and row["missile_class"] == "SRBM"
    assert ("2025-03-20", "space_launch") in days.index


def test_import_merges_reports_and_never_drops_rows(data_copy):
    path = data_copy / "events.csv"
    before = load_events(path)
    report = import_cns(FIXTURE, path)
    after = load_events(path)
    assert len(after) == len(before) + 2
    added = {(r["date"], r["event"]) for r in report.added}
    assert added == {("2025-02-17", "ballistic_missile"), ("2025-03-20", "space_launch")}
    # the revision is applied and reported
    changed = {(r["date"], tuple(d)) for r, d in report.changed}
    assert ("2024-01-14", ("outcome",)) in changed
    jan14 = after[(after["date"] == "2024-01-14") & (after["event"] == "ballistic_missile")].iloc[0]
    assert jan14["outcome"] == "failure"
    # an 'Unknown' type in the release does not overwrite our ICBM class
    feb27 = after[(after["date"] == "2022-02-27") & (after["event"] == "ballistic_missile")].iloc[0]
    assert feb27["missile_class"] == "ICBM"
    # every earlier row is still there
    key = ["date", "event"]
    assert before[key].merge(after[key], how="left", indicator=True)["_merge"].eq("both").all()
    assert report.kept_not_in_import > 0
    # imported rows are sourced
    assert after["source"].str.len().gt(0).all()


def test_dry_run_writes_nothing(data_copy):
    path = data_copy / "events.csv"
    original = path.read_bytes()
    report = import_cns(FIXTURE, path, dry_run=True)
    assert report.added
    assert path.read_bytes() == original


def test_bad_date_in_cns_file_names_row(tmp_path):
    bad = tmp_path / "bad.csv"
    text = FIXTURE.read_bytes().decode("cp1252").replace("16-Feb-25", "16-Fbe-25", 1)
    bad.write_text(text, encoding="utf-8")
    import pytest

    from forecast.core.errors import InputError

    with pytest.raises(InputError) as err:
        cns_days(bad)
    assert err.value.row == 4 and err.value.field == "Date" and err.value.value == "16-Fbe-25"


# ---------------------------------------------------------------- real releases: scope, near-matches, classes


def test_out_of_scope_and_month_only_rows_are_counted_not_fatal():
    from forecast.data.importers.cns import SKIP_EARLY, SKIP_MONTH, read_cns

    days, skipped = read_cns(FIXTURE)
    assert skipped == {SKIP_EARLY: 1, SKIP_MONTH: 1}
    assert days["date"].min() >= "1998-01-01"


def test_multi_missile_day_takes_the_longest_range_class():
    days = cns_days(FIXTURE).set_index(["date", "event"])
    # 21:00-21:42 UTC 24 May is 25 May in Korea: one ICBM and two SRBMs make an ICBM day
    row = days.loc[("2022-05-25", "ballistic_missile")]
    assert row["missile_class"] == "ICBM" and row["missiles"] == "3" and row["outcome"] == "partial"


def test_merge_never_lowers_a_class_or_writes_unknown():
    import pandas as pd

    from forecast.data.dataset import EVENT_COLUMNS
    from forecast.data.importers.cns import merge

    def table(*rows):
        return pd.DataFrame([dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows], columns=list(EVENT_COLUMNS))

    ours = table(("2022-05-25", "ballistic_missile", "ICBM", "3", "x", "y", "partial", "ours", ""))
    theirs = table(("2022-05-25", "ballistic_missile", "SRBM", "2", "x", "y", "unknown", "theirs", ""))
    merged, report = merge(ours, theirs)
    row = merged.iloc[0]
    assert (row["missile_class"], row["missiles"], row["outcome"]) == ("ICBM", "3", "partial")
    assert not report.changed and report.unchanged == 1
    assert {k[2] for k in report.kept_values} == {"missile_class", "missiles"}
    # a longer-range class from the release does raise an unknown or shorter one
    ours.loc[0, "missile_class"] = "SRBM"
    theirs.loc[0, "missile_class"] = "IRBM"
    merged, report = merge(ours, theirs)
    assert merged.iloc[0]["missile_class"] == "IRBM" and report.changed


def test_one_day_near_match_is_held_back_unless_accepted(data_copy):
    path = data_copy / "events.csv"
    report = import_cns(FIXTURE, path, dry_run=True)
    held = {(new, old, ev) for new, old, ev, _ in report.near_dates}
    assert held == {("2009-07-05", "2009-07-04", "ballistic_missile")}
    assert "2009-07-05" not in {r["date"] for r in report.added}
    text = "\n".join(report.lines())
    assert "needs an analyst's decision" in text and "2009-07-05" in text
    assert "complete-through date is unchanged" in text

    report = import_cns(FIXTURE, path, accept_shifted=True)
    after = load_events(path)
    assert report.accepted_shifted == 1
    row = after[(after["date"] == "2009-07-05") & (after["event"] == "ballistic_missile")].iloc[0]
    assert "--accept-shifted" in row["note"]
    assert len(after[(after["date"] == "2009-07-04") & (after["event"] == "ballistic_missile")]) == 1


def test_malformed_date_inside_scope_is_still_an_error(tmp_path):
    import pytest

    from forecast.core.errors import InputError

    bad = tmp_path / "bad.csv"
    text = FIXTURE.read_bytes().decode("cp1252").replace("5-Jul-09", "5-Jly-2009x", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        cns_days(bad)
    assert (err.value.row, err.value.field, err.value.value) == (10, "Date", "5-Jly-2009x")
    assert str(bad) in str(err.value)
