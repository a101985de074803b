"""Episode replays: the forecast path through Leap Day 2012 at weekly origins and warning days, one
refit per month (made by ``fake_sampler``: the replay's bookkeeping is under test, not the sampler),
the files written beside it and the key that keeps a stale replay from being shown."""

import json

import pandas as pd
import pytest

from forecast.core.errors import InputError
from forecast.data.dataset import load_episodes
from forecast.evaluation.episodes import load_replay, replay, replay_key


@pytest.fixture(scope="module")
def leap_day(tmp_path_factory, install_fake_sampler):
    """The Leap Day 2012 replay (30-day window), made once for the module with fake fits."""
    with pytest.MonkeyPatch.context() as mp:
        made = install_fake_sampler(mp)
        out = tmp_path_factory.mktemp("episodes")
        progress = []
        table, png = replay("leap-day-2012", out, window=30, draws=100, tune=100,
                            progress=lambda i, n, text: progress.append((i, n, text)))  # fmt: skip
        yield out, table, png, made, progress


def test_the_replay_shows_the_2012_announcement(leap_day):
    out, table, png, made, progress = leap_day
    # 21 weekly origins and the days five more warnings became public (16, 25, 29 March, 8 and 27 April)
    assert table["origin"].iloc[0] == "2012-02-06" and len(table) == 26
    assert table["origin"].is_monotonic_increasing
    p = table.set_index("origin")["P(space_launch, 30d)"]
    # KCNA's dated announcement of 16 March: the forecast jumps on the day itself
    assert p["2012-03-16"] > 5 * p["2012-03-12"]
    assert "announcement=notice" in table.set_index("origin").loc["2012-03-16", "new evidence"]
    assert set(table["origin_kind"]) == {"weekly", "warning"}
    assert "space_launch 2012-04-13" in " ".join(table["events in window"])  # the launch is in the windows
    # one refit per month of the episode, each on the record before its month
    assert [cut for cut, _, _ in made] == sorted({o[:7] + "-01" for o in table["origin"]})
    assert progress[-1] == (len(table), len(table), "done")
    assert png.stat().st_size > 10_000 and png.parent == out


def test_the_replay_is_read_back_only_for_the_same_key(leap_day, ds, priors):
    from forecast.model.posterior import SamplerSettings

    out, table, _, _, _ = leap_day
    episode = load_episodes()["leap-day-2012"]
    key = replay_key(ds, priors, SamplerSettings(draws=100, tune=100), 20260101, 30, episode)
    assert json.loads((out / "leap-day-2012.json").read_text()) == key
    found = load_replay(out, "leap-day-2012", key)
    assert found is not None
    pd.testing.assert_frame_equal(found[0].fillna(""), table.fillna(""))  # empty text reads back as NaN
    for stale in (
        replay_key(ds, priors, SamplerSettings(draws=200, tune=100), 20260101, 30, episode),
        replay_key(ds, priors, SamplerSettings(draws=100, tune=100), 20260101, 90, episode),
        replay_key(ds, priors, SamplerSettings(draws=100, tune=100), 1, 30, episode),
    ):
        assert load_replay(out, "leap-day-2012", stale) is None
    assert load_replay(out, "no-such-episode", key) is None


def test_a_bad_episode_or_window_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        replay("no-such-episode", tmp_path)
    assert err.value.field == "NAME" and "leap-day-2012" in str(err.value)
    with pytest.raises(InputError) as err:
        replay("leap-day-2012", tmp_path, window=0)
    assert err.value.field == "--window"
    with pytest.raises(InputError, match="before the first date the data allow a forecast"):
        replay("taepodong-1998", tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written
