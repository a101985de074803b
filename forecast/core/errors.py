"""One error type for bad input, carrying what a user needs to fix it."""

from __future__ import annotations


class DiagnosticsError(Exception):
    """A fit missed the convergence thresholds (R-hat, ESS, divergences) and the caller asked for strictness."""


class InputError(Exception):
    """Bad input: names the file, row, field and value, and says what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        self.value = value
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        value = f" (value: {self.value!r})" if self.value is not None else ""
        return f"{prefix}: {self.message}{value}" if prefix else f"{self.message}{value}"
