"""Real Celery worker processes for integration tests.

A worker started here runs the project's code in a separate process, against the real broker
(``REDIS_URL``) and the test database, consuming a queue of its own so that no other worker on
the same Redis can take its tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60


def reset_broker_pools() -> None:
    """Forgets this process' broker connections and producers, so that the next task sent
    opens new ones to the broker now configured (tests switch brokers and kill them)."""
    from kombu import pools

    from crous_admin import celery_app

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps producer pools per connection in a process-wide registry: a pool closed
    # above would otherwise be handed out again ("Acquire on closed pool").
    pools.reset()


def skip_unless_real_broker_and_shared_database() -> None:
    if not settings.REDIS_URL:
        pytest.skip(
            "Integration test skipped: it needs a real Redis. Run it with "
            "REDIS_URL=redis://127.0.0.1:6379/0 and DATABASE_URL=postgres://… (as .ci/run does)."
        )
    if connection.vendor != "postgresql":
        pytest.skip(
            "Integration test skipped: a worker process cannot share the in-memory SQLite test "
            "database; set DATABASE_URL to a PostgreSQL server (as .ci/run does)."
        )


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    queue: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to finish or hand back what it holds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(
    *,
    log_dir: Path,
    queue: str | None = None,
    concurrency: int = 1,
    extra_env: dict[str, str] | None = None,
) -> WorkerProcess:
    """Starts ``celery worker`` on a queue of its own and waits until it is ready."""
    queue = queue or f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "true",
        **(extra_env or {}),
    }
    log_path = log_dir / f"worker-{queue}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crous_admin",
                "worker",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(process=process, queue=queue, log_path=log_path, env=env)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited early:\n{worker.log()}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.2)
    worker.kill()
    raise RuntimeError(
        f"The Celery worker was not ready in {READY_TIMEOUT_SECONDS} s:\n{worker.log()}"
    )


def wait_until(predicate, *, timeout: float, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
