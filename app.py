"""The analyst's workbench: `streamlit run app.py` (the README's `make run`)."""

import streamlit as st

from forecast.ui.common import sidebar

st.set_page_config(page_title="NK launch & test forecaster", layout="wide")
sidebar()
st.navigation(
    [
        st.Page("app_pages/forecast.py", title="Forecast", icon=":material/query_stats:", default=True),
        st.Page("app_pages/change.py", title="What would change my mind", icon=":material/psychology_alt:"),
        st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/account_tree:"),
        st.Page("app_pages/episodes.py", title="Episodes", icon=":material/history:"),
        st.Page("app_pages/track_record.py", title="Track record", icon=":material/fact_check:"),
        st.Page("app_pages/data.py", title="Data", icon=":material/table:"),
        st.Page("app_pages/model.py", title="Model", icon=":material/tune:"),
    ]
).run()
