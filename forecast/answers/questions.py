"""Questions as analysts ask them: an as-of date, an event type, a window and the evidence, each
checked with one clear message; evidence written as text ('signal=level[:confidence]') parsed and
written back. Plain Python: reading questions, evidence sets and scenario files never imports
PyMC.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from forecast.core.errors import InputError
from forecast.core.limits import EARLIEST_AS_OF, check_window
from forecast.data.dataset import read_table
from forecast.data.vocab import QUESTION_EVENTS, SIGNALS, base_level, split_level

Evidence = dict[str, tuple[str, float]]  # signal -> (level, confidence)
#: Every signal at its neutral level: the question's base rate.
NEUTRAL_EVIDENCE: Evidence = {name: (spec.neutral, 1.0) for name, spec in SIGNALS.items()}


def parse_level(name: str, text: str, *, where: str) -> str:
    """A signal's level as written in evidence, checked; a notice may carry its window
    ('notice@2012-04-12/2012-04-16'), returned in that canonical form."""
    level, window = split_level(text)
    if level not in SIGNALS[name].levels:
        raise InputError(
            f"unknown level for {name}; allowed: {', '.join(SIGNALS[name].levels)}", field=where, value=level
        )
    if window is None:
        return level
    if (name, level) != ("announcement", "notice"):
        raise InputError(
            "only announcement=notice takes a window (notice@YYYY-MM-DD/YYYY-MM-DD)",
            field=where,
            value=f"{name}={text}",
        )
    try:
        first, last = (dt.date.fromisoformat(d) for d in window)
    except ValueError:
        raise InputError(
            "a notice's window must be two ISO dates, first/last (notice@2012-04-12/2012-04-16)",
            field=where,
            value=text,
        ) from None
    if last < first:
        raise InputError("the notice's window ends before it starts", field=where, value=text)
    return f"{level}@{first.isoformat()}/{last.isoformat()}"


def parse_evidence(text: str | list[str] | None, *, where: str = "--evidence") -> Evidence:
    """'signal=level[:confidence]' items, joined by ';' (or given as a list); a notice may carry its
    window, 'announcement=notice@2012-04-12/2012-04-16[:0.8]'."""
    items = text if isinstance(text, list) else [t for t in (text or "").split(";")]
    out: Evidence = {}
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        if "=" not in item:
            raise InputError("evidence must be signal=level or signal=level:confidence", field=where, value=item)
        name, _, rest = item.partition("=")
        name, rest = name.strip(), rest.strip()
        if name not in SIGNALS:
            raise InputError(f"unknown signal; allowed: {', '.join(SIGNALS)}", field=where, value=name)
        level, _, conf_text = rest.partition(":")
        level = parse_level(name, level.strip(), where=where)
        confidence = 1.0
        if conf_text:
            try:
                confidence = float(conf_text)
            except ValueError:
                confidence = math.nan
            if not 0 < confidence <= 1:
                raise InputError("confidence must be a number in (0, 1]", field=where, value=conf_text)
        if name in out:
            raise InputError("signal given twice", field=where, value=name)
        out[name] = (level, confidence)
    return out


@dataclass(frozen=True)
class Question:
    as_of: dt.date
    event: str
    window_days: int
    evidence: Evidence = field(default_factory=dict)
    id: str | None = None


def make_question(
    as_of, event: str, window_days, evidence: Evidence | str | None = None, qid: str | None = None, *, where: str = ""
) -> Question:
    """A checked question from raw inputs (as-of date, event type, window, evidence text or dict); raises one
    InputError naming the field at fault."""
    prefix = f"{where} " if where else ""
    try:
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise InputError("as-of date must be YYYY-MM-DD", field=f"{prefix}as_of".strip(), value=as_of) from None
    if day < EARLIEST_AS_OF:
        raise InputError(
            f"as-of date is before the data allow a forecast (earliest {EARLIEST_AS_OF}; the data start on 1998-01-01)",
            field=f"{prefix}as_of".strip(),
            value=str(day),
        )
    if day > dt.date.today():
        raise InputError(
            f"as-of date is in the future (today is {dt.date.today()})", field=f"{prefix}as_of".strip(), value=str(day)
        )
    if event not in QUESTION_EVENTS:
        raise InputError(
            f"unknown event type; allowed: {', '.join(QUESTION_EVENTS)}", field=f"{prefix}event".strip(), value=event
        )
    window = check_window(window_days, f"{prefix}window_days".strip())
    if isinstance(evidence, str) or evidence is None:
        evidence = parse_evidence(evidence, where=f"{prefix}evidence".strip())
    return Question(day, event, window, evidence, qid)


QUESTION_COLUMNS = ("as_of", "event", "window_days", "evidence")


def read_questions(path: Path | str) -> list[Question]:
    """Questions from a CSV (as_of, event, window_days, evidence, optional id); an error names the
    file, row and field."""
    path = Path(path)
    frame = read_table(path, QUESTION_COLUMNS)
    out = []
    for row, rec in frame.iterrows():
        qid = rec["id"] if "id" in frame.columns and rec["id"] else None
        try:
            out.append(make_question(rec["as_of"], rec["event"], rec["window_days"], rec["evidence"], qid))
        except InputError as exc:
            exc.file, exc.row = str(path), int(row)
            raise
    if not out:
        raise InputError("no questions in file", file=str(path))
    return out


def levels_text(levels: dict[str, str], sep: str = ";") -> str:
    """Levels written as text, 'signal=level;...'."""
    return sep.join(f"{s}={lv}" for s, lv in levels.items())


def evidence_text(evidence: Evidence) -> str:
    """Evidence written back as text, 'signal=level[:confidence];...' (the form `parse_evidence` reads)."""
    return levels_text({s: lv + (f":{c:g}" if c < 1 else "") for s, (lv, c) in evidence.items()})


# ------------------------------------------------------------------ levels as analysts write them

#: The one (signal, level) that may carry a window of dates.
WINDOWED = ("announcement", "notice")
WINDOW_FIELDS = ("window first day", "window last day")


def takes_window(signal: str, level: str) -> bool:
    """Whether this is an announcement at level notice, the one piece of evidence that carries a window of days."""
    return (signal, base_level(level)) == WINDOWED


def level_text(level: str) -> str:
    """An evidence level as a person reads it: 'notice@2012-04-12/2012-04-16' -> 'notice, window
    2012-04-12 to 2012-04-16'; a level without a window unchanged."""
    base, window = split_level(level)
    return base if window is None else f"{base}, window {window[0]} to {window[1]}"


