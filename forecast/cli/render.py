"""How commands print: tables as a terminal table, CSV, JSON or Markdown, and the provenance line.

Imported inside commands, after their input is checked: it loads the fit identity (and with it pandas).
"""

from __future__ import annotations

import json

from forecast.answers.service import PROVENANCE_COLUMNS
from forecast.cli.options import Format

#: The columns every output carries to say where its numbers came from.
PROVENANCE = PROVENANCE_COLUMNS
#: The columns of an answer in `predict` and `table` output (CSV/JSON), in order.
ANSWER_COLUMNS = (
    "as_of", "event", "window_days", "probability", "lower", "upper", "band", "base_rate", "drivers", "evidence",
    *PROVENANCE,
)  # fmt: skip


def render(frame, fmt: Format) -> str:
    """A DataFrame as a terminal table, CSV, JSON list or Markdown."""
    if fmt is Format.csv:
        return frame.to_csv(index=False).rstrip("\n")
    if fmt is Format.json:
        return json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2)
    if fmt is Format.md:
        return frame.to_markdown(index=False)
    return frame.to_string(index=False)


def rounded(frame, fmt: Format) -> str:
    """A table of scores with three decimals (NaN as 'nan') in the table or Markdown view."""
    if fmt is Format.md:
        return frame.to_markdown(index=False, floatfmt=".3f")
    shown = frame.copy()
    for c in shown.columns:
        if shown[c].dtype.kind == "f":
            shown[c] = shown[c].map(lambda v: "nan" if v != v else f"{v:.3f}")
    return render(shown, fmt)


def json_records(frame) -> list:
    """A DataFrame as a list of JSON records (dates as epoch milliseconds, as pandas writes them)."""
    return json.loads(frame.to_json(orient="records"))


def provenance_line(row: dict, as_of: bool = True) -> str:
    """'# as_of ..., data_hash ..., ...': where the numbers below came from, as a comment line."""
    keys = ("as_of", *PROVENANCE) if as_of else PROVENANCE
    return "# " + ", ".join(f"{k} {row[k]}" for k in keys)
