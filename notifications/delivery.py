"""Handing one outbox message to its email or SMS backend, and reading what went wrong.

Everything a provider can answer ends up as one of two errors: ``RetryableDeliveryError``
(the same message may go through later: network, timeouts, overload, 4xx SMTP replies) or
``PermanentDeliveryError`` (it never will: invalid address or number, missing template).
Unknown errors count as retryable: a bug fixed by the next deployment should not have
failed every message meanwhile, and the deadline bounds the retries anyway.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from notifications import sms
from notifications.models import Channel
from notifications.rendering import render_email, render_sms

if TYPE_CHECKING:
    from notifications.models import Message
    from residences.models import Crous

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RetryableDeliveryError(DeliveryError):
    retryable = True


class PermanentDeliveryError(DeliveryError):
    pass


class UnexpectedDeliveryError(RetryableDeliveryError):
    """An exception nobody mapped (a bug, a provider library's surprise): retried like the
    others, but staff are alerted after ``NOTIFICATIONS_ALERT_AFTER_UNEXPECTED_ERRORS``
    attempts instead of at the deadline, three days later."""


def deliver(message: Message) -> str:
    """Sends ``message`` now; returns the provider's message id ("" when it gives none)."""
    try:
        if message.channel == Channel.EMAIL:
            return _send_email(message)
        if message.channel == Channel.SMS:
            return _send_sms(message)
        raise PermanentDeliveryError(f"Unknown channel {message.channel!r}.")
    except DeliveryError:
        raise
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
        raise PermanentDeliveryError(f"Template error: {exc}") from exc
    except sms.SmsError as exc:
        cls = RetryableDeliveryError if exc.retryable else PermanentDeliveryError
        raise cls(str(exc), retry_after=exc.retry_after) from exc
    except Exception as exc:
        raise _email_error(exc) from exc


# --- Email -----------------------------------------------------------------------------------


def crous_from_address(crous: Crous) -> str:
    """``Crous de Bordeaux-Aquitaine <DEFAULT_FROM_EMAIL's address>``.

    Mail goes out from the installation's one sending address (the one its SPF/DKIM cover)
    but in the name of the student's Crous, whose own address receives the replies. The
    name is quoted (or encoded) by ``formataddr`` as RFC 5322 requires.
    """
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((crous.name, address))


def message_id_header(message: Message) -> str:
    """A Message-ID derived from the idempotency key: the same for every attempt.

    If the at-least-once window ever delivers a message twice, mail clients that thread or
    de-duplicate on Message-ID (Gmail does) show it once.
    """
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _send_email(message: Message) -> str:
    try:
        validate_email(message.recipient)
    except ValidationError as exc:
        raise PermanentDeliveryError(f"Invalid email address {message.recipient!r}.") from exc
    crous = message.crous
    rendered = render_email(
        template_key=message.template_key,
        language=message.language,
        context=message.context,
        crous=crous,
    )
    email = mail.EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=crous_from_address(crous),
        to=[message.recipient],
        reply_to=[crous.contact_email],
        headers={"Message-ID": message_id_header(message), "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(rendered.html, "text/html")
    # Read by django-anymail's backends (ignored by Django's): the provider stores them with
    # the message, so its logs and webhooks can be matched to this row.
    email.metadata = {  # type: ignore[attr-defined]
        "outbox_message_id": str(message.pk),
        "idempotency_key": message.idempotency_key,
    }
    email.tags = [message.template_key]  # type: ignore[attr-defined]
    email.send(fail_silently=False)
    status = getattr(email, "anymail_status", None)
    return str(getattr(status, "message_id", None) or "")


def _email_error(exc: Exception) -> DeliveryError:
    """Maps an exception raised while sending an email to a retryable or permanent error."""
    text = f"{type(exc).__name__}: {exc}"[:1000]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return PermanentDeliveryError(f"Recipient refused: {text}")
    if isinstance(exc, smtplib.SMTPResponseException):
        # 5xx replies are final, 4xx ones ask to try again later (RFC 5321 §4.2.1).
        if 500 <= exc.smtp_code < 600:
            return PermanentDeliveryError(text)
        return RetryableDeliveryError(text)
    anymail = _anymail_error(exc, text)
    if anymail is not None:
        return anymail
    if not isinstance(exc, OSError):
        logger.exception("Unexpected error while sending a message; it will be retried.")
        return UnexpectedDeliveryError(text)
    return RetryableDeliveryError(text)


def _anymail_error(exc: Exception, text: str) -> DeliveryError | None:
    try:
        from anymail.exceptions import (
            AnymailAPIError,
            AnymailInvalidAddress,
            AnymailRecipientsRefused,
        )
    except ImportError:  # pragma: no cover - anymail is a dependency
        return None
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return PermanentDeliveryError(text)
    if isinstance(exc, AnymailAPIError):
        status: Any = getattr(exc, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500 and status not in {401, 403, 408, 429}:
            return PermanentDeliveryError(text)
        return RetryableDeliveryError(text)
    return None


# --- SMS -------------------------------------------------------------------------------------


def e164(number: str, *, region: str | None = None) -> str | None:
    """``number`` in E.164 (``+33612345678``), or None if it is not a valid number."""
    try:
        parsed = phonenumbers.parse(
            number, region or getattr(settings, "PHONENUMBER_DEFAULT_REGION", "FR")
        )
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def recipient_normalized(value: str, *, channel: str | None = None) -> str:
    """A recipient as the outbox stores it: trimmed, and a phone number in E.164.

    With no ``channel`` (a search term, an API filter), a value without "@" is read as a
    number. A value that is not a valid number is kept as given, trimmed.
    """
    value = value.strip()
    as_number = channel == Channel.SMS if channel is not None else "@" not in value
    return (e164(value) or value) if as_number and value else value


def _send_sms(message: Message) -> str:
    number = e164(message.recipient)
    if number is None:
        raise PermanentDeliveryError(f"Invalid phone number {message.recipient!r}.")
    body = render_sms(
        template_key=message.template_key,
        language=message.language,
        context=message.context,
        crous=message.crous,
    )
    sent = sms.send_sms(
        to=number,
        body=body,
        sender=message.crous.sms_sender_name,
        idempotency_key=message.idempotency_key,
    )
    return sent.provider_message_id
