"""One input layer for the files analysts write: a strict pydantic base, one TOML reader and one
converter from validation errors to the tool's one-line messages (file, field, value)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from forecast.core.errors import InputError


class Strict(BaseModel):
    """Every schema's base: unknown keys are errors (a misspelt key must not pass silently) and
    (scenario trees are edited in the app, so models are not frozen)."""

    model_config = ConfigDict(extra="forbid")


def read_toml(path: Path | str, what: str = "file") -> dict:
    """The decoded TOML of a file; a missing file, bad encoding or bad TOML is one InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} not found", file=str(path))
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from None


def key_path(loc: tuple, prefix: str = "") -> str:
    """'effect.site_activity=preparation.low' from a pydantic location."""
    parts = [str(p) for p in loc if p != "__root__"]
    return ".".join(([prefix] if prefix else []) + parts)


def validation_error(exc: ValidationError, path: Path | str | None = None, prefix: str = "") -> InputError:
    """The first problem of a validation error as one InputError: misspelt keys first, the key path
    under ``prefix``, pydantic's 'Value error, ' prefix dropped, the offending value unless a table."""
    first = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = f"unknown key '{first['loc'][-1]}' (misspelt?)"
    value = first.get("input")
    return InputError(
        msg,
        file=str(path) if path is not None else None,
        field=key_path(first["loc"], prefix) or "(top level)",
        value=None if isinstance(value, dict) else value,
    )
