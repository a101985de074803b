"""The append-only log of forecasts an analyst records: when, what was assumed, what came out and
from which data, priors and model. A CSV; each append rewrites it atomically, so a crash leaves the
old log or the new one. A file with other columns is reported, never appended to."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
from pathlib import Path

from forecast.core.atomic import write_atomic
from forecast.core.errors import InputError

COLUMNS = (
    "logged_at",
    "analyst",
    "as_of",
    "event",
    "window_days",
    "probability",
    "lower",
    "upper",
    "band",
    "evidence",
    "analyst_set",
    "notes",
    "evidence_set",
    "data_hash",
    "priors_file",
    "priors_hash",
    "model_version",
    "seed",
    "fit_as_of",
    "analyst_records",
)
#: The header of logs written before forecasts counted the analyst's own records; such a log is
#: read with that column empty and rewritten with it at the next append.
LEGACY_COLUMNS = COLUMNS[:-1]


def _check_header(path: Path, text: str) -> None:
    first = next(csv.reader(io.StringIO(text)), [])
    if tuple(first) not in (COLUMNS, LEGACY_COLUMNS):
        raise InputError(
            "not a forecast log (its header differs); move it aside to start a new log",
            file=str(path),
            row=1,
            field="(header)",
            value=",".join(first)[:120],
        )


def read_text(path: Path) -> str:
    """The log's CSV text (just the header when there is no log yet)."""
    path = Path(path)
    if not path.exists():
        return ",".join(COLUMNS) + "\n"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the log: {exc.strerror}", file=str(path)) from None
    _check_header(path, text)
    return _upgrade(text)


def _upgrade(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != LEGACY_COLUMNS:
        return text
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(r + [""] if r else r for r in rows[1:])
    return buf.getvalue()


def append(path: Path, rows: list[dict]) -> int:
    """Append rows (missing columns left empty); returns the number of rows now in the log.
    A lock file beside the log serialises appends from several sessions."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return _append(path, rows)
    except OSError as exc:
        raise InputError(f"cannot write the log: {exc.strerror}", file=str(path)) from None


def _append(path: Path, rows: list[dict]) -> int:
    old = read_text(path)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    for r in rows:
        writer.writerow({"logged_at": now, **r})
    text = old + ("" if old.endswith("\n") else "\n") + buf.getvalue()
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1
