"""The options commands share, each defined once, and what they resolve to.

The fit option block (``--priors``, ``--seed``, ``--strict``, ``--draws``, ``--tune``) is added to a
command by `with_fit_options`, which hands the command one `FitOptions`. Defaults come from
`forecast.core.limits`. Nothing here imports the model, pandas or the data layer at import time:
``forecast --help`` and bad input stay fast.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_DRAWS, DEFAULT_SEED, DEFAULT_TUNE, DEFAULT_WINDOWS


class Format(StrEnum):
    """How a command prints its tables."""

    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


FormatOpt = Annotated[Format, typer.Option("--format")]
#: `FormatOpt` with a help line (the data and records commands show one).
OutputFormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]

#: The --windows default as a user would type it: DEFAULT_WINDOWS joined by commas.
DEFAULT_WINDOWS_TEXT = ",".join(str(w) for w in DEFAULT_WINDOWS)
WindowsOpt = Annotated[str, typer.Option(help="Windows in days, comma-separated.")]

DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Directory holding events.csv and signals.csv (default: data/); your records in the working "
        "directory are added.",
    ),
]

PriorsOpt = Annotated[Path | None, typer.Option("--priors", help="Prior file (default priors/default.toml).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Sampler seed.")]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict", help="Fail (exit 3) when a fit misses R-hat/ESS/divergence thresholds instead of warning."
    ),
]
DrawsOpt = Annotated[int, typer.Option("--draws", min=50, help="Posterior draws per chain.")]
TuneOpt = Annotated[int, typer.Option("--tune", min=50, help="Tuning steps per chain.")]

#: Draws and tuning steps per chain of a command's fits unless told otherwise.
DRAWS = DEFAULT_DRAWS
TUNE = DEFAULT_TUNE


@contextmanager
def flags_named(flags: Mapping[str, str], *, files_too: bool = True) -> Iterator[None]:
    """Errors about a field name the flag the user typed for it instead (``flags``: field -> flag).

    With ``files_too=False`` an error about a file keeps the file's own field name.
    """
    try:
        yield
    except InputError as exc:
        if files_too or exc.file is None:
            exc.field = flags.get(exc.field or "", exc.field)
        raise


def dataset(data_dir: Path | None = None):
    """The shipped record (or ``data_dir``'s) merged with the analyst's own records."""
    from forecast.data.analyst_records import load_with_records

    return load_with_records(data_dir)


@dataclass(frozen=True)
class FitOptions:
    """The fit option block as a command receives it."""

    priors: Path | None = None
    seed: int = DEFAULT_SEED
    strict: bool = False
    draws: int = DRAWS
    tune: int = TUNE

    def context(self, data_dir: Path | None = None):
        """The answering context these options ask for; each fit and each warning is reported on stderr."""
        from forecast.answers.service import context
        from forecast.model.posterior import SamplerSettings

        def report(fit) -> None:
            where = "cache" if fit.from_cache else "new fit"
            typer.echo(f"fit as of {fit.as_of} ({where}): {fit.diagnostics.line()}", err=True)

        def warn(message: str) -> None:
            typer.echo(f"warning: {message}", err=True)

        settings = SamplerSettings(draws=self.draws, tune=self.tune)
        return context(self.priors, self.seed, settings, data_dir, self.strict, on_fit=report, on_warning=warn)


#: Each option of the block: its type (with flag and help) and its default, in the order commands show them.
_BLOCK = {
    "priors": (PriorsOpt, None),
    "seed": (SeedOpt, DEFAULT_SEED),
    "strict": (StrictOpt, False),
    "draws": (DrawsOpt, DRAWS),
    "tune": (TuneOpt, TUNE),
}


def with_fit_options(*, strict: bool = True, sampler: bool = True, draws: int = DRAWS, tune: int = TUNE) -> Callable:
    """Add the fit option block after a command's own options; the command gets them as ``options: FitOptions``.

    ``strict=False`` leaves out --strict, ``sampler=False`` leaves out --draws and --tune; ``draws`` and
    ``tune`` set their defaults.
    """
    names = [n for n in _BLOCK if (strict or n != "strict") and (sampler or n not in ("draws", "tune"))]
    defaults = {n: default for n, (_, default) in _BLOCK.items()} | {"draws": draws, "tune": tune}

    def decorate(command: Callable) -> Callable:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(command).parameters.values()
            if p.name != "options"
        ]
        block = [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=defaults[n], annotation=_BLOCK[n][0])
            for n in names
        ]

        @functools.wraps(command)
        def with_block(**kwargs):
            given = {n: kwargs.pop(n) for n in names}
            return command(**kwargs, options=FitOptions(**given))

        # typer reads the options from the signature (and the type hints): the command's own, then the block.
        with_block.__signature__ = inspect.Signature([*own, *block])
        with_block.__annotations__ = {p.name: p.annotation for p in with_block.__signature__.parameters.values()}
        return with_block

    return decorate
