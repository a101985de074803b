"""Finding and reading back-test outputs for the Track record page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError

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
        return str(self.manifest.get("created", ""))

    def settings_text(self) -> str:
        c = self.manifest.get("config", {})
        s = c.get("settings", {})
        return (
            f"origins {c.get('origins')} {c.get('start')} to {c.get('end')}, refits {c.get('refit')}, "
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
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"unreadable back-test manifest: {exc}", file=str(folder / "manifest.json")) from None
    frames = {}
    for name in ("scores", "skill", "reliability"):
        try:
            frames[name] = pd.read_csv(folder / f"{name}.csv")
        except Exception as exc:  # noqa: BLE001 - any damage is reported by file
            raise InputError(f"unreadable back-test table: {exc}", file=str(folder / f"{name}.csv")) from None
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


def skill_wide(run: BacktestRun, priors_file: str | None = None) -> pd.DataFrame:
    """Brier skill by event type and window (rows) against each baseline (columns)."""
    s = run.skill
    if priors_file is not None and "priors" in s:
        s = s[s["priors"] == priors_file]
    return s.pivot_table(index=["event", "window_days"], columns="baseline", values="brier_skill").reset_index()


def overall_scores(run: BacktestRun) -> pd.DataFrame:
    """Brier, log loss and AUC per forecaster over every scored question (weighted by n)."""
    s = run.scores
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
    return pd.DataFrame(out).sort_values(["priors", "brier"])
