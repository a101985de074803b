"""Scenario files: a tree of branches, each a named set of evidence assumptions with the analyst's
probability (answered in forecast/answers/scenarios.py). Reading, checking and writing them needs
no model.

A scenario file (``data/scenarios/*.toml``)::

    [tree]
    name = "After a failed summit"
    description = "..."
    draws_on = ["hanoi-2019"]        # episodes in data/episodes.toml
    back_check = [2019-03-01]         # dates at which the back-check runs the tree
    as_of = 2019-03-01                # optional default as-of date

    [branches.pressure]
    title = "Washington walks away; Pyongyang applies pressure"
    probability = 0.5
    takes_effect_after_days = 0       # optional horizon: the data's state holds before it
    rationale = "..."
    source = "..."
    evidence = { negotiation = "collapsed", rhetoric = "threatening:0.7" }

Every problem is an :class:`InputError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from forecast.answers.questions import Evidence, levels_text, parse_evidence
from forecast.core.atomic import write_atomic
from forecast.core.errors import InputError
from forecast.core.inputs import Strict, read_toml, validation_error
from forecast.core.limits import EARLIEST_AS_OF, MAX_WINDOW
from forecast.data.dataset import DATA_DIR, load_episodes, load_reach
from forecast.data.vocab import SIGNALS

SCENARIO_DIR = DATA_DIR / "scenarios"
SUM_TOLERANCE = 1e-6


class Branch(Strict):
    title: str = Field(min_length=1)
    probability: Annotated[float, Field(ge=0, le=1)]
    takes_effect_after_days: Annotated[int, Field(ge=0, le=MAX_WINDOW)] = 0
    rationale: str = Field(min_length=1)
    source: str = ""
    evidence: dict[str, str] = Field(default_factory=dict)


class Tree(Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    draws_on: list[str] = Field(default_factory=list)
    back_check: list[dt.date] = Field(default_factory=list)
    as_of: dt.date | None = None


class ScenarioTree(Strict):
    tree: Tree
    branches: dict[str, Branch]
    path: str = ""

    def weights(self) -> dict[str, float]:
        """The probability of each branch, by key."""
        return {k: b.probability for k, b in self.branches.items()}

    def evidence(self, key: str) -> Evidence:
        """The evidence of branch ``key``, checked like a question's evidence."""
        return parse_evidence(
            levels_text(self.branches[key].evidence), where=f"branches.{key}.evidence"
        )


