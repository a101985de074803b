"""model page (body in forecast/ui/model_page.py)."""

from forecast.ui.model_page import render

render()
