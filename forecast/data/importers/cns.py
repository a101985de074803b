"""Import missile launch days from the CNS North Korea Missile Test Database export.

The CNS database (James Martin Center for Nonproliferation Studies, for NTI) is published as an
XLSX file; copies circulate as CSV (often Windows-1252). It has one row per missile with a UTC
date and, when known, a UTC launch time on a 12-hour clock. We turn it into our own rows: one
per Korea-local day and event type, and merge them into data/events.csv without ever dropping
an existing row.

Scope and dates:

* Rows dated before 1998-01-01 are outside the record (it starts in 1998) and are skipped.
* Rows with only a month and year (``Sep-84``), or a year alone, cannot be placed on a day and are
  skipped. Both kinds are counted, by reason, in the report; neither stops the import.
* Any other date that is not a CNS date (``5-Jul-06``, ``2006-07-05``, ...) is an error naming the
  file, row, field and value.

Merging (shared with the CSIS importer, :mod:`forecast.csis_import`):

* A day's missile class is the longest-range class among its missiles (:data:`CLASS_RANK`), and
  a merge never lowers a class already recorded (a day with an ICBM among its missiles stays an
  ICBM day even when the release lists its other missiles as SRBMs or unknown); a class of equal
  rank but a different name is kept and reported. Likewise a day's missile count is raised by a
  release but never lowered (our counts often join a salvo a release splits across two dates).
* A known value is never replaced by 'unknown' or by an empty one.
* A new day within one day of an existing day of the same event type (a UTC/KST or report-date
  shift) is not added: it is listed under "needs an analyst's decision" and added only with
  ``accept_shifted`` (``--accept-shifted``).
* The merged file is validated with :func:`forecast.data.load_events` before it atomically
  replaces the old one. The record's "complete through" date is never changed by an import.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.core.atomic import write_atomic
from forecast.core.errors import InputError
from forecast.data.dataset import EVENT_COLUMNS, load_events
from forecast.data.vocab import MISSILE_CLASSES

REQUIRED = ("Date", "Launch Time (UTC)", "Missile Name", "Missile Type", "Facility Name", "Test Outcome")
CLASS_RANK = {"unknown": 0, "SRBM": 1, "HGV": 2, "SLBM": 2, "MRBM": 3, "IRBM": 4, "ICBM": 5}
KST = dt.timedelta(hours=9)
#: The first day of the record; earlier rows are out of scope.
SCOPE_START = dt.date(1998, 1, 1)

SKIP_EARLY = f"dated before {SCOPE_START.isoformat()} (outside the record)"
SKIP_MONTH = "month or year only, no day"

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: Dates that name a month or a year but no day: recognisably partial, not malformed.
_PARTIAL = (
    re.compile(rf"^{_MONTH}[-/ ,]*(\d{{2}}|\d{{4}})$", re.I),  # Sep-84, Sept 1984
    re.compile(rf"^(\d{{4}})[-/ ]{_MONTH}$", re.I),  # 1984-Sep
    re.compile(r"^(\d{4})-(0?[1-9]|1[0-2])$"),  # 1984-09
    re.compile(r"^(0?[1-9]|1[0-2])/(\d{4})$"),  # 9/1984
    re.compile(r"^(\d{4})$"),  # 1984
)


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


def _date(text: str, path: Path, row: int) -> dt.date | str:
    """The date, or the reason a recognisably partial date is skipped."""
    for fmt in ("%d-%b-%y", "%Y-%m-%d", "%m/%d/%Y", "%d-%b-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if any(p.match(text) for p in _PARTIAL):
        return SKIP_MONTH
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


def top_class(classes: list[str]) -> str:
    """The longest-range class of a day's missiles ('unknown' only when all are unknown)."""
    return max(classes, key=lambda c: CLASS_RANK.get(c, 0)) if classes else "unknown"


def _outcome(values: list[str]) -> str:
    v = {x.strip().lower() for x in values}
    if v == {"success"}:
        return "success"
    if v == {"failure"}:
        return "failure"
    if "success" in v and "failure" in v:
        return "partial"
    return "unknown"


