"""data page (body in forecast/ui/data_page.py)."""

from forecast.ui.data_page import render

render()
