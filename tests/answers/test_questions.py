"""Questions as analysts write them: evidence text parsed and written back, a notice's window, the
question's fields checked with one clear message, and question files (plain Python, no fit)."""

import datetime as dt

import pytest

from forecast.answers import questions
from forecast.answers.questions import (
    NEUTRAL_EVIDENCE,
    evidence_text,
    levels_text,
    make_question,
    parse_evidence,
    read_questions,
)
from forecast.core.errors import InputError
from forecast.data.vocab import SIGNALS


def test_evidence_parses_and_writes_back():
    ev = parse_evidence(
        "site_activity=preparation:0.7; rhetoric=threatening ;announcement=notice@2012-04-12/2012-04-16"
    )
    assert ev == {
        "site_activity": ("preparation", 0.7),
        "rhetoric": ("threatening", 1.0),
        "announcement": ("notice@2012-04-12/2012-04-16", 1.0),
    }
    text = evidence_text(ev)
    assert text == "site_activity=preparation:0.7;rhetoric=threatening;announcement=notice@2012-04-12/2012-04-16"
    assert parse_evidence(text) == ev  # the round trip
    assert parse_evidence(["rhetoric=threatening", "negotiation=engaged:0.5"]) == {
        "rhetoric": ("threatening", 1.0),
        "negotiation": ("engaged", 0.5),
    }
    assert parse_evidence("") == {} and parse_evidence(None) == {}
    assert levels_text({"a": "x", "b": "y"}, ", ") == "a=x, b=y"
    assert set(NEUTRAL_EVIDENCE) == set(SIGNALS)
    assert all(level == SIGNALS[s].neutral and c == 1.0 for s, (level, c) in NEUTRAL_EVIDENCE.items())


@pytest.mark.parametrize(
    ("text", "words", "value"),
    [
        ("mood=dark", "unknown signal", "mood"),
        ("site_activity", "signal=level", "site_activity"),
        ("site_activity=busy", "unknown level", "busy"),
        ("rhetoric=threatening:high", "confidence", "high"),
        ("rhetoric=threatening;rhetoric=neutral", "given twice", "rhetoric"),
        ("announcement=shouted", "unknown level", "shouted"),
        ("announcement=notice@2012-04-16/2012-04-12", "ends before it starts", None),
        ("announcement=notice@12 April/16 April", "two ISO dates", None),
        ("announcement=notice@2012-04-12", "two ISO dates", None),
        ("rhetoric=threatening@2012-04-12/2012-04-16", "only announcement=notice takes a window", None),
        ("announcement=plan@2012-04-12/2012-04-16", "only announcement=notice takes a window", None),
        ("announcement=notice@2012-04-12/2012-04-16:1.5", "confidence", "1.5"),
        ("announcement=notice:0", "confidence", "0"),
    ],
)
def test_bad_evidence_names_the_field_and_value(text, words, value):
    with pytest.raises(InputError, match=words) as err:
        parse_evidence(text)
    assert err.value.field == "--evidence"
    if value is not None:
        assert err.value.value == value
    with pytest.raises(InputError) as err:
        parse_evidence(text, where="row 3 evidence")
    assert err.value.field == "row 3 evidence"


def test_windowed_notice_parses_with_a_confidence():
    ev = parse_evidence("announcement=notice@2012-04-12/2012-04-16:0.8")
    assert ev["announcement"] == ("notice@2012-04-12/2012-04-16", 0.8)


def test_a_notice_window_from_two_optional_dates():
    assert questions.notice_level(None, None) == "notice"
    assert questions.notice_level(dt.date(2012, 4, 12), dt.date(2012, 4, 16)) == "notice@2012-04-12/2012-04-16"
    assert questions.notice_level(dt.date(2012, 4, 12), dt.date(2012, 4, 12)) == "notice@2012-04-12/2012-04-12"
    with pytest.raises(InputError) as exc:
        questions.notice_level(dt.date(2012, 4, 16), dt.date(2012, 4, 12))
    assert exc.value.field == "window last day" and exc.value.value == "2012-04-12"
    assert "ends before it starts" in str(exc.value) and "2012-04-16" in str(exc.value)
    with pytest.raises(InputError) as exc:
        questions.notice_level(dt.date(2012, 4, 12), None)
    assert exc.value.field == "window last day" and "both days" in str(exc.value)
    with pytest.raises(InputError) as exc:
        questions.notice_level(None, dt.date(2012, 4, 12))
    assert exc.value.field == "window first day"
    assert questions.level_text("notice@2012-04-12/2012-04-16") == "notice, window 2012-04-12 to 2012-04-16"
    assert questions.level_text("plan") == "plan"
    assert questions.window_of("notice@2012-04-12/2012-04-16") == (dt.date(2012, 4, 12), dt.date(2012, 4, 16))
    assert questions.window_of("notice") == (None, None) and questions.window_of(None) == (None, None)
    assert questions.takes_window("announcement", "notice@2012-04-12/2012-04-16")
    assert not questions.takes_window("announcement", "issued")


def test_a_question_is_checked_field_by_field():
    q = make_question("2012-03-17", "space_launch", "30", "announcement=issued", qid="a")
    assert (q.as_of, q.event, q.window_days, q.id) == (dt.date(2012, 3, 17), "space_launch", 30, "a")
    assert q.evidence == {"announcement": ("issued", 1.0)}
    assert make_question(dt.date(2012, 3, 17), "any", 1).evidence == {}
    today = dt.date.today()
    assert make_question(today, "any", 1095).window_days == 1095
    cases = [
        (("2012-13-40", "any", 30), "as_of", "YYYY-MM-DD"),
        (("1998-12-31", "any", 30), "as_of", "earliest 1999-01-01"),
        ((today + dt.timedelta(days=1), "any", 30), "as_of", "in the future"),
        (("2012-03-17", "satellite", 30), "event", "space_launch"),
        (("2012-03-17", "any", 0), "window_days", "1 to 1095"),
        (("2012-03-17", "any", 1096), "window_days", "1 to 1095"),
        (("2012-03-17", "any", "ten"), "window_days", "whole number"),
    ]
    for args, field, words in cases:
        with pytest.raises(InputError, match=words) as err:
            make_question(*args)
        assert err.value.field == field, args
        with pytest.raises(InputError) as err:
            make_question(*args, where="row 2")
        assert err.value.field == f"row 2 {field}"


def test_a_questions_file_keeps_its_order_and_ids(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "id,as_of,event,window_days,evidence\n"
        "b,2019-03-10,any,365,site_activity=imminent:0.5\n"
        "a,2012-03-17,space_launch,30,announcement=issued\n"
        ",2012-03-17,nuclear_test,90,\n",
        encoding="utf-8",
    )
    qs = read_questions(path)
    assert [q.id for q in qs] == ["b", "a", None]
    assert [q.as_of.isoformat() for q in qs] == ["2019-03-10", "2012-03-17", "2012-03-17"]
    assert qs[0].evidence == {"site_activity": ("imminent", 0.5)}


def test_a_bad_questions_file_names_file_row_and_field(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("as_of,event,window_days,evidence\n2012-03-17,space_launch,30,\n2012-03-17,rocket,30,\n")
    with pytest.raises(InputError) as err:
        read_questions(path)
    assert (err.value.file, err.value.row, err.value.field, err.value.value) == (str(path), 3, "event", "rocket")
    path.write_text("as_of,event,window\n2012-03-17,space_launch,30\n")
    with pytest.raises(InputError, match="missing column 'window_days'"):
        read_questions(path)
    path.write_text("as_of,event,window_days,evidence\n")
    with pytest.raises(InputError, match="no questions"):
        read_questions(path)
