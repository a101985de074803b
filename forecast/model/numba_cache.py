"""numba's on-disk cache, safe for processes that compile at the same time.

numba saves a compiled function by reading the function's cache index, numbering the new entry one
past those it read, writing the index, then the entry's data file. Two processes that save entries
of one function with different argument types at the same moment both number theirs 1: the index
keeps one process's key and the data file may hold the other's code, and a later process that loads
that key runs code compiled for other types. PyTensor caches some operations under one key whatever
their argument types (Join, add, mul), so two processes compiling different graphs at once can do
exactly that: a fit and the helper compiling its expand function ahead
(`forecast.model.compile_ahead`), or back-test workers on a machine's first run. And a process that
loads between the index and the data file being written (or after a save was killed there) reads
the new key with an old data file.

`serialize_saves` replaces numba's save in this process with one that holds a lock file in the
cache's directory while it reads the index, numbers the entry, and writes the data file *before*
the index: processes that all call it never interleave their saves to one directory, and a reader
never finds a key whose data is not written yet. Caching stays best effort, as in numba: if the
lock cannot be taken (a read-only directory, a lock held for a minute), that one entry is not saved
and the compiled code is used all the same.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

LOCK_NAME = ".forecast-cache-index.lock"
LOCK_TIMEOUT = 60.0  # seconds; a save holds it for milliseconds
_patching = threading.Lock()


def serialize_saves() -> None:
    """Make numba's cache saves in this process take the cache directory's lock file and write the
    data before the index (once per process, whichever thread asks first; later calls do nothing)."""
    from numba.core.caching import IndexDataCacheFile

    with _patching:
        if getattr(IndexDataCacheFile.save, "_forecast_serialized", False):
            return
        IndexDataCacheFile.save = _save


def _save(self, key, data) -> None:
    """numba's `IndexDataCacheFile.save`, under the lock, the data file written before the index."""
    from filelock import FileLock, Timeout

    try:
        with FileLock(os.path.join(self._cache_path, LOCK_NAME), timeout=LOCK_TIMEOUT):
            overloads = self._load_index()
            data_name = overloads.get(key)
            if data_name is None:
                existing = set(overloads.values())
                number = 1
                while self._data_name(number) in existing:
                    number += 1
                data_name = self._data_name(number)
            self._save_data(data_name, data)
            if overloads.get(key) != data_name:
                overloads[key] = data_name
                self._save_index(overloads)
    except (Timeout, OSError) as exc:  # not cached this time; the compiled code is used anyway
        log.warning("numba cache entry not saved in %s (%s: %s)", self._cache_path, type(exc).__name__, exc)


_save._forecast_serialized = True
