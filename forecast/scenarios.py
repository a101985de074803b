"""Negotiation scenarios: a tree of branches, each a named set of evidence assumptions with the
analyst's probability, answered per branch and as the probability-weighted mixture.

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
import math
import tomllib
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .atomic import write_atomic
from .baselines import event_days
from .briefing import pct
from .data import DATA_DIR, load_episodes, load_reach
from .errors import InputError
from .predict import EARLIEST_AS_OF, INTERVAL, MAX_WINDOW, Answerer, Evidence, parse_evidence
from .vocab import QUESTION_EVENTS, SIGNALS

SCENARIO_DIR = DATA_DIR / "scenarios"
STATUS_QUO = "status quo"
MIXTURE = "weighted mixture"
SUM_TOLERANCE = 1e-6


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Branch(_Strict):
    title: str = Field(min_length=1)
    probability: Annotated[float, Field(ge=0, le=1)]
    takes_effect_after_days: Annotated[int, Field(ge=0, le=MAX_WINDOW)] = 0
    rationale: str = Field(min_length=1)
    source: str = ""
    evidence: dict[str, str] = Field(default_factory=dict)


class Tree(_Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    draws_on: list[str] = Field(default_factory=list)
    back_check: list[dt.date] = Field(default_factory=list)
    as_of: dt.date | None = None


class ScenarioTree(_Strict):
    tree: Tree
    branches: dict[str, Branch]
    path: str = ""

    def weights(self) -> dict[str, float]:
        return {k: b.probability for k, b in self.branches.items()}

    def evidence(self, key: str) -> Evidence:
        return parse_evidence(
            [f"{s}={v}" for s, v in self.branches[key].evidence.items()], where=f"branches.{key}.evidence"
        )


def _problem(path: Path, exc: ValidationError) -> InputError:
    first = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = f"unknown key '{first['loc'][-1]}' (misspelt?)"
    value = first.get("input") if not isinstance(first.get("input"), dict) else None
    return InputError(msg, file=str(path), field=key, value=value)


def validate(raw: dict, path: Path) -> ScenarioTree:
    """A ScenarioTree from decoded TOML, or one InputError naming the file and key."""
    try:
        tree = ScenarioTree(**raw, path=str(path))
    except ValidationError as exc:
        raise _problem(path, exc) from None
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
    path = Path(path)
    if not path.is_file():
        have = ", ".join(p.name for p in available()) or "none"
        raise InputError(f"scenario file not found; shipped: {have}", file=str(path))
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("scenario file is not UTF-8", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from None
    return validate(raw, path)


def available(directory: Path | None = None) -> list[Path]:
    return sorted((directory or SCENARIO_DIR).glob("*.toml"))


# ------------------------------------------------------------------ writing (the app's editor)


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_toml(tree: ScenarioTree) -> str:
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


# ------------------------------------------------------------------ answers


def normalise(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    if total <= 0:
        raise InputError("branch probabilities must not all be zero", field="branches.*.probability", value=total)
    return {k: v / total for k, v in weights.items()}


def branch_draws(tree: ScenarioTree, answerer: Answerer, event: str, window: int) -> dict[str, np.ndarray]:
    """(draws,) P(event within window) for the status quo and each branch."""
    out = {STATUS_QUO: answerer.probability(event, window, {})}
    for key, b in tree.branches.items():
        out[key] = answerer.probability(event, window, tree.evidence(key), start=b.takes_effect_after_days)
    return out


def evaluate(
    tree: ScenarioTree,
    answerer: Answerer,
    events: tuple[str, ...] = QUESTION_EVENTS,
    windows: tuple[int, ...] = (30, 90, 180, 365),
    weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Long table: per event type, window and row (each branch, the weighted mixture and the status
    quo), the mean, 90% interval and difference from the status quo (probability points /100).
    The mixture is taken draw by draw, so its interval is the mixture's own."""
    w = weights if weights is not None else tree.weights()
    lo_q, hi_q = (1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2
    rows = []
    for event in events:
        for window in windows:
            draws = branch_draws(tree, answerer, event, window)
            mix = sum(w[k] * draws[k] for k in tree.branches)
            sq = float(draws[STATUS_QUO].mean())
            for key, d in [*((k, draws[k]) for k in tree.branches), (MIXTURE, mix), (STATUS_QUO, draws[STATUS_QUO])]:
                lo, hi = np.quantile(d, [lo_q, hi_q])
                rows.append(
                    {
                        "event": event,
                        "window_days": int(window),
                        "branch": key,
                        "title": tree.branches[key].title if key in tree.branches else key,
                        "weight": w.get(key, 1.0 if key == MIXTURE else math.nan),
                        "probability": float(d.mean()),
                        "lower": float(lo),
                        "upper": float(hi),
                        "vs_status_quo": float(d.mean()) - sq,
                    }
                )
    return pd.DataFrame(rows)


def shifted(weights: dict[str, float], key: str, shift: float) -> dict[str, float]:
    """Move one branch's probability by ``shift`` (clipped to 0..1); the others share the rest in
    their current proportions (equally if they had none)."""
    others = [k for k in weights if k != key]
    if not others:  # a single branch carries all the weight whatever the shift
        return {key: 1.0}
    new = min(1.0, max(0.0, weights[key] + shift))
    rest = sum(weights[k] for k in others)
    out = {key: new}
    for k in others:
        out[k] = (1.0 - new) * (weights[k] / rest if rest > 0 else 1.0 / len(others))
    return out


def sensitivity(
    tree: ScenarioTree,
    answerer: Answerer,
    events: tuple[str, ...] = QUESTION_EVENTS,
    windows: tuple[int, ...] = (30, 90, 180, 365),
    weights: dict[str, float] | None = None,
    shift: float = 0.10,
) -> pd.DataFrame:
    """How far the weighted forecast moves if each branch's probability moves by -/+ ``shift``."""
    w = weights if weights is not None else tree.weights()
    rows = []
    for event in events:
        for window in windows:
            means = {k: float(d.mean()) for k, d in branch_draws(tree, answerer, event, window).items()}
            base = sum(w[k] * means[k] for k in tree.branches)
            for key in tree.branches:
                down = sum(v * means[k] for k, v in shifted(w, key, -shift).items())
                up = sum(v * means[k] for k, v in shifted(w, key, +shift).items())
                rows.append(
                    {
                        "event": event,
                        "window_days": int(window),
                        "branch": key,
                        "mixture": base,
                        "minus": down - base,
                        "plus": up - base,
                        "largest_move": max(abs(down - base), abs(up - base)),
                    }
                )
    return pd.DataFrame(rows)


def brief_table(long: pd.DataFrame) -> pd.DataFrame:
    """One row per event type and branch; per window 'mean (90% interval) change vs status quo'."""
    windows = sorted(long["window_days"].unique())
    out = []
    for (event, branch), g in long.groupby(["event", "branch"], sort=False):
        g = g.set_index("window_days")
        weight = g["weight"].iloc[0]
        row = {"event": event, "branch": branch, "weight": "" if math.isnan(weight) else f"{weight:.0%}"}
        for w in windows:
            r = g.loc[w]
            text = f"{pct(r['probability'])} ({pct(r['lower'])}-{pct(r['upper'])})"
            if branch != STATUS_QUO:
                text += f" {r['vs_status_quo'] * 100:+.0f}"
            row[f"{w} days"] = text
        out.append(row)
    return pd.DataFrame(out)


# ------------------------------------------------------------------ back-check


def what_happened(events: pd.DataFrame, as_of: dt.date, event: str, window: int, record_end: pd.Timestamp) -> str:
    """'yes, first on DATE', 'no', or 'open' when the window runs past the end of the record."""
    start = np.datetime64(as_of, "D")
    days = event_days(events, event)
    inside = days[(days >= start) & (days < start + np.timedelta64(window, "D"))]
    if len(inside):
        return f"yes, first on {inside.min()}"
    if pd.Timestamp(as_of) + pd.Timedelta(days=window - 1) > record_end:
        return "open (past the record)"
    return "no"


def back_check_rows(
    tree: ScenarioTree, answerer: Answerer, events: tuple[str, ...], windows: tuple[int, ...]
) -> pd.DataFrame:
    """The tree at one historical date beside what happened next: one row per event and window,
    a column per branch, the mixture and the status quo (means), and the outcome."""
    long = evaluate(tree, answerer, events, windows)
    wide = long.pivot_table(index=["event", "window_days"], columns="branch", values="probability", sort=False)
    wide = wide[[*tree.branches, MIXTURE, STATUS_QUO]].reset_index()
    as_of = answerer.as_of.date()
    wide.insert(0, "as_of", as_of.isoformat())
    wide["what happened"] = [
        what_happened(answerer.ds.events, as_of, e, int(w), answerer.ds.complete_through)
        for e, w in zip(wide["event"], wide["window_days"], strict=True)
    ]
    wide.columns.name = None
    return wide


def sensitivity_table(sens: pd.DataFrame, window: int) -> pd.DataFrame:
    """Rows: event types; columns: each branch's '-10 / +10' effect on the mixture (points); and
    the branch whose probability matters most."""
    part = sens[sens["window_days"] == window]
    out = []
    for event, g in part.groupby("event", sort=False):
        row = {"event": event, "mixture": pct(g["mixture"].iloc[0])}
        for r in g.itertuples():
            row[r.branch] = f"{r.minus * 100:+.1f} / {r.plus * 100:+.1f}"
        row["matters most"] = g.loc[g["largest_move"].idxmax(), "branch"]
        out.append(row)
    return pd.DataFrame(out)


def back_check_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The back-check with probabilities as percentages."""
    shown = frame.copy()
    for c in shown.columns:
        if c not in ("as_of", "event", "window_days", "what happened"):
            shown[c] = shown[c].map(pct)
    return shown


def curves(
    tree: ScenarioTree, answerer: Answerer, event: str, weights: dict[str, float] | None = None, days: int = 365
) -> pd.DataFrame:
    """P(at least one event by day d), d = 1..days: each branch, the weighted mixture (its mean is
    the weighted mean of the branches') and the status quo."""
    w = weights if weights is not None else tree.weights()
    means = {STATUS_QUO: answerer.curve(event, days, {}).mean(0)}
    for key, b in tree.branches.items():
        means[key] = answerer.curve(event, days, tree.evidence(key), start=b.takes_effect_after_days).mean(0)
    means[MIXTURE] = sum(w[k] * means[k] for k in tree.branches)
    day = np.arange(1, days + 1)
    return pd.concat([pd.DataFrame({"branch": k, "day": day, "probability": v}) for k, v in means.items()])


def with_weights(tree: ScenarioTree, weights: dict[str, float]) -> ScenarioTree:
    out = tree.model_copy(deep=True)
    for k, v in weights.items():
        out.branches[k].probability = float(v)
    return out
