"""SMS backends: console, file, locmem, and the HTTP provider against a local server."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications import sms
from notifications.models import Channel, MessageStatus
from notifications.services.sending import DeliveryOutcome, message_deliver
from notifications.sms.backends.console import SmsBackend as ConsoleSmsBackend
from notifications.sms.backends.filebased import SmsBackend as FileSmsBackend
from notifications.sms.backends.http import SmsBackend as HttpSmsBackend
from notifications.tests.factories import MessageFactory


def test_send_sms_goes_through_the_configured_backend():
    sent = sms.send_sms(to="+33612345678", body="Bonjour", sender="CROUS", idempotency_key="k1")

    assert sms.outbox == [sent]
    assert sent.provider_message_id.startswith("locmem:")
    assert (sent.to, sent.body, sent.sender, sent.idempotency_key) == (
        "+33612345678",
        "Bonjour",
        "CROUS",
        "k1",
    )


def test_the_console_backend_prints_each_sms():
    stream = io.StringIO()

    ConsoleSmsBackend(stream=stream).send_messages(
        [sms.SmsMessage(to="+33612345678", body="Bonjour", sender="CROUS")]
    )

    assert "To: +33612345678\nFrom: CROUS\n" in stream.getvalue()
    assert "GSM-7, 7 units, 1 segment\n\nBonjour\n" in stream.getvalue()


def test_the_file_backend_writes_one_readable_file_per_sms(tmp_path):
    backend = FileSmsBackend(file_path=tmp_path / "sms")

    backend.send_messages(
        [
            sms.SmsMessage(to="+33612345678", body="Premier", sender="CROUS", idempotency_key="a"),
            sms.SmsMessage(to="+33698765432", body="ça marche", sender="CROUS"),
        ]
    )

    files = sorted((tmp_path / "sms").glob("*.sms.txt"))
    assert len(files) == 2
    texts = sorted(f.read_text(encoding="utf-8") for f in files)
    assert texts[0].startswith("To: +33612345678\nFrom: CROUS\n")
    assert "Idempotency-Key: a\n" in texts[0]
    assert texts[0].endswith("\nPremier\n")
    assert "UCS-2, 9 units, 1 segment" in texts[1]
    assert not list((tmp_path / "sms").glob(".*"))  # no temporary file left behind


def test_the_file_backend_needs_a_path(settings):
    settings.SMS_FILE_PATH = ""

    with pytest.raises(ImproperlyConfigured):
        FileSmsBackend()


def test_an_sms_is_sent_in_the_name_of_the_crous(bordeaux):
    bordeaux.sms_sender_name = "CROUS BDX"
    bordeaux.save()
    message = MessageFactory(
        crous=bordeaux, channel=Channel.SMS, recipient="+33612345678", language="en"
    )

    message_deliver(message_id=message.pk)

    (sent,) = sms.outbox
    assert sent.sender == "CROUS BDX"
    assert sent.to == "+33612345678"
    assert sent.body == (
        "Crous de Bordeaux-Aquitaine: test message sent through the outbox. No reply needed."
    )
    assert sent.idempotency_key == message.idempotency_key
    message.refresh_from_db()
    assert message.provider_message_id == sent.provider_message_id


# --- The HTTP provider backend ---------------------------------------------------------------


@dataclass
class FakeProvider:
    """A tiny SMS provider on 127.0.0.1: answers what the test sets, records each request."""

    url: str
    status: int = 200
    body: str = '{"id": "prov-123"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    state: FakeProvider

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": json.loads(self.rfile.read(length) or b"null"),
                }
            )
            if state.delay:
                time.sleep(state.delay)
            payload = state.body.encode()
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in state.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = FakeProvider(url=f"http://127.0.0.1:{server.server_address[1]}/v1/sms")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def http_backend(provider: FakeProvider, **kwargs: Any) -> HttpSmsBackend:
    return HttpSmsBackend(url=provider.url, token="secret-token", timeout=2, **kwargs)


def one_sms() -> sms.SmsMessage:
    return sms.SmsMessage(
        to="+33612345678", body="Bonjour", sender="CROUS", idempotency_key="renewal:1:sms"
    )


def test_the_http_backend_posts_json_with_the_token_and_the_idempotency_key(provider):
    message = one_sms()

    assert http_backend(provider).send_messages([message]) == 1

    (request,) = provider.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    assert request["headers"]["Idempotency-Key"] == "renewal:1:sms"
    assert request["json"] == {
        "to": "+33612345678",
        "from": "CROUS",
        "text": "Bonjour",
        "reference": "renewal:1:sms",
    }
    assert message.provider_message_id == "prov-123"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408, 401, 403])
def test_the_http_backend_reads_overload_and_server_errors_as_retryable(provider, status):
    provider.status, provider.body = status, '{"error": "busy"}'

    with pytest.raises(sms.SmsRetryableError, match=f"answered {status}"):
        http_backend(provider).send_messages([one_sms()])


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_the_http_backend_reads_other_client_errors_as_permanent(provider, status):
    provider.status, provider.body = status, '{"error": "invalid destination number"}'

    with pytest.raises(sms.SmsPermanentError, match="invalid destination number"):
        http_backend(provider).send_messages([one_sms()])


def test_the_http_backend_honours_retry_after(provider):
    provider.status, provider.headers = 429, {"Retry-After": "90"}

    with pytest.raises(sms.SmsRetryableError) as error:
        http_backend(provider).send_messages([one_sms()])

    assert error.value.retry_after == 90


def test_a_provider_that_does_not_answer_in_time_is_retryable(provider):
    provider.delay = 1.0

    with pytest.raises(sms.SmsRetryableError, match="timed out"):
        HttpSmsBackend(url=provider.url, timeout=0.2).send_messages([one_sms()])


def test_a_provider_that_refuses_connections_is_retryable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nobody listens there

    with pytest.raises(sms.SmsRetryableError, match="unreachable"):
        HttpSmsBackend(url=f"http://127.0.0.1:{port}/sms", timeout=1).send_messages([one_sms()])


def test_the_http_backend_needs_a_url(settings):
    settings.SMS_HTTP_URL = ""

    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend()


@pytest.mark.parametrize(
    ("status", "outcome", "message_status"),
    [
        (200, DeliveryOutcome.SENT, MessageStatus.SENT),
        (503, DeliveryOutcome.RETRY, MessageStatus.PENDING),
        (400, DeliveryOutcome.FAILED, MessageStatus.FAILED),
    ],
)
def test_the_outbox_retries_or_fails_an_sms_as_the_provider_answers(
    provider, settings, bordeaux, status, outcome, message_status
):
    settings.SMS_BACKEND = "notifications.sms.backends.http.SmsBackend"
    settings.SMS_HTTP_URL = provider.url
    settings.SMS_HTTP_TOKEN = "secret-token"
    provider.status = status
    message = MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient="+33612345678")

    assert message_deliver(message_id=message.pk) == outcome

    message.refresh_from_db()
    assert message.status == message_status
    assert provider.requests[0]["headers"]["Idempotency-Key"] == message.idempotency_key
    if status == 200:
        assert message.provider_message_id == "prov-123"
