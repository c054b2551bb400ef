"""Dates and seasonal curves. One model step is one day of a real calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np

# Day of year at the middle of each month (non-leap year), the anchor of monthly curves.
_MID_MONTH_DOY = np.array([15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5])


def run_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from start to end inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def monthly_curve(values: list[float] | np.ndarray, dates: list[dt.date]) -> np.ndarray:
    """A smooth daily curve through twelve monthly values (placed mid-month),
    periodic over the year, so December joins January without a step."""
    values = np.asarray(values, dtype=float)
    doy = np.array([d.timetuple().tm_yday - 1 for d in dates], dtype=float)
    days_in_year = np.array([366.0 if _is_leap(d.year) else 365.0 for d in dates])
    x = doy * 365.0 / days_in_year
    anchors = np.concatenate([[_MID_MONTH_DOY[-1] - 365.0], _MID_MONTH_DOY, [_MID_MONTH_DOY[0] + 365.0]])
    wrapped = np.concatenate([[values[-1]], values, [values[0]]])
    return np.interp(x, anchors, wrapped)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def season_name(date: dt.date) -> str:
    """A label for the classroom: what is happening in the fields now."""
    month = date.month
    if month in (9, 10):
        return "cotton harvest"
    if month in (6, 7, 8):
        return "summer: vegetables and melons"
    if month in (3, 4, 5):
        return "spring: sowing and building season"
    if month == 11:
        return "end of season"
    return "winter"
