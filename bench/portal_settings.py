"""Settings of the student-page benchmark's server: the benchmark's, plus its reference
views (bench/portal_urls.py) and their one template."""

from __future__ import annotations

from pathlib import Path

from bench.settings import *  # noqa: F403
from bench.settings import TEMPLATES

ROOT_URLCONF = "bench.portal_urls"
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]}
]

# No collectstatic for a benchmark: WhiteNoise's manifest storage would refuse every page.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
