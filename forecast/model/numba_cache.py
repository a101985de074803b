"""numba's on-disk cache, safe for processes that compile at the same time.

numba saves a compiled function by reading the function's cache index, numbering the new entry one
past those it read, then writing the index and the entry's data file. Two processes that save
entries of one function with different argument types at the same moment both number theirs 1: the
index keeps one process's key and the data file may hold the other's code, and a later process that
loads that key runs code compiled for other types. PyTensor caches some operations under one key
whatever their argument types (Join, add, mul), so two processes compiling different graphs at once
can do exactly that: a fit and the helper compiling its expand function ahead
(`forecast.model.compile_ahead`), or back-test workers on a machine's first run.

`serialize_saves` makes every save in this process hold a lock file in the cache's directory for
the read-number-write; processes that all call it never interleave their saves to one directory.
"""

from __future__ import annotations

import functools
import os

LOCK_NAME = ".forecast-cache-index.lock"
LOCK_TIMEOUT = 60.0  # seconds; a save holds it for milliseconds


@functools.cache
def serialize_saves() -> None:
    """Make numba's cache saves in this process hold the cache directory's lock file (once per
    process; later calls do nothing)."""
    from filelock import FileLock
    from numba.core.caching import IndexDataCacheFile

    original = IndexDataCacheFile.save

    @functools.wraps(original)
    def save(self, key, data):
        with FileLock(os.path.join(self._cache_path, LOCK_NAME), timeout=LOCK_TIMEOUT):
            return original(self, key, data)

    IndexDataCacheFile.save = save
