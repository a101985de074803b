"""Scoring a file of analyst questions with known outcomes (`forecast evaluate`).

The file is a CSV of questions as `forecast predict --questions` reads them (`as_of, event,
window_days, evidence`, optional `id`) plus the `outcome` (1/0, yes/no, true/false) and optional
`source` and `note`. Every question's window must have closed by the record's end, so that its
outcome is known. The scoring functions take a plain table of forecasts and outcomes, so they can
be checked on synthetic numbers without a fit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.answers.questions import QUESTION_COLUMNS, Question, make_question
from forecast.answers.service import PROVENANCE_COLUMNS, Context, answer_questions
from forecast.core.atomic import writable_dir, write_atomic
from forecast.core.errors import InputError
from forecast.data.dataset import read_table, today
from forecast.data.vocab import QUESTION_EVENTS
from forecast.evaluation.scoring import score

SCORED_COLUMNS = (*QUESTION_COLUMNS, "outcome")
OPTIONAL_COLUMNS = ("id", "source", "note")
OUTCOME_WORDS = {"1": 1, "0": 0, "yes": 1, "no": 0, "true": 1, "false": 0}
LOG_EPS = 1e-6  # forecasts are clipped to [LOG_EPS, 1 - LOG_EPS] for the log score
RELIABILITY_EDGES = np.linspace(0.0, 1.0, 11)
WORST = 10
#: The columns the pure scoring functions need.
FORECAST_COLUMNS = ("id", "as_of", "event", "window_days", "probability", "lower", "upper", "outcome")
SCORE_COLUMNS = ("n", "events", "mean_forecast", "observed", "brier", "log_loss", "auc")


# ------------------------------------------------------------------ reading


def parse_outcome(value) -> int:
    """'1'/'0', 'yes'/'no', 'true'/'false' (any case) -> 1 or 0; anything else is an InputError."""
    text = str(value).strip().lower()
    if text not in OUTCOME_WORDS:
        raise InputError("outcome must be 1 or 0 (or yes/no, true/false)", field="outcome", value=value)
    return OUTCOME_WORDS[text]


def check_closed(q: Question) -> None:
    """The question's window (as_of .. as_of + window_days - 1) must have closed before today: the
    file gives the outcome, which nobody can know while the window is open. (Windows past the end of
    the shipped record are fine: the file's outcome is what is scored.)"""
    last = q.as_of + dt.timedelta(days=q.window_days - 1)
    if last >= today():
        raise InputError(
            f"the window runs to {last} and has not closed yet (today is {today()}), so its outcome cannot "
            "be known; shorten the window or leave the question out",
            field="window_days",
            value=q.window_days,
        )


def read_scored_questions(path: Path | str) -> tuple[list[Question], list[int], pd.DataFrame]:
    """Questions, their outcomes (0/1) and the other columns (`row` = file line, `id`, `source`,
    `note` and any further columns, as text) from a CSV. The first problem is one InputError naming
    the file, row (the header is row 1), field and value."""
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory, not a CSV file of questions", file=str(path))
    try:
        empty = path.is_file() and not path.read_bytes().strip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    if empty:
        raise InputError(
            f"the file is empty; it needs a header row with {', '.join(SCORED_COLUMNS)} and one question per row",
            file=str(path),
            row=1,
        )
    frame = read_table(path, SCORED_COLUMNS)
    questions: list[Question] = []
    outcomes: list[int] = []
    seen_ids: dict[str, int] = {}
    for row, rec in frame.iterrows():
        qid = rec["id"] if "id" in frame.columns and rec["id"] else None
        try:
            if qid is not None and qid in seen_ids:
                raise InputError(f"id already used on row {seen_ids[qid]}", field="id", value=qid)
            q = make_question(rec["as_of"], rec["event"], rec["window_days"], rec["evidence"], qid)
            y = parse_outcome(rec["outcome"])
            check_closed(q)
        except InputError as exc:
            exc.file, exc.row = str(path), int(row)
            raise
        if qid is not None:
            seen_ids[qid] = int(row)
        questions.append(q)
        outcomes.append(y)
    if not questions:
        raise InputError("no questions in file: the header is there but no rows follow", file=str(path))
    extra = frame.drop(columns=list(SCORED_COLUMNS))
    for c in OPTIONAL_COLUMNS:
        if c not in extra.columns:
            extra[c] = ""
    extra.insert(0, "row", frame.index.astype(int))
    ordered = ["row", *OPTIONAL_COLUMNS, *[c for c in extra.columns if c not in ("row", *OPTIONAL_COLUMNS)]]
    return questions, outcomes, extra[ordered].reset_index(drop=True)


# ------------------------------------------------------------------ pure scoring


def _check_forecasts(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in FORECAST_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"forecast table lacks columns {missing}")
    if frame.empty:
        raise ValueError("forecast table is empty")
    out = frame.reset_index(drop=True).copy()
    out["outcome"] = out["outcome"].astype(int)
    out["probability"] = out["probability"].astype(float)
    if not out["outcome"].isin([0, 1]).all():
        raise ValueError("outcomes must be 0 or 1")
    return out


def per_question(frame: pd.DataFrame) -> pd.DataFrame:
    """The forecast table with each question's squared error and log loss (clipped at LOG_EPS)."""
    out = _check_forecasts(frame).drop(columns=["sq_error", "log_loss"], errors="ignore")
    p, y = out["probability"].to_numpy(), out["outcome"].to_numpy()
    clipped = np.clip(p, LOG_EPS, 1 - LOG_EPS)
    at = out.columns.get_loc("outcome") + 1
    out.insert(at, "sq_error", (p - y) ** 2)
    out.insert(at + 1, "log_loss", -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    return out


def _scores(g: pd.DataFrame) -> dict:
    s = score(g["outcome"].to_numpy(), g["probability"].to_numpy(), eps=LOG_EPS)
    return {
        "n": s["n"],
        "events": s["events"],
        "mean_forecast": float(g["probability"].mean()),
        "observed": float(g["outcome"].mean()),
        "brier": s["brier"],
        "log_loss": s["log_loss"],
        "auc": s["auc"],
    }


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Brier, log loss and AUC overall (event and window 'all'), by event type and by window."""
    f = _check_forecasts(frame)
    rows = [{"event": "all", "window_days": "all", **_scores(f)}]
    order = {e: i for i, e in enumerate(QUESTION_EVENTS)}
    for event in sorted(f["event"].unique(), key=lambda e: (order.get(e, len(order)), e)):
        rows.append({"event": event, "window_days": "all", **_scores(f[f["event"] == event])})
    for window in sorted(f["window_days"].astype(int).unique()):
        rows.append({"event": "all", "window_days": str(window), **_scores(f[f["window_days"].astype(int) == window])})
    out = pd.DataFrame(rows, columns=["event", "window_days", *SCORE_COLUMNS])
    out["window_days"] = out["window_days"].astype(str)
    return out


def reliability_table(frame: pd.DataFrame, edges=RELIABILITY_EDGES) -> pd.DataFrame:
    """Forecasts in fixed bins (0-0.1, ..., 0.9-1; the last bin includes 1): mean forecast,
    observed frequency and count of each non-empty bin."""
    f = _check_forecasts(frame)
    edges = np.asarray(edges, float)
    p, y = f["probability"].to_numpy(), f["outcome"].to_numpy()
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in np.unique(which):
        m = which == b
        rows.append(
            {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "forecast": float(p[m].mean()),
                "observed": float(y[m].mean()),
                "count": int(m.sum()),
            }
        )
    return pd.DataFrame(rows, columns=["bin", "forecast", "observed", "count"])


def worst_misses(frame: pd.DataFrame, n: int = WORST) -> pd.DataFrame:
    """The n questions with the largest squared error, largest first (ties in file order)."""
    f = per_question(frame)
    if "note" not in f.columns:
        f["note"] = ""
    worst = f.sort_values("sq_error", ascending=False, kind="stable").head(n)
    cols = ["id", "as_of", "event", "window_days", "probability", "outcome", "sq_error", "note"]
    if "row" in f.columns:
        cols.insert(0, "row")
    return worst[cols].reset_index(drop=True)


@dataclass
class Evaluation:
    """Per-question table and summary tables of one scored question file."""

    questions: pd.DataFrame
    summary: pd.DataFrame
    reliability: pd.DataFrame
    worst: pd.DataFrame
    provenance: dict = field(default_factory=dict)
    file: str = ""

    @property
    def overall(self) -> dict:
        """The scores over every question (the summary's first row)."""
        return self.summary.iloc[0].to_dict()


def score_forecasts(frame: pd.DataFrame, provenance: dict | None = None, file: str = "") -> Evaluation:
    """Every table of an evaluation from a table of forecasts and outcomes (no sampling)."""
    return Evaluation(
        questions=per_question(frame),
        summary=summary_table(frame),
        reliability=reliability_table(frame),
        worst=worst_misses(frame),
        provenance=dict(provenance or {}),
        file=file,
    )


# ------------------------------------------------------------------ the model's answers


ANSWER_KEYS = ("probability", "lower", "upper", "band", "base_rate", "drivers", "evidence", "analyst_set")


def evaluate(ctx: Context, path: Path | str) -> Evaluation:
    """Answer every question of a scored file with the model (one fit per as-of date) and score it."""
    questions, outcomes, extra = read_scored_questions(path)
    answers = answer_questions(ctx, questions)
    frame = pd.DataFrame(
        {
            "row": extra["row"],
            "id": extra["id"],
            "as_of": [a["as_of"] for a in answers],
            "event": [a["event"] for a in answers],
            "window_days": [a["window_days"] for a in answers],
            **{k: [a[k] for a in answers] for k in ANSWER_KEYS},
            "outcome": outcomes,
        }
    )
    for c in extra.columns:
        if c not in frame.columns:
            frame[c] = extra[c]
    for k in PROVENANCE_COLUMNS:
        frame[k] = [a[k] for a in answers]
    prov = {k: answers[0][k] for k in PROVENANCE_COLUMNS}
    return score_forecasts(frame, prov, str(path))


# ------------------------------------------------------------------ output


def _md(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt=".3f")


def report_markdown(ev: Evaluation) -> str:
    """The scored question file as a Markdown report: overall, by event type and window, reliability, worst misses."""
    o = ev.overall
    prov = ", ".join(f"{k} `{v}`" for k, v in ev.provenance.items())
    lines = [
        "# Analyst questions scored",
        "",
        f"File `{ev.file}`: {o['n']} questions, {o['events']} followed by the event. {prov}.",
        "Only windows closed before today are accepted; the outcomes are the file's.",
        "",
        f"Overall: Brier {o['brier']:.3f} (lower is better; a constant 50% forecast scores 0.250), "
        f"log loss {o['log_loss']:.3f}, AUC {o['auc']:.3f} (0.5 = chance; NaN unless both outcomes occur).",
        "",
        "## Scores overall, by event type and by window",
        "",
        _md(ev.summary),
        "",
        "## Reliability (forecast bins: mean forecast, observed frequency, count)",
        "",
        _md(ev.reliability),
        "",
        f"## Worst misses (the {len(ev.worst)} largest squared errors)",
        "",
        _md(ev.worst),
        "",
    ]
    return "\n".join(lines)


def write_outputs(ev: Evaluation, out: Path | str) -> list[Path]:
    """questions.csv, summary.csv, reliability.csv and report.md, each written atomically."""
    out = writable_dir(out)
    texts = {
        "questions.csv": ev.questions.to_csv(index=False),
        "summary.csv": ev.summary.to_csv(index=False),
        "reliability.csv": ev.reliability.to_csv(index=False),
        "report.md": report_markdown(ev),
    }
    written = []
    try:
        for name, text in texts.items():
            write_atomic(out / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
            written.append(out / name)
    except OSError as exc:
        raise InputError(f"cannot write the output directory: {exc.strerror}", field="--out", value=str(out)) from None
    return written
