from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_counters_and_estimates():
    """Throttle counters and cached estimates live in the cache: each test starts empty."""
    cache.clear()


@pytest.fixture
def process_local_cache(settings):
    """Counters in this process' memory: on a Redis shared by parallel test workers, another
    worker's ``cache.clear()`` (a FLUSHDB) would reset them in the middle of a test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "assistance-counters",
        }
    }
    cache.clear()
