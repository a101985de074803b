"""The analyst's workbench: `make run` serves it through `python -m forecast.app.serve` (a start-up
step that warms the first page, then Streamlit); `streamlit run app.py` serves it without that step.

Navigation is built here from the page modules in forecast/app/pages/ (each a Streamlit page
script: widgets and layout; the numbers come from forecast.answers and the layers below it).
"""

import streamlit as st

from forecast.app.common import sidebar

PAGES = "forecast/app/pages"

# an emoji favicon: with none, Streamlit fetches the page's material icon from fonts.gstatic.com, a
# request from the analyst's browser to Google
st.set_page_config(page_title="NK launch & test forecaster", page_icon="📈", layout="wide")
sidebar()
st.navigation(
    [
        st.Page(f"{PAGES}/forecast.py", title="Forecast", icon=":material/query_stats:", default=True),
        st.Page(f"{PAGES}/change.py", title="What would change my mind", icon=":material/psychology_alt:"),
        st.Page(f"{PAGES}/scenarios.py", title="Scenarios", icon=":material/account_tree:"),
        st.Page(f"{PAGES}/episodes.py", title="Episodes", icon=":material/history:"),
        st.Page(f"{PAGES}/track_record.py", title="Track record", icon=":material/fact_check:"),
        st.Page(f"{PAGES}/data.py", title="Data", icon=":material/table:"),
        st.Page(f"{PAGES}/model.py", title="Model", icon=":material/tune:"),
    ]
).run()
