"""The limits and defaults every layer shares: windows checked and parsed, and the central
interval every printed range uses."""

import numpy as np
import pytest

from forecast.core.errors import InputError
from forecast.core.limits import (
    DEFAULT_WINDOWS,
    EARLIEST_AS_OF,
    INTERVAL,
    MAX_WINDOW,
    check_window,
    interval,
    parse_windows,
)


@pytest.mark.parametrize(
    ("value", "days"),
    # 365.0 and "180.0": a spreadsheet's floats
    [(1, 1), ("30", 30), (" 90 ", 90), (MAX_WINDOW, MAX_WINDOW), (365.0, 365), ("180.0", 180)],
)
def test_a_window_is_a_whole_number_of_days(value, days):
    assert check_window(value, "--window") == days


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "1 to 1095 days"),
        (-5, "1 to 1095 days"),
        (MAX_WINDOW + 1, "1 to 1095 days"),
        ("ten", "whole number of days"),
        ("", "whole number of days"),
        ("30.5", "whole number of days"),
        (30.5, "whole number of days"),
        ("nan", "whole number of days"),
        ("1e9", "1 to 1095 days"),
        (True, "whole number of days"),
        (None, "whole number of days"),
    ],
)
def test_a_bad_window_is_one_error_naming_the_field_and_value(value, words):
    with pytest.raises(InputError, match=words) as err:
        check_window(value, "window_days")
    assert err.value.field == "window_days"
    assert err.value.value == value


def test_windows_from_text_or_a_sequence():
    assert parse_windows("30,90,180") == (30, 90, 180)
    assert parse_windows(" 30 , 90 ,") == (30, 90)
    assert parse_windows((365, "30")) == (365, 30)
    assert parse_windows("30.0,90") == parse_windows((30.0, 90.0)) == (30, 90)  # a spreadsheet's floats
    assert parse_windows(list(DEFAULT_WINDOWS)) == DEFAULT_WINDOWS == (30, 90, 180, 365)
    for bad, words in (("", "at least one window"), (",", "at least one window"), ((), "at least one window"),
                       ("30,ninety", "whole number"), ("30,90.5", "whole number"), ("30,0", "1 to 1095")):  # fmt: skip
        with pytest.raises(InputError, match=words) as err:
            parse_windows(bad)
        assert err.value.field == "--windows"
    with pytest.raises(InputError) as err:
        parse_windows("30,2000", field="windows")
    assert err.value.field == "windows" and err.value.value == 2000  # the offending window itself
    with pytest.raises(InputError, match="given twice"):
        parse_windows("30,90,30")


def test_the_interval_is_the_central_ninety_percent():
    assert INTERVAL == 0.90
    values = np.arange(1001, dtype=float)  # 0 .. 1000: quantiles are exact
    lo, hi = interval(values)
    assert (lo, hi) == pytest.approx((50.0, 950.0))
    lo, hi = interval(values, mass=0.5)
    assert (lo, hi) == pytest.approx((250.0, 750.0))
    # along the draws axis of a (draws, questions) table: one interval per question
    table = np.stack([values, 2 * values], axis=1)
    lo, hi = interval(table, axis=0)
    np.testing.assert_allclose(lo, [50.0, 100.0])
    np.testing.assert_allclose(hi, [950.0, 1900.0])


def test_the_first_forecast_needs_a_year_of_record():
    assert EARLIEST_AS_OF.isoformat() == "1999-01-01"
