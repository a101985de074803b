"""nutpie's C callbacks (forecast/model/nutpie_wrappers.py): the data layout they read."""

import numpy as np
import pytensor
import pytest

from forecast.model.nutpie_wrappers import Layout


def test_new_data_must_fit_the_compiled_shapes():
    """The compiled graph fixes M's shape (no runtime check left in it): data of another shape is
    refused before the wrapper could read past its end; free lengths take any length."""
    m = pytensor.shared(np.zeros((5, 10)), name="M", shape=(5, 10))
    n = pytensor.shared(np.zeros(7), name="n")
    layout = Layout.of([m, n])
    assert layout.coerce("n", np.ones(3)).shape == (3,)
    ok = layout.coerce("M", np.ones((5, 10)))
    assert ok.flags.c_contiguous and not ok.flags.writeable
    with pytest.raises(ValueError, match=r"data M must have shape \(5, 10\), not \(4, 10\)"):
        layout.coerce("M", np.ones((4, 10)))
    with pytest.raises(ValueError, match="data n must have rank 1, not 2"):
        layout.coerce("n", np.ones((3, 1)))
    ud = layout.user_data({"M": ok, "n": layout.coerce("n", np.ones(3))})
    assert list(ud[[1, 2, 4]]) == [5, 10, 3]  # each array's address, then its shape
