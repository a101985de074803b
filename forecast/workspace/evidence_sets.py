"""Named evidence sets: what an analyst assumed, with notes, sources and confidences.

One JSON file per set, written atomically. Reading a damaged or foreign file raises one
:class:`InputError` naming the file, the field and the value; saving never replaces a file that is
not a readable evidence set, and replaces a set only when asked to.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from forecast.answers.questions import Evidence, level_text, parse_level
from forecast.core.atomic import write_atomic
from forecast.core.errors import InputError
from forecast.core.limits import EARLIEST_AS_OF, MAX_WINDOW
from forecast.data.vocab import QUESTION_EVENTS, SIGNALS

FORMAT = "nk-forecast evidence set"
VERSION = 1
MIN_CONFIDENCE = 0.01
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$")


@dataclass(frozen=True)
class EvidenceItem:
    signal: str
    level: str
    confidence: float = 1.0
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class EvidenceSet:
    name: str
    as_of: dt.date
    items: tuple[EvidenceItem, ...] = ()
    analyst: str = ""
    events: tuple[str, ...] = ("space_launch",)
    window_days: int = 90
    priors_file: str = "default.toml"
    saved_at: str = ""
    notes: dict = field(default_factory=dict)  # signal -> {note, source} for signals left at the data's level

    def evidence(self) -> Evidence:
        """The set's evidence: each signal's level and confidence."""
        return {i.signal: (i.level, i.confidence) for i in self.items}

    def to_json(self) -> dict:
        """The set as the JSON data written to its file."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "analyst": self.analyst,
            "as_of": self.as_of.isoformat(),
            "events": list(self.events),
            "window_days": self.window_days,
            "priors_file": self.priors_file,
            "saved_at": self.saved_at,
            "items": [asdict(i) for i in self.items],
            "notes": self.notes,
        }


def file_name(name: str) -> str:
    """The file name for a set named ``name``: lower case, safe characters only, ending in .json."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.").lower() + ".json"


def check_name(name: str) -> str:
    """The set's name without surrounding spaces; raises InputError unless it is a valid name."""
    name = (name or "").strip()
    if not NAME.match(name):
        raise InputError(
            "a set's name is 1-80 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit",
            field="name",
            value=name,
        )
    return name


def parse(data: object, where: str) -> EvidenceSet:
    """An EvidenceSet from decoded JSON; every problem names ``where``, the field and the value."""

    def bad(message: str, fld: str, value=None) -> InputError:
        return InputError(message, file=where, field=fld, value=value)

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise bad(f"not an evidence set (expected format {FORMAT!r})", "format", got)
    if data.get("version") != VERSION:
        raise bad(f"unsupported version (this tool reads version {VERSION})", "version", data.get("version"))
    try:
        name = check_name(str(data.get("name", "")))
    except InputError as exc:
        raise bad(exc.message, "name", data.get("name")) from None
    try:
        as_of = dt.date.fromisoformat(str(data.get("as_of")))
    except ValueError:
        raise bad("as-of date must be YYYY-MM-DD", "as_of", data.get("as_of")) from None
    if not EARLIEST_AS_OF <= as_of <= dt.date.today():
        raise bad(f"as-of date must be {EARLIEST_AS_OF} to {dt.date.today()}", "as_of", str(as_of))
    events = data.get("events", ["space_launch"])
    if not isinstance(events, list) or not events or any(e not in QUESTION_EVENTS for e in events):
        raise bad(f"events must be a non-empty list of: {', '.join(QUESTION_EVENTS)}", "events", events)
    window = data.get("window_days", 90)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW:
        raise bad(f"window must be a whole number of days, 1 to {MAX_WINDOW}", "window_days", window)
    raw_items = data.get("items", [])
    if not isinstance(raw_items, list):
        raise bad("items must be a list", "items", type(raw_items).__name__)
    items, seen = [], set()
    for i, raw in enumerate(raw_items):
        fld = f"items[{i}]"
        if not isinstance(raw, dict):
            raise bad("each item must be an object", fld, raw)
        unknown = set(raw) - {"signal", "level", "confidence", "note", "source"}
        if unknown:
            raise bad("unknown key in item", fld, sorted(unknown)[0])
        signal = raw.get("signal")
        if signal not in SIGNALS:
            raise bad(f"unknown signal; allowed: {', '.join(SIGNALS)}", f"{fld}.signal", signal)
        if signal in seen:
            raise bad("signal given twice", f"{fld}.signal", signal)
        seen.add(signal)
        level = raw.get("level")
        if not isinstance(level, str):
            allowed = ", ".join(SIGNALS[signal].levels)
            raise bad(f"unknown level for {signal}; allowed: {allowed}", f"{fld}.level", level)
        try:  # a notice may carry its window: notice@YYYY-MM-DD/YYYY-MM-DD
            level = parse_level(signal, level, where=f"{fld}.level")
        except InputError as exc:
            raise bad(exc.message, f"{fld}.level", level) from None
        conf = raw.get("confidence", 1.0)
        if isinstance(conf, bool) or not isinstance(conf, int | float) or not MIN_CONFIDENCE <= conf <= 1:
            raise bad(f"confidence must be a number from {MIN_CONFIDENCE} to 1", f"{fld}.confidence", conf)
        note, source = raw.get("note", ""), raw.get("source", "")
        if not isinstance(note, str) or not isinstance(source, str):
            raise bad("note and source must be text", fld, note if not isinstance(note, str) else source)
        items.append(EvidenceItem(signal, level, float(conf), note, source))
    notes = data.get("notes", {})
    if not isinstance(notes, dict) or any(k not in SIGNALS or not isinstance(v, dict) for k, v in notes.items()):
        raise bad("notes must map signal names to {note, source}", "notes", notes)
    return EvidenceSet(
        name=name,
        as_of=as_of,
        items=tuple(items),
        analyst=str(data.get("analyst", "")),
        events=tuple(events),
        window_days=window,
        priors_file=str(data.get("priors_file", "default.toml")),
        saved_at=str(data.get("saved_at", "")),
        notes={k: {"note": str(v.get("note", "")), "source": str(v.get("source", ""))} for k, v in notes.items()},
    )