def read_cns(path: Path | str) -> tuple[pd.DataFrame, Counter]:
    """One row per Korea-local day and event type, in our events.csv columns, and the count of
    release rows skipped, by reason."""
    path = Path(path)
    frame = _read(path)
    skipped: Counter = Counter()
    groups: dict[tuple[str, str], dict] = {}
    for row, rec in frame.iterrows():
        day = _date(rec["Date"], path, int(row))
        if isinstance(day, str):
            skipped[day] += 1
            continue
        if day < SCOPE_START:
            skipped[SKIP_EARLY] += 1
            continue
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
        rows.append(
            {
                "date": day,
                "event": event,
                "missile_class": top_class(g["classes"]) if event == "ballistic_missile" else "",
                "missiles": str(len(g["classes"])) if event == "ballistic_missile" else "",
                "vehicle": "; ".join(sorted(g["names"])),
                "site": "; ".join(sorted(g["sites"])),
                "outcome": _outcome(g["outcomes"]),
                "source": f"CNS North Korea Missile Test Database ({path.name}), {len(g['classes'])} missile(s), "
                f"UTC {min(g['utc'])}",
                "note": "" if g["timed"] else "no launch time in CNS; UTC date taken as the Korea date",
            }
        )
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS)), skipped


def cns_days(path: Path | str) -> pd.DataFrame:
    """One row per Korea-local day and event type, in our events.csv columns (in scope only)."""
    return read_cns(path)[0]


@dataclass
class MergeReport:
    added: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict[str, tuple[str, str]]]] = field(default_factory=list)
    unchanged: int = 0
    kept_not_in_import: int = 0
    #: (new date, existing date, event type, note): one-day near-matches of existing days
    near_dates: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: near-matches added because the caller accepted shifted days
    accepted_shifted: int = 0
    #: values of ours kept over the import's (date, event, column, ours, theirs)
    kept_values: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: release rows left out, by reason
    skipped: Counter = field(default_factory=Counter)
    #: other rows held back for an analyst (date, event, why), from the importer
    review: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def held_back(self) -> list[tuple[str, str, str, str]]:
        """The one-day near-matches left out because shifted days were not accepted."""
        return [] if self.accepted_shifted else list(self.near_dates)

    def lines(self) -> list[str]:
        """The merge report as printed lines: counts, each added, changed and kept row, skips, open decisions."""
        out = [
            f"added {len(self.added)} row(s), changed {len(self.changed)}, unchanged {self.unchanged}, "
            f"kept {self.kept_not_in_import} existing row(s) the import does not cover; "
            f"skipped {sum(self.skipped.values())} release row(s); "
            f"{len(self.held_back) + len(self.review)} need an analyst's decision"
        ]
        out += [
            f"  + {r['date']} {r['event']} {r['missile_class'] or '-'} ({r['missiles'] or '-'} missiles)"
            for r in self.added
        ]
        for r, diffs in self.changed:
            text = "; ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in diffs.items())
            out.append(f"  ~ {r['date']} {r['event']}: {text}")
        for day, event, col, ours, theirs in self.kept_values:
            out.append(f"  = {day} {event}: kept {col} {ours!r} (the import says {theirs!r})")
        if self.skipped:
            out.append("skipped (not imported):")
            out += [f"  {n:4d}  {reason}" for reason, n in sorted(self.skipped.items(), key=lambda x: (-x[1], x[0]))]
        if self.near_dates and self.accepted_shifted:
            out.append(f"added with --accept-shifted ({self.accepted_shifted} one-day near-match(es)):")
            out += [f"  + {new} {ev} beside existing {old}{note}" for new, old, ev, note in self.near_dates]
        if self.held_back or self.review:
            out.append("needs an analyst's decision (not added; add a shifted day with --accept-shifted):")
            out += [
                f"  ? {new} {ev} is one day from existing {old}: check UTC/KST or report dates{note}"
                for new, old, ev, note in self.held_back
            ]
            out += [f"  ? {day} {ev}: {why}" for day, ev, why in self.review]
        out.append("the record's complete-through date is unchanged (an import never moves it)")
        return out


UPDATABLE = ("missile_class", "missiles", "outcome")


