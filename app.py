"""Streamlit entry point: the dataset until the analyst's workbench lands (issue 5)."""

import streamlit as st

from forecast.app_pages import dataset_page

st.set_page_config(page_title="NK launch & test forecaster", layout="wide")
dataset_page()
