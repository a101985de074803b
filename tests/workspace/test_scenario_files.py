"""Scenario tree files: the shipped trees, validation naming the file and key, a notice's window as
branch evidence, TOML saved atomically and never over another file (no fit)."""

import tomllib
from pathlib import Path

import pytest

from forecast.core.errors import InputError
from forecast.workspace import scenario_files as sf

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = sorted((ROOT / "data" / "scenarios").glob("*.toml"))
POST_SUMMIT = ROOT / "data" / "scenarios" / "post-summit-failure.toml"


def write(tmp_path, text, name="tree.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_trees_are_valid_with_rationales(path):
    tree = sf.load(path)
    assert abs(sum(tree.weights().values()) - 1) < 1e-9
    assert tree.tree.back_check, "every shipped tree says where it can be back-checked"
    assert all(b.rationale and b.source for b in tree.branches.values())


def test_at_least_five_situations_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {
        "post-summit-failure",
        "moratorium-deal",
        "sanctions-relief",
        "new-sanctions",
        "satellite-programme",
    } <= names


@pytest.mark.parametrize(
    ("edit", "field", "fragment"),
    [
        (lambda t: t().replace("0.75", "0.7"), "branches.*.probability", "sum to 0.95"),
        (lambda t: t().replace('announcement = "issued"', 'annoucement = "issued"'), "branches.a.evidence.annoucement",
         "unknown signal"),
        (lambda t: t().replace('announcement = "issued"', 'announcement = "maybe"'),
         "branches.a.evidence.announcement", "unknown level"),
        (lambda t: t().replace("conciliatory:0.5", "conciliatory:1.5"), "branches.b.evidence.rhetoric", "confidence"),
        (lambda t: t(branches="[branches]\n"), "branches", "at least one branch"),
        (lambda t: t(branches=""), "branches", "Field required"),
        (lambda t: t().replace("probability = 0.25", "probability = 0.25\nweight = 2"), "branches.a.weight",
         "unknown key"),
        (lambda t: t().replace("probability = 0.25", "probability = -0.25"), "branches.a.probability", "greater than"),
        (lambda t: t(head='[tree]\nname = "T"\ndescription = "d"\ndraws_on = ["nowhere"]\n'), "tree.draws_on[0]",
         "unknown episode"),
    ],
    ids=["sum", "signal", "level", "confidence", "empty", "no-branches", "unknown-key", "negative", "episode"],
)  # fmt: skip
def test_bad_trees_name_the_file_and_key(tmp_path, tree_text, edit, field, fragment):
    path = write(tmp_path, edit(tree_text))
    with pytest.raises(InputError) as exc:
        sf.load(path)
    message = str(exc.value)
    assert "tree.toml" in message and f"'{field}'" in message and fragment in message


def test_a_notice_with_its_window_and_issued_are_branch_evidence(tmp_path, tree_text):
    text = tree_text().replace(
        'evidence = { announcement = "issued" }', 'evidence = { announcement = "notice@2019-3-10/2019-03-20:0.8" }'
    )
    text = text.replace('rhetoric = "conciliatory:0.5" }', 'rhetoric = "conciliatory:0.5", announcement = "issued" }')
    with pytest.raises(InputError) as exc:  # dates must be ISO: 2019-03-10
        sf.load(write(tmp_path, text))
    assert "'branches.a.evidence.announcement'" in str(exc.value) and "2019-3-10" in str(exc.value)
    tree = sf.load(write(tmp_path, text.replace("2019-3-10", "2019-03-10")))
    assert tree.evidence("a") == {"announcement": ("notice@2019-03-10/2019-03-20", 0.8)}
    assert tree.evidence("b")["announcement"] == ("issued", 1.0)
    backwards = text.replace("2019-3-10/2019-03-20", "2019-03-20/2019-03-10")
    with pytest.raises(InputError) as exc:
        sf.load(write(tmp_path, backwards))
    assert "'branches.a.evidence.announcement'" in str(exc.value) and "ends before it starts" in str(exc.value)
    assert "2019-03-20/2019-03-10" in str(exc.value)
    with pytest.raises(InputError, match="only announcement=notice takes a window"):
        sf.load(write(tmp_path, text.replace("notice@2019-3-10/2019-03-20:0.8", "plan@2019-03-10/2019-03-20")))


def test_broken_toml_is_named(tmp_path):
    with pytest.raises(InputError, match="not valid TOML"):
        sf.load(write(tmp_path, "[tree\nname="))


def test_saving_writes_a_valid_file_and_never_over_another(tmp_path):
    tree = sf.load(POST_SUMMIT)
    edited = tree.model_copy(deep=True)
    edited.branches["pressure"].probability = 0.4
    edited.branches["back_to_talks"].probability = 0.4
    out = sf.save(edited, tmp_path / "mine.toml")
    again = sf.load(out)
    assert again.weights() == {"pressure": 0.4, "punishment": 0.2, "back_to_talks": 0.4}
    assert again.branches["back_to_talks"].takes_effect_after_days == 60
    assert tomllib.loads(out.read_text())["tree"]["name"] == tree.tree.name
    (tmp_path / "other.toml").write_text("keep me")
    with pytest.raises(InputError, match="different scenario file"):
        sf.save(edited, tmp_path / "other.toml")
    assert (tmp_path / "other.toml").read_text() == "keep me"
    sf.save(edited, out, opened=out)  # the file it was opened from may be replaced
    bad = edited.model_copy(deep=True)
    bad.branches["pressure"].probability = 0.9
    with pytest.raises(InputError, match="sum to"):
        sf.save(bad, out, opened=out)
    assert sf.load(out).weights()["pressure"] == 0.4  # left as it was
    assert not list(tmp_path.glob("*.tmp"))


def test_tree_dates_are_checked(tmp_path, tree_text):
    late = tree_text(head='[tree]\nname = "T"\ndescription = "d"\nback_check = [2090-01-01]\n')
    with pytest.raises(InputError, match="tree.back_check"):
        sf.load(write(tmp_path, late))
    early = tree_text(head='[tree]\nname = "T"\ndescription = "d"\nas_of = 1995-01-01\n')
    with pytest.raises(InputError, match="'tree.as_of'"):
        sf.load(write(tmp_path, early))


def test_quoted_branch_keys_round_trip(tmp_path, tree_text):
    text = tree_text().replace("[branches.b]", '[branches."back to talks"]')
    tree = sf.load(write(tmp_path, text))
    again = sf.load(sf.save(tree, tmp_path / "out.toml"))
    assert list(again.branches) == ["a", "back to talks"]
