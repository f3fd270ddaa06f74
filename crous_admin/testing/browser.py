"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

A pytest plugin (registered by the root conftest.py) for every test marked ``browser``,
whatever its folder. No browser is downloaded (never ``playwright install``): the tests launch
the chromium of the system (``apt-get install chromium``) and are skipped with that advice
where it is missing. Run them alone with ``pytest -m browser``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "Browser tests need Debian's chromium: apt-get install chromium"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last, and skip them where no chromium is installed.

    Last: once Playwright has started, its event loop stays "running" in the test thread for
    the rest of the session, and ``DJANGO_ALLOW_ASYNC_UNSAFE`` stays set (see below); a test
    run after them would see both (``check --deploy`` refuses that variable, for one).
    """
    in_browser = [item for item in items if item.get_closest_marker("browser")]
    if not in_browser:
        return
    moved = set(in_browser)
    items[:] = [item for item in items if item not in moved] + in_browser
    if not CHROMIUM:
        for item in in_browser:
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture(scope="session")
def _django_allows_sync_calls_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop running in the test thread, which makes
    Django refuse ORM calls there ("SynchronousOnlyOperation"). The test body and the live
    server never run the ORM concurrently in one thread, so the guard is lifted, from the
    first browser test to the end of the session (the loop lives as long as the session;
    the browser tests run last for that reason)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], _django_allows_sync_calls_beside_playwright: None
) -> dict[str, Any]:
    if not CHROMIUM:
        pytest.skip(NO_CHROMIUM)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-quic",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A French browser on a desktop-wide window: the DSFR header shows its full menu.
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "viewport": {"width": 1280, "height": 900},
    }
