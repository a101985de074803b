"""Atomic file writes: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path | str, write: Callable[[Path], None], check: Callable[[Path], None] | None = None) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, optionally ``check(tmp)``, then
    rename it over ``path``. On any failure the temporary file is removed and ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if check is not None:
            check(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def writable_dir(path: Path | str, *, value: Path | str | None = None) -> Path:
    """Make an output directory and check that it can be written, before any work; an error names
    the ``--out`` flag and ``value`` (the directory the user gave, by default ``path``)."""
    from forecast.core.errors import InputError

    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write the output directory: {exc.strerror}", field="--out", value=str(value or path)
        ) from None
    return path
