"""The analyst's own records: add, list, remove, merge into forecasts, and every bad-input case."""

from pathlib import Path

import pandas as pd
import pytest

from forecast.answers.answer import answer
from forecast.answers.answerer import Answerer
from forecast.answers.questions import make_question
from forecast.core.errors import InputError
from forecast.data import analyst_records as ar
from forecast.data.dataset import DATA_DIR, load_dataset
from forecast.data.signal_state import question_state
from forecast.model.fitted import Fit, prior_fit
from forecast.model.priors import load_priors

SHIPPED_HASH = load_dataset().data_hash
NOTICE = {
    "signal": "announcement",
    "level": "notice",
    "events": "space_launch",
    "occurred": "2024-12-18",
    "published": "2024-12-18",
    "source": "IMO notice (test)",
    "window_start": "2024-12-26",
    "window_end": "2024-12-31",
}


@pytest.fixture
def rdir(work_dir) -> Path:
    """The records folder of a private working directory."""
    assert ar.records_dir() == work_dir / "records"
    return ar.records_dir()


def merged(rdir: Path):
    return ar.load_with_records(rdir=rdir)


def snapshot(rdir: Path) -> dict:
    return {p.name: p.read_bytes() for p in rdir.glob("*.csv")} if rdir.exists() else {}


# ------------------------------------------------------------------ add, list, remove


def test_no_records_leave_the_shipped_data_and_hash(rdir):
    ds = merged(rdir)
    assert ds.data_hash == SHIPPED_HASH
    assert set(ds.events["origin"]) == {"shipped"} and set(ds.signals["origin"]) == {"shipped"}
    assert ar.list_records().empty
    assert ar.analyst_count(ds) == 0


def test_add_list_remove_round_trip_restores_the_data_hash(rdir):
    eid = ar.add_event("2024-12-20", "ballistic_missile", "Yonhap (test)", missile_class="SRBM", note="planted")
    assert eid == "A-E001"
    one = merged(rdir)
    assert one.data_hash != SHIPPED_HASH
    sid = ar.add_signal(**NOTICE)
    assert sid == "A001"
    two = merged(rdir)
    assert len({SHIPPED_HASH, one.data_hash, two.data_hash}) == 3
    assert ar.analyst_count(two) == 2

    listed = ar.list_records()
    assert list(listed["id"]) == ["A-E001", "A001"] and list(listed["kind"]) == ["event", "signal"]
    assert listed.loc[1, "window"] == "2024-12-26 to 2024-12-31"

    ev = two.events[two.events["origin"] == "analyst"]
    assert list(ev["id"]) == ["A-E001"] and ev["date"].iloc[0] == pd.Timestamp("2024-12-20")
    sg = two.signals[two.signals["origin"] == "analyst"]
    assert list(sg["id"]) == ["A001"] and sg["end"].iloc[0] == pd.Timestamp("2024-12-31")
    assert two.events.index.is_unique and two.signals.index.is_unique
    assert len(two.events) == len(one.events) == len(load_dataset().events) + 1

    assert ar.remove("A001") == "signal"
    assert merged(rdir).data_hash == one.data_hash
    assert ar.remove("A-E001") == "event"
    assert merged(rdir).data_hash == SHIPPED_HASH
    assert ar.list_records().empty
    # shipped files untouched, nothing written in data/
    assert load_dataset().data_hash == SHIPPED_HASH
    assert not (DATA_DIR / "records").exists()


def test_ids_count_on_after_a_removal(rdir):
    ar.add_event("2024-12-20", "engine_test", "src")
    ar.add_event("2024-12-21", "engine_test", "src")
    ar.remove("A-E001")
    assert ar.add_event("2024-12-22", "engine_test", "src") == "A-E003"


def test_removing_an_unknown_id_names_it(rdir):
    ar.add_event("2024-12-20", "engine_test", "src")
    with pytest.raises(InputError) as err:
        ar.remove("A-E009")
    assert err.value.field == "id" and err.value.value == "A-E009" and "A-E001" in str(err.value)


