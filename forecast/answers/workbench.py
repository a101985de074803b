"""The numbers behind the workbench's Forecast and "What would change my mind" pages.

Every function answers from one :class:`Answerer` (one fit, one as-of date): changing the
evidence, the window or the event type is array arithmetic over cached draws, never sampling.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.answers.answer import answer, drivers_text
from forecast.answers.answerer import Answerer, _logit
from forecast.answers.briefing import wide_table
from forecast.answers.questions import NEUTRAL_EVIDENCE, Evidence, Question, evidence_text, level_text, window_of
from forecast.core.limits import DEFAULT_WINDOWS, interval
from forecast.data.signal_state import strongest_level
from forecast.data.vocab import QUESTION_COMPONENTS, SIGNALS, base_level, split_level

CURVE_DAYS = 365



def window_note(level: str, as_of, window_days: int) -> str | None:
    """A plain remark when a notice's window cannot bear on a question as of ``as_of`` over
    ``window_days`` days: it closed before the as-of day, or opens after the question's window."""
    first, last = window_of(level)
    if first is None:
        return None
    day = pd.Timestamp(as_of).date()
    end = day + dt.timedelta(days=int(window_days) - 1)
    if last < day:
        return f"The notice's window closed on {last}, before the as-of date {day}: it adds nothing."
    if first - dt.timedelta(days=1) > end:
        return (
            f"The notice's window opens on {first}, after the question's window ends ({end}): it adds nothing "
            "to this question (launches have come on the eve of a window, at the earliest)."
        )
    return None


def undated_notice_text(answerer: Answerer) -> str:
    """What a notice without dates stands for as of the answerer's date (the record's medians)."""
    gap, length = answerer.default_window
    return (
        f"a window opening about {gap} day{'s' if gap != 1 else ''} after the notice and lasting {length} "
        f"day{'s' if length != 1 else ''} (the medians of the record's notices as of this date)"
    )


# ------------------------------------------------------------------ the data's evidence


@dataclass(frozen=True)
class DataLevel:
    """What the data record for one signal on the as-of date, for the chosen event types."""

    signal: str
    level: str
    records: tuple[str, ...]  # ids of the records in force at that level
    since: str | None  # the earliest day those records took effect
    windows: tuple[tuple[str, str], ...] = ()  # the notified windows of those records, if any

    @property
    def base(self) -> str:
        """The vocabulary level (without a window)."""
        return base_level(self.level)

    def level_label(self) -> str:
        """The level with its window(s), as a person reads it."""
        windows = list(self.windows)
        own = split_level(self.level)[1]
        if own is not None and own not in windows:
            windows.insert(0, own)
        if not windows:
            return self.base
        return f"{self.base}, window " + "; ".join(f"{a} to {b}" for a, b in windows)

    def label(self) -> str:
        """'data: LEVEL, <the records behind it>' (a notice with its window)."""
        if not self.records:
            return f"data: {self.level_label()}, no record in force"
        return f"data: {self.level_label()}, {', '.join(self.records)} since {self.since}"


def data_levels(answerer: Answerer, events: list[str]) -> dict[str, DataLevel]:
    """Per signal, the strongest level the data record on the as-of date over every component
    of the chosen event types, with the records behind it."""
    components = sorted({c for e in events for c in QUESTION_COMPONENTS[e]})
    table = answerer.signal_state()
    out = {}
    for signal in SIGNALS:
        per_component = {c: answerer.data_levels(c)[signal] for c in components}
        level = strongest_level(signal, per_component.values())
        records, since = set(), []
        for c, lv in per_component.items():
            if lv == level and base_level(lv) != SIGNALS[signal].neutral:
                rec = table.loc[c, (signal, "record")]
                if isinstance(rec, str) and rec:
                    records.add(rec)
                    since.append(str(pd.Timestamp(table.loc[c, (signal, "since")]).date()))
        records = tuple(sorted(records))
        windows = _record_windows(answerer.ds.signals, records)
        out[signal] = DataLevel(signal, level, records, min(since) if since else None, windows)
    return out


