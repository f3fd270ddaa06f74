"""The outbox's modules depend one way: the tasks import the services, never the reverse."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from notifications.services import dispatch
from notifications.tasks import deliver_message, deliver_messages

APP = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at module level or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_of_the_outbox_but_its_tests_imports_the_tasks():
    offenders = [
        str(path.relative_to(APP))
        for path in sorted(APP.rglob("*.py"))
        if path.name != "tasks.py"
        and "tests" not in path.relative_to(APP).parts
        and "notifications.tasks" in _imported_modules(path)
    ]

    assert offenders == []


def test_importing_the_services_in_a_fresh_process_leaves_the_tasks_unimported():
    script = (
        "import sys, django; django.setup()\n"
        "import notifications.services.queueing, notifications.services.sending\n"
        "import notifications.services.sweep, notifications.services.dispatch\n"
        "print('notifications.tasks' in sys.modules)\n"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crous_admin.settings"},
    )

    assert result.stdout.strip() == "False"


def test_a_process_that_never_imported_the_tasks_still_finds_them_by_name():
    script = (
        "import django; django.setup()\n"
        "from notifications.services import dispatch\n"
        "print(dispatch._task(dispatch.DELIVER_MESSAGE).name)\n"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crous_admin.settings"},
    )

    assert result.stdout.strip() == "notifications.tasks.deliver_message"


def test_the_names_the_outbox_sends_are_those_of_its_tasks():
    assert deliver_message.name == dispatch.DELIVER_MESSAGE
    assert deliver_messages.name == dispatch.DELIVER_MESSAGES
