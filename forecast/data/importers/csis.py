"""Import launches and tests from the CSIS Beyond Parallel "Database of North Korean Provocations".

The list is read in the layout of its processed CSV export (columns ``date, type, event,
description, resources, year, week_number, month_year, weekday, mentions_kim``; only the first
four are needed). It has one row per provocation with a CSIS category in ``event``. We keep the
rows that are events of our record and merge them, one row per Korea-local day and event type,
into data/events.csv with the same guarantees as the CNS importer (:mod:`forecast.cns_import`):
a dry run writes nothing, the report lists added, changed, unchanged and kept rows, no row is ever
dropped, a known value is never replaced by 'unknown', a day's missile class is never lowered,
one-day near-matches of existing days are held back unless ``--accept-shifted``, the merged file
is validated before it atomically replaces the old one, and the record's "complete through" date
is not touched.

Mapping of the CSIS category (``event``), checked in this order:

* satellite launch -> ``space_launch``; nuclear test -> ``nuclear_test``; (rocket) engine test ->
  ``engine_test``;
* cruise missiles, anti-aircraft and surface-to-air missiles, artillery, naval clashes and other
  non-launch provocations are left out and counted by category;
* multiple rocket launchers are left out unless the description calls the rockets ballistic and
  gives a range of at least 300 km (then ``SRBM``);
* ballistic launches by class: intercontinental -> ICBM, intermediate-range -> IRBM,
  medium-range -> MRBM, submarine-launched -> SLBM, hypersonic -> IRBM when the description says
  intermediate-range, else HGV; short-range ballistic -> SRBM; "short-range missile" -> SRBM when
  the description calls it ballistic, else held for review; a ballistic launch of no stated class
  -> ``unknown``;
* any other missile or nuclear category is held for an analyst's review, not guessed.

Dates. CSIS dates are sometimes US dates (a launch in the Korean morning falls on the previous US
day) or the date of a state-media (KCNA) report of a test made the day before. We decide:

1. When the description states the day (a month and day, e.g. "on August 20", within a week of
   the CSIS date), that day is used; if it differs from the CSIS date the note says so. If it only
   names a weekday, a weekday within one day of the CSIS date counts as the stated day.
2. When the description says the news came from state media (KCNA, "state media") and that the
   test took place the day before, the day before is used and the note says so.
3. When the description says the news came from state media but gives no day, the row is held for
   review (the CSIS date may be the report date).
4. When the description gives a Korea time of day ("at around 7:40am", "local time", "morning")
   but no date, the CSIS date is kept.
5. Otherwise the CSIS date is kept when it matches a day we already hold; a new day on an
   unconfirmed date is held for review rather than guessed.
6. A description naming several candidate days is held for review.

A row held for review (for its date or its category) whose listed day we already hold as the
event type it would be adds nothing, and counts as unchanged.

Rows dated before 1998-01-01 are outside the record and are counted as skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from forecast.core.errors import InputError
from forecast.data.dataset import EVENT_COLUMNS, load_events, read_table, read_text
from forecast.data.importers.cns import SCOPE_START, SKIP_EARLY, MergeReport, merge_into, top_class

REQUIRED = ("date", "type", "event", "description")
SOURCE = "CSIS Beyond Parallel provocations list"

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sep", "Sept"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ]
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b")
_REPORT = re.compile(r"\bKCNA\b|state media|state-run media|Korean Central News|Rodong Sinmun", re.I)
_DAY_BEFORE = re.compile(r"(previous|preceding) day|the day before|a day earlier|\byesterday\b", re.I)
_KOREA_TIME = re.compile(
    r"\b\d{1,2}(:\d{2})?\s*(a\.?m\b\.?|p\.?m\b\.?)|\bKST\b|local time|\b(morning|afternoon|evening)\b", re.I
)
_KM = re.compile(r"(\d[\d,]*)\s*(?:km|kilomet)", re.I)
NEAR = 7  # days: a stated month-day further from the CSIS date is about something else


# ---------------------------------------------------------------- reading


def _read(path: Path) -> pd.DataFrame:
    """The export as a table of strings (row = file line), checked like the project's own files."""
    if path.exists() and not read_text(path).strip():
        raise InputError(f"file is empty; expected a header with {', '.join(REQUIRED)}", file=str(path), row=1)
    return read_table(path, REQUIRED)