def merge(
    existing: pd.DataFrame,
    incoming: pd.DataFrame,
    start: str = SCOPE_START.isoformat(),
    *,
    accept_shifted: bool = False,
    report: MergeReport | None = None,
) -> tuple[pd.DataFrame, MergeReport]:
    """Merge imported days into the existing table (strings). Never drops a row; never
    replaces a known value with 'unknown' or lowers a day's missile class; holds back one-day
    near-matches of existing days unless ``accept_shifted``."""
    report = report or MergeReport()
    table = existing.copy()
    key = table["date"] + "|" + table["event"]
    index = dict(zip(key, table.index, strict=True))
    incoming = incoming[incoming["date"] >= start]
    seen = set()
    by_event = {ev: table.loc[table["event"] == ev] for ev in table["event"].unique()}
    new_rows = []
    for _, rec in incoming.iterrows():
        k = f"{rec['date']}|{rec['event']}"
        seen.add(k)
        if k not in index:
            d = dt.date.fromisoformat(rec["date"])
            same = by_event.get(rec["event"], table.iloc[0:0])
            near = [
                (d + dt.timedelta(days=delta)).isoformat()
                for delta in (-1, 1)
                if (d + dt.timedelta(days=delta)).isoformat() in set(same["date"])
            ]
            if near:
                old = near[0]
                row = same[same["date"] == old].iloc[0]
                cites = re.findall(r"UTC (\d{4}-\d{2}-\d{2})", str(row["source"]))
                note = f" (our row cites UTC {cites[0]})" if cites else ""
                report.near_dates.append((rec["date"], old, rec["event"], note))
                if not accept_shifted:
                    continue
                report.accepted_shifted += 1
                rec = rec.copy()
                rec["note"] = "; ".join(
                    x for x in (rec["note"], f"one day from the existing {old} row; added with --accept-shifted") if x
                )
            new_rows.append(rec.to_dict())
            report.added.append(rec.to_dict())
            continue
        i = index[k]
        diffs = {}
        for col in UPDATABLE:
            old, new = table.at[i, col], rec[col]
            if new in ("", "unknown") or old == new:
                continue
            lower = (
                col == "missile_class"
                and old not in ("", "unknown")
                and CLASS_RANK.get(new, 0) <= CLASS_RANK.get(old, 0)
            ) or (col == "missiles" and old.isdigit() and new.isdigit() and int(new) < int(old))
            if lower:
                report.kept_values.append((rec["date"], rec["event"], col, old, new))
                continue
            diffs[col] = (old, new)
            table.at[i, col] = new
        if diffs:
            table.at[i, "note"] = "; ".join(x for x in (table.at[i, "note"], f"updated from {rec['source']}") if x)
            report.changed.append((table.loc[i].to_dict(), diffs))
        else:
            report.unchanged += 1
    if len(incoming):
        covered, last = incoming["date"].min(), incoming["date"].max()
        events = set(incoming["event"])
        in_range = (table["date"] >= covered) & (table["date"] <= last) & table["event"].isin(events)
        report.kept_not_in_import = int((in_range & ~key.isin(seen)).sum())
    if new_rows:
        table = pd.concat([table, pd.DataFrame(new_rows)], ignore_index=True)
    table = table.sort_values(["date", "event"], kind="stable").reset_index(drop=True)
    return table, report


def merge_into(
    events_path: Path | str,
    incoming: pd.DataFrame,
    source: Path | str,
    *,
    dry_run: bool = False,
    accept_shifted: bool = False,
    report: MergeReport | None = None,
) -> MergeReport:
    """Merge ``incoming`` into the events file: validate the file first, merge, validate the
    merged table and replace the file atomically (unless ``dry_run``)."""
    events_path = Path(events_path)
    load_events(events_path)  # refuse to merge into a broken file
    existing = pd.read_csv(events_path, dtype=str, keep_default_na=False)
    merged, report = merge(existing, incoming, accept_shifted=accept_shifted, report=report)
    if not dry_run and (report.added or report.changed):

        def check(tmp: Path) -> None:
            try:
                load_events(tmp)
            except InputError as exc:
                exc.file = f"{events_path} (after merging {Path(source).name})"
                raise

        write_atomic(events_path, lambda tmp: merged[list(EVENT_COLUMNS)].to_csv(tmp, index=False), check)
    return report


def import_cns(
    source: Path | str, events_path: Path | str, *, dry_run: bool = False, accept_shifted: bool = False
) -> MergeReport:
    """Merge the missile launch days of a CNS export into events.csv (nothing written on a dry run);
    returns the report."""
    days, skipped = read_cns(source)
    report = MergeReport(skipped=skipped)
    return merge_into(events_path, days, source, dry_run=dry_run, accept_shifted=accept_shifted, report=report)
