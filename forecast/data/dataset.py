"""Loading and validating the project's data files (events, signal records, episodes).

Every problem is raised as one :class:`InputError` naming the file, row, column and value.
Rows are counted as lines of the file: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from pydantic import ValidationError, field_validator, model_validator

from forecast.core.errors import InputError
from forecast.core.inputs import Strict, read_toml, validation_error
from forecast.core.paths import DATA_DIR
from forecast.data.vocab import MISSILE_CLASSES, MIXED_LEVELS, RECORD_LEVELS, RECORDED_EVENTS, SIGNAL_SCOPES, SIGNALS

#: Where the record says how far it is complete (data/record.toml): after that day an unrecorded
#: day is unknown, not quiet. An import never moves it; the analyst does (`forecast data reach`).
RECORD_FILE = "record.toml"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
OUTCOMES = ("success", "failure", "partial", "unknown")

EVENT_COLUMNS = ("date", "event", "missile_class", "missiles", "vehicle", "site", "outcome", "source", "note")
SIGNAL_COLUMNS = (
    "id",
    "signal",
    "level",
    "events",
    "occurred",
    "published",
    "end",
    "lifetime_days",
    "source",
    "note",
)
#: A notice's notified window (first and last day, Korea dates). Optional columns: files written
#: before notices carried windows have none, and then hold no notices.
WINDOW_COLUMNS = ("window_start", "window_end")


def today() -> dt.date:
    """Today's date, against which dates in the data are checked for lying in the future."""
    return dt.date.today()


# ---------------------------------------------------------------- reading


def read_text(path: Path) -> str:
    """Read a UTF-8 file; a wrong encoding names the row where decoding fails."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            "file is not UTF-8 encoded; save it as UTF-8",
            file=str(path),
            row=row,
            value=raw[exc.start : exc.start + 1].hex(" "),
        ) from None


def read_table(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a CSV of strings (no type guessing), checking the header."""
    if not path.exists():
        raise InputError("file not found", file=str(path))
    text = read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV table: {exc}", file=str(path)) from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column '{missing[0]}'; required columns are {', '.join(required)}",
            file=str(path),
            row=1,
            field=missing[0],
        )
    frame = frame.apply(lambda col: col.str.strip())
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # index = row number in the file
    return frame


def _first_failure(err: SchemaErrors, path: Path) -> InputError:
    cases = err.failure_cases.dropna(subset=["index"]).sort_values("index")
    if cases.empty:
        case = err.failure_cases.iloc[0]
        return InputError(str(case["check"]), file=str(path), field=str(case["column"]))
    case = cases.iloc[0]
    return InputError(
        str(case["check"]),
        file=str(path),
        row=int(case["index"]),
        field=str(case["column"]),
        value=case["failure_case"],
    )


def _validate(schema: pa.DataFrameSchema, frame: pd.DataFrame, path: Path) -> None:
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as err:
        raise _first_failure(err, path) from None


def _allowed(values: Iterable[str]) -> str:
    return ", ".join(values)


def _parse_dates(
    frame: pd.DataFrame, column: str, path: Path, *, optional: bool = False, future_ok: bool = False
) -> pd.Series:
    out = []
    for row, text in frame[column].items():
        if text == "" and optional:
            out.append(pd.NaT)
            continue
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(
                "not a valid date; use YYYY-MM-DD (Korea local date)",
                file=str(path),
                row=int(row),
                field=column,
                value=text,
            ) from None
        if value > today() and not future_ok:
            raise InputError(
                f"date is in the future (today is {today().isoformat()})",
                file=str(path),
                row=int(row),
                field=column,
                value=text,
            )
        out.append(pd.Timestamp(value))
    return pd.Series(out, index=frame.index, dtype="datetime64[ns]")


def _check_duplicates(frame: pd.DataFrame, keys: list[str], path: Path) -> None:
    dup = frame.duplicated(subset=keys, keep="first")
    if dup.any():
        row = int(dup.idxmax())
        first = int(frame.index[(frame[keys] == frame.loc[row, keys]).all(axis=1)][0])
        raise InputError(
            f"duplicate of row {first} (same {', '.join(keys)})",
            file=str(path),
            row=row,
            field=keys[0],
            value=frame.loc[row, keys[0]],
        )


# ---------------------------------------------------------------- events

_nonempty = pa.Check.str_length(min_value=1, error="must not be empty")

