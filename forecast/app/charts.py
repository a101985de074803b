"""The Forecast page's charts as plain Vega-Lite specifications (dicts), with their data inline.

Written as dicts rather than Altair objects: building and validating Altair charts took about a
third of a page rerun; these specs cost well under a millisecond. Layout only: the numbers come
from forecast.answers.workbench.
"""

from __future__ import annotations

import pandas as pd

#: Colours of the drivers chart: the base rate, a signal raising or lowering the odds, the forecast.
DRIVER_COLOURS = {"base": "#888", "up": "#c0392b", "down": "#2e86c1", "forecast": "#333"}


def _values(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict(orient="records")


def curve_spec(curve: pd.DataFrame, window: int, days: int) -> dict:
    """P(at least one event by day d) per event type, its 90% band, and a dashed rule at the window."""
    x = {"field": "day", "type": "quantitative", "title": "window (days)",
         "scale": {"domain": [1, days], "nice": False}}  # fmt: skip
    colour = {
        "field": "event",
        "type": "nominal",
        "title": None,
        "legend": {"orient": "top"},
        "scale": {"scheme": "tableau10"},
    }
    return {
        "height": 280,
        "data": {"values": _values(curve)},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.15},
                "encoding": {"x": x, "color": colour, "y": {"field": "lower", "type": "quantitative"},
                             "y2": {"field": "upper"}},
            },  # fmt: skip
            {
                "mark": "line",
                "encoding": {
                    "x": x,
                    "color": colour,
                    "y": {"field": "probability", "type": "quantitative", "title": "P(at least one event)",
                          "axis": {"format": "%"}},
                    "tooltip": [{"field": "event", "type": "nominal"}, {"field": "day", "type": "quantitative"},
                                {"field": "probability", "type": "quantitative", "format": ".1%"}],
                },  # fmt: skip
            },
            {
                "data": {"values": [{"day": min(window, days)}]},
                "mark": {"type": "rule", "strokeDash": [4, 4]},
                "encoding": {"x": {"field": "day", "type": "quantitative"}},
            },
        ],
    }


def histogram_spec(bins: pd.DataFrame, title: str) -> dict:
    """The forecast's distribution over posterior draws: counts per bin (binned in numpy)."""
    return {
        "height": 150,
        "data": {"values": _values(bins)},
        "mark": {"type": "bar", "opacity": 0.7},
        "encoding": {
            "x": {"field": "start", "type": "quantitative", "title": title, "axis": {"format": "%"},
                  "scale": {"zero": False}},  # the draws' range, as a binned axis shows it
            "x2": {"field": "end"},
            "y": {"field": "draws", "type": "quantitative", "title": "draws"},
            "y2": {"datum": 0},  # each bar from zero up to its count
        },
    }


def waterfall_spec(steps: pd.DataFrame) -> dict:
    """The log-odds path from the base rate to the forecast: one bar per step, labelled with the
    probability after it."""
    x = {"field": "step", "type": "nominal", "sort": list(steps["step"]), "title": None,
         "axis": {"labelAngle": -25, "labelLimit": 240, "labelOverlap": False}}  # fmt: skip
    data = {"values": _values(steps[["step", "start", "end", "kind", "change", "label"]])}
    return {
        "height": 280,
        "data": data,
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "x": x,
                    "y": {"field": "start", "type": "quantitative", "title": "log-odds"},
                    "y2": {"field": "end"},
                    "color": {"field": "kind", "type": "nominal", "legend": None,
                              "scale": {"domain": list(DRIVER_COLOURS), "range": list(DRIVER_COLOURS.values())}},
                    "tooltip": [{"field": "step", "type": "nominal"},
                                {"field": "change", "type": "quantitative", "format": "+.2f"},
                                {"field": "label", "type": "nominal"}],
                },  # fmt: skip
            },
            {
                "transform": [{"calculate": "max(datum.start, datum.end)", "as": "top"}],
                "mark": {"type": "text", "dy": -8, "fontSize": 12},
                "encoding": {"x": x, "y": {"field": "top", "type": "quantitative"},
                             "text": {"field": "label", "type": "nominal"}},
            },  # fmt: skip
        ],
    }
