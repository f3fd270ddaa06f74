"""A bounded HTTP client loop on the loopback interface: N requests, C threads, a time limit."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.paired import Paired, run_paired


@dataclass
class Sample:
    """What one series of requests to one URL measured."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]

    def merge(self, other: Sample) -> None:
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.elapsed_s += other.elapsed_s
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body: str | None = None,
    timeout: float = 60.0,
) -> tuple[int, bytes]:
    """One request on a fresh connection (no keep-alive), as every client loop here sends."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get(
    port: int, path: str, *, headers: dict[str, str], timeout: float = 60.0
) -> tuple[int, bytes]:
    return request(port, "GET", path, headers=headers, timeout=timeout)


def drive(*, send: Callable[[], int | None], concurrency: int, expect: int = 200) -> Sample:
    """Calls ``send`` from ``concurrency`` threads until it returns None (nothing left to
    send). Each call sends one request and returns its status (0: no answer); an answer
    other than ``expect`` is counted as an error."""
    sample = Sample()
    lock = threading.Lock()

    def worker() -> None:
        while True:
            started = time.perf_counter()
            status = send()
            if status is None:
                return
            took_ms = (time.perf_counter() - started) * 1000
            with lock:
                sample.statuses[status] = sample.statuses.get(status, 0) + 1
                if status == expect:
                    sample.latencies_ms.append(took_ms)
                else:
                    sample.errors += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.elapsed_s = time.perf_counter() - started
    return sample


def run(
    *,
    port: int,
    path: str,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    time_limit_s: float,
) -> Sample:
    """Sends ``requests`` GETs with ``concurrency`` threads, stopping early at the time limit.

    Only 200 answers count as requests; anything else is an error (and fails the run).
    """
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + time_limit_s

    def send() -> int | None:
        nonlocal issued
        with lock:
            if issued >= requests or time.monotonic() >= deadline:
                return None
            issued += 1
        try:
            return get(port, path, headers=headers)[0]
        except OSError:
            return 0

    return drive(send=send, concurrency=concurrency)


def alternate(
    *,
    port: int,
    variants: dict[str, str],
    headers: dict[str, str],
    requests: int,
    rounds: int,
    concurrency: int,
    time_limit_s: float,
    reference: str | None = None,
    label: str = "",
) -> tuple[dict[str, Sample], Paired]:
    """Measures each variant (name → path) against the others: a warm-up of each (connections,
    caches, the database's buffers), then ``rounds`` paired rounds in ABBA order
    (bench/paired.py). ``requests`` per variant in all. Returns every variant's requests
    merged over the rounds (latencies) and the rounds themselves (the per-round ratios)."""
    for path in variants.values():
        run(
            port=port,
            path=path,
            headers=headers,
            requests=2 * concurrency,
            concurrency=concurrency,
            time_limit_s=time_limit_s,
        )
    per_round = max(1, requests // rounds)

    def measure(path: str) -> Callable[[], Sample]:
        return lambda: run(
            port=port,
            path=path,
            headers=headers,
            requests=per_round,
            concurrency=concurrency,
            time_limit_s=time_limit_s / rounds,
        )

    paired = run_paired(
        variants={name: measure(path) for name, path in variants.items()},
        rate=lambda sample: sample.requests_per_second,
        rounds=rounds,
        reference=reference,
        label=label,
    )
    samples = {name: Sample() for name in variants}
    for each in paired.rounds:
        for name, sample in each.results.items():
            samples[name].merge(sample)
            if sample.errors:
                print(f"  {label}{name}: {sample.errors} errors {sample.statuses}")
    return samples, paired
