"""Writes of renewals, by what they hold: ``windows``, ``submission`` of requests, staff
``decisions``, the 72-hour ``confirmations`` and ``reminders``.

Every function is keyword-only and records who acted (``by``) in the history. The student
pages, the API, the back-office and the periodic jobs call these; none writes the models
itself. Emails and SMS go through the outbox (``notifications.services.queueing``), each with an
idempotency key naming its business event, so that running anything twice sends nothing
twice.
"""

from renewals.services.submission import renewal_request_submit
from renewals.services.windows import renewal_window_create

# What the demo data and the API permission matrix are set up with; everything else is
# imported from its module.
__all__ = ["renewal_request_submit", "renewal_window_create"]
