"""The Streamlit app under AppTest."""

from streamlit.testing.v1 import AppTest

from forecast.data import load_events


def test_dataset_page_shows_the_record():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    assert "1998-2024" in at.title[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["space launch"] == "10"
    assert metrics["nuclear test"] == "6"
    assert len(at.dataframe) == 2
    assert len(at.dataframe[0].value) == len(load_events())
