"""Settings of the renewals benchmark server: the benchmark's, plus the bare submit view."""

from __future__ import annotations

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.renewals_urls"
