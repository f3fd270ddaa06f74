"""Emails: rendered in the student's language, sent in the name of their Crous."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.utils import timezone

from notifications.delivery import message_id_header
from notifications.models import AttemptOutcome, Message, MessageStatus
from notifications.services.sending import DeliveryOutcome, message_deliver
from notifications.tests.backends import FlakyEmailBackend
from notifications.tests.factories import MessageFactory


def from_header(email) -> tuple[str, str]:
    """The From header as a mail client reads it off the wire: (display name, address)."""
    parsed = message_from_bytes(email.message().as_bytes(), policy=policy.default)
    (address,) = parsed["From"].addresses
    return address.display_name, address.addr_spec


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "footer"),
    [
        (
            "fr",
            "Message de test du Crous de Bordeaux-Aquitaine",
            "Bonjour Léa,",
            "Ce message vous a été envoyé par le Crous de Bordeaux-Aquitaine.",
        ),
        (
            "en",
            "Test message from the Crous de Bordeaux-Aquitaine",
            "Hello Léa,",
            "This message was sent by the Crous de Bordeaux-Aquitaine.",
        ),
    ],
)
def test_an_email_is_rendered_in_the_message_language_in_the_name_of_the_crous(
    bordeaux, language, subject, greeting, footer
):
    message = MessageFactory(crous=bordeaux, language=language, context={"first_name": "Léa"})

    message_deliver(message_id=message.pk)

    (email,) = mail.outbox
    assert email.subject == subject
    assert from_header(email) == ("Crous de Bordeaux-Aquitaine", "ne-pas-repondre@crous.example")
    assert email.reply_to == ["contact@bordeaux.crous.example"]
    assert email.body.startswith(greeting)
    assert footer in email.body
    (html, mimetype) = email.alternatives[0]
    assert mimetype == "text/html"
    assert f'<html lang="{language}">' in html
    assert greeting in html
    assert footer in html


def test_the_crous_name_is_quoted_safely_in_the_from_header(bordeaux):
    bordeaux.name = 'Crous "Test", Réunion'
    bordeaux.save()
    message = MessageFactory(crous=bordeaux)

    message_deliver(message_id=message.pk)

    (email,) = mail.outbox
    # Quotes, a comma and an accent: encoded on the wire, still one mailbox, the name intact.
    assert from_header(email) == ('Crous "Test", Réunion', "ne-pas-repondre@crous.example")


def test_text_parts_are_not_html_escaped(bordeaux):
    message = MessageFactory(crous=bordeaux, language="fr", context={"first_name": "D'Arc & <Co>"})

    message_deliver(message_id=message.pk)

    (email,) = mail.outbox
    assert email.body.startswith("Bonjour D'Arc & <Co>,")
    assert "D&#x27;Arc &amp; &lt;Co&gt;" in email.alternatives[0][0]


def test_every_attempt_of_a_message_carries_the_same_message_id(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FlakyEmailBackend"
    FlakyEmailBackend.tried = []
    message = MessageFactory(crous=bordeaux, idempotency_key="renewal-confirmation:9")

    # Given a first attempt cut short by the mail server
    assert message_deliver(message_id=message.pk) == DeliveryOutcome.RETRY
    Message.objects.filter(pk=message.pk).update(not_before=timezone.now())
    # When the retry goes through
    assert message_deliver(message_id=message.pk) == DeliveryOutcome.SENT

    # Then both attempts carried the same Message-ID, derived from the idempotency key
    (email,) = mail.outbox
    assert FlakyEmailBackend.tried == [message_id_header(message)] * 2
    assert email.message()["Message-ID"] == message_id_header(message)
    assert message_id_header(message).endswith("@crous.example>")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [a.outcome for a in message.delivery_attempts.all()] == [
        AttemptOutcome.RETRY,
        AttemptOutcome.SENT,
    ]


def test_an_invalid_address_fails_the_message_for_good(bordeaux):
    message = MessageFactory(crous=bordeaux, recipient="lea.martin@")

    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "Invalid email address 'lea.martin@'."
    assert mail.outbox == []
