"""``manage.py announce_when_ready``: ``make run``'s last word, once every process is up.

Started by ``Procfile.dev`` beside the web server, the worker and beat, it waits until

* the web server answers an HTTP request,
* a worker replies to a ping through the broker,
* a heartbeat sent by beat when it started has been recorded by a worker (so beat, the
  broker, a worker and the database work together),

then prints the demo logins and the addresses, so they are the last thing on screen. It then
stays idle until ``make run`` stops: honcho stops every process as soon as one exits.
"""

from __future__ import annotations

import http.client
import signal
import sys
import time
from datetime import UTC, datetime
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandParser

from crous_admin.demo.seeding import DEMO_LOGINS, DEMO_PASSWORD
from crous_admin.health.models import Heartbeat

POLL_SECONDS = 0.5
# How often to say what is still missing, when start-up takes long.
REMIND_EVERY_SECONDS = 60.0


def web_answers(base_url: str) -> bool:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    try:
        connection.request("GET", "/health/?format=json")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def worker_answers() -> bool:
    from crous_admin import celery_app

    try:
        return bool(celery_app.control.ping(timeout=1.0))
    except Exception:
        return False


def beat_heard_since(since: datetime) -> bool:
    return Heartbeat.objects.filter(beat_at__gte=since).exists()


def _stop_quietly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


class Command(BaseCommand):
    help = "Waits until the web server, a worker and beat are up, then prints the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--since",
            type=float,
            default=None,
            help="Unix time the processes were started (beat's first heartbeat comes after).",
        )
        parser.add_argument(
            "--exit", action="store_true", help="Exit once printed (default: stay idle)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Ctrl-C on ``make run``: leave without a traceback.
        signal.signal(signal.SIGTERM, _stop_quietly)
        signal.signal(signal.SIGINT, _stop_quietly)
        base_url: str = options["base_url"].rstrip("/")
        since = datetime.fromtimestamp(options["since"] or time.time(), tz=UTC)
        self._wait(base_url=base_url, since=since)
        self._print_logins(base_url)
        self.stdout.flush()
        if not options["exit"]:
            while True:
                signal.pause()

    def _wait(self, *, base_url: str, since: datetime) -> None:
        checks = {
            "the web server": lambda: web_answers(base_url),
            "a worker": worker_answers,
            "beat": lambda: beat_heard_since(since),
        }
        waiting = list(checks)
        started = last_reminder = time.monotonic()
        while waiting:
            if checks[waiting[0]]():
                waiting.pop(0)
                continue
            if time.monotonic() - last_reminder >= REMIND_EVERY_SECONDS:
                last_reminder = time.monotonic()
                self.stdout.write(
                    f"Still waiting for {waiting[0]} after {last_reminder - started:.0f} s "
                    "(see its lines above)."
                )
                self.stdout.flush()
            time.sleep(POLL_SECONDS)

    def _print_logins(self, base_url: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Ready: web server, worker and beat are up."))
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (password for all of them):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        width = max(len(login.email) for login in DEMO_LOGINS)
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<{width}}  {login.who}")
        self.stdout.write("")
        self.stdout.write(f"  Student pages: {base_url}/")
        self.stdout.write(f"  Back-office:   {base_url}/admin/")
        self.stdout.write(f"  API docs:      {base_url}/api/docs/")
        self.stdout.write("  Stop everything with Ctrl-C.")
