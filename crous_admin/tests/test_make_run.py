"""``make run``: the logins come last, once every process is up; Ctrl-C stops the worker quietly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from crous_admin.demo.management.commands import announce_when_ready

ROOT = Path(__file__).resolve().parents[2]


def test_the_procfile_starts_the_ready_message_beside_web_worker_and_beat():
    names = [
        line.split(":", 1)[0]
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line and not line.startswith("#")
    ]

    assert names == ["web", "worker", "beat", "ready"]


def test_the_logins_are_printed_only_once_web_worker_and_beat_all_answer(monkeypatch):
    answers = {"web": [False, True], "worker": [False, False, True], "beat": [False, True]}
    asked: list[str] = []

    def answer(name: str) -> bool:
        asked.append(name)
        return answers[name].pop(0)

    monkeypatch.setattr(announce_when_ready, "POLL_SECONDS", 0)
    monkeypatch.setattr(announce_when_ready, "web_answers", lambda url: answer("web"))
    monkeypatch.setattr(announce_when_ready, "worker_answers", lambda: answer("worker"))
    monkeypatch.setattr(announce_when_ready, "beat_heard_since", lambda since: answer("beat"))
    out = StringIO()

    call_command("announce_when_ready", "--exit", "--base-url", "http://127.0.0.1:8401", stdout=out)

    assert asked == ["web", "web", "worker", "worker", "worker", "beat", "beat"]
    printed = out.getvalue().strip().splitlines()
    assert printed[0] == "Ready: web server, worker and beat are up."
    assert "  Back-office:   http://127.0.0.1:8401/admin/" in printed
    assert printed[-1] == "  Stop everything with Ctrl-C."


@pytest.mark.django_db
def test_beat_counts_as_up_once_a_worker_recorded_a_heartbeat_after_the_start():
    from datetime import timedelta

    from django.utils import timezone

    from crous_admin.health.services import heartbeat_record

    started = timezone.now()
    heartbeat_record(at=started - timedelta(minutes=5))
    assert not announce_when_ready.beat_heard_since(started)

    heartbeat_record(at=started + timedelta(seconds=2))
    assert announce_when_ready.beat_heard_since(started)


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="runs on the embedded broker only")
def test_a_worker_stopped_as_make_run_stops_it_logs_no_error(tmp_path):
    # honcho (make run) stops a process by sending SIGTERM to its whole process group.
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crous_admin",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
        ],
        cwd=ROOT,
        env={
            **env,
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "crous_admin.settings",
            "PYTHONUNBUFFERED": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(worker.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any(" ready." in line for line in output) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert any(" ready." in line for line in output), "".join(output)
        time.sleep(1)  # its pool processes are started

        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    reader.join(10)

    logged = "".join(output)
    assert "Warm shutdown" in logged
    assert "ERROR" not in logged, logged
    assert worker.returncode == 0
