"""episodes page (body in forecast/ui/episodes_page.py)."""

from forecast.ui.episodes_page import render

render()
