"""Writes of Assistance, by what they hold: ``opening`` tickets, ticket ``threads``, the
``lost_access_requests`` form, ``staff_actions``, ``recovery`` of a student's access and
``escalation``.

Every function is keyword-only, runs in one transaction, leaves a ``TicketEvent`` for what
staff did (the audit trail; the tenant file's own history is written by
``tenants.code_services``) and queues emails through the outbox in the same transaction.

Callers have already decided the ticket is visible to the person acting (the request's
scope, ``selectors.ticket_for_staff`` / ``ticket_of_student``); services read and lock rows
with the scope lifted, because a ticket's writes touch other Crous' rows on purpose
(duplicates, a move to the Crous that holds the file, a transfer).

The workflow (docs/assistance.md)::

    new ──► open ──► waiting on student ──► resolved ──► closed
     │        ▲            │                   │
     │        └── student reply reopens ◄──────┘
     └──► (any of them, by staff)

A due time runs only while the Crous owes an answer (new, open); a student reply that
reopens a ticket starts a new one from the reply.
"""

from assistance.services.opening import ticket_open
from assistance.services.staff_actions import ticket_claim, ticket_staff_reply

# What the demo data is written with; everything else is imported from its module.
__all__ = ["ticket_claim", "ticket_open", "ticket_staff_reply"]
