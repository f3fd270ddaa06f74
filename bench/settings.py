"""Settings of the benchmark server: the project's own, plus the baseline views' routes.

``python -m bench`` sets the environment (database, production mode) before this module is
imported, in its own process and in gunicorn's.
"""

from __future__ import annotations

import warnings

from crous_admin.settings import *  # noqa: F403
from crous_admin.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
# The test client used to count queries in-process calls itself "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405

# Throttling would turn the load into 429 answers: keep its cost, lift its limits.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "1000000/second"
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# An API benchmark serves no static files: WhiteNoise's "no staticfiles directory" is noise.
warnings.filterwarnings("ignore", message="No directory at")
