"""The analyst's own records: events and signal records kept beside the shipped data.

They live in ``records/events.csv`` and ``records/signals.csv`` under the working directory
(:func:`forecast.workspace.work_dir`), never in ``data/``. The files have the shipped files' columns
(events add an ``id``, ``A-E001``...; signal ids are ``A001``...) and are validated exactly like the
shipped data, by the same loaders, alone and merged with the shipped record: one
:class:`InputError` naming the file, row, field and value.

:func:`merge_records` (called by `load_with_records`) adds them to the dataset, each
row with ``origin`` = ``analyst``; the data hash then covers the analyst files that hold rows, so
fits and provenance change when a record is added and come back when it is removed.

Every change (:func:`add_event`, :func:`add_signal`, :func:`remove`) writes a temporary file,
validates the merged data with it and only then renames it over the old file: bad input leaves
nothing saved changed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from forecast.core.atomic import write_atomic
from forecast.core.errors import InputError
from forecast.core.paths import work_dir
from forecast.data.dataset import (
    DATA_DIR,
    EVENT_COLUMNS,
    RECORD_FILE,
    SIGNAL_COLUMNS,
    WINDOW_COLUMNS,
    Dataset,
    file_hash,
    load_dataset,
    load_events,
    load_signals,
    read_table,
)

EVENT_FILE_COLUMNS = ("id", *EVENT_COLUMNS)
SIGNAL_FILE_COLUMNS = (*SIGNAL_COLUMNS[:-2], *WINDOW_COLUMNS, "source", "note")  # the shipped file's order
EVENT_ID = re.compile(r"^A-E(\d{3,})$")
SIGNAL_ID = re.compile(r"^A(\d{3,})$")
#: Analyst rows keep their file's row number plus this offset as their index in the merged tables,
#: so that index labels stay unique (shipped rows keep theirs).
ROW_OFFSET = 100_000


def records_dir() -> Path:
    """The folder of the analyst's own records (events.csv and signals.csv) in the working directory."""
    return work_dir() / "records"


def _paths(rdir: Path | None) -> tuple[Path, Path]:
    rdir = Path(rdir) if rdir else records_dir()
    return rdir / "events.csv", rdir / "signals.csv"


# ------------------------------------------------------------------ reading and merging


def _check_ids(frame: pd.DataFrame, pattern: re.Pattern, example: str, path: Path) -> None:
    seen: dict[str, int] = {}
    for row, value in frame["id"].sort_index().items():
        if not pattern.match(value):
            raise InputError(
                f"an analyst record's id looks like {example}", file=str(path), row=int(row), field="id", value=value
            )
        if value in seen:
            raise InputError(
                f"id must be unique (also on row {seen[value]})", file=str(path), row=int(row), field="id", value=value
            )
        seen[value] = int(row)


