"""Catching the delivery tasks the outbox sends, whichever of the two it uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest.mock import MagicMock, patch

from notifications.tasks import deliver_message, deliver_messages


@dataclass
class Doorbells:
    """The tasks sent meanwhile: ``deliver_message`` (one message) and ``deliver_messages``
    (a batch), recorded in the order they were sent."""

    calls: MagicMock = field(default_factory=MagicMock)

    @property
    def single(self) -> MagicMock:
        return self.calls.single

    @property
    def batch(self) -> MagicMock:
        return self.calls.batch

    @property
    def batches(self) -> list[list[int]]:
        """The message ids of each task sent ([id] for a single message's task)."""
        return [
            [args[0][0]] if name == "single" else list(args[0][0])
            for name, args, _ in self.calls.mock_calls
        ]

    @property
    def message_ids(self) -> list[int]:
        return [message_id for batch in self.batches for message_id in batch]


@contextmanager
def doorbells(*, side_effect: object = None) -> Iterator[Doorbells]:
    rung = Doorbells()
    rung.single.side_effect = rung.batch.side_effect = side_effect
    with (
        patch.object(deliver_message, "apply_async", rung.single),
        patch.object(deliver_messages, "apply_async", rung.batch),
    ):
        yield rung
