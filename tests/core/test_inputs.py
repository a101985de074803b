"""The input layer for the files analysts write: one TOML reader, a strict base model and one
converter from validation errors to the tool's one-line messages; the error type; atomic writes."""

from typing import Annotated

import pytest
from pydantic import Field, ValidationError

from forecast.core.atomic import writable_dir, write_atomic
from forecast.core.errors import InputError
from forecast.core.inputs import Strict, key_path, read_toml, validation_error


def test_read_toml_reads_a_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[tree]\nname = "Ré"\nwhen = 2019-03-01\n', encoding="utf-8")
    data = read_toml(path)
    assert data["tree"]["name"] == "Ré" and str(data["tree"]["when"]) == "2019-03-01"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "scenario file not found"),
        (b"name = \xe9t\xe9\n", "scenario file is not UTF-8"),
        (b"[tree\nname = 1\n", "not valid TOML: "),
        (b"a = 1\na = 2\n", "not valid TOML: "),
    ],
    ids=["missing", "latin-1", "broken", "duplicate key"],
)
def test_read_toml_errors_name_the_file(tmp_path, content, words):
    path = tmp_path / "t.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_toml(path, "scenario file")
    assert err.value.file == str(path) and words in str(err.value)
    assert str(err.value).startswith(f"{path}: ")
    if content is not None and b"[tree" in content:
        assert "line 1" in str(err.value)  # tomllib says where


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match="prior file not found"):
        read_toml(tmp_path, "prior file")


class Inner(Strict):
    rate: Annotated[float, Field(gt=0)]
    note: str = ""


class Outer(Strict):
    name: str
    items: dict[str, Inner]
    tags: list[str] = []


def _error(data) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        Outer(**data)
    return err.value


def test_a_misspelt_key_is_reported_first_with_its_path():
    # a wrong value and a misspelt key in one file: the misspelt key is named
    exc = _error({"name": "x", "items": {"a": {"rate": -1, "nte": "typo"}}})
    e = validation_error(exc, "file.toml")
    assert (e.file, e.field) == ("file.toml", "items.a.nte")
    assert e.message == "unknown key 'nte' (misspelt?)" and e.value == "typo"
    assert str(e) == "file.toml, field 'items.a.nte': unknown key 'nte' (misspelt?) (value: 'typo')"


def test_a_wrong_value_names_its_key_and_value():
    e = validation_error(_error({"name": "x", "items": {"a": {"rate": -1}}}), "f.toml")
    assert e.field == "items.a.rate" and e.value == -1 and "greater than 0" in e.message
    # a list index is part of the path, a prefix goes in front
    e = validation_error(_error({"name": "x", "items": {}, "tags": ["ok", 3]}), prefix="tree")
    assert e.field == "tree.tags.1" and e.file is None and e.value == 3


def test_a_missing_table_is_named_without_dumping_it():
    e = validation_error(_error({"name": "x", "items": {"a": {"note": "n"}}}))
    assert e.field == "items.a.rate" and e.message == "Field required"
    assert e.value is None  # the table it is missing from is not printed back
    e = validation_error(_error({"items": {}}))
    assert e.field == "name"


def test_a_model_level_error_is_at_the_top_level_and_loses_pydantics_prefix():
    from pydantic import model_validator

    class Checked(Strict):
        low: float
        high: float

        @model_validator(mode="after")
        def _ordered(self):
            if self.low > self.high:
                raise ValueError("low above high")
            return self

    with pytest.raises(ValidationError) as err:
        Checked(low=2, high=1)
    e = validation_error(err.value, "x.toml")
    assert e.field == "(top level)" and e.message == "low above high" and e.value is None
    assert key_path(("branches", "a", "evidence"), "tree") == "tree.branches.a.evidence"
    assert key_path(("__root__",)) == ""


def test_an_input_error_names_file_row_field_and_value():
    e = InputError("unknown level", file="signals.csv", row=12, field="level", value="shouted")
    assert str(e) == "signals.csv, row 12, field 'level': unknown level (value: 'shouted')"
    assert str(InputError("no questions in file", file="q.csv")) == "q.csv: no questions in file"
    assert str(InputError("bad", value=0)) == "bad (value: 0)"  # a value of 0 is still shown
    assert str(InputError("bad")) == "bad"


def test_write_atomic_replaces_the_whole_file_or_nothing(tmp_path):
    path = tmp_path / "sub" / "out.txt"
    write_atomic(path, lambda tmp: tmp.write_text("first"))
    assert path.read_text() == "first"

    def half(tmp):
        tmp.write_text("half of a")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, half)
    assert path.read_text() == "first" and sorted(p.name for p in path.parent.iterdir()) == ["out.txt"]

    def refuse(tmp):
        assert tmp.read_text() == "second" and tmp.name.startswith(".out.txt.") and tmp.suffix == ".tmp"
        raise ValueError("read-back differs")

    with pytest.raises(ValueError, match="read-back"):
        write_atomic(path, lambda tmp: tmp.write_text("second"), refuse)
    assert path.read_text() == "first" and sorted(p.name for p in path.parent.iterdir()) == ["out.txt"]


def test_writable_dir_names_the_flag_and_the_directory_given(tmp_path):
    assert writable_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()
    assert list((tmp_path / "a" / "b").iterdir()) == []  # the probe is removed
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError) as err:
        writable_dir(blocker / "sub", value="my-out")
    assert err.value.field == "--out" and err.value.value == "my-out" and "cannot write" in str(err.value)
