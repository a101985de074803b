"""The days with events: per model component, and per question type (the union of its components)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.vocab import COMPONENTS, LONG_RANGE_CLASSES, QUESTION_COMPONENTS


def component_of(events: pd.DataFrame) -> pd.Series:
    """The model component of each event row: its event type, except that ballistic missiles are
    split into long-range (by missile class) and other ballistic."""
    long_range = (events["event"] == "ballistic_missile") & events["missile_class"].isin(LONG_RANGE_CLASSES)
    out = events["event"].astype(object).copy()
    out[events["event"] == "ballistic_missile"] = "other_ballistic"
    out[long_range] = "long_range_missile"
    return out


def component_event_days(events: pd.DataFrame) -> dict[str, np.ndarray]:
    """Sorted event days (datetime64[D]) of each model component."""
    comp = component_of(events)
    return {k: np.unique(events.loc[comp == k, "date"].values.astype("datetime64[D]")) for k in COMPONENTS}


def event_days_of(ds) -> dict[str, np.ndarray]:
    """`component_event_days` of a dataset's events, computed once and kept with the dataset."""
    if "component_event_days" not in ds.derived:
        ds.derived["component_event_days"] = component_event_days(ds.events)
    return ds.derived["component_event_days"]


def event_days(events: pd.DataFrame, event: str) -> np.ndarray:
    """Sorted days (datetime64[D]) with at least one event of a question type."""
    comp = component_event_days(events)
    return np.unique(np.concatenate([comp[c] for c in QUESTION_COMPONENTS[event]]))
