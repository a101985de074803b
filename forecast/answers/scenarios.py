"""Negotiation scenarios answered: each branch of a scenario tree (forecast/workspace/scenario_files.py)
as a distribution over draws, the probability-weighted mixture, the status quo, the sensitivity
to each branch probability and the back-check against what happened."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.answers.answerer import Answerer
from forecast.answers.briefing import pct
from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_WINDOWS, interval
from forecast.data.event_days import event_days
from forecast.data.vocab import QUESTION_EVENTS

if TYPE_CHECKING:  # the file layer sits above the answers; trees are only read here
    from forecast.workspace.scenario_files import ScenarioTree

STATUS_QUO = "status quo"
MIXTURE = "weighted mixture"


def normalise(weights: dict[str, float]) -> dict[str, float]:
    """The branch probabilities scaled to sum to one; raises InputError if they are all zero."""
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
    windows: tuple[int, ...] = DEFAULT_WINDOWS,
    weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Long table: per event type, window and row (each branch, the weighted mixture and the status
    quo), the mean, 90% interval and difference from the status quo (probability points /100).
    The mixture is taken draw by draw, so its interval is the mixture's own."""
    w = weights if weights is not None else tree.weights()
    rows = []
    for event in events:
        for window in windows:
            draws = branch_draws(tree, answerer, event, window)
            mix = sum(w[k] * draws[k] for k in tree.branches)
            sq = float(draws[STATUS_QUO].mean())
            for key, d in [*((k, draws[k]) for k in tree.branches), (MIXTURE, mix), (STATUS_QUO, draws[STATUS_QUO])]:
                lo, hi = interval(d)
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
    windows: tuple[int, ...] = DEFAULT_WINDOWS,
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