def _record_windows(signals: pd.DataFrame, records: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The distinct notified windows of some signal records, earliest first."""
    if not records or "window_start" not in signals:
        return ()
    rows = signals[signals["id"].isin(records) & signals["window_start"].notna()]
    pairs = {
        (str(pd.Timestamp(a).date()), str(pd.Timestamp(b).date()))
        for a, b in zip(rows["window_start"], rows["window_end"], strict=True)
        if pd.notna(b)
    }
    return tuple(sorted(pairs))


# ------------------------------------------------------------------ one forecast


def question(answerer: Answerer, event: str, window: int, evidence: Evidence) -> Question:
    """The question for this answerer's as-of date with the given event type, window and evidence."""
    return Question(answerer.as_of.date(), event, int(window), dict(evidence))


def summary(answerer: Answerer, event: str, window: int, evidence: Evidence) -> dict:
    """The answer (mean, 90% interval, band, base rate, contributions, drivers) and the draws."""
    result = answer(answerer, question(answerer, event, window, evidence))
    result["drivers"] = drivers_text(result["contributions"])
    result["draws"] = answerer.probability(event, int(window), evidence)
    return result


def curve_days(days: int, extra: tuple[int, ...] = ()) -> np.ndarray:
    """The days a curve is drawn at: every day of the first month, every fifth day after, the last
    day and any ``extra`` (the analyst's window): the same line to the eye, a quarter of the work."""
    marks = {*range(1, min(days, 30) + 1), *range(5, days + 1, 5), days, *(d for d in extra if 1 <= d <= days)}
    return np.array(sorted(marks))


def curve(
    answerer: Answerer, events: list[str], evidence: Evidence, days: int = CURVE_DAYS, extra: tuple[int, ...] = ()
) -> pd.DataFrame:
    """P(at least one event by day d) per event type at `curve_days` up to ``days``: mean and 90% interval."""
    shown = curve_days(days, extra)
    frames = []
    for event in events:
        c = answerer.curve(event, days, evidence, days=shown)
        lo, hi = interval(c, axis=0)
        frames.append(pd.DataFrame({"event": event, "day": shown, "probability": c.mean(0), "lower": lo, "upper": hi}))
    return pd.concat(frames, ignore_index=True)


def histogram(draws: np.ndarray, bins: int = 30) -> pd.DataFrame:
    """The distribution of a forecast over posterior draws: draws per bin (start, end, draws)."""
    counts, edges = np.histogram(draws, bins=bins)
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "draws": counts})


def waterfall(answerer: Answerer, event: str, window: int, evidence: Evidence) -> pd.DataFrame:
    """The log-odds path from the base rate (every signal neutral) to the forecast.

    Signals are added one at a time, largest one-at-a-time effect first; each step is the change
    in the logit of the mean probability, so the steps add up exactly to the forecast."""
    final = summary(answerer, event, window, evidence)
    order = sorted(
        (s for s, v in final["contributions"].items() if abs(v) > 1e-9),
        key=lambda s: -abs(final["contributions"][s]),
    )

    def p_with(added: list[str]) -> float:
        ev = {s: lv for s, lv in NEUTRAL_EVIDENCE.items() if s not in added}
        ev.update({s: evidence[s] for s in added if s in evidence})  # the rest take the data's level
        return float(answerer.probability(event, int(window), ev).mean())

    prev = p_with([])
    rows = [{"step": "base rate", "change": _scalar_logit(prev), "probability": prev}]
    added: list[str] = []
    for s in order:
        added.append(s)
        p = p_with(added)
        step = f"{s}={_level_text(answerer, event, s, evidence)}"
        rows.append({"step": step, "change": _scalar_logit(p) - _scalar_logit(prev), "probability": p})
        prev = p
    frame = pd.DataFrame(rows)
    frame["end"] = frame["change"].cumsum()
    frame["start"] = frame["end"] - frame["change"]
    frame["kind"] = ["base"] + ["up" if v > 0 else "down" for v in frame["change"].iloc[1:]]
    total = {"step": "forecast", "change": 0.0, "probability": prev, "start": 0.0, "kind": "forecast"}
    total["end"] = _scalar_logit(prev)
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def _level_text(answerer: Answerer, event: str, signal: str, evidence: Evidence) -> str:
    if signal in evidence:
        level, conf = evidence[signal]
        return level_text(level) + (f" ({conf:.0%})" if conf < 1 else "")
    return level_text(answerer.question_level(event, signal)) + " (data)"


