from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_counters_and_estimates():
    """Throttle counters and cached estimates live in the cache: each test starts empty."""
    cache.clear()
