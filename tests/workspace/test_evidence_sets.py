"""Evidence sets: saved and loaded as JSON in the working directory, never overwriting without
asking or a foreign file, every bad file named by file, field and value (no fit)."""

import datetime as dt
import json

import pytest

from forecast.core.errors import InputError
from forecast.workspace import evidence_sets


def a_set(name="Leap Day", **kw):
    items = (evidence_sets.EvidenceItem("announcement", "issued", 0.9, "KCNA 16 Mar", "KCNA"),)
    return evidence_sets.EvidenceSet(name=name, as_of=dt.date(2012, 3, 17), items=items, analyst="A. Analyst", **kw)


def test_evidence_set_round_trip(tmp_path):
    path = evidence_sets.save(a_set(), tmp_path)
    back = evidence_sets.load(path)
    assert back.evidence() == {"announcement": ("issued", 0.9)}
    assert back.items[0].note == "KCNA 16 Mar" and back.analyst == "A. Analyst" and back.saved_at
    assert [es.name for _, es in evidence_sets.list_sets(tmp_path)[0]] == ["Leap Day"]
    assert not list(tmp_path.glob("*.tmp"))


def test_an_evidence_set_keeps_a_notices_window(tmp_path):
    items = (evidence_sets.EvidenceItem("announcement", "notice@2012-04-12/2012-04-16", 0.8, "KCNA", "KCNA"),)
    es = evidence_sets.EvidenceSet(name="Window", as_of=dt.date(2012, 3, 17), items=items)
    back = evidence_sets.load(evidence_sets.save(es, tmp_path))
    assert back.evidence() == {"announcement": ("notice@2012-04-12/2012-04-16", 0.8)}
    table = evidence_sets.compare(back, a_set("Other")).set_index("signal")
    assert table.loc["announcement", "Window"] == "notice, window 2012-04-12 to 2012-04-16 (80%)"


def test_saving_never_overwrites_without_asking_and_never_a_foreign_file(tmp_path):
    path = evidence_sets.save(a_set(), tmp_path)
    with pytest.raises(InputError, match="exists"):
        evidence_sets.save(a_set(), tmp_path)
    evidence_sets.save(a_set(window_days=30), tmp_path, replace=True)
    assert evidence_sets.load(path).window_days == 30
    path.write_text("not json")
    with pytest.raises(InputError, match="not a readable evidence set"):
        evidence_sets.save(a_set(), tmp_path, replace=True)
    assert path.read_text() == "not json"


@pytest.mark.parametrize(
    ("content", "field", "value"),
    [
        ('{"format": "something else"}', "format", "something else"),
        ("[1, 2]", "format", "list"),
        ('{"format": "nk-forecast evidence set", "version": 9}', "version", "9"),
        (None, "items[0].level", "ready"),
        (None, "items[0].level", "notice@2012-04-16/2012-04-12"),
        (None, "items[0].level", "notice@16 April"),
        (None, "items[0].level", "plan@2012-04-12/2012-04-16"),
        (None, "items[0].confidence", "1.5"),
    ],
)
def test_bad_evidence_files_name_file_field_and_value(tmp_path, content, field, value):
    path = tmp_path / "bad.json"
    if content is None:
        data = a_set().to_json()
        if field.endswith("level"):
            data["items"][0]["level"] = value
        else:
            data["items"][0]["confidence"] = 1.5
        content = json.dumps(data)
    path.write_text(content)
    with pytest.raises(InputError) as exc:
        evidence_sets.load(path)
    text = str(exc.value)
    assert "bad.json" in text and f"'{field}'" in text and value in text


def test_damaged_json_names_the_line(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{\n "format": "nk-forecast evidence set",\n "name": ')
    with pytest.raises(InputError) as exc:
        evidence_sets.load(path)
    assert "cut.json" in str(exc.value) and "row 3" in str(exc.value) and "not valid JSON" in str(exc.value)


def test_compare_shows_where_two_sets_differ():
    a = a_set("A")
    b = evidence_sets.EvidenceSet(name="B", as_of=dt.date(2012, 3, 17), items=())
    table = evidence_sets.compare(a, b).set_index("signal")
    assert table.loc["announcement", "A"] == "issued (90%)" and table.loc["announcement", "B"] == "data"
    assert bool(table.loc["announcement", "differs"]) and not bool(table.loc["rhetoric", "differs"])


def test_names_that_share_a_file_are_refused(tmp_path):
    evidence_sets.save(a_set("Hanoi A"), tmp_path)
    with pytest.raises(InputError, match="stored under that file name"):
        evidence_sets.save(a_set("hanoi-a"), tmp_path, replace=True)
    assert evidence_sets.load(tmp_path / "hanoi-a.json").name == "Hanoi A"


def test_out_of_range_sets_are_refused(tmp_path):
    for change, field in ((("as_of", "1990-01-01"), "as_of"), (("confidence", 0.001), "items[0].confidence")):
        data = a_set().to_json()
        if change[0] == "as_of":
            data["as_of"] = change[1]
        else:
            data["items"][0]["confidence"] = change[1]
        path = tmp_path / "x.json"
        path.write_text(json.dumps(data))
        with pytest.raises(InputError) as exc:
            evidence_sets.load(path)
        assert f"'{field}'" in str(exc.value)
