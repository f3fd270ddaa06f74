"""The outbox against a real Redis and real worker processes: nothing lost, nothing twice.

Each test runs its own throw-away ``redis-server`` on a free port (never the shared one): it
is killed and restarted empty, like a development Redis without persistence. Workers are
``celery -A crous_admin worker`` processes sharing the test database (PostgreSQL), writing
emails and SMS as files into a temporary directory, where the test counts deliveries per
message.

Run with:
    REDIS_URL=redis://127.0.0.1:6379/7 DATABASE_URL=postgres://postgres@127.0.0.1:5432/crous_notif \
    .venv/bin/python -m pytest notifications -m integration --create-db
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from crous_admin import celery_app
from crous_admin.testing.celery_worker import reset_broker_pools
from notifications.delivery import message_id_header
from notifications.models import AttemptOutcome, Channel, Message, MessageStatus
from notifications.services.queueing import MessageSpec, message_queue_bulk
from notifications.services.sweep import message_sweep

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
RUN_WITH = (
    "REDIS_URL=redis://127.0.0.1:6379/7 DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
    "crous_notif .venv/bin/python -m pytest notifications -m integration --create-db"
)


@pytest.fixture(autouse=True)
def _real_broker_and_shared_database() -> None:
    if not settings.REDIS_URL:
        pytest.skip(f"Integration test: needs REDIS_URL and PostgreSQL. Run: {RUN_WITH}")
    if connection.vendor != "postgresql":
        pytest.skip(
            "Integration test: worker processes cannot share the in-memory SQLite test "
            f"database; set DATABASE_URL to PostgreSQL. Run: {RUN_WITH}"
        )
    if shutil.which("redis-server") is None:
        pytest.skip("Integration test: needs the redis-server program to run a private Redis.")


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# --- A private Redis, killed and restarted at will ------------------------------------------


@dataclass
class PrivateRedis:
    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        # No RDB, no AOF: like the development Redis, a restart empties every queue.
        self.process = subprocess.Popen(  # noqa: S603 - the redis-server found on PATH
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, timeout=10), "the private redis-server did not start"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(port=free_port(), workdir=tmp_path)
    server.start()
    yield server
    server.kill()


@contextmanager
def tasks_sent_to(broker_url: str) -> Iterator[None]:
    """This process sends its tasks to ``broker_url`` instead of running them eagerly."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    drop_pools = reset_broker_pools
    drop_pools()
    conf.broker_url, conf.task_always_eager = broker_url, False
    try:
        yield
    finally:
        drop_pools()
        conf.broker_url, conf.task_always_eager = saved


# --- Worker processes ------------------------------------------------------------------------


def shared_test_database_url() -> str:
    db = connection.settings_dict  # the test database, as this process uses it now
    user, password = quote(db.get("USER") or "", safe=""), quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = db.get("HOST") or "localhost", db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the worker and its pool processes at once: a machine lost mid-send."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Deliveries:
    """The files the workers' email and SMS backends wrote, counted per message."""

    root: Path

    @property
    def email_dir(self) -> Path:
        return self.root / "email"

    @property
    def sms_dir(self) -> Path:
        return self.root / "sms"

    def per_message(self, messages: list[Message]) -> Counter[int]:
        by_key = {m.idempotency_key: m.pk for m in messages}
        by_message_id = {message_id_header(m): m.pk for m in messages}
        counts: Counter[int] = Counter()
        for path in self.sms_dir.glob("*.sms.txt"):
            key = re.search(r"^Idempotency-Key: (.*)$", path.read_text(), re.MULTILINE)
            counts[by_key[key.group(1)] if key else -1] += 1
        for path in self.email_dir.glob("*.log"):
            for found in re.findall(r"^Message-ID: (<.*>)$", path.read_text(), re.MULTILINE):
                counts[by_message_id.get(found, -1)] += 1
        return counts

    def total(self) -> int:
        return len(list(self.sms_dir.glob("*.sms.txt"))) + sum(
            len(re.findall(r"^Message-ID: ", p.read_text(), re.MULTILINE))
            for p in self.email_dir.glob("*.log")
        )


@pytest.fixture
def deliveries(tmp_path: Path) -> Deliveries:
    found = Deliveries(tmp_path / "outbox")
    found.email_dir.mkdir(parents=True)
    found.sms_dir.mkdir(parents=True)
    return found