def validate(raw: dict, path: Path) -> ScenarioTree:
    """A ScenarioTree from decoded TOML, or one InputError naming the file and key."""
    try:
        tree = ScenarioTree(**raw, path=str(path))
    except ValidationError as exc:
        raise validation_error(exc, path) from None
    except TypeError:
        raise InputError("not a scenario file: expected [tree] and [branches.*] tables", file=str(path)) from None
    if not tree.branches:
        raise InputError("a scenario tree needs at least one branch", file=str(path), field="branches")
    for key, branch in tree.branches.items():
        for signal, text in branch.evidence.items():
            field = f"branches.{key}.evidence.{signal}"
            if signal not in SIGNALS:
                raise InputError(f"unknown signal; allowed: {', '.join(SIGNALS)}", file=str(path), field=field,
                                 value=signal)  # fmt: skip
            try:
                parse_evidence([f"{signal}={text}"], where=field)
            except InputError as exc:
                exc.file = str(path)
                raise
    total = sum(b.probability for b in tree.branches.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        shares = ", ".join(f"{k} {b.probability:g}" for k, b in tree.branches.items())
        raise InputError(
            f"branch probabilities must sum to 1; they sum to {total:.6g} ({shares})",
            file=str(path),
            field="branches.*.probability",
            value=round(total, 6),
        )
    earliest, today = EARLIEST_AS_OF, dt.date.today()
    if tree.tree.as_of is not None and not earliest <= tree.tree.as_of <= today:
        raise InputError(f"as-of date must be {earliest} to {today}", file=str(path), field="tree.as_of",
                         value=str(tree.tree.as_of))  # fmt: skip
    record_end = load_reach().complete_through.date() if tree.tree.back_check else None
    for i, day in enumerate(tree.tree.back_check):
        if not earliest <= day <= record_end:
            raise InputError(f"a back-check date must lie in the record, {earliest} to {record_end}",
                             file=str(path), field=f"tree.back_check[{i}]", value=str(day))  # fmt: skip
    episodes = load_episodes()
    for i, name in enumerate(tree.tree.draws_on):
        if name not in episodes:
            raise InputError(f"unknown episode; known: {', '.join(episodes)}", file=str(path),
                             field=f"tree.draws_on[{i}]", value=name)  # fmt: skip
    return tree


def load(path: Path | str) -> ScenarioTree:
    """The scenario tree in the file at ``path``, checked; raises InputError if it is missing or invalid."""
    path = Path(path)
    if not path.is_file():
        have = ", ".join(p.name for p in available()) or "none"
        raise InputError(f"scenario file not found; shipped: {have}", file=str(path))
    raw = read_toml(path, "scenario file")
    return validate(raw, path)


def available(directory: Path | None = None) -> list[Path]:
    """The scenario files in data/scenarios/ (or ``directory``)."""
    return sorted((directory or SCENARIO_DIR).glob("*.toml"))


# ------------------------------------------------------------------ writing (the app's editor)


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_toml(tree: ScenarioTree) -> str:
    """The tree as the text of a scenario file."""
    t = tree.tree
    lines = ["[tree]", f"name = {_toml_str(t.name)}", f"description = {_toml_str(t.description)}"]
    lines.append("draws_on = [" + ", ".join(_toml_str(e) for e in t.draws_on) + "]")
    lines.append("back_check = [" + ", ".join(d.isoformat() for d in t.back_check) + "]")
    if t.as_of:
        lines.append(f"as_of = {t.as_of.isoformat()}")
    for key, b in tree.branches.items():
        lines += [
            "",
            f"[branches.{_toml_str(key)}]",
            f"title = {_toml_str(b.title)}",
            f"probability = {b.probability!r}",
        ]
        if b.takes_effect_after_days:
            lines.append(f"takes_effect_after_days = {b.takes_effect_after_days}")
        lines += [f"rationale = {_toml_str(b.rationale)}", f"source = {_toml_str(b.source)}"]
        ev = ", ".join(f"{s} = {_toml_str(v)}" for s, v in b.evidence.items())
        lines.append(f"evidence = {{ {ev} }}" if ev else "evidence = {}")
    return "\n".join(lines) + "\n"


def save(tree: ScenarioTree, path: Path | str, *, opened: Path | str | None = None) -> Path:
    """Write a tree atomically, after checking it reads back as the same tree. An existing file is
    replaced only if it is the one the tree was opened from (``opened``)."""
    path = Path(path)
    if path.suffix != ".toml":
        raise InputError("a scenario file name ends in .toml", field="file name", value=path.name)
    if path.exists() and (opened is None or Path(opened).resolve() != path.resolve()):
        raise InputError("a different scenario file of that name exists; choose another name", file=str(path),
                         field="file name", value=path.name)  # fmt: skip
    text = to_toml(tree)

    def check(tmp: Path) -> None:
        try:
            again = load(tmp)
        except InputError as exc:
            raise InputError(f"not saved: {exc.message}", file=str(path), field=exc.field, value=exc.value) from None
        if again.model_dump(exclude={"path"}) != tree.model_dump(exclude={"path"}):
            raise InputError("not saved: the file would not read back as the same tree", file=str(path))

    try:
        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), check=check)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from None
    return path


def with_weights(tree: ScenarioTree, weights: dict[str, float]) -> ScenarioTree:
    """A copy of the tree with the given branch probabilities."""
    out = tree.model_copy(deep=True)
    for k, v in weights.items():
        out.branches[k].probability = float(v)
    return out
