"""forecast page (body in forecast/ui/forecast_page.py)."""

from forecast.ui.forecast_page import render

render()