EVENTS_SCHEMA = pa.DataFrameSchema(
    {
        "date": pa.Column(str, pa.Check.str_matches(ISO_DATE, error="date must be YYYY-MM-DD")),
        "event": pa.Column(
            str, pa.Check.isin(RECORDED_EVENTS, error=f"unknown event type; allowed: {_allowed(RECORDED_EVENTS)}")
        ),
        "missile_class": pa.Column(
            str,
            pa.Check.isin((*MISSILE_CLASSES, ""), error=f"unknown missile class; allowed: {_allowed(MISSILE_CLASSES)}"),
        ),
        "missiles": pa.Column(str, pa.Check.str_matches(r"^(\d+)?$", error="missiles must be a whole number")),
        "outcome": pa.Column(str, pa.Check.isin(OUTCOMES, error=f"unknown outcome; allowed: {_allowed(OUTCOMES)}")),
        "source": pa.Column(str, _nonempty),
    },
    strict=False,
)


def load_events(path: Path | str | None = None) -> pd.DataFrame:
    """The validated event table: one row per event type and Korea-local day."""
    path = Path(path) if path else DATA_DIR / "events.csv"
    frame = read_table(path, EVENT_COLUMNS)
    _validate(EVENTS_SCHEMA, frame, path)
    frame["date"] = _parse_dates(frame, "date", path)
    for row, rec in frame.iterrows():
        is_missile = rec["event"] == "ballistic_missile"
        if is_missile and rec["missile_class"] == "":
            raise InputError(
                f"a ballistic_missile row needs a missile class; allowed: {_allowed(MISSILE_CLASSES)}",
                file=str(path),
                row=int(row),
                field="missile_class",
                value="",
            )
        if not is_missile and rec["missile_class"] != "":
            raise InputError(
                "missile class is only for ballistic_missile rows",
                file=str(path),
                row=int(row),
                field="missile_class",
                value=rec["missile_class"],
            )
    _check_duplicates(frame, ["date", "event"], path)
    frame["missiles"] = pd.to_numeric(frame["missiles"].replace("", None)).astype("Int64")
    frame = frame.sort_values(["date", "event"], kind="stable")
    frame.attrs["path"] = str(path)
    return frame


# ---------------------------------------------------------------- signal records


def _level_error(path: Path, row: int, signal: str, level: str) -> InputError:
    allowed = RECORD_LEVELS[signal]
    if (signal, level) in MIXED_LEVELS:
        kinds = " or ".join(MIXED_LEVELS[(signal, level)])
        message = f"'{level}' is for analysts' evidence; the record must say which it was ({kinds})"
    else:
        message = f"unknown level for signal '{signal}'; allowed: {_allowed(allowed)}"
    return InputError(
        message,
        file=str(path),
        row=row,
        field="level",
        value=level,
    )


SIGNALS_SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(str, [_nonempty, pa.Check(lambda s: ~s.duplicated(), error="id must be unique")]),
        "signal": pa.Column(str, pa.Check.isin(tuple(SIGNALS), error=f"unknown signal; allowed: {_allowed(SIGNALS)}")),
        "occurred": pa.Column(str, pa.Check.str_matches(ISO_DATE, error="date must be YYYY-MM-DD")),
        "published": pa.Column(str, pa.Check.str_matches(ISO_DATE, error="date must be YYYY-MM-DD")),
        "end": pa.Column(str, pa.Check.str_matches(r"^(\d{4}-\d{2}-\d{2})?$", error="date must be YYYY-MM-DD")),
        "lifetime_days": pa.Column(
            str, pa.Check.str_matches(r"^([1-9]\d*)?$", error="lifetime_days must be a positive whole number")
        ),
        "window_start": pa.Column(
            str, pa.Check.str_matches(r"^(\d{4}-\d{2}-\d{2})?$", error="date must be YYYY-MM-DD")
        ),
        "window_end": pa.Column(str, pa.Check.str_matches(r"^(\d{4}-\d{2}-\d{2})?$", error="date must be YYYY-MM-DD")),
        "source": pa.Column(str, _nonempty),
    },
    strict=False,
)


def _check_window(path: Path, row: int, rec: pd.Series) -> None:
    """A notice carries its notified window and nothing else that ends it; other records carry none."""

    def fail(message: str, field: str, value: str) -> InputError:
        return InputError(message, file=str(path), row=row, field=field, value=value)

    notice = rec["signal"] == "announcement" and rec["level"] == "notice"
    if notice:
        for col in WINDOW_COLUMNS:
            if not rec[col]:
                raise fail("a notice needs its notified window (window_start and window_end)", col, "")
        for col in ("end", "lifetime_days"):
            if rec[col]:
                raise fail(
                    "a notice is in force until its window closes; leave end and lifetime_days empty", col, rec[col]
                )
    else:
        for col in WINDOW_COLUMNS:
            if rec[col]:
                raise fail("only an announcement=notice record carries a window", col, rec[col])