def test_the_service_context_includes_the_records_and_says_so(rdir):
    from forecast.answers.service import context

    ar.add_event("2024-12-20", "ballistic_missile", "src", missile_class="SRBM")
    ctx = context()
    fit = prior_fit(ctx.priors, "2024-12-21", 50, ds=ctx.ds)  # a fit's identity carries the merged data's hash
    prov = ctx.provenance(fit)
    assert prov["analyst_records"] == 1 and prov["data_hash"] == merged(rdir).data_hash != SHIPPED_HASH
    assert context(records=False).ds.data_hash == SHIPPED_HASH


# ------------------------------------------------------------------ use in a forecast


def synthetic_fit(priors, as_of: str) -> Fit:
    return prior_fit(priors, as_of, 400, seed=7)


def test_a_planted_launch_changes_the_next_days_answer_and_removing_it_restores_it(rdir):
    priors = load_priors()
    fit = synthetic_fit(priors, "2024-12-21")
    q = make_question("2024-12-21", "ballistic_missile", 30)

    def prob(ds):
        return answer(Answerer(ds, priors, fit, as_of="2024-12-21"), q)["probability"]

    before = prob(merged(rdir))
    ar.add_event("2024-12-20", "ballistic_missile", "Yonhap (test)", missile_class="SRBM")
    planted = prob(merged(rdir))
    assert planted > before + 0.005
    ar.remove("A-E001")
    assert prob(merged(rdir)) == pytest.approx(before)


def test_a_planted_notice_sets_the_data_state(rdir):
    assert question_state(merged(rdir).signals, "2024-12-20", "space_launch")["announcement"] != "notice"
    ar.add_signal(**NOTICE)
    assert question_state(merged(rdir).signals, "2024-12-20", "space_launch")["announcement"] == "notice"
    # no look-ahead: not yet published the day before
    assert question_state(merged(rdir).signals, "2024-12-17", "space_launch")["announcement"] != "notice"


# ------------------------------------------------------------------ bad input: named, nothing changed

EVENT_OK = {"date": "2024-12-20", "event": "ballistic_missile", "source": "src", "missile_class": "SRBM"}
BAD_EVENTS = [
    ({"source": ""}, "source", "", "must not be empty"),
    ({"event": "rocket"}, "event", "rocket", "unknown event type"),
    ({"date": "2099-01-01"}, "date", "2099-01-01", "date is in the future"),
    ({"date": "20-12-2024"}, "date", "20-12-2024", "YYYY-MM-DD"),
    ({"missile_class": "XRBM"}, "missile_class", "XRBM", "unknown missile class"),
    ({"missile_class": ""}, "missile_class", "", "needs a missile class"),
    ({"outcome": "great"}, "outcome", "great", "unknown outcome"),
    ({"date": "2024-11-05"}, "date", "2024-11-05", "duplicate of"),  # a shipped row
]


@pytest.mark.parametrize(("change", "field", "value", "message"), BAD_EVENTS)
def test_a_bad_event_is_named_and_nothing_is_saved(rdir, change, field, value, message):
    ar.add_event("2024-12-01", "engine_test", "kept")
    before = snapshot(rdir)
    with pytest.raises(InputError) as err:
        ar.add_event(**(EVENT_OK | change))
    exc = err.value
    assert (exc.field, exc.value) == (field, value) and message in exc.message
    assert snapshot(rdir) == before
    assert not list(rdir.glob(".*.tmp"))


def test_a_duplicate_of_a_shipped_event_names_the_shipped_row(rdir):
    with pytest.raises(InputError) as err:
        ar.add_event(**(EVENT_OK | {"date": "2024-11-05"}))
    assert "data/events.csv row" in err.value.message and "(same date, event)" in err.value.message
    assert not (rdir / "events.csv").exists()