def _load_analyst_events(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    read_table(path, EVENT_FILE_COLUMNS)  # the id column is required in the analyst's file
    frame = load_events(path)
    _check_ids(frame, EVENT_ID, "A-E001", path)
    return frame


def _load_analyst_signals(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    frame = load_signals(path)
    _check_ids(frame, SIGNAL_ID, "A001", path)
    return frame


def _key_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    def text(col: pd.Series) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(col):
            return col.dt.strftime("%Y-%m-%d")
        return col.astype(str)

    return pd.concat([text(frame[k]) for k in keys], axis=1).agg("|".join, axis=1)


def _cross_duplicates(
    shipped: pd.DataFrame, analyst: pd.DataFrame, keys: list[str], shipped_path: Path, path: Path
) -> None:
    """An analyst row that repeats a shipped one: the shipped loaders' message, naming both files."""
    first: dict[str, int] = {}
    for row, key in _key_text(shipped, keys).sort_index().items():
        first.setdefault(key, int(row))
    for row, key in _key_text(analyst, keys).sort_index().items():
        if key in first:
            raise InputError(
                f"duplicate of {shipped_path} row {first[key]} (same {', '.join(keys)})",
                file=str(path),
                row=int(row),
                field=keys[0],
                value=key.split("|")[0],
            )


def _offset(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.assign(origin="analyst")
    out.index = out.index + ROW_OFFSET
    return out


def load_with_records(data_dir: Path | str | None = None, rdir: Path | str | None = None) -> Dataset:
    """The shipped record merged with the analyst's own records in ``rdir`` (default: ``records/``
    in the working directory)."""
    base = Path(data_dir) if data_dir else DATA_DIR
    return merge_records(load_dataset(base), base / "events.csv", base / "signals.csv", Path(rdir or records_dir()))


def merge_records(
    ds: Dataset,
    events_path: Path,
    signals_path: Path,
    rdir: Path | None = None,
    *,
    analyst_events: Path | None = None,
    analyst_signals: Path | None = None,
) -> Dataset:
    """The shipped dataset with the analyst's rows added (``origin`` = ``analyst``). Files that do
    not exist or hold no rows add nothing and leave the data hash as it was."""
    ev_default, sg_default = _paths(rdir)
    ev_path, sg_path = analyst_events or ev_default, analyst_signals or sg_default
    a_ev, a_sg = _load_analyst_events(ev_path), _load_analyst_signals(sg_path)
    events, signals, hashed = ds.events, ds.signals, []
    if a_ev is not None and len(a_ev):
        _cross_duplicates(ds.events, a_ev, ["date", "event"], events_path, ev_path)
        events = pd.concat([ds.events.assign(id=""), _offset(a_ev)]).sort_values(["date", "event"], kind="stable")
        hashed.append(ev_path)
    if a_sg is not None and len(a_sg):
        _cross_duplicates(
            ds.signals, a_sg, ["signal", "level", "events", "occurred", "published"], signals_path, sg_path
        )
        clash = a_sg[a_sg["id"].isin(set(ds.signals["id"]))]
        if len(clash):
            row = int(clash.index.min())
            raise InputError(
                f"id must be unique (also in {signals_path})",
                file=str(sg_path),
                row=row,
                field="id",
                value=a_sg.loc[row, "id"],
            )
        signals = pd.concat([ds.signals, _offset(a_sg)]).sort_values(["occurred", "published", "id"], kind="stable")
        hashed.append(sg_path)
    if not hashed:
        return ds
    reach_file = events_path.parent / RECORD_FILE
    hash_of = file_hash(events_path, signals_path, reach_file, *hashed)
    return replace(ds, events=events, signals=signals, data_hash=hash_of)


def analyst_count(ds: Dataset) -> int:
    """How many of the dataset's rows are the analyst's own records."""
    return sum(int((f["origin"] == "analyst").sum()) for f in (ds.events, ds.signals) if "origin" in f.columns)


def stamp(rdir: Path | None = None) -> tuple:
    """Changes whenever a records file changes (for caches keyed on the data in use)."""
    out = []
    for p in _paths(rdir):
        st = p.stat() if p.exists() else None
        out.append((str(p), st.st_mtime_ns if st else None, st.st_size if st else None))
    return tuple(out)


# ------------------------------------------------------------------ listing


def _raw(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=list(columns))
    frame = read_table(path, [c for c in columns if c not in WINDOW_COLUMNS])
    for c in columns:
        if c not in frame.columns:
            frame[c] = ""
    return frame


LIST_COLUMNS = ("id", "kind", "date", "record", "published", "window", "source", "note")


def list_records(rdir: Path | None = None) -> pd.DataFrame:
    """The analyst's records, events then signal records, one row each (as written, strings)."""
    ev_path, sg_path = _paths(rdir)
    ev, sg = _raw(ev_path, EVENT_FILE_COLUMNS), _raw(sg_path, SIGNAL_FILE_COLUMNS)
    rows = []
    for r in ev.itertuples():
        what = " ".join(x for x in (r.event, r.missile_class, r.vehicle) if x)
        rows.append({"id": r.id, "kind": "event", "date": r.date, "record": what, "published": "", "window": ""})
        rows[-1] |= {"source": r.source, "note": r.note}
    for r in sg.itertuples():
        until = f"until {r.end}" if r.end else f"{r.lifetime_days} days" if r.lifetime_days else ""
        window = f"{r.window_start} to {r.window_end}" if r.window_start or r.window_end else ""
        what = f"{r.signal}={r.level} ({r.events}){' ' + until if until else ''}"
        rows.append({"id": r.id, "kind": "signal", "date": r.occurred, "record": what, "published": r.published})
        rows[-1] |= {"window": window, "source": r.source, "note": r.note}
    return pd.DataFrame(rows, columns=list(LIST_COLUMNS))


# ------------------------------------------------------------------ changing


def _check(data_dir, rdir: Path, target: Path, kind: str, new_row: int | None):
    """A check for ``write_atomic``: the merged data with the temporary file in place of
    ``target``. Errors name ``target``; an error on the new row names the field and value only."""

    def check(tmp: Path) -> None:
        ev_path, sg_path = _paths(rdir)
        paths = {"analyst_events": ev_path, "analyst_signals": sg_path}
        paths["analyst_events" if kind == "event" else "analyst_signals"] = tmp
        shipped = load_dataset(data_dir)
        base = Path(data_dir) if data_dir else DATA_DIR
        try:
            merge_records(shipped, base / "events.csv", base / "signals.csv", rdir, **paths)
        except InputError as exc:
            if exc.file == str(tmp):
                exc.file = str(target)
                if new_row is not None and exc.row == new_row:
                    exc.message = exc.message.replace("duplicate of row ", f"duplicate of {target} row ")
                    exc.file, exc.row = None, None
            value = exc.value.date().isoformat() if isinstance(exc.value, pd.Timestamp) else exc.value
            raise InputError(exc.message, file=exc.file, row=exc.row, field=exc.field, value=value) from None

    return check


def _write(frame: pd.DataFrame, columns: tuple[str, ...]):
    def write(tmp: Path) -> None:
        frame.to_csv(tmp, index=False, columns=list(columns), lineterminator="\n")

    return write


def _next_id(ids: pd.Series, pattern: re.Pattern, fmt: str) -> str:
    numbers = [int(m.group(1)) for m in ids.map(pattern.match) if m]
    return fmt.format(max(numbers, default=0) + 1)


def _add(kind: str, fields: dict, rdir: Path | None, data_dir) -> str:
    rdir = Path(rdir) if rdir else records_dir()
    ev_path, sg_path = _paths(rdir)
    path, columns, pattern, fmt = (
        (ev_path, EVENT_FILE_COLUMNS, EVENT_ID, "A-E{:03d}")
        if kind == "event"
        else (sg_path, SIGNAL_FILE_COLUMNS, SIGNAL_ID, "A{:03d}")
    )
    old = _raw(path, columns)
    rid = _next_id(old["id"], pattern, fmt)
    row = {c: "" for c in columns} | {k: ("" if v is None else str(v).strip()) for k, v in fields.items()}
    row["id"] = rid
    new = pd.concat([old, pd.DataFrame([row])], ignore_index=True)
    write_atomic(path, _write(new, columns), _check(data_dir, rdir, path, kind, new_row=len(new) + 1))
    return rid


def add_event(
    date,
    event: str,
    source: str,
    missile_class: str = "",
    note: str = "",
    vehicle: str = "",
    site: str = "",
    outcome: str = "unknown",
    missiles="",
    *,
    rdir: Path | None = None,
    data_dir=None,
) -> str:
    """Add an event to the analyst's records; returns its id (``A-E001``...)."""
    fields = {"date": date, "event": event, "missile_class": missile_class, "missiles": missiles}
    fields |= {"vehicle": vehicle, "site": site, "outcome": outcome, "source": source, "note": note}
    return _add("event", fields, rdir, data_dir)


def add_signal(
    signal: str,
    level: str,
    events: str,
    occurred,
    published,
    source: str,
    end="",
    lifetime_days="",
    window_start="",
    window_end="",
    note: str = "",
    *,
    rdir: Path | None = None,
    data_dir=None,
) -> str:
    """Add a signal record to the analyst's records; returns its id (``A001``...)."""
    fields = {"signal": signal, "level": level, "events": events, "occurred": occurred, "published": published}
    fields |= {"end": end, "lifetime_days": lifetime_days, "window_start": window_start, "window_end": window_end}
    fields |= {"source": source, "note": note}
    return _add("signal", fields, rdir, data_dir)


def remove(record_id: str, *, rdir: Path | None = None, data_dir=None) -> str:
    """Remove one of the analyst's records by id; returns its kind (``event`` or ``signal``)."""
    rdir = Path(rdir) if rdir else records_dir()
    ev_path, sg_path = _paths(rdir)
    record_id = (record_id or "").strip()
    for kind, path, columns in (("event", ev_path, EVENT_FILE_COLUMNS), ("signal", sg_path, SIGNAL_FILE_COLUMNS)):
        old = _raw(path, columns)
        if record_id in set(old["id"]):
            kept = old[old["id"] != record_id]
            write_atomic(path, _write(kept, columns), _check(data_dir, rdir, path, kind, new_row=None))
            return kind
    have = ", ".join(list_records(rdir)["id"]) or "none"
    raise InputError(f"no analyst record with this id (have: {have})", field="id", value=record_id)