def load_signals(path: Path | str | None = None) -> pd.DataFrame:
    """The validated signal records, with `scope` parsed into a tuple of event types."""
    path = Path(path) if path else DATA_DIR / "signals.csv"
    frame = read_table(path, SIGNAL_COLUMNS)
    for col in WINDOW_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    _validate(SIGNALS_SCHEMA, frame, path)
    scopes = []
    for row, rec in frame.iterrows():
        if rec["level"] not in RECORD_LEVELS[rec["signal"]]:
            raise _level_error(path, int(row), rec["signal"], rec["level"])
        _check_window(path, int(row), rec)
        tokens = tuple(t.strip() for t in rec["events"].split(";") if t.strip())
        bad = [t for t in tokens if t not in SIGNAL_SCOPES] or ([] if tokens else [""])
        if bad:
            raise InputError(
                f"unknown event type in events; allowed: {_allowed(SIGNAL_SCOPES)} (joined by ';')",
                file=str(path),
                row=int(row),
                field="events",
                value=bad[0],
            )
        if rec["end"] and rec["lifetime_days"]:
            raise InputError(
                "give either end or lifetime_days, not both",
                file=str(path),
                row=int(row),
                field="end",
                value=rec["end"],
            )
        scopes.append(tokens)
    for col in ("occurred", "published"):
        frame[col] = _parse_dates(frame, col, path)
    frame["end"] = _parse_dates(frame, "end", path, optional=True, future_ok=True)  # a deadline may lie ahead
    for col in WINDOW_COLUMNS:
        frame[col] = _parse_dates(frame, col, path, optional=True, future_ok=True)  # a window may lie ahead
    for row, rec in frame.iterrows():
        if pd.notna(rec["window_start"]) and rec["window_end"] < rec["window_start"]:
            raise InputError(
                f"window ends before it starts ({rec['window_start'].date()})",
                file=str(path),
                row=int(row),
                field="window_end",
                value=str(rec["window_end"].date()),
            )
        if pd.notna(rec["window_end"]) and rec["window_end"] < rec["published"]:
            raise InputError(
                f"the window closed before the notice was published ({rec['published'].date()})",
                file=str(path),
                row=int(row),
                field="window_end",
                value=str(rec["window_end"].date()),
            )
        if rec["published"] < rec["occurred"]:
            raise InputError(
                f"published before it occurred ({rec['occurred'].date()})",
                file=str(path),
                row=int(row),
                field="published",
                value=str(rec["published"].date()),
            )
        if pd.notna(rec["end"]) and rec["end"] < rec["occurred"]:
            raise InputError(
                f"end is before the start ({rec['occurred'].date()})",
                file=str(path),
                row=int(row),
                field="end",
                value=str(rec["end"].date()),
            )
    frame["scope"] = scopes
    # a notice is in force until its window closes
    frame["end"] = frame["end"].where(frame["window_end"].isna(), frame["window_end"])
    frame["lifetime_days"] = pd.to_numeric(frame["lifetime_days"].replace("", None)).astype("Int64")
    _check_duplicates(
        frame.assign(events=frame["events"]), ["signal", "level", "events", "occurred", "published"], path
    )
    frame = frame.sort_values(["occurred", "published", "id"], kind="stable")
    frame.attrs["path"] = str(path)
    return frame


# ---------------------------------------------------------------- episodes


