"""The project served by gunicorn on 127.0.0.1, as in production (sync workers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench import load


def free_port() -> int:
    """A free port on 127.0.0.1: the first free one of ``BENCH_PORTS`` (``8901-8919``) when
    set, on a machine whose users share ports by ranges; else any the system gives."""
    wanted = os.environ.get("BENCH_PORTS", "")
    candidates = [0]
    if wanted:
        first, _, last = wanted.partition("-")
        candidates = list(range(int(first), int(last or first) + 1))
    for candidate in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"No free port in BENCH_PORTS={wanted}")


@contextmanager
def gunicorn(*, workers: int, env: dict[str, str]) -> Iterator[int]:
    """Starts gunicorn, waits until it answers, yields its port and stops it."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crous_admin.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env={**os.environ, **env},
    )
    try:
        _wait_until_up(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(port: int, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            status, _ = load.get(port, "/bench/ping/", headers={}, timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on 127.0.0.1:{port} within {timeout_s:.0f} s")
