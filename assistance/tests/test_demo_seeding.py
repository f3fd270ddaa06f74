from __future__ import annotations

from django.utils import timezone

from assistance.demo_seeding import seed_assistance_demo
from assistance.models import CannedReply, Ticket
from assistance.selectors import overdue_q
from crous_admin.demo.seeding import seed_demo


def test_the_demo_has_a_queue_with_overdue_and_waiting_tickets_and_seeds_once(db):
    seed_demo(scale=0.002)

    assert Ticket.objects.filter(overdue_q(timezone.now())).exists()
    assert Ticket.objects.filter(status="waiting").exists()
    assert Ticket.objects.filter(is_duplicate=True).count() == 2
    assert CannedReply.objects.filter(crous__code="bordeaux").count() == 3
    count = Ticket.objects.count()
    assert seed_assistance_demo() == 0
    assert Ticket.objects.count() == count
