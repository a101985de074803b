"""Import missile launch days from the CNS North Korea Missile Test Database export.

The CNS database (James Martin Center for Nonproliferation Studies, for NTI) is published as an
XLSX file; copies circulate as CSV (often Windows-1252). It has one row per missile with a UTC
date and, when known, a UTC launch time on a 12-hour clock. We turn it into our own rows: one
per Korea-local day and event type, and merge them into data/events.csv without ever dropping
an existing row.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .atomic import write_atomic
from .data import EVENT_COLUMNS, load_events
from .errors import InputError
from .vocab import MISSILE_CLASSES

REQUIRED = ("Date", "Launch Time (UTC)", "Missile Name", "Missile Type", "Facility Name", "Test Outcome")
CLASS_RANK = {"unknown": 0, "SRBM": 1, "HGV": 2, "SLBM": 2, "MRBM": 3, "IRBM": 4, "ICBM": 5}
KST = dt.timedelta(hours=9)


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, dtype=str).fillna("")
        except Exception as exc:  # openpyxl raises several types for damaged files
            raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from None
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # the CNS export is Windows-1252
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"not a readable CSV table: {exc}", file=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in REQUIRED:
        if col not in frame.columns:
            raise InputError(
                f"missing column '{col}'; a CNS export has {', '.join(REQUIRED)}", file=str(path), row=1, field=col
            )
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame.apply(lambda c: c.astype(str).str.strip())


def _date(text: str, path: Path, row: int) -> dt.date:
    for fmt in ("%d-%b-%y", "%Y-%m-%d", "%m/%d/%Y", "%d-%b-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError("not a CNS date (e.g. 5-Jul-06 or 2006-07-05)", file=str(path), row=row, field="Date", value=text)


def _time(text: str, path: Path, row: int) -> dt.time | None:
    if text in ("", "Unknown", "unknown", "nan"):
        return None
    for fmt in ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise InputError(
        "not a launch time (e.g. 12:29:00 AM)", file=str(path), row=row, field="Launch Time (UTC)", value=text
    )


def _class(text: str) -> str:
    t = text.strip().upper()
    for c in MISSILE_CLASSES:
        if c.upper() == t:
            return c
    return "SLV" if t == "SLV" else "unknown"


def _outcome(values: list[str]) -> str:
    v = {x.strip().lower() for x in values}
    if v == {"success"}:
        return "success"
    if v == {"failure"}:
        return "failure"
    if "success" in v and "failure" in v:
        return "partial"
    return "unknown"


def cns_days(path: Path | str) -> pd.DataFrame:
    """One row per Korea-local day and event type, in our events.csv columns."""
    path = Path(path)
    frame = _read(path)
    groups: dict[tuple[str, str], dict] = {}
    for row, rec in frame.iterrows():
        day = _date(rec["Date"], path, int(row))
        when = _time(rec["Launch Time (UTC)"], path, int(row))
        kst = (dt.datetime.combine(day, when) + KST).date() if when else day
        cls = _class(rec["Missile Type"])
        event = "space_launch" if cls == "SLV" else "ballistic_missile"
        g = groups.setdefault(
            (kst.isoformat(), event),
            {"classes": [], "names": set(), "sites": set(), "outcomes": [], "utc": [], "timed": when is not None},
        )
        g["classes"].append(cls)
        g["names"].add(rec["Missile Name"])
        g["sites"].add(rec["Facility Name"])
        g["outcomes"].append(rec["Test Outcome"])
        g["utc"].append(f"{day.isoformat()} {when.strftime('%H:%M') if when else 'time not given'}")
    rows = []
    for (day, event), g in sorted(groups.items()):
        top = max(g["classes"], key=lambda c: CLASS_RANK.get(c, 0)) if event == "ballistic_missile" else ""
        rows.append(
            {
                "date": day,
                "event": event,
                "missile_class": top,
                "missiles": str(len(g["classes"])) if event == "ballistic_missile" else "",
                "vehicle": "; ".join(sorted(g["names"])),
                "site": "; ".join(sorted(g["sites"])),
                "outcome": _outcome(g["outcomes"]),
                "source": f"CNS North Korea Missile Test Database ({path.name}), {len(g['classes'])} missile(s), "
                f"UTC {min(g['utc'])}",
                "note": "" if g["timed"] else "no launch time in CNS; UTC date taken as the Korea date",
            }
        )
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


@dataclass
class MergeReport:
    added: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict[str, tuple[str, str]]]] = field(default_factory=list)
    unchanged: int = 0
    kept_not_in_import: int = 0
    near_dates: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"added {len(self.added)} row(s), changed {len(self.changed)}, unchanged {self.unchanged}, "
            f"kept {self.kept_not_in_import} existing row(s) the import does not cover"
        ]
        out += [
            f"  + {r['date']} {r['event']} {r['missile_class']} ({r['missiles'] or '-'} missiles)" for r in self.added
        ]
        for r, diffs in self.changed:
            text = "; ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in diffs.items())
            out.append(f"  ~ {r['date']} {r['event']}: {text}")
        out += [
            f"  ? {new} {ev} is one day from existing {old}: check UTC/KST dates" for new, old, ev in self.near_dates
        ]
        return out


UPDATABLE = ("missile_class", "missiles", "outcome")


def merge(
    existing: pd.DataFrame, incoming: pd.DataFrame, start: str = "1998-01-01"
) -> tuple[pd.DataFrame, MergeReport]:
    """Merge imported days into the existing table (strings). Never drops a row; never
    replaces a known value with 'unknown'."""
    report = MergeReport()
    table = existing.copy()
    key = table["date"] + "|" + table["event"]
    index = dict(zip(key, table.index, strict=True))
    incoming = incoming[incoming["date"] >= start]
    seen = set()
    existing_dates = {ev: set(table.loc[table["event"] == ev, "date"]) for ev in table["event"].unique()}
    new_rows = []
    for _, rec in incoming.iterrows():
        k = f"{rec['date']}|{rec['event']}"
        seen.add(k)
        if k not in index:
            new_rows.append(rec.to_dict())
            report.added.append(rec.to_dict())
            d = dt.date.fromisoformat(rec["date"])
            for delta in (-1, 1):
                other = (d + dt.timedelta(days=delta)).isoformat()
                if other in existing_dates.get(rec["event"], set()):
                    report.near_dates.append((rec["date"], other, rec["event"]))
            continue
        i = index[k]
        diffs = {}
        for col in UPDATABLE:
            old, new = table.at[i, col], rec[col]
            if new in ("", "unknown") or old == new:
                continue
            diffs[col] = (old, new)
            table.at[i, col] = new
        if diffs:
            table.at[i, "note"] = "; ".join(x for x in (table.at[i, "note"], f"updated from {rec['source']}") if x)
            report.changed.append((table.loc[i].to_dict(), diffs))
        else:
            report.unchanged += 1
    covered = incoming["date"].min() if len(incoming) else None
    if covered is not None:
        last = incoming["date"].max()
        in_range = (
            (key >= f"{covered}|") & (key <= f"{last}|~") & table["event"].isin(["ballistic_missile", "space_launch"])
        )
        report.kept_not_in_import = int((in_range & ~key.isin(seen)).sum())
    if new_rows:
        table = pd.concat([table, pd.DataFrame(new_rows)], ignore_index=True)
    table = table.sort_values(["date", "event"], kind="stable").reset_index(drop=True)
    return table, report


def import_cns(source: Path | str, events_path: Path | str, *, dry_run: bool = False) -> MergeReport:
    events_path = Path(events_path)
    load_events(events_path)  # refuse to merge into a broken file
    existing = pd.read_csv(events_path, dtype=str, keep_default_na=False)
    merged, report = merge(existing, cns_days(source))
    if not dry_run and (report.added or report.changed):

        def check(tmp: Path) -> None:
            try:
                load_events(tmp)
            except InputError as exc:
                exc.file = f"{events_path} (after merging {Path(source).name})"
                raise

        write_atomic(events_path, lambda tmp: merged[list(EVENT_COLUMNS)].to_csv(tmp, index=False), check)
    return report