def load(path: Path | str) -> EvidenceSet:
    """The evidence set in the file at ``path``; raises InputError naming the file, field and value if damaged."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=str(path), field="(file)", value=f"byte {exc.start}") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(path), row=exc.lineno, field="(json)") from None
    return parse(data, str(path))


def list_sets(directory: Path) -> tuple[list[tuple[Path, EvidenceSet]], list[InputError]]:
    """The readable sets in a directory (by name) and one error per file that is not one."""
    good, bad = [], []
    if not directory.is_dir():
        return good, bad
    for path in sorted(directory.glob("*.json")):
        try:
            good.append((path, load(path)))
        except InputError as exc:
            bad.append(exc)
    return sorted(good, key=lambda t: t[1].name.lower()), bad


def save(es: EvidenceSet, directory: Path, *, replace: bool = False) -> Path:
    """Write a set as ``<directory>/<name>.json`` atomically. An existing file is replaced only with
    ``replace=True`` and only if it is itself a readable evidence set."""
    check_name(es.name)
    path = Path(directory) / file_name(es.name)
    if path.exists():
        try:
            existing = load(path)
        except InputError as exc:
            raise InputError(
                "a file of that name exists and is not a readable evidence set; it is left alone",
                file=str(path),
                field="name",
                value=es.name,
            ) from exc
        if existing.name != es.name:
            raise InputError(
                f"the set '{existing.name}' is stored under that file name; choose a name that differs by more "
                "than case or punctuation",
                file=str(path),
                field="name",
                value=es.name,
            )
        if not replace:
            raise InputError(
                "a set of that name exists; choose another name or replace it", field="name", value=es.name
            )
    stamped = EvidenceSet(**{**es.__dict__, "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    text = json.dumps(stamped.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), check=lambda tmp: load(tmp))
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from None
    return path


def compare(a: EvidenceSet, b: EvidenceSet) -> pd.DataFrame:
    """Signal by signal, what each set assumes ('data' where it leaves the signal to the data)."""

    def text(es: EvidenceSet, signal: str) -> str:
        ev = es.evidence()
        if signal not in ev:
            return "data"
        level, conf = ev[signal]
        return level_text(level) + (f" ({conf:.0%})" if conf < 1 else "")

    rows = [{"signal": s, a.name: text(a, s), b.name: text(b, s)} for s in SIGNALS]
    frame = pd.DataFrame(rows)
    if a.name == b.name:
        frame.columns = ["signal", f"{a.name} (A)", f"{b.name} (B)"]
    frame["differs"] = frame.iloc[:, 1] != frame.iloc[:, 2]
    extra = [
        {"signal": "as_of", frame.columns[1]: a.as_of.isoformat(), frame.columns[2]: b.as_of.isoformat()},
        {"signal": "analyst", frame.columns[1]: a.analyst, frame.columns[2]: b.analyst},
    ]
    for e in extra:
        e["differs"] = e[frame.columns[1]] != e[frame.columns[2]]
    return pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
