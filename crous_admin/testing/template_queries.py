"""Which queries run while a template renders: a page's reads belong in its view and
selectors, where a query budget sees them, not in a template tag or a lazy queryset."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django import template
from django.db import connection

_TEMPLATE_PACKAGE = str(Path(template.__file__).resolve().parent)


def _inside_template_rendering() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_TEMPLATE_PACKAGE):
            return True
        frame = frame.f_back
    return False


@contextmanager
def queries_from_templates() -> Iterator[list[str]]:
    """Collects the SQL of every query run from inside Django's template package."""
    found: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if _inside_template_rendering():
            found.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield found
