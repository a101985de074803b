"""change page (body in forecast/ui/change_page.py)."""

from forecast.ui.change_page import render

render()
