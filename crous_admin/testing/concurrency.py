"""Many threads doing the same thing at the same instant: the tests of row locks, unique
constraints and compare-and-swap claims (PostgreSQL only: see ``postgresql_only`` in the
root conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def all_at_once(
    work: Callable[[int], str],
    *,
    threads: int,
    refusals: tuple[type[Exception], ...] = (),
) -> list[str]:
    """Runs ``work(i)`` in ``threads`` threads released together by a barrier.

    Returns each thread's outcome: what ``work`` returned, the ``code`` of one of
    ``refusals`` it raised (an expected refusal), or ``"error: …"`` for anything else, for
    the test's assertions to report.
    """
    barrier = threading.Barrier(threads)
    outcomes = [""] * threads

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except refusals as refused:
            outcomes[i] = str(getattr(refused, "code", refused))
        except Exception as exc:  # reported by the assertions
            outcomes[i] = f"error: {exc!r}"
        finally:
            # Each thread opened its own connection: close it, or the test database cannot
            # be flushed (and PostgreSQL's connection slots run out).
            connections.close_all()

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in started), "a thread never finished (deadlock?)"
    return outcomes
