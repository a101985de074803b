"""The `forecast` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .errors import InputError

app = typer.Typer(
    help="Calibrated forecasts of North Korean launches and tests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Check, show and import the historical data.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


def fail(exc: InputError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


def render(frame, fmt: Format) -> str:
    """A DataFrame as a terminal table, CSV, JSON list or Markdown."""
    if fmt is Format.csv:
        return frame.to_csv(index=False).rstrip("\n")
    if fmt is Format.json:
        return json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2)
    if fmt is Format.md:
        return frame.to_markdown(index=False)
    return frame.to_string(index=False)


DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Directory holding events.csv and signals.csv.")]


@data_app.command("check")
def data_check(data_dir: DataDir = None) -> None:
    """Validate every data file and print a summary."""
    from .data import DATA_DIR, load_dataset, load_episodes
    from .summary import check_report

    try:
        ds = load_dataset(data_dir)
        episodes = load_episodes((data_dir or DATA_DIR) / "episodes.toml")
    except InputError as exc:
        raise fail(exc) from None
    for line in check_report(ds):
        typer.echo(line)
    typer.echo(f"\nepisodes: {len(episodes)} ({', '.join(episodes)})")


@data_app.command("show")
def data_show(
    event: Annotated[str, typer.Option(help="Event type: space_launch, long_range_missile, ballistic_missile, "
                                       "nuclear_test, engine_test or any.")] = "any",
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """Print the events of one type."""
    from .data import load_dataset
    from .summary import events_of
    from .vocab import QUESTION_EVENTS

    if event not in QUESTION_EVENTS:
        raise fail(InputError(f"unknown event type; allowed: {', '.join(QUESTION_EVENTS)}", field="--event", value=event))
    try:
        ds = load_dataset(data_dir)
    except InputError as exc:
        raise fail(exc) from None
    frame = events_of(ds.events, event).copy()
    frame["date"] = frame["date"].dt.date.astype(str)
    frame["missiles"] = frame["missiles"].astype("string").fillna("")
    cols = ["date", "event", "missile_class", "missiles", "vehicle", "site", "outcome", "source"]
    if fmt is Format.table:
        cols = cols[:-1]
    typer.echo(render(frame[cols], fmt))


@data_app.command("import-cns")
def data_import_cns(
    file: Annotated[Path, typer.Argument(help="CNS Missile Test Database export (.csv or .xlsx).")],
    events: Annotated[Path | None, typer.Option(help="events.csv to merge into.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")] = False,
) -> None:
    """Merge missile launch days from a CNS database export into events.csv."""
    from .cns_import import import_cns
    from .data import DATA_DIR

    target = events or DATA_DIR / "events.csv"
    try:
        report = import_cns(file, target, dry_run=dry_run)
    except InputError as exc:
        raise fail(exc) from None
    for line in report.lines():
        typer.echo(line)
    typer.echo("dry run: nothing written" if dry_run else f"written: {target}")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
