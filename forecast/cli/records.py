"""Commands on the analyst's own records (``records ...``): events and signal records kept in the working
directory and merged with the shipped data."""

from __future__ import annotations

from typing import Annotated

import typer

from forecast.cli.options import Format, OutputFormatOpt, flags_named

#: Columns of the records files -> the flags that fill them (errors about a new record name the flag).
RECORD_FLAGS = {
    "date": "--date",
    "event": "--event",
    "missile_class": "--missile-class",
    "missiles": "--missiles",
    "vehicle": "--vehicle",
    "site": "--site",
    "outcome": "--outcome",
    "source": "--source",
    "note": "--note",
    "signal": "--signal",
    "level": "--level",
    "events": "--events",
    "occurred": "--occurred",
    "published": "--published",
    "end": "--end",
    "lifetime_days": "--lifetime-days",
    "window_start": "--window-start",
    "window_end": "--window-end",
    "id": "ID",
}


def add_event(
    date: Annotated[str, typer.Option("--date", help="Korea local date YYYY-MM-DD.")],
    event: Annotated[
        str, typer.Option("--event", help="space_launch, ballistic_missile, nuclear_test or engine_test.")
    ],
    source: Annotated[str, typer.Option("--source", help="Where this is reported (required).")],
    missile_class: Annotated[
        str, typer.Option("--missile-class", help="SRBM, MRBM, IRBM, ICBM, SLBM, ... (ballistic_missile only).")
    ] = "",
    missiles: Annotated[str, typer.Option("--missiles", help="Number of missiles.")] = "",
    vehicle: Annotated[str, typer.Option("--vehicle")] = "",
    site: Annotated[str, typer.Option("--site")] = "",
    outcome: Annotated[str, typer.Option("--outcome", help="success, failure, partial or unknown.")] = "unknown",
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Add an event to your records (validated like data/events.csv)."""
    from forecast.data import analyst_records as ar

    with flags_named(RECORD_FLAGS, files_too=False):
        rid = ar.add_event(date, event, source, missile_class, note, vehicle, site, outcome, missiles)
    typer.echo(f"added {rid}: {event} on {date} ({ar.records_dir() / 'events.csv'})")


def add_signal(
    signal: Annotated[str, typer.Option("--signal", help="site_activity, announcement, rhetoric, ...")],
    level: Annotated[str, typer.Option("--level", help="A level of that signal, e.g. notice or preparation.")],
    events: Annotated[str, typer.Option("--events", help="Event types it applies to, joined by ';', or all.")],
    occurred: Annotated[str, typer.Option("--occurred", help="When it happened, YYYY-MM-DD.")],
    published: Annotated[str, typer.Option("--published", help="When it became public, YYYY-MM-DD.")],
    source: Annotated[str, typer.Option("--source", help="Where this is reported (required).")],
    end: Annotated[str, typer.Option("--end", help="Last day in force, YYYY-MM-DD.")] = "",
    lifetime_days: Annotated[str, typer.Option("--lifetime-days", help="Days in force (instead of --end).")] = "",
    window_start: Annotated[str, typer.Option("--window-start", help="A notice's first day.")] = "",
    window_end: Annotated[str, typer.Option("--window-end", help="A notice's last day.")] = "",
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Add a signal record to your records (validated like data/signals.csv)."""
    from forecast.data import analyst_records as ar

    with flags_named(RECORD_FLAGS, files_too=False):
        rid = ar.add_signal(
            signal, level, events, occurred, published, source, end, lifetime_days, window_start, window_end, note
        )
    typer.echo(f"added {rid}: {signal}={level} published {published} ({ar.records_dir() / 'signals.csv'})")


def list_records(fmt: OutputFormatOpt = Format.table) -> None:
    """Your records, events then signal records."""
    from forecast.cli.render import render
    from forecast.data import analyst_records as ar

    frame = ar.list_records()
    if frame.empty and fmt is Format.table:
        typer.echo(f"no records of your own yet ({ar.records_dir()})")
        return
    typer.echo(render(frame, fmt))


def remove(record_id: Annotated[str, typer.Argument(help="The record's id, e.g. A-E001 or A001.")]) -> None:
    """Remove one of your records."""
    from forecast.data import analyst_records as ar

    with flags_named(RECORD_FLAGS, files_too=False):
        kind = ar.remove(record_id)
    typer.echo(f"removed {kind} record {record_id}")
