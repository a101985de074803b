"""scenarios page (body in forecast/ui/scenarios_page.py)."""

from forecast.ui.scenarios_page import render

render()
