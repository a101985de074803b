"""Finding and reading back-test outputs for the Track record page.

Every number the page shows comes from a function here. Back-tests score routine (calendar) and
warning origins apart (``origin_kind`` in each table); outputs written before warning origins
existed have no such column and load as routine only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.core.errors import InputError
from forecast.evaluation import scoring
from forecast.evaluation.scoring import ORIGIN_KINDS, window_order

NEEDED = ("manifest.json", "scores.csv", "skill.csv", "reliability.csv")


@dataclass(frozen=True)
class BacktestRun:
    path: Path
    manifest: dict
    scores: pd.DataFrame
    skill: pd.DataFrame
    reliability: pd.DataFrame

    @property
    def created(self) -> str:
        """When the back-test was run, from its manifest."""
        return str(self.manifest.get("created", ""))

    def settings_text(self) -> str:
        """The back-test's settings in one line: origins, refits, windows, priors, draws, seed, model, data hash."""
        c = self.manifest.get("config", {})
        s = c.get("settings", {})
        warned = " and on warning days" if c.get("warning_origins") else ""
        return (
            f"origins {c.get('origins')}{warned} {c.get('start')} to {c.get('end')}, refits {c.get('refit')}, "
            f"windows {', '.join(str(w) for w in c.get('windows', []))}, priors {', '.join(c.get('priors', []))}, "
            f"{s.get('draws')} draws x {s.get('chains')} chains, seed {c.get('seed')}, "
            f"model {self.manifest.get('model_version')}, data hash {self.manifest.get('data_hash')}"
        )


def find(roots: list[Path]) -> list[Path]:
    """Back-test output folders (holding every file the page reads) directly under the roots."""
    found = set()
    for root in roots:
        if not root.is_dir():
            continue
        for manifest in root.glob("*/manifest.json"):
            folder = manifest.parent
            if all((folder / n).is_file() for n in NEEDED):
                found.add(folder.resolve())
    return sorted(found)


def load(folder: Path) -> BacktestRun:
    """The back-test output in ``folder`` (manifest and score tables); raises InputError naming a damaged file."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"unreadable back-test manifest: {exc}", file=str(folder / "manifest.json")) from None
    frames = {}
    for name in ("scores", "skill", "reliability"):
        try:
            frame = pd.read_csv(folder / f"{name}.csv")
        except Exception as exc:  # noqa: BLE001 - any damage is reported by file
            raise InputError(f"unreadable back-test table: {exc}", file=str(folder / f"{name}.csv")) from None
        frames[name] = frame.assign(origin_kind=scoring.origin_kinds(frame))  # older outputs: all routine
    return BacktestRun(folder, manifest, **frames)


def latest(roots: list[Path]) -> tuple[BacktestRun | None, list[InputError]]:
    """The most recently created readable back-test under the roots, and errors for damaged ones."""
    runs, errors = [], []
    for folder in find(roots):
        try:
            runs.append(load(folder))
        except InputError as exc:
            errors.append(exc)
    return (max(runs, key=lambda r: r.created) if runs else None), errors


def kinds(run: BacktestRun) -> list[str]:
    """The kinds of origin the back-test scored, routine first."""
    present = set(run.skill["origin_kind"]) | set(run.scores["origin_kind"])
    return [k for k in ORIGIN_KINDS if k in present]


def _rows(frame: pd.DataFrame, kind: str | None = None, priors_file: str | None = None) -> pd.DataFrame:
    if kind is not None:
        frame = frame[frame["origin_kind"] == kind]
    if priors_file is not None and "priors" in frame:
        frame = frame[frame["priors"] == priors_file]
    return frame


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by event (the pooled ``all`` last) and window as a number (``all`` last), stable otherwise."""
    key = pd.DataFrame(
        {"pooled": frame["event"].eq("all"), "event": frame["event"], "window": window_order(frame["window_days"])}
    )
    return frame.loc[key.sort_values(list(key.columns), kind="stable").index].reset_index(drop=True)


def skill_wide(run: BacktestRun, priors_file: str | None = None, kind: str = "routine") -> pd.DataFrame:
    """Brier skill by event type and window (rows) against each baseline (columns), for one kind of origin."""
    s = _rows(run.skill, kind, priors_file)
    wide = s.pivot_table(index=["event", "window_days"], columns="baseline", values="brier_skill").reset_index()
    wide.columns.name = None
    return _ordered(wide)


def overall_scores(run: BacktestRun, kind: str = "routine") -> pd.DataFrame:
    """Brier, log loss and AUC per forecaster over every scored question of one kind of origin."""
    s = _rows(run.scores, kind)
    if (s["event"] == "all").any():  # the back-test's own all-questions rows
        s = s[(s["event"] == "all")]
    out = []
    for (priors, forecaster), g in s.groupby(["priors", "forecaster"], sort=False):
        w = g["n"] / g["n"].sum()
        out.append(
            {
                "priors": priors,
                "forecaster": forecaster,
                "brier": float((g["brier"] * w).sum()),
                "log_loss": float((g["log_loss"] * w).sum()),
                "questions": int(g["n"].sum()),
            }
        )
    return pd.DataFrame(out, columns=["priors", "forecaster", "brier", "log_loss", "questions"]).sort_values(
        ["priors", "brier"]
    )


def overall_by_kind(run: BacktestRun) -> pd.DataFrame:
    """``overall_scores`` for each kind of origin side by side: one row per (priors, forecaster)."""
    keys = ["priors", "forecaster"]
    tables = []
    for kind in kinds(run):
        t = overall_scores(run, kind).set_index(keys)
        tables.append(t.rename(columns={c: f"{c} ({kind})" for c in t.columns}))
    wide = pd.concat(tables, axis=1).reset_index()
    return wide.sort_values(["priors", wide.columns[2]]).reset_index(drop=True)


def kind_comparison(run: BacktestRun, priors_file: str | None = None) -> pd.DataFrame:
    """Routine and warning origins side by side by event type and window: questions, the model's
    Brier score and its Brier skill against each baseline."""
    table = scoring.kind_comparison(
        _rows(run.scores, priors_file=priors_file), _rows(run.skill, priors_file=priors_file)
    )
    return table.drop(columns="priors") if priors_file is not None else table


def difference_comparison(run: BacktestRun, priors_file: str | None = None) -> pd.DataFrame:
    """The Brier difference model - baseline and its 90% bootstrap interval over origins, by kind."""
    table = scoring.difference_comparison(_rows(run.skill, priors_file=priors_file))
    return table.drop(columns="priors") if priors_file is not None else table


def scores_by_question(run: BacktestRun, priors_file: str | None = None, kind: str = "routine") -> pd.DataFrame:
    """Scores per forecaster by event type and window, for one kind of origin."""
    return _ordered(_rows(run.scores, kind, priors_file).drop(columns="origin_kind"))


def reliability_choices(run: BacktestRun, kind: str = "routine") -> tuple[list[str], list[int]]:
    """Event types and windows (as numbers, ascending) with a reliability curve for a kind of origin."""
    r = _rows(run.reliability, kind)
    return sorted(r["event"].unique()), sorted(int(w) for w in r["window_days"].unique())


def reliability_curve(run: BacktestRun, event: str, window: int, kind: str = "routine") -> pd.DataFrame:
    """The reliability bins (forecast, observed, count) of every forecaster for one question type."""
    r = _rows(run.reliability, kind)
    return r[(r["event"] == event) & (r["window_days"].astype(int) == int(window))].reset_index(drop=True)