@pytest.fixture
def start_worker(
    tmp_path: Path, private_redis: PrivateRedis, deliveries: Deliveries
) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(
        *, sms_delay: float = 0.0, lease_seconds: int = 120, env: dict[str, str] | None = None
    ) -> Worker:
        log_path = tmp_path / f"worker-{len(started)}.log"
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crous_admin.settings",
            "DEBUG": "true",
            "DATABASE_URL": shared_test_database_url(),
            "REDIS_URL": private_redis.url,
            "VAR_DIR": str(tmp_path / "var"),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(deliveries.email_dir),
            "SMS_BACKEND": "notifications.tests.backends.SlowFileSmsBackend",
            "SMS_FILE_PATH": str(deliveries.sms_dir),
            "SMS_TEST_DELAY": str(sms_delay),
            "NOTIFICATIONS_CLAIM_LEASE_SECONDS": str(lease_seconds),
            **(env or {}),
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "crous_admin",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=2",
                    "-Q",
                    "celery",
                    f"--hostname=outbox-test-{len(started)}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )
        worker = Worker(process=process, log_path=log_path)
        started.append(worker)
        if not wait_until(
            lambda: " ready." in worker.log() or process.poll() is not None, timeout=60
        ):
            pytest.fail(f"The worker was not ready in 60 s:\n{worker.log()}")
        if process.poll() is not None:
            pytest.fail(f"The worker exited:\n{worker.log()}")
        return worker

    yield start
    for worker in started:
        worker.kill()


def specs(crous, count: int, *, prefix: str, channels=(Channel.EMAIL, Channel.SMS)) -> list:
    return [
        MessageSpec(
            crous=crous,
            recipient=(
                f"etudiant{n}@etu.example"
                if channels[n % len(channels)] == Channel.EMAIL
                else f"+3361200{n:04d}"
            ),
            channel=channels[n % len(channels)],
            template_key="demo_message",
            language="fr" if n % 3 else "en",
            idempotency_key=f"{prefix}:{n}",
        )
        for n in range(count)
    ]


def all_sent(messages: list[Message]) -> Callable[[], bool]:
    ids = [m.pk for m in messages]
    return lambda: Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).count() == len(ids)


# --- The tests -------------------------------------------------------------------------------


def test_a_redis_restart_delays_messages_but_every_one_is_sent_exactly_once(
    bordeaux, settings, private_redis, start_worker, deliveries
):
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 0
    settings.NOTIFICATIONS_BATCH_SIZE = 8
    with tasks_sent_to(private_redis.url):
        # Given 20 messages committed with their tasks in Redis (batches of 8, 8 and 4), and
        # no worker running
        before = message_queue_bulk(messages=specs(bordeaux, 20, prefix="before-outage"))
        assert private_redis.client().llen("celery") == 3
        # When Redis dies and comes back empty…
        private_redis.kill()
        # …with 10 more messages committed while it was down (their tasks cannot be sent)
        during = message_queue_bulk(messages=specs(bordeaux, 10, prefix="during-outage"))
        private_redis.start()
        assert private_redis.client().llen("celery") == 0
        messages = before + during

        worker = start_worker()
        time.sleep(2)
        assert deliveries.total() == 0, "the tasks were lost: nothing to deliver yet"

        # Then the sweep (beat's job, run here) enqueues them all again
        swept = message_sweep()
        assert swept.pending == 30
        assert wait_until(all_sent(messages), timeout=90), worker.log()
        # And ringing the doorbell again for every one of them, alone or in a batch, sends
        # nothing more
        message_sweep()
        for message in messages:
            celery_app.send_task("notifications.tasks.deliver_message", args=(message.pk,))
        celery_app.send_task(
            "notifications.tasks.deliver_messages", args=([m.pk for m in messages],)
        )
        time.sleep(3)

    counts = deliveries.per_message(messages)
    assert counts == Counter({m.pk: 1 for m in messages})
    assert deliveries.total() == 30


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    bordeaux, settings, private_redis, start_worker, deliveries
):
    lease = 4
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = lease
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 0
    settings.NOTIFICATIONS_BATCH_SIZE = 3
    with tasks_sent_to(private_redis.url):
        # Given 8 SMS queued (tasks of 3, 3 and 2) and a worker of two processes whose
        # provider takes 60 s to answer
        messages = message_queue_bulk(
            messages=specs(bordeaux, 8, prefix="killed-worker", channels=(Channel.SMS,))
        )
        slow = start_worker(sms_delay=60, lease_seconds=lease)
        assert wait_until(
            lambda: Message.objects.filter(status=MessageStatus.SENDING).count() == 6, timeout=30
        ), slow.log()

        # When the worker dies with two batches claimed and nothing handed to the provider
        slow.kill()
        assert deliveries.total() == 0
        claimed = set(
            Message.objects.filter(status=MessageStatus.SENDING).values_list("pk", flat=True)
        )

        # Then a new worker sends what was still queued…
        fresh = start_worker(lease_seconds=lease)
        others = [m for m in messages if m.pk not in claimed]
        assert wait_until(all_sent(others), timeout=60), fresh.log()
        assert Message.objects.filter(pk__in=claimed, status=MessageStatus.SENDING).count() == 6
        # …and, once their lease has expired, the sweep hands the six claimed ones to it
        time.sleep(lease + 0.5)
        assert message_sweep().reclaimable == 6
        assert wait_until(all_sent(messages), timeout=60), fresh.log()
        time.sleep(2)

    assert deliveries.per_message(messages) == Counter({m.pk: 1 for m in messages})
    for pk in claimed:
        outcomes = list(
            Message.objects.get(pk=pk).delivery_attempts.values_list("outcome", flat=True)
        )
        assert outcomes == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SENT]


