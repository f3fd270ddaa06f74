"""Settings of the Assistance benchmark server: bench.settings plus the tickets baseline."""

from __future__ import annotations

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.assistance_urls"
