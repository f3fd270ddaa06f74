"""Fifty submissions of the same renewal at the same instant give one request (PostgreSQL).

A double click, two tabs, an API retry: the file row is locked while the submission decides
(renewals/services/submission.py), and the unique constraint on (window, file) backs it up.
"""

from __future__ import annotations

from collections import Counter

from django_scopes import scopes_disabled

from crous_admin.testing.concurrency import all_at_once
from notifications.models import Message
from renewals.models import RenewalRequest
from renewals.services.submission import renewal_request_submit

THREADS = 50


def test_fifty_simultaneous_submissions_make_one_request_and_one_pair_of_confirmations(
    postgresql_only, linked_student_file, bordeaux_window, inside_window
):
    def submit(_i: int) -> str:
        with scopes_disabled():  # the scope is per thread: a request would open the student's
            submission = renewal_request_submit(
                tenant_file=linked_student_file, by=linked_student_file.linked_user
            )
        return f"{submission.request.pk}:{'created' if submission.created else 'same'}"

    outcomes = all_at_once(submit, threads=THREADS)

    renewal = RenewalRequest.objects.get()
    assert Counter(outcomes) == {f"{renewal.pk}:created": 1, f"{renewal.pk}:same": THREADS - 1}
    assert Message.objects.count() == 2
