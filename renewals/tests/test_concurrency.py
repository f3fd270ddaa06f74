"""Fifty submissions of the same renewal at the same instant give one request (PostgreSQL).

A double click, two tabs, an API retry: the file row is locked while the submission decides
(renewals/services.py), and the unique constraint on (window, file) backs it up.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from notifications.models import Message
from renewals.models import RenewalRequest
from renewals.services import renewal_request_submit

THREADS = 50


@pytest.fixture
def postgresql_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrency needs a database with row locks and one connection per thread: "
            "SQLite's test database is in memory and serialises every write. Run with "
            "DATABASE_URL=postgres://…"
        )


def test_fifty_simultaneous_submissions_make_one_request_and_one_pair_of_confirmations(
    postgresql_only, linked_student_file, bordeaux_window, inside_window
):
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = [""] * THREADS

    def submit(i: int) -> None:
        try:
            with scopes_disabled():
                barrier.wait(timeout=30)
                submission = renewal_request_submit(
                    tenant_file=linked_student_file, by=linked_student_file.linked_user
                )
                outcomes[i] = (
                    f"{submission.request.pk}:{'created' if submission.created else 'same'}"
                )
        except Exception as exc:  # reported by the assertions below
            outcomes[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    renewal = RenewalRequest.objects.get()
    assert Counter(outcomes) == {f"{renewal.pk}:created": 1, f"{renewal.pk}:same": THREADS - 1}
    assert Message.objects.count() == 2
