"""The embedded Celery broker of ``make run``: message files that only ever appear whole.

kombu's ``filesystem://`` transport writes each message file in place, so a consumer polling
the folder can read it half-written, and one ``JSONDecodeError`` stops a Celery worker
("Unrecoverable error"; upstream celery/kombu issue 1551). It also moves a taken message to
the system's temporary folder, which on another filesystem is a copy then a delete: two
consumers can both copy the same file. This transport keeps the folder layout and fixes both
(docs/adr/0019-embedded-broker-atomic-files.md):

* a publisher writes the message into ``staging/`` and renames it into the queue folder
  (``os.replace``, atomic on one filesystem): a consumer sees no file or a whole file;
* a consumer claims a message by renaming it into its own folder under ``claimed/``: of two
  consumers exactly one rename succeeds, so no message is delivered twice;
* the claimed file stays until the task is acknowledged, and is renamed back into the queue
  when it is rejected, restored at shutdown, or when its process died (SIGKILL, crash): each
  process holds a lock on its claim folder for as long as it lives, and any consumer that can
  take that lock gives the folder's messages back. So a message is never lost either.

Selected by ``atomicfs://`` (``crous_admin.settings`` when ``REDIS_URL`` is unset).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
import uuid
from collections import deque
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

logger = logging.getLogger(__name__)

ALIAS = "atomicfs"
# How often a consumer looks for the claim folders of dead processes (and for staging files
# a killed publisher left behind): a message held by a dead worker comes back within this.
SWEEP_EVERY_SECONDS = 15.0
STALE_STAGING_SECONDS = 3600.0
DRAIN_TIMEOUT_MAX_SECONDS = 0.5


class _ProcessClaims:
    """This process' claim folder, locked for as long as the process lives.

    One per process and broker folder, not per channel: a worker opens several channels.
    After a fork the child makes its own, so a claim is always given back by the process that
    made it.
    """

    def __init__(self) -> None:
        self._folders: dict[tuple[int, Path], str] = {}
        self._lock_files: list[Any] = []

    def folder(self, *, claims: Path, staging: Path) -> str:
        key = (os.getpid(), claims)
        folder = self._folders.get(key)
        if folder is not None:
            return folder
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        # Built in staging and renamed in whole, so a sweeper never finds it without its lock.
        building = staging / f"claims-{name}"
        building.mkdir()
        lock_file = open(building / ".lock", "wb")  # noqa: SIM115 - held for the process' life
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        folder = str(claims / name)
        os.replace(building, folder)
        self._folders[key] = folder
        self._lock_files.append(lock_file)
        return folder


_claims = _ProcessClaims()


def _message_name(queue: str) -> str:
    # Sorted by name, the oldest comes first (nanoseconds, zero-padded to a fixed width);
    # the queue after the first dot, as kombu's filesystem transport reads it.
    return f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}.msg"


class QoS(virtual.QoS):
    """Acknowledging a message deletes its claimed file; rejecting it with requeue gives the
    file back to the queue (``Channel._restore``)."""

    channel: Channel

    def ack(self, delivery_tag: str) -> None:
        super().ack(delivery_tag)
        self.channel._release_claim(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        super().reject(delivery_tag, requeue=requeue)
        self.channel._release_claim(delivery_tag)


class Channel(filesystem.Channel):
    QoS = QoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._claimed: dict[str, list[str]] = {}
        self._noack_queues: set[str] = set()
        self._listings: dict[str, deque[str]] = {}
        self._last_sweep = 0.0
        # Plain strings on the hot paths: pathlib costs more than the file operations here.
        self._queue_in = str(self.data_folder_in)
        self._queue_out = str(self.data_folder_out)
        self._staging = str(self.staging_folder)
        for folder in (
            self.data_folder_in,
            self.data_folder_out,
            self.staging_folder,
            self.claims_folder,
            self.rejected_folder,
            self.control_folder,
        ):
            Path(folder).mkdir(parents=True, exist_ok=True)

    # --- folders ------------------------------------------------------------------------

    def _option_folder(self, key: str, default: str) -> Path:
        return Path(self.transport_options.get(key) or Path(self.data_folder_in) / default)

    @cached_property
    def staging_folder(self) -> Path:
        return self._option_folder("staging_folder", "staging")

    @cached_property
    def claims_folder(self) -> Path:
        return self._option_folder("claims_folder", "claimed")

    @cached_property
    def rejected_folder(self) -> Path:
        return self._option_folder("rejected_folder", "rejected")

    # --- publishing ---------------------------------------------------------------------

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = _message_name(queue)
        staged = os.path.join(self._staging, name)
        try:
            with open(staged, "xb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(staged, os.path.join(self._queue_out, name))
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(staged)
            raise ChannelError(f"Cannot add message {name!r} to the queue folder") from exc

    # --- consuming ----------------------------------------------------------------------

    def basic_consume(self, queue: str, no_ack: bool, *args: Any, **kwargs: Any) -> Any:
        # Unacknowledged consumers (worker control, replies) never ack: nothing to keep.
        if no_ack:
            self._noack_queues.add(queue)
        else:
            self._noack_queues.discard(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        try:
            message = self.Message(self._take(queue, keep_claim=not no_ack), channel=self)
        except Empty:
            return None
        if not no_ack:
            self.qos.append(message, message.delivery_tag)  # type: ignore[arg-type]
        return message

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        return self._take(queue, keep_claim=queue not in self._noack_queues)

    def _take(self, queue: str, *, keep_claim: bool) -> dict[str, Any]:
        self._sweep_now_and_then()
        listing = self._listings.get(queue)
        fresh = not listing
        while True:
            if not listing:
                listing = self._listings[queue] = deque(self._names_in_queue(queue))
            while listing:
                name = listing.popleft()
                payload = self._claim(name, keep_claim=keep_claim)
                if payload is not None:
                    return payload
            # The listing kept from an earlier call was used up by other consumers: one
            # fresh look at the folder before saying the queue is empty.
            if fresh:
                raise Empty()
            fresh = True

    def _names_in_queue(self, queue: str) -> list[str]:
        # Kept between calls and consumed in order: one directory read per batch of
        # messages instead of one per message (kombu's reads and sorts it every time).
        wanted = f"{queue}.msg"
        return sorted(
            name for name in os.listdir(self._queue_in) if name.partition(".")[2] == wanted
        )

    def _claim(self, name: str, *, keep_claim: bool) -> dict[str, Any] | None:
        folder = _claims.folder(claims=self.claims_folder, staging=self.staging_folder)
        claimed = os.path.join(folder, name)
        try:
            os.rename(os.path.join(self._queue_in, name), claimed)
        except FileNotFoundError:
            return None  # another consumer took it first
        except OSError as exc:
            raise ChannelError(f"Cannot claim message {name!r}") from exc
        try:
            with open(claimed, "rb") as f:
                payload: dict[str, Any] = loads(bytes_to_str(f.read()))
        except ValueError:
            # Cannot happen through this transport (messages appear whole); a file damaged
            # by other means is set aside and reported, never allowed to stop the worker.
            rejected = self.rejected_folder / name
            os.replace(claimed, rejected)
            logger.error("Unreadable broker message set aside in %s", rejected)
            return None
        if keep_claim:
            tag = payload["properties"]["delivery_tag"]
            self._claimed.setdefault(tag, []).append(claimed)
        else:
            os.unlink(claimed)
        return payload

    def _release_claim(self, delivery_tag: str) -> None:
        for path in self._claimed.pop(delivery_tag, ()):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def _restore(self, message: Any) -> None:
        # Rejected with requeue, or unacknowledged at shutdown: the claimed file goes back
        # under its own name, so it keeps its place in the queue and is never copied.
        paths = self._claimed.pop(message.delivery_tag, None)
        if not paths:
            super()._restore(message)
            return
        for path in paths:
            claimed = Path(path)
            with contextlib.suppress(FileNotFoundError):
                os.replace(claimed, Path(self.data_folder_in) / claimed.name)

    # --- dead processes' claims ---------------------------------------------------------

    def _sweep_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY_SECONDS:
            return
        self._last_sweep = now
        own = _claims.folder(claims=self.claims_folder, staging=self.staging_folder)
        for folder in self.claims_folder.iterdir():
            if str(folder) != own:
                self._give_back_if_dead(folder)
        self._drop_stale_staging()

    def _give_back_if_dead(self, folder: Path) -> None:
        try:
            lock_file = open(folder / ".lock", "rb")  # noqa: SIM115 - closed below
        except (FileNotFoundError, NotADirectoryError):
            return
        try:
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # its process is alive
            returned = 0
            for claimed in folder.glob("*.msg"):
                try:
                    os.replace(claimed, Path(self.data_folder_in) / claimed.name)
                    returned += 1
                except FileNotFoundError:
                    pass
            if returned:
                logger.warning(
                    "Gave back %d message(s) claimed by a stopped process (%s)",
                    returned,
                    folder.name,
                )
            (folder / ".lock").unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                folder.rmdir()
        finally:
            lock_file.close()

    def _drop_stale_staging(self) -> None:
        # A publisher killed between its write and its rename leaves a file nobody will see.
        limit = time.time() - STALE_STAGING_SECONDS
        for staged in self.staging_folder.glob("*.msg"):
            try:
                if staged.stat().st_mtime < limit:
                    staged.unlink()
            except FileNotFoundError:
                pass

    # --- exchange tables (fanout, worker control) ---------------------------------------

    def get_table(self, exchange: str) -> list[Any]:
        file = self._exchange_file(exchange)  # type: ignore[attr-defined]
        try:
            with file.open("rb") as f_obj:
                fcntl.flock(f_obj.fileno(), fcntl.LOCK_SH)
                content = f_obj.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        # A table being created is empty until its writer holds the lock: no bindings yet.
        if not content:
            return []
        return [filesystem.exchange_queue_t(*q) for q in loads(bytes_to_str(content))]

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str | None, queue: str) -> None:
        # kombu truncates a new table before locking it; here the file is created without
        # truncation and rewritten only under the exclusive lock.
        file = self._exchange_file(exchange)  # type: ignore[attr-defined]
        self.control_folder.mkdir(parents=True, exist_ok=True)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            with file.open("a+b") as f_obj:
                fcntl.flock(f_obj.fileno(), fcntl.LOCK_EX)
                f_obj.seek(0)
                content = f_obj.read()
                table = [filesystem.exchange_queue_t(*q) for q in loads(content)] if content else []
                if binding not in table:
                    table.insert(0, binding)
                    f_obj.seek(0)
                    f_obj.truncate()
                    f_obj.write(str_to_bytes(dumps(table)))
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
    # kombu keeps one record of declared bindings per process for every filesystem broker,
    # and skips writing a binding it has recorded: a second broker folder used by the same
    # process (tests, tools) would then never get its exchange tables. One per folder.
    _states: dict[str, virtual.BrokerState] = {}

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        folder = str(client.transport_options.get("data_folder_in", "data_in"))
        self.state = self._states.setdefault(folder, virtual.BrokerState())

    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:
        # Celery's loop for polling transports notices a shutdown (Ctrl-C) only between two
        # calls, which it makes with a 2 s timeout: capped here, it stops that much sooner.
        if timeout is not None:
            timeout = min(timeout, DRAIN_TIMEOUT_MAX_SECONDS)
        return super().drain_events(connection, timeout=timeout)

    @property
    def default_connection_params(self) -> dict[str, Any]:
        # A folder has no host: kombu's default ("localhost") makes it warn at every start.
        return {"port": 0}


TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
