"""Commands that forecast: predict, table, scenarios, fit, and the signals a forecast can be given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    DEFAULT_WINDOWS_TEXT,
    FitOptions,
    Format,
    FormatOpt,
    WindowsOpt,
    dataset,
    flags_named,
    with_fit_options,
)
from forecast.core.errors import InputError
from forecast.core.limits import parse_windows

#: A question's fields -> the flags that set them, so errors name what the user typed.
QUESTION_FLAGS = {"as_of": "--as-of", "event": "--event", "window_days": "--window", "evidence": "--evidence"}


@with_fit_options()
def predict(
    as_of: Annotated[str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD.")] = None,
    event: Annotated[
        str | None,
        typer.Option(help="space_launch, long_range_missile, ballistic_missile, nuclear_test, engine_test or any."),
    ] = None,
    window: Annotated[str | None, typer.Option(help="Window in days from the as-of date.")] = None,
    evidence: Annotated[
        list[str] | None, typer.Option(help="SIGNAL=LEVEL or SIGNAL=LEVEL:CONFIDENCE; repeat for several.")
    ] = None,
    questions: Annotated[
        Path | None,
        typer.Option(help="CSV of questions: as_of, event, window_days, evidence (signal=level;...), optional id."),
    ] = None,
    fmt: FormatOpt = Format.table,
    *,
    options: FitOptions,
) -> None:
    """P(at least one event within the window) for one question or a file of them."""
    import pandas as pd

    from forecast.answers.questions import make_question, parse_evidence, read_questions
    from forecast.answers.service import answer_questions
    from forecast.cli.render import ANSWER_COLUMNS, PROVENANCE, provenance_line, render

    if questions is not None:
        if any(v is not None for v in (as_of, event, window)) or evidence:
            raise InputError("give either --questions or --as-of/--event/--window, not both", field="--questions")
        qs = read_questions(questions)
    else:
        for flag, value in (("--as-of", as_of), ("--event", event), ("--window", window)):
            if value is None:
                raise InputError(f"{flag} is required (or give --questions FILE)", field=flag)
        with flags_named(QUESTION_FLAGS):
            qs = [make_question(as_of, event, window, parse_evidence(evidence or []))]
    rows = answer_questions(options.context(), qs)

    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    frame = pd.DataFrame(rows)[["id", *ANSWER_COLUMNS]]
    if all(r["id"] is None for r in rows):
        frame = frame.drop(columns="id")
    if fmt is Format.csv:
        typer.echo(render(frame, fmt))
        return
    shown = frame.drop(columns=list(PROVENANCE)).copy()
    for c in ("probability", "lower", "upper", "base_rate"):
        shown[c] = shown[c].map(lambda v: f"{v:.1%}")
    typer.echo(provenance_line(rows[0]))
    typer.echo(render(shown, fmt))


@with_fit_options()
def table(
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date YYYY-MM-DD.")],
    evidence: Annotated[list[str] | None, typer.Option(help="SIGNAL=LEVEL[:CONFIDENCE]; repeatable.")] = None,
    windows: WindowsOpt = DEFAULT_WINDOWS_TEXT,
    fmt: FormatOpt = Format.table,
    *,
    options: FitOptions,
) -> None:
    """The briefing table: every event type by window, with intervals, bands, base rates and drivers."""
    import pandas as pd

    from forecast.answers.briefing import wide_table
    from forecast.answers.service import forecast_table
    from forecast.cli.render import ANSWER_COLUMNS, json_records, provenance_line, render

    ws = parse_windows(windows)
    ctx = options.context()
    with flags_named(QUESTION_FLAGS):
        rows = forecast_table(ctx, as_of, ";".join(evidence or []), ws)

    if fmt in (Format.csv, Format.json):
        frame = pd.DataFrame(rows)[list(ANSWER_COLUMNS)]
        if fmt is Format.json:
            typer.echo(json.dumps(json_records(frame), indent=2))
        else:
            typer.echo(render(frame, fmt))
        return
    typer.echo(provenance_line(rows[0]))
    typer.echo(f"# evidence: {rows[0]['evidence']} (analyst-set: {rows[0]['analyst_set'] or 'none'})")
    typer.echo(render(wide_table(rows), fmt))


@with_fit_options()
def scenarios(
    file: Annotated[Path, typer.Argument(help="A scenario tree, e.g. data/scenarios/post-summit-failure.toml.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: the tree's as_of, else today).")
    ] = None,
    windows: WindowsOpt = DEFAULT_WINDOWS_TEXT,
    fmt: FormatOpt = Format.table,
    back_check: Annotated[
        bool, typer.Option("--back-check", help="Also run the tree at its back_check dates beside what happened.")
    ] = False,
    sensitivity_window: Annotated[
        int | None, typer.Option(help="Window of the sensitivity table (default: 90 if asked for, else the first).")
    ] = None,
    *,
    options: FitOptions,
) -> None:
    """P(event within each window) per branch of a scenario tree, the weighted mixture and the status quo."""
    import datetime as dt

    from forecast.answers import scenarios as sc
    from forecast.answers.questions import levels_text, make_question
    from forecast.answers.service import scenario_report
    from forecast.cli.render import PROVENANCE, json_records, provenance_line, render
    from forecast.workspace import scenario_files as sf

    tree = sf.load(file)
    ws = tuple(sorted(parse_windows(windows)))
    day = as_of or (tree.tree.as_of.isoformat() if tree.tree.as_of else dt.date.today().isoformat())
    with flags_named(QUESTION_FLAGS):
        make_question(day, "any", max(ws))  # validates the date
    if back_check and not tree.tree.back_check:
        raise InputError("this tree lists no back_check dates", file=str(file), field="tree.back_check")
    if sensitivity_window is not None and sensitivity_window not in ws:
        raise InputError("must be one of --windows", field="--sensitivity-window", value=sensitivity_window)
    report = scenario_report(options.context(), tree, day, ws, back_check=back_check)

    prov = report["provenance"]
    long = report["long"].assign(**{k: prov[k] for k in ("as_of", *PROVENANCE)})
    if fmt is Format.csv:
        typer.echo(render(long, fmt))
        if report["back_check"] is not None:
            typer.echo("")
            typer.echo(render(report["back_check"], fmt))
        return
    if fmt is Format.json:
        doc = {
            "tree": tree.tree.name,
            "file": str(file),
            "weights": tree.weights(),
            **prov,
            "forecasts": json_records(report["long"]),
            "sensitivity": json_records(report["sensitivity"]),
            "back_check": None if report["back_check"] is None else json_records(report["back_check"]),
        }
        typer.echo(json.dumps(doc, indent=2))
        return
    sw = sensitivity_window or (90 if 90 in ws else ws[0])
    md = fmt is Format.md
    head = "## " if md else ""
    typer.echo(provenance_line(prov))
    typer.echo(f"{head}{tree.tree.name}, as of {prov['as_of']}")
    typer.echo("")
    for key, b in tree.branches.items():
        after = f", from day {b.takes_effect_after_days}" if b.takes_effect_after_days else ""
        ev = levels_text(b.evidence, ", ")
        typer.echo(f"{'- ' if md else '  '}{key} ({b.probability:.0%}{after}): {b.title} [{ev}]")
    typer.echo("")
    typer.echo("P(at least one event) with its 90% interval and the change from the status quo in points:")
    typer.echo("")
    typer.echo(render(sc.brief_table(report["long"]), fmt))
    typer.echo("")
    typer.echo(f"{head}Sensitivity of the weighted mixture at {sw} days (points, branch probability -10 / +10):")
    typer.echo("")
    typer.echo(render(sc.sensitivity_table(report["sensitivity"], sw), fmt))
    if report["back_check"] is not None:
        typer.echo("")
        typer.echo(f"{head}Back-check: the tree at its historical dates, beside what happened next")
        typer.echo("")
        typer.echo(render(sc.back_check_display(report["back_check"]), fmt))


@with_fit_options()
def fit(
    as_of: Annotated[str, typer.Option("--as-of", help="Fit on the data known before this date.")],
    *,
    options: FitOptions,
) -> None:
    """Fit (or load from cache) the model for an as-of date and print its diagnostics."""
    from forecast.answers.questions import make_question

    q = make_question(as_of, "any", 1)
    f = options.context().fit(q.as_of)
    i = f.identity
    typer.echo(
        f"as_of {i.as_of}  data_hash {i.data_hash}  priors {i.priors_file} ({i.priors_hash})  "
        f"model_version {i.model_version}  seed {i.seed}  fit {i.digest()}"
    )
    typer.echo(f"{'cache hit' if f.from_cache else 'fitted'}: {f.diagnostics.line()}")


def signals(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Show the data's state on this date (default: today).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The signal vocabulary and the data's current state of each signal."""
    import datetime as dt

    import pandas as pd

    from forecast.cli.render import render
    from forecast.data.signal_state import question_state
    from forecast.data.vocab import QUESTION_EVENTS, SIGNALS

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise InputError("as-of date must be YYYY-MM-DD", field="--as-of", value=as_of) from None
    ds = dataset()
    state = {e: question_state(ds.signals, day, e) for e in QUESTION_EVENTS}

    rows = []
    for name, spec in SIGNALS.items():
        for level in spec.levels:
            rows.append(
                {
                    "signal": name,
                    "level": level,
                    "neutral": level == spec.neutral,
                    "meaning": spec.level_meanings[level],
                    "in_data_on_" + day.isoformat(): ", ".join(e for e, st in state.items() if st[name] == level),
                }
            )
    typer.echo(f"# signals and the data's state on {day} (events each level applies to)")
    typer.echo(render(pd.DataFrame(rows), fmt))