def window_of(level: str | None) -> tuple[dt.date | None, dt.date | None]:
    """The dates of a level's window, (None, None) when it has none."""
    if not level:
        return None, None
    window = split_level(level)[1]
    if window is None:
        return None, None
    return dt.date.fromisoformat(window[0]), dt.date.fromisoformat(window[1])


def notice_level(first: dt.date | None, last: dt.date | None) -> str:
    """The level for a notice whose window an analyst gave as two optional dates: 'notice' when both
    are empty (a window soon, as the record's notices define it), else 'notice@FIRST/LAST'. A window
    with one day missing, or ending before it starts, raises an InputError naming the field and value."""
    if first is None and last is None:
        return "notice"
    if first is None or last is None:
        missing, given = (WINDOW_FIELDS[0], last) if first is None else (WINDOW_FIELDS[1], first)
        raise InputError(
            f"give both days of the notice's window, or neither (no dates: a window soon, as the record's "
            f"notices define it); the other day is {given}",
            field=missing,
            value="(empty)",
        )
    if last < first:
        raise InputError(
            f"the notice's window ends before it starts (window first day {first})",
            field=WINDOW_FIELDS[1],
            value=str(last),
        )
    return parse_level("announcement", f"notice@{first.isoformat()}/{last.isoformat()}", where="notice window")
