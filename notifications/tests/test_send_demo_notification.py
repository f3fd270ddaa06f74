"""``manage.py send_demo_notification``: the ``make run`` demo of the outbox."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from notifications import sms
from notifications.models import Message, MessageStatus


def test_the_demo_queues_one_email_and_one_sms_that_get_delivered(
    bordeaux, django_capture_on_commit_callbacks
):
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "send_demo_notification",
            "--crous=bordeaux",
            "--to-email=camille@etu.example",
            "--to-phone=06 12 34 56 78",
            stdout=out,
        )

    assert sorted(Message.objects.values_list("channel", "recipient", "status")) == [
        ("email", "camille@etu.example", MessageStatus.SENT),
        ("sms", "+33612345678", MessageStatus.SENT),
    ]
    assert mail.outbox[0].subject == "Message de test du Crous de Bordeaux-Aquitaine"
    assert sms.outbox[0].body.startswith("Crous de Bordeaux-Aquitaine : message de test")
    assert "Queued message #" in out.getvalue()


def test_each_demo_run_is_a_new_event(bordeaux):
    call_command("send_demo_notification", stdout=io.StringIO())
    call_command("send_demo_notification", stdout=io.StringIO())

    assert Message.objects.count() == 4


def test_the_demo_names_an_unknown_crous(bordeaux):
    with pytest.raises(CommandError, match="No active Crous with code 'nowhere'"):
        call_command("send_demo_notification", "--crous=nowhere", stdout=io.StringIO())
