"""One publisher and several consumers, each a process of its own, on a folder broker.

Shared by the transport's test (crous_admin/tests/test_celery_transport.py) and its
reproduction against kombu's stock ``filesystem://`` transport:

    python -m crous_admin.testing.broker_race --transport filesystem --messages 20000
    python -m crous_admin.testing.broker_race --transport atomicfs --messages 20000

Every message carries its number; each consumer reports the numbers it received and how many
reads failed to decode. A sound transport gives every number exactly once and no error.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from kombu import Connection

TRANSPORTS = {
    "atomicfs": "crous_admin.celery_transport:Transport",
    "filesystem": "kombu.transport.filesystem:Transport",
}
QUEUE = "race"
# About the size of a Celery task message, headers included.
PADDING = "x" * 1200


@dataclass(frozen=True)
class RaceResult:
    published: int
    received: Counter[int]
    decode_errors: int
    seconds: float

    @property
    def lost(self) -> int:
        return sum(1 for n in range(self.published) if n not in self.received)

    @property
    def duplicated(self) -> int:
        return sum(count - 1 for count in self.received.values() if count > 1)

    def summary(self) -> str:
        return (
            f"{self.published:,} published, {len(self.received):,} received once or more, "
            f"{self.lost:,} lost, {self.duplicated:,} duplicated, "
            f"{self.decode_errors:,} decode errors, {self.seconds:.1f} s"
        )


def _connection(transport: str, folder: Path) -> Connection:
    return Connection(
        transport=TRANSPORTS[transport],
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            # kombu's own transport moves taken files to the system's temporary folder.
            "polling_interval": 0.01,
        },
    )


def _publish(transport: str, folder: Path, messages: int, done: Any) -> None:
    with _connection(transport, folder) as conn:
        queue = conn.SimpleQueue(QUEUE)
        for n in range(messages):
            queue.put({"n": n, "padding": PADDING}, serializer="json")
        queue.close()
    done.set()


def _consume(transport: str, folder: Path, done: Any, report: Path) -> None:
    received: list[int] = []
    decode_errors = 0
    empty_after_done = 0
    with _connection(transport, folder) as conn:
        queue = conn.SimpleQueue(QUEUE)
        # Stop once the publisher is done and the queue has stayed empty for a moment.
        while empty_after_done < 20:
            try:
                message = queue.get(timeout=0.05)
            except Empty:
                if done.is_set():
                    empty_after_done += 1
                continue
            except ValueError:  # JSONDecodeError: a file read before it was whole
                decode_errors += 1
                continue
            empty_after_done = 0
            received.append(message.payload["n"])
            message.ack()
        queue.close()
    report.write_text(json.dumps({"received": received, "decode_errors": decode_errors}))


def race(
    *, transport: str, folder: Path, messages: int, consumers: int = 2, timeout: float = 300
) -> RaceResult:
    """Publishes ``messages`` while ``consumers`` processes take them, all at once."""
    (folder / "queue").mkdir(parents=True, exist_ok=True)
    (folder / "control").mkdir(parents=True, exist_ok=True)
    # Fresh interpreters: no inherited locks, sockets or threads from the caller.
    context = multiprocessing.get_context("spawn")
    done = context.Event()
    reports = [folder / f"consumer-{i}.json" for i in range(consumers)]
    processes = [
        context.Process(target=_consume, args=(transport, folder, done, report))
        for report in reports
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    publisher = context.Process(target=_publish, args=(transport, folder, messages, done))
    publisher.start()
    for process in [publisher, *processes]:
        process.join(max(1.0, timeout - (time.monotonic() - started)))
        if process.is_alive():
            for other in [publisher, *processes]:
                other.kill()
            raise TimeoutError(f"broker race not finished in {timeout:.0f} s")
    seconds = time.monotonic() - started
    received: Counter[int] = Counter()
    decode_errors = 0
    for report in reports:
        data = json.loads(report.read_text())
        received.update(data["received"])
        decode_errors += data["decode_errors"]
    return RaceResult(
        published=messages, received=received, decode_errors=decode_errors, seconds=seconds
    )


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transport", choices=sorted(TRANSPORTS), default="atomicfs")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--consumers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="broker-race-") as folder:
        result = race(
            transport=args.transport,
            folder=Path(folder),
            messages=args.messages,
            consumers=args.consumers,
        )
    print(f"{args.transport}: {result.summary()}")
    return 0 if (result.lost, result.duplicated, result.decode_errors) == (0, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