class Episode(Strict):
    name: str
    title: str
    start: dt.date
    end: dt.date
    description: str
    questions: list[str]
    events: list[str]
    sources: list[str]

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        from forecast.data.vocab import QUESTION_EVENTS

        for v in value:
            if v not in QUESTION_EVENTS:
                raise ValueError(f"unknown event type {v!r}; allowed: {', '.join(QUESTION_EVENTS)}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Episode:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if not self.questions:
            raise ValueError("an episode needs at least one question")
        return self


def load_episodes(path: Path | str | None = None) -> dict[str, Episode]:
    """The historical episodes by name from data/episodes.toml (or ``path``); raises InputError naming the bad key."""
    path = Path(path) if path else DATA_DIR / "episodes.toml"
    raw = read_toml(path)
    episodes = {}
    for name, body in raw.get("episode", {}).items():
        try:
            episodes[name] = Episode(name=name, **body)
        except ValidationError as exc:
            raise validation_error(exc, path, prefix=f"episode.{name}") from None
    if set(raw) - {"episode"}:
        key = sorted(set(raw) - {"episode"})[0]
        raise InputError("unknown top-level key; only [episode.NAME] tables are allowed", file=str(path), field=key)
    return episodes


# ---------------------------------------------------------------- the record's reach


@dataclass(frozen=True)
class Reach:
    """How far the record is complete: the last day through which events and evidence were checked
    against public sources, and what was checked."""

    complete_through: pd.Timestamp
    checked: str

    @property
    def first_unknown(self) -> pd.Timestamp:
        """The first day the record does not cover."""
        return self.complete_through + pd.Timedelta(days=1)


def load_reach(data_dir: Path | str | None = None) -> Reach:
    """The record's reach from ``data/record.toml``; a problem is one InputError naming the file and key."""
    path = (Path(data_dir) if data_dir else DATA_DIR) / RECORD_FILE
    if not path.exists():
        raise InputError(
            "file not found; it states how far the record is complete ([record] complete_through)", file=str(path)
        )
    raw = read_toml(path)
    unknown = sorted(set(raw) - {"record"}) or sorted(set(raw.get("record", {})) - {"complete_through", "checked"})
    if unknown:
        raise InputError(
            "unknown key (misspelt?); allowed: [record] complete_through, checked", file=str(path), field=unknown[0]
        )
    record = raw.get("record", {})
    day = record.get("complete_through")
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise InputError(
            "must be a date (YYYY-MM-DD, no quotes)", file=str(path), field="record.complete_through", value=day
        )
    if day > today():
        raise InputError(
            f"lies in the future (today is {today()})", file=str(path), field="record.complete_through", value=str(day)
        )
    checked = record.get("checked")
    if not isinstance(checked, str) or not checked.strip():
        raise InputError(
            "say what was checked, and against which sources", file=str(path), field="record.checked", value=checked
        )
    return Reach(pd.Timestamp(day), checked.strip())


def write_reach(reach: Reach, data_dir: Path | str | None = None) -> Path:
    """Move the record's reach (the analyst's decision after checking the sources), atomically: the
    new file is read back and checked before it replaces the old one."""
    from forecast.core.atomic import write_atomic

    path = (Path(data_dir) if data_dir else DATA_DIR) / RECORD_FILE
    day = reach.complete_through.date()
    if day > today():
        raise InputError(f"lies in the future (today is {today()})", field="complete_through", value=str(day))
    if not reach.checked.strip():
        raise InputError("say what was checked, and against which sources", field="checked", value=reach.checked)
    text = (
        "# How far data/events.csv and data/signals.csv are complete, as data.\n[record]\n"
        f"complete_through = {day.isoformat()}   # the last day events and evidence were checked\n"
        f"checked = {json.dumps(reach.checked.strip(), ensure_ascii=False)}\n"
    )

    def check(tmp: Path) -> None:
        back = read_toml(tmp)["record"]
        assert back["complete_through"] == day and back["checked"] == reach.checked.strip()

    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), check)
    return path


# ---------------------------------------------------------------- the dataset


@dataclass(frozen=True)
class Dataset:
    events: pd.DataFrame
    signals: pd.DataFrame
    data_hash: str
    reach: Reach
    #: Tables derived from these data (indexed signal records, daily features), computed once per
    #: dataset by the modules that need them; the data never change in place.
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def complete_through(self) -> pd.Timestamp:
        """The last day the record is complete through."""
        return self.reach.complete_through


def file_hash(*paths: Path) -> str:
    """A short hash of the files' names and contents: the data hash."""
    digest = hashlib.sha256()
    for p in paths:
        digest.update(Path(p).name.encode())
        digest.update(Path(p).read_bytes())
    return digest.hexdigest()[:16]


def load_dataset(data_dir: Path | str | None = None) -> Dataset:
    """The shipped record, every row with ``origin`` = ``shipped`` (the analyst's own records are
    merged in by `forecast.data.analyst_records.load_with_records`)."""
    data_dir = Path(data_dir) if data_dir else DATA_DIR
    events_path, signals_path = data_dir / "events.csv", data_dir / "signals.csv"
    reach = load_reach(data_dir)
    events = load_events(events_path).assign(origin="shipped")
    signals = load_signals(signals_path).assign(origin="shipped")
    ds = Dataset(
        events=events,
        signals=signals,
        data_hash=file_hash(events_path, signals_path, data_dir / RECORD_FILE),
        reach=reach,
    )
    return ds
