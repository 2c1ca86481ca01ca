"""Configuration kept in each process: tables read on every request that change a few times
a year (event categories, deadline rules), so that taking in a report does not ask the
database for them each time.

Each value carries a version number in Django's cache. With Redis (production with several
workers) a change made in any process bumps the version and every process loads the value
afresh on its next read. Without a shared cache (one process, or the local-memory cache),
the process that made the change sees it at once and the others within `max_age` seconds.
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")

_all: list["ProcessCache"] = []


class ProcessCache(Generic[T]):
    """One value loaded by `load()` and kept until its version changes or it grows old."""

    def __init__(self, name: str, load: Callable[[], T], *, max_age: float = 60.0):
        self.key = f"gridgov:version:{name}"
        self.load = load
        self.max_age = max_age
        self._lock = threading.Lock()
        self._held: tuple[int, float, T] | None = None
        _all.append(self)

    def get(self) -> T:
        version = cache.get_or_set(self.key, 1, timeout=None)
        held = self._held
        if held is not None and held[0] == version and time.monotonic() - held[1] < self.max_age:
            return held[2]
        with self._lock:
            value = self.load()
            self._held = (version, time.monotonic(), value)
        return value

    def changed(self) -> None:
        """Tell every process that the value changed: the next read loads it again."""
        self._held = None
        try:
            cache.incr(self.key)
        except ValueError:  # no version yet (or the cache was emptied)
            cache.set(self.key, 2, timeout=None)


def forget_all() -> None:
    """Drop every value held by this process (tests, after their transaction is rolled back)."""
    for held in _all:
        held._held = None