def test_thirty_percent_of_sms_failing_are_all_delivered_once_after_retries(
    bordeaux, settings, private_redis, start_worker, deliveries
):
    settings.NOTIFICATIONS_BATCH_SIZE = 4
    with tasks_sent_to(private_redis.url):
        # Given a provider that answers 503 to 30 % of the sends, and short retry delays
        worker = start_worker(
            env={
                "SMS_BACKEND": "notifications.sms.backends.faulty.SmsBackend",
                "NOTIFICATIONS_FAULTS": json.dumps(
                    {
                        "failure_rate": 0.3,
                        "seed": 11,
                        "backend": "notifications.tests.backends.SlowFileSmsBackend",
                    }
                ),
                "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.5",
            }
        )
        # When 24 SMS are queued
        messages = message_queue_bulk(
            messages=specs(bordeaux, 24, prefix="flaky-provider", channels=(Channel.SMS,))
        )

        # Then every one is delivered, each once, some of them after retries
        assert wait_until(all_sent(messages), timeout=90), worker.log()
        time.sleep(1)

    assert deliveries.per_message(messages) == Counter({m.pk: 1 for m in messages})
    assert Message.objects.filter(pk__in=[m.pk for m in messages], attempts__gt=1).exists()


def test_a_worker_killed_while_the_provider_answers_resends_exactly_the_sms_in_flight(
    bordeaux, settings, private_redis, start_worker, deliveries, record_property
):
    """The documented at-least-once window: the provider's whole answer time plus the mark.
    A worker killed inside it resends the SMS it had in flight — one per worker process —
    and nothing else; the duplicates are counted and reported."""
    lease = 4
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = lease
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 0
    settings.NOTIFICATIONS_BATCH_SIZE = 3
    with tasks_sent_to(private_redis.url):
        # Given 8 SMS and a worker of two processes whose provider accepts each SMS at once
        # but answers 60 s later
        messages = message_queue_bulk(
            messages=specs(bordeaux, 8, prefix="slow-answer", channels=(Channel.SMS,))
        )
        slow = start_worker(
            sms_delay=60,
            lease_seconds=lease,
            env={"SMS_BACKEND": "notifications.tests.backends.SlowAnswerFileSmsBackend"},
        )
        assert wait_until(lambda: deliveries.total() == 2, timeout=30), slow.log()

        # When the worker is killed while both processes wait for the provider's answer
        slow.kill()
        in_window = set(deliveries.per_message(messages))
        assert not Message.objects.filter(pk__in=in_window, status=MessageStatus.SENT).exists()

        # Then, once the leases expire, everything is delivered
        fresh = start_worker(lease_seconds=lease)
        time.sleep(lease + 0.5)
        message_sweep()
        assert wait_until(all_sent(messages), timeout=60), fresh.log()
        time.sleep(2)

    counts = deliveries.per_message(messages)
    duplicates = sum(count - 1 for count in counts.values())
    record_property("duplicates", duplicates)
    print(f"Duplicates after killing a worker inside the window: {duplicates}")
    # Exactly the SMS that were inside the window, each twice; every other one once.
    assert duplicates == len(in_window) == 2
    assert counts == Counter({m.pk: 2 if m.pk in in_window else 1 for m in messages})
