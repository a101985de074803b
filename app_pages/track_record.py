"""track_record page (body in forecast/ui/track_page.py)."""

from forecast.ui.track_page import render

render()
