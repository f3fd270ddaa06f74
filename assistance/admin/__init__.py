"""The Assistance queue in the back-office (scoped per Crous), a ticket's page, the dashboard.

Modules: ``tickets`` (the queue and canned replies), ``ticket_page``, ``file_actions``,
``dashboard``, ``filters``, ``forms``.

* The change list is the queue: filters by status, category, Crous, residence, "assigned to
  me" / "unassigned" and overdue; bulk actions claim, assign and change status.
* A ticket's page (``change_view``) shows the thread with internal notes, the audit trail
  and the forms: reply (with canned replies), note, claim, assign, status, and the one-click
  actions on the tenant file. Each form posts to its own URL under the ticket, which checks
  the right in the ticket's Crous and calls one service of ``assistance.services``
  (``staff_actions``, ``recovery``).
* ``dashboard/`` (and ``dashboard.csv``): one Crous' figures, charts drawn as inline SVG.
"""

# Imported for their registrations with the admin site.
from assistance.admin import tickets  # noqa: F401
