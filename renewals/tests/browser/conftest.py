"""The project's Playwright setup (crous_admin/portal/tests/browser/conftest.py), reused:
Debian's chromium, skipped with that advice where it is missing, run after the other tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from crous_admin.portal.tests.browser.conftest import (  # noqa: F401 - fixtures
    CHROMIUM,
    NO_CHROMIUM,
    _django_allows_sync_calls_beside_playwright,
    browser_context_args,
    browser_type_launch_args,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    in_browser = [item for item in items if HERE in Path(item.path).resolve().parents]
    if not in_browser:
        return
    moved = set(in_browser)
    items[:] = [item for item in items if item not in moved] + in_browser
    if not CHROMIUM:
        for item in in_browser:
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))
