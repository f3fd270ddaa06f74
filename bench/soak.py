"""Soak test of ``make run``: its processes under a steady load, for an hour by default.

    python -m bench.soak                 # 60 minutes, web server on 127.0.0.1:8402
    python -m bench.soak --minutes 20 --record

Starts ``Procfile.dev`` with honcho exactly as ``make run`` does (web server, Celery worker,
beat, and the ready message), with a database and broker folder of its own under
``var/soak/`` (migrated and seeded on the first run, then kept). Once every process is ready
it sends, from threads of this process, page views (student pages, back-office login, API
docs, health), API calls with a national administrator's token, and notifications queued
through the outbox (one email and one SMS at a time, each its own delivery task through the
broker). When the time is up it waits for the queued notifications to be delivered (at most
two minutes), stops everything with SIGINT as Ctrl-C does, and reports:

* crashes: processes that exited before the stop (honcho stops them all when one exits);
* ERROR/CRITICAL lines and tracebacks in the processes' output, during the run and at stop;
* notifications queued, delivered, still pending or failed; delivery tasks received by the
  worker; processes left running after the stop.

Only 127.0.0.1 is contacted; every loop is bounded by the duration and stops by itself.
``--record`` writes the figures into docs/benchmarks.md (section ``soak``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.load import get
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HONCHO = str(Path(sys.executable).with_name("honcho"))
LINE = re.compile(r"^\S+ (?P<name>[\w.]+)\s*\| ?(?P<text>.*)$")
BAD = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback \(most recent call last\)|Unrecoverable")
PAGES = ("/", "/admin/login/", "/api/docs/", "/health/?format=json", "/assistance/")
API = ("/api/v1/crous/", "/api/v1/residences/", "/api/v1/tenant-files/?page_size=20")
DRAIN_SECONDS = 120
STOP_SECONDS = 30


@dataclass
class Run:
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (time, process, line)
    stop_started: float | None = None
    ready_at: float | None = None
    requests: Counter[str] = field(default_factory=Counter)
    request_errors: Counter[str] = field(default_factory=Counter)
    queued_ids: list[int] = field(default_factory=list)
    queue_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lines(self, *, at_stop: bool) -> list[tuple[float, str, str]]:
        limit = self.stop_started or float("inf")
        return [entry for entry in self.log if (entry[0] >= limit) == at_stop]

    def crashes(self) -> list[str]:
        # honcho says "<name> stopped (rc=…)" for each process that ends; before the stop
        # it means a process died by itself.
        return [
            f"{text}"
            for _, name, text in self.lines(at_stop=False)
            if name == "system" and " stopped " in text
        ]

    def web_reloads(self) -> int:
        # runserver restarts itself when a watched source file changes: refused connections.
        return sum(
            1
            for at, name, text in self.lines(at_stop=False)
            if name.startswith("web")
            and text.startswith("Watching for file changes")
            and at > (self.ready_at or 0)
        )

    def bad_lines(self, *, at_stop: bool) -> list[str]:
        return [
            f"{name}: {text}" for _, name, text in self.lines(at_stop=at_stop) if BAD.search(text)
        ]


def _read_output(process: subprocess.Popen[str], run: Run, echo: bool) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.rstrip("\n")
        match = LINE.match(line)
        name, text = (match["name"], match["text"]) if match else ("?", line)
        with run.lock:
            run.log.append((time.monotonic(), name, text))
            if name.startswith("ready") and text.startswith("Ready:"):
                run.ready_at = time.monotonic()
        if echo:
            print(line, flush=True)


def _prepare(env: dict[str, str]) -> float:
    started = time.monotonic()
    for args in (["migrate", "--noinput"], ["seed_demo", "--if-empty"]):
        subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return time.monotonic() - started


def _page_loop(port: int, run: Run, until: float, paths: tuple[str, ...], token: str = "") -> None:
    headers = {"Authorization": f"Token {token}"} if token else {}
    i = 0
    while time.monotonic() < until:
        path = paths[i % len(paths)]
        i += 1
        try:
            status, _ = get(port, path, headers=headers, timeout=30)
            failure = f"{path} → {status}" if status >= 500 else ""
        except OSError as exc:
            failure = f"{path} → no answer ({type(exc).__name__})"
        with run.lock:
            run.requests[path] += 1
            # A 503 from /health/ only says the heartbeat is late: counted, it is a finding too.
            if failure:
                run.request_errors[failure] += 1
        time.sleep(0.25)


def _notification_loop(run: Run, until: float, tag: str) -> None:
    from django.db import transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from notifications.models import Channel
    from notifications.services import message_queue
    from residences.models import Crous

    with scopes_disabled():
        crous = Crous.objects.filter(is_active=True).order_by("name").first()
    assert crous is not None, "no Crous: seeding failed"
    i = 0
    while time.monotonic() < until:
        i += 1
        channel, recipient = (
            (Channel.EMAIL, f"soak.{i}@etu.example") if i % 2 else (Channel.SMS, "+33612345678")
        )
        try:
            with transaction.atomic():
                message = message_queue(
                    crous=crous,
                    recipient=recipient,
                    channel=channel,
                    template_key="demo_message",
                    language="fr",
                    context={"first_name": "Camille", "queued_at": timezone.now()},
                    idempotency_key=f"soak:{tag}:{i}",
                )
            with run.lock:
                run.queued_ids.append(message.pk)
        except Exception:
            with run.lock:
                run.queue_errors += 1
        time.sleep(1.0)


def _statuses(ids: list[int]) -> Counter[str]:
    from django_scopes import scopes_disabled

    from notifications.models import Message

    counts: Counter[str] = Counter()
    with scopes_disabled():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for status in Message.objects.filter(pk__in=chunk).values_list("status", flat=True):
                counts[status] += 1
    return counts


def _api_token() -> str:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from residences.demo_seeding import NATIONAL_ADMIN_EMAIL

    user = get_user_model().objects.get(email=NATIONAL_ADMIN_EMAIL)
    return str(Token.objects.get_or_create(user=user)[0].key)


def _leftover_processes(var_dir: Path) -> list[str]:
    # Processes of this run still alive after the stop: they carry its VAR_DIR.
    marker = f"VAR_DIR={var_dir}".encode()
    left = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                left.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return left


def soak(*, minutes: float, port: int, var_dir: Path, echo: bool) -> dict[str, object]:
    env = {**os.environ, "VAR_DIR": str(var_dir), "RUN_PORT": str(port)}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    os.environ.update(VAR_DIR=str(var_dir))
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crous_admin.settings")
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "outbox" / "email").mkdir(parents=True, exist_ok=True)
    (var_dir / "outbox" / "sms").mkdir(parents=True, exist_ok=True)
    prepare_seconds = _prepare(env)

    import django

    django.setup()
    run = Run()
    tag = uuid.uuid4().hex[:8]
    started_at = datetime.now(tz=UTC)
    started = time.monotonic()
    honcho = subprocess.Popen(
        [HONCHO, "-f", "Procfile.dev", "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = threading.Thread(target=_read_output, args=(honcho, run, echo), daemon=True)
    reader.start()
    try:
        ready_deadline = time.monotonic() + 300
        while run.ready_at is None and honcho.poll() is None:
            if time.monotonic() > ready_deadline:
                raise RuntimeError("not ready after 5 minutes")
            time.sleep(0.5)
        if run.ready_at is None:
            raise RuntimeError("make run's processes stopped before being ready")
        until = time.monotonic() + minutes * 60
        token = _api_token()
        loops = [
            threading.Thread(target=_page_loop, args=(port, run, until, PAGES)),
            threading.Thread(target=_page_loop, args=(port, run, until, API, token)),
            threading.Thread(target=_notification_loop, args=(run, until, tag)),
        ]
        for loop in loops:
            loop.start()
        for loop in loops:
            loop.join()
        drain_deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < drain_deadline and honcho.poll() is None:
            if _statuses(run.queued_ids).get("sent", 0) == len(run.queued_ids):
                break
            time.sleep(2)
        statuses = _statuses(run.queued_ids)
    finally:
        run.stop_started = time.monotonic()
        if honcho.poll() is None:
            os.kill(honcho.pid, signal.SIGINT)  # what Ctrl-C sends
        try:
            honcho.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait(10)
        reader.join(10)
    stop_seconds = time.monotonic() - run.stop_started
    time.sleep(2)
    received = sum(
        1
        for _, name, text in run.log
        if name.startswith("worker")
        and "notifications.tasks.deliver_message[" in text
        and text.endswith("received")
    )
    return {
        "started_at": started_at,
        "minutes": minutes,
        "prepare_seconds": prepare_seconds,
        "ready_seconds": (run.ready_at or started) - started,
        "crashes": run.crashes(),
        "bad_lines": run.bad_lines(at_stop=False),
        "bad_lines_at_stop": run.bad_lines(at_stop=True),
        "web_reloads": run.web_reloads(),
        "stop_seconds": stop_seconds,
        # honcho repeats its SIGKILL until the process is gone: each process counted once.
        "killed_at_stop": sorted({t for _, n, t in run.lines(at_stop=True) if "SIGKILL" in t}),
        "leftovers": _leftover_processes(var_dir),
        "requests": run.requests,
        "request_errors": run.request_errors,
        "queued": len(run.queued_ids),
        "queue_errors": run.queue_errors,
        "statuses": statuses,
        "tasks_received": received,
    }


def report(result: dict[str, object]) -> str:
    requests: Counter[str] = result["requests"]  # type: ignore[assignment]
    statuses: Counter[str] = result["statuses"]  # type: ignore[assignment]
    crashes: list[str] = result["crashes"]  # type: ignore[assignment]
    bad: list[str] = result["bad_lines"]  # type: ignore[assignment]
    bad_stop: list[str] = result["bad_lines_at_stop"]  # type: ignore[assignment]
    errors: Counter[str] = result["request_errors"]  # type: ignore[assignment]
    leftovers: list[str] = result["leftovers"]  # type: ignore[assignment]
    queued: int = result["queued"]  # type: ignore[assignment]
    killed: list[str] = result["killed_at_stop"]  # type: ignore[assignment]
    started: datetime = result["started_at"]  # type: ignore[assignment]
    load = os.getloadavg()
    lines = [
        "## Soak test of `make run`",
        "",
        "`python -m bench.soak --minutes N` (default 60; `--help`): `Procfile.dev` under honcho "
        "as `make run` starts it (web server, one worker, beat, the ready message; SQLite and "
        "the embedded broker, `crous_admin/celery_transport.py`) under a steady load from "
        "threads on 127.0.0.1: page views and API calls (about 4 per second each, one client "
        "each), and one notification queued per second through the outbox (emails and SMS "
        "alternately, each its own delivery task). Then Ctrl-C (SIGINT to honcho).",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, "
        f"{platform.system()}, load average at the end {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (1 / 5 / 15 min); Python {platform.python_version()}",
        f"- Duration under load: {result['minutes']:g} minutes; all processes ready "
        f"{result['ready_seconds']:.0f} s after start",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| processes that exited by themselves (crashes) | {len(crashes)} |",
        f"| ERROR / CRITICAL lines or tracebacks while running | {len(bad)} |",
        f"| … at the stop (Ctrl-C) | {len(bad_stop)} |",
        f"| seconds from Ctrl-C to every process stopped | {result['stop_seconds']:.1f} |",
        f"| processes honcho had to SIGKILL at the stop | {len(killed)} |",
        f"| processes left running after the stop | {len(leftovers)} |",
        f"| page views and API calls | {sum(requests.values()):,} |",
        f"| … answered 5xx or not at all | {sum(errors.values()):,} |",
        f"| web server restarts by runserver's reloader (a source file changed) | "
        f"{result['web_reloads']} |",
        f"| notifications queued | {result['queued']:,} |",
        f"| … delivered (sent) | {statuses.get('sent', 0):,} |",
        f"| … not delivered (pending, failed, other) | {queued - statuses.get('sent', 0):,} |",
        f"| delivery tasks the worker received (one per notification) | "
        f"{result['tasks_received']:,} |",
        f"| queueing errors | {result['queue_errors']} |",
    ]
    details = [*crashes, *bad[:10], *bad_stop[:10], *killed, *leftovers[:5]]
    details += [f"{what}: {n}" for what, n in errors.most_common(5)]
    if details:
        lines += ["", "Details:", "", *[f"- `{d[:200]}`" for d in details]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=8402, help="web server port (127.0.0.1)")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "soak")
    parser.add_argument("--echo", action="store_true", help="print the processes' output")
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args(argv)
    result = soak(
        minutes=args.minutes, port=args.port, var_dir=args.var_dir.resolve(), echo=args.echo
    )
    text = report(result)
    print(text)
    if args.record:
        write_section(name="soak", body=text)
    sound = not result["crashes"] and not result["bad_lines"] and not result["bad_lines_at_stop"]
    return 0 if sound and result["statuses"].get("sent", 0) == result["queued"] else 1  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