def _scalar_logit(p: float) -> float:
    return float(_logit(np.array([p]))[0])


# ------------------------------------------------------------------ what would change my mind


def what_would_change(
    answerer: Answerer, event: str, window: int, evidence: Evidence, exclude: set[str] | frozenset = frozenset()
) -> pd.DataFrame:
    """For each signal not in ``exclude`` (those the analyst has set), the forecast under each of
    its levels (a notice without dates; 'issued' as the mixture of notice and plan), and the largest
    move it could make; sorted by that move, largest first. ``level_order``: the level's place in
    the vocabulary, for drawing the levels of one signal apart."""
    current = float(answerer.probability(event, int(window), evidence).mean())
    data = data_levels(answerer, [event])
    rows = []
    for signal, spec in SIGNALS.items():
        if signal in exclude:
            continue
        for order, level in enumerate(spec.levels):
            ev = {**evidence, signal: (level, 1.0)}
            p = float(answerer.probability(event, int(window), ev).mean())
            rows.append(
                {
                    "signal": signal,
                    "level": level,
                    "level_order": order,
                    "data_level": level == data[signal].base,
                    "probability": p,
                    "change": p - current,
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    reach = frame.groupby("signal")["change"].apply(lambda c: c.abs().max()).rename("largest_move")
    frame = frame.join(reach, on="signal")
    return frame.sort_values(["largest_move", "signal", "change"], ascending=[False, True, False]).reset_index(
        drop=True
    )


# ------------------------------------------------------------------ tables and the session's history


def forecast_rows(
    answerer: Answerer,
    evidence: Evidence,
    events: list[str],
    windows: tuple[int, ...] = DEFAULT_WINDOWS,
    provenance: dict | None = None,
) -> list[dict]:
    """Every chosen event type by every window under this evidence: the long table behind the
    CSV download (same columns as `forecast table --format csv`)."""
    rows = []
    for e in events:
        for w in sorted(set(windows)):
            r = summary(answerer, e, w, evidence)
            r.pop("draws")
            r.pop("contributions")
            rows.append({**r, **(provenance or {})})
    return rows


def table_markdown(rows: list[dict] | pd.DataFrame, header: str) -> str:
    """The briefing table (or the rows it is made from) as Markdown with a provenance line."""
    table = rows if isinstance(rows, pd.DataFrame) else wide_table(rows)
    return f"{header}\n\n{table.to_markdown(index=False)}\n"


def evidence_key(evidence: Evidence) -> str:
    """The evidence as text with the signals sorted, so the same evidence always gives the same key."""
    return evidence_text(dict(sorted(evidence.items())))


def change_since_last(history: list[dict], entry: dict) -> float | None:
    """The change in probability since the last different forecast of the same question (event and
    window) in this session; None when there is none. ``history`` holds earlier entries, oldest first,
    each with as_of, event, window_days, evidence and probability."""
    for prev in reversed(history):
        same_question = prev["event"] == entry["event"] and prev["window_days"] == entry["window_days"]
        changed = prev["evidence"] != entry["evidence"] or prev["as_of"] != entry["as_of"]
        if same_question and changed:
            return entry["probability"] - prev["probability"]
    return None


def record_in_history(history: list[dict], entry: dict, limit: int = 50) -> list[dict]:
    """The history with ``entry`` appended unless it repeats the last entry for that question."""
    for prev in reversed(history):
        if prev["event"] == entry["event"] and prev["window_days"] == entry["window_days"]:
            if prev["evidence"] == entry["evidence"] and prev["as_of"] == entry["as_of"]:
                return history
            break
    # hours and minutes: a time with seconds ("20:34:21") reads as an emoji shortcode (":34:") to the
    # browser's Markdown, which then loads its emoji plugin and holds the first page's paint for it
    return [*history, {**entry, "time": dt.datetime.now().strftime("%H:%M")}][-limit:]