def _date(text: str, path: Path, row: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError("not a CSIS date (YYYY-MM-DD)", file=str(path), row=row, field="date", value=text) from None


# ---------------------------------------------------------------- mapping


def map_event(label: str, kind: str, description: str) -> tuple[str, str]:
    """('event', 'TYPE[:CLASS]'), ('skip', category) or ('review', why) for one CSIS row."""
    e, d = label.lower(), description.lower()
    if "satellite" in e:
        return "event", "space_launch"
    if "nuclear test" in e:
        return "event", "nuclear_test"
    if "engine test" in e:
        return "event", "engine_test"
    if "cruise" in e:
        return "skip", "cruise missile"
    if "anti-aircraft" in e or "surface-to-air" in e:
        return "skip", "air defence missile"
    if "rocket system" in e or "mlrs" in e or "rocket launcher" in e:
        ranges = [int(x.replace(",", "")) for x in _KM.findall(description)]
        if "ballistic" in d and ranges and max(ranges) >= 300:
            return "event", "ballistic_missile:SRBM"
        return "skip", "multiple rocket launcher (not ballistic of at least 300 km)"
    if "artillery" in e or "shelling" in e or "fire" in e or "naval" in e:
        return "skip", "artillery, naval or gun fire"
    if "intercontinental" in e or "inter-continental" in e:
        return "event", "ballistic_missile:ICBM"
    if "intermediate-range" in e:
        return "event", "ballistic_missile:IRBM"
    if "medium-range" in e:
        return "event", "ballistic_missile:MRBM"
    if "submarine launched" in e or "submarine-launched" in e or "slbm" in e:
        return "event", "ballistic_missile:SLBM"
    if "hypersonic" in e:
        return "event", "ballistic_missile:" + ("IRBM" if "intermediate" in d else "HGV")
    if "short-range ballistic" in e:
        return "event", "ballistic_missile:SRBM"
    if "short-range missile" in e:
        if "ballistic" in d:
            return "event", "ballistic_missile:SRBM"
        return "review", f"'{label}' is not described as ballistic"
    if "ballistic missile launch" in e:
        return "event", "ballistic_missile:unknown"
    if kind.lower().startswith(("missile", "nuclear")):
        return "review", f"category '{label}' is not one this importer maps"
    return "skip", "not a launch or test (other provocation)"


# ---------------------------------------------------------------- dates


def _near(day: dt.date, month: int, dom: int, year: str | None) -> dt.date | None:
    years = [int(year)] if year else [day.year - 1, day.year, day.year + 1]
    best = None
    for y in years:
        try:
            cand = dt.date(y, month, dom)
        except ValueError:
            continue
        if abs((cand - day).days) <= NEAR and (best is None or abs((cand - day).days) < abs((best - day).days)):
            best = cand
    return best


def stated_days(listed: dt.date, description: str) -> set[dt.date]:
    """Days the description states, near the CSIS date: month-days, else weekdays within a day."""
    found = set()
    for m, dom, year in _MONTH_DAY.findall(description):
        found.add(_near(listed, _MONTHS[m], int(dom), year))
    for dom, m, year in _DAY_MONTH.findall(description):
        found.add(_near(listed, _MONTHS[m], int(dom), year))
    found.discard(None)
    if found:
        return found
    names = set(_WEEKDAY.findall(description))
    return {
        listed + dt.timedelta(days=k)
        for k in (-1, 0, 1)
        if _WEEKDAYS[(listed + dt.timedelta(days=k)).weekday()] in names
    }


def decide_date(listed: dt.date, description: str) -> tuple[dt.date | None, str, bool]:
    """(Korea date or None for review, note, confirmed) for one CSIS row; see the module doc."""
    stated = stated_days(listed, description)
    report = bool(_REPORT.search(description))
    before = bool(_DAY_BEFORE.search(description))
    prev = listed - dt.timedelta(days=1)
    if len(stated) > 1:
        days = ", ".join(sorted(d.isoformat() for d in stated))
        return None, f"the description names several days ({days}); CSIS lists {listed}", False
    if report and before and stated in (set(), {listed}):
        return (
            prev,
            f"CSIS lists {listed}, the state-media report date; the description puts the test a day earlier",
            True,
        )
    if stated:
        day = stated.pop()
        if day == listed:
            return day, "", True
        return day, f"CSIS lists {listed} (a US or report date); the description states {day}", True
    if report:
        return None, f"CSIS lists {listed}, which may be a state-media report date; the description gives no day", False
    if _KOREA_TIME.search(description):
        return listed, "", True
    return listed, f"CSIS lists {listed}; the description does not confirm the day", False


# ---------------------------------------------------------------- import


def read_csis(path: Path | str) -> tuple[pd.DataFrame, Counter, list[tuple[str, str, str, str]]]:
    """Our rows (one per Korea day and event type, with a ``confirmed`` column), the skipped
    counts by reason and the rows held for review (date, label, why, the event type it would be
    or '')."""
    path = Path(path)
    frame = _read(path)
    skipped: Counter = Counter()
    review: list[tuple[str, str, str, str]] = []
    groups: dict[tuple[str, str], dict] = {}
    for row, rec in frame.iterrows():
        listed = _date(rec["date"], path, int(row))
        if listed < SCOPE_START:
            skipped[SKIP_EARLY] += 1
            continue
        what, detail = map_event(rec["event"], rec["type"], rec["description"])
        if what == "skip":
            skipped[f"{detail}: {rec['event']}"] += 1
            continue
        if what == "review":
            maybe = "ballistic_missile" if "short-range missile" in rec["event"].lower() else ""
            review.append((listed.isoformat(), rec["event"], f"row {row}: {detail}", maybe))
            continue
        event, _, cls = detail.partition(":")
        day, note, confirmed = decide_date(listed, rec["description"])
        if day is None:
            review.append((listed.isoformat(), event, f"row {row}: {note}", event))
            continue
        g = groups.setdefault((day.isoformat(), event), {"classes": [], "rows": [], "notes": [], "confirmed": False})
        g["classes"].append(cls)
        g["rows"].append(f"row {row}, listed {listed} as '{rec['event']}'")
        if note:
            g["notes"].append(note)
        g["confirmed"] |= confirmed
    rows = []
    for (day, event), g in sorted(groups.items()):
        rows.append(
            {
                "date": day,
                "event": event,
                "missile_class": top_class(g["classes"]) if event == "ballistic_missile" else "",
                "missiles": "",
                "vehicle": "",
                "site": "",
                "outcome": "unknown",
                "source": f"{SOURCE} ({path.name}), {'; '.join(g['rows'])}",
                "note": "; ".join(dict.fromkeys(g["notes"])),
                "confirmed": g["confirmed"],
            }
        )
    return pd.DataFrame(rows, columns=[*EVENT_COLUMNS, "confirmed"]), skipped, review


def import_csis(
    source: Path | str, events_path: Path | str, *, dry_run: bool = False, accept_shifted: bool = False
) -> MergeReport:
    """Merge a CSIS provocations export into events.csv, unconfirmed new rows held for review;
    returns the report."""
    days, skipped, review = read_csis(source)
    existing = load_events(events_path)  # also refuses to merge into a broken file
    have = set(existing["date"].dt.strftime("%Y-%m-%d") + "|" + existing["event"])
    report = MergeReport(skipped=skipped)
    # a row held for review whose listed day we already hold adds nothing: it counts as unchanged
    for day, label, why, maybe in review:
        if maybe and f"{day}|{maybe}" in have:
            report.unchanged += 1
        else:
            report.review.append((day, label, why))
    unconfirmed_new = ~days["confirmed"].astype(bool) & ~(days["date"] + "|" + days["event"]).isin(have)
    for _, r in days[unconfirmed_new].iterrows():
        report.review.append((r["date"], r["event"], r["note"]))
    incoming = days[~unconfirmed_new][list(EVENT_COLUMNS)]
    return merge_into(events_path, incoming, source, dry_run=dry_run, accept_shifted=accept_shifted, report=report)