def test_a_duplicate_of_an_own_event_names_the_records_file(rdir):
    ar.add_event(**EVENT_OK)
    with pytest.raises(InputError) as err:
        ar.add_event(**EVENT_OK)
    assert f"{rdir / 'events.csv'} row 2" in err.value.message


BAD_SIGNALS = [
    ({"source": ""}, "source", "", "must not be empty"),
    ({"signal": "weather"}, "signal", "weather", "unknown signal"),
    ({"level": "loud"}, "level", "loud", "unknown level"),
    ({"events": "parade"}, "events", "parade", "unknown event type"),
    ({"published": "2099-01-01"}, "published", "2099-01-01", "date is in the future"),
    ({"published": "2024-12-10"}, "published", "2024-12-10", "published before it occurred"),
    ({"window_end": "2024-12-20", "window_start": "2024-12-22"}, "window_end", "2024-12-20", "window ends before"),
    ({"window_end": ""}, "window_end", "", "needs its notified window"),
    (
        {"level": "threatening", "signal": "rhetoric", "window_start": "", "window_end": "", "end": "2024-12-01"},
        "end",
        "2024-12-01",
        "end is before the start",
    ),
    (
        {"level": "threatening", "signal": "rhetoric", "window_start": "", "window_end": "", "lifetime_days": "0"},
        "lifetime_days",
        "0",
        "positive whole number",
    ),
]


@pytest.mark.parametrize(("change", "field", "value", "message"), BAD_SIGNALS)
def test_a_bad_signal_record_is_named_and_nothing_is_saved(rdir, change, field, value, message):
    ar.add_signal(**(NOTICE | {"occurred": "2024-12-01", "published": "2024-12-01"}))
    before = snapshot(rdir)
    with pytest.raises(InputError) as err:
        ar.add_signal(**(NOTICE | change))
    exc = err.value
    assert (exc.field, exc.value) == (field, value) and message in exc.message
    assert snapshot(rdir) == before


def test_a_duplicate_of_a_shipped_signal_record_is_refused(rdir):
    shipped = load_dataset().signals
    rec = shipped[shipped["id"] == "S160"].iloc[0]
    fields = {"signal": rec["signal"], "level": rec["level"], "events": rec["events"]}
    fields |= {"occurred": "2024-10-30", "published": "2024-10-30", "source": "again", "lifetime_days": "90"}
    with pytest.raises(InputError) as err:
        ar.add_signal(**fields)
    assert err.value.field == "signal" and "data/signals.csv row" in err.value.message


def test_a_hand_edited_records_file_is_named_by_file_row_field_and_value(rdir):
    rdir.mkdir(parents=True)
    path = rdir / "events.csv"
    path.write_text(
        "id,date,event,missile_class,missiles,vehicle,site,outcome,source,note\n"
        "A-E001,2024-12-20,engine_test,,,,,unknown,src,\n"
        "A-E002,2024-12-21,engine_test,,,,,unknown,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        merged(rdir)
    exc = err.value
    assert (exc.file, exc.row, exc.field, exc.value) == (str(path), 3, "source", "")
    # adding to a damaged file is refused with the same message, and the file is left as it was
    before = path.read_bytes()
    with pytest.raises(InputError) as err2:
        ar.add_event("2024-12-22", "engine_test", "src")
    assert (err2.value.file, err2.value.row, err2.value.field) == (str(path), 3, "source")
    assert path.read_bytes() == before


def test_a_hand_edited_bad_id_is_named(rdir):
    rdir.mkdir(parents=True)
    path = rdir / "signals.csv"
    path.write_text(
        "id,signal,level,events,occurred,published,end,lifetime_days,window_start,window_end,source,note\n"
        "S001,rhetoric,threatening,all,2024-12-01,2024-12-01,,30,,,src,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        merged(rdir)
    assert (err.value.file, err.value.row, err.value.field, err.value.value) == (str(path), 2, "id", "S001")
