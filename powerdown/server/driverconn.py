"""The asyncio shell around one ``DriverLink``: socket, clock and retries.

Strategy
--------
Everything upsd decides about a driver lives in ``driverlink.DriverLink``;
this module only moves bytes and time to it.  One task per driver:

1. connect to ``STATEPATH/<driver>-<upsname>`` (NUT's socket name);
   when the driver is not there, try again after a delay that doubles up to
   ``retry_max`` (upsd retries on every turn of its loop, about every 2 s),
   and complain in the log at most every 5 minutes, as upsd does;
2. write what the link asks for (``DUMPALL``), then feed it every read and
   call its ``tick`` every ``tick_interval`` seconds, writing its PINGs;
3. on EOF, a read or write error, or a driver that stops reading, tell the
   link (which forgets the tree) and go back to 1, so a restarted driver
   is picked up and dumped again by itself.

Nothing a driver sends or does ends the task: bad lines are logged by the
link's ``Malformed`` events, and unexpected exceptions are logged and
treated as a lost connection.  Only ``aclose`` (or cancelling) ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterable
from types import TracebackType

from powerdown.paths import driver_socket
from powerdown.protocol import sock
from powerdown.protocol.errors import ErrToken
from powerdown.server.driverlink import (
    MAXAGE,
    DriverLink,
    DumpCompleted,
    LinkEvent,
    LinkState,
    Malformed,
    Received,
    Send,
    TrackingTable,
    UpsDataOk,
    UpsDataStale,
)

__all__ = ["DriverConnection"]

logger = logging.getLogger(__name__)

#: upsd complains about a driver it cannot reach at most this often (SS_CONNFAIL_INT).
CONNFAIL_INTERVAL = 300.0
_READ_SIZE = 65536


class DriverConnection:
    """Keeps upsd connected to one driver, for as long as it runs.

    Args:
        upsname: the section name in ups.conf.
        driver: the driver's program name (``driver =`` in ups.conf).
        statepath: the directory the driver's socket is in.
        maxage: upsd.conf MAXAGE.
        tracking: upsd's table of tracked requests, resolved by ``TRACKING``.
        on_event: called with every event of the link, in order (for upsd to
            react to a dump or a tracking result); errors in it are logged.
        tick_interval: how often the link's clock is advanced.
        retry_min, retry_max: bounds of the delay between connection attempts.
        write_timeout: a driver that does not take our line within this time
            is treated as gone.
        path: the socket's path, when it is not the usual one.

    Use as ``async with DriverConnection(...) as conn:`` or call ``start()``
    and later ``await aclose()``.  ``link`` (and ``link.device``) can be read
    at any time.
    """

    def __init__(
        self,
        upsname: str,
        driver: str,
        statepath: str | os.PathLike[str],
        *,
        maxage: float = MAXAGE,
        tracking: TrackingTable | None = None,
        on_event: Callable[[LinkEvent], None] | None = None,
        tick_interval: float = 1.0,
        retry_min: float = 0.25,
        retry_max: float = 2.0,
        write_timeout: float = 5.0,
        path: str | None = None,
    ) -> None:
        if not 0 < retry_min <= retry_max:
            raise ValueError("need 0 < retry_min <= retry_max")
        if not tick_interval > 0:
            raise ValueError("tick_interval must be positive")
        self.upsname = upsname
        self.driver = driver
        self.path = (
            path if path is not None else driver_socket(os.fspath(statepath), driver, upsname)
        )
        self.link = DriverLink(upsname, maxage=maxage, tracking=tracking)
        self.on_event = on_event
        self.tick_interval = tick_interval
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.write_timeout = write_timeout
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._write_lock: asyncio.Lock | None = None
        self._changed: asyncio.Event | None = None
        self._last_connfail_log = -float("inf")

    def __repr__(self) -> str:
        return f"<DriverConnection {self.upsname!r} {self.path!r} {self.link.state.name}>"

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        """Start the connection task (needs a running event loop)."""
        if self._task is not None:
            raise RuntimeError("already started")
        self._write_lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"driverconn-{self.upsname}"
        )

    async def aclose(self) -> None:
        """Stop the task and drop the connection; the link ends DISCONNECTED."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self.link.is_connected:
            self.link.disconnected(self._now())

    async def __aenter__(self) -> DriverConnection:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def is_connected(self) -> bool:
        return self._writer is not None and self.link.is_connected

    def availability(self) -> ErrToken | None:
        """``link.availability`` now, on the event loop's clock (the link's clock)."""
        return self.link.availability(self._now())

    # -- requests -----------------------------------------------------------

    async def send_instcmd(
        self, name: str, param: str | None = None, tracking: str | None = None
    ) -> bool:
        """Forward ``INSTCMD`` to the driver.

        Returns:
            True once the line is written; False when the driver is not
            connected or the write failed (upsd answers ``ERR INSTCMD-FAILED``).

        Raises:
            LocalProtocolError: a name or tracking id that cannot be sent.
        """
        msg = sock.InstCmd(name=name, param=param, tracking=tracking)
        return await self._send_request(msg)

    async def send_set(self, name: str, value: str, tracking: str | None = None) -> bool:
        """Forward ``SET`` to the driver; False if it could not be written (SET-FAILED).

        Raises:
            LocalProtocolError: a name or tracking id that cannot be sent.
        """
        msg = sock.Set(name=name, value=value, tracking=tracking)
        return await self._send_request(msg)

    async def wait_for(self, predicate: Callable[[DriverLink], bool], timeout: float) -> None:
        """Wait until ``predicate(link)`` holds, checked after every change.

        Raises:
            TimeoutError: it did not hold within ``timeout`` seconds.
        """
        if self._changed is None:
            raise RuntimeError("not started")
        async with asyncio.timeout(timeout):
            while not predicate(self.link):
                changed = self._changed
                await changed.wait()

    # -- internals ------------------------------------------------------------

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _notify(self) -> None:
        # Wake every waiter, then arm a fresh event for the next change.
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    async def _send_request(self, msg: sock.ServerMessage) -> bool:
        line = sock.render(msg)
        if not self.is_connected:
            logger.info("UPS [%s]: not connected to the driver, cannot send %s", self.upsname, line)
            return False
        return await self._write([line])

    async def _write(self, lines: Iterable[str]) -> bool:
        writer = self._writer
        if writer is None or self._write_lock is None:
            return False
        data = "".join(line + "\n" for line in lines).encode("ascii", "replace")
        try:
            async with self._write_lock:
                writer.write(data)
                await asyncio.wait_for(writer.drain(), self.write_timeout)
        except (OSError, TimeoutError, RuntimeError) as exc:
            logger.warning("Send to UPS [%s] failed: %s", self.upsname, exc or type(exc).__name__)
            # NUT hangs up on a failed write; the reader then sees the end.
            writer.transport.abort()
            return False
        return True

    async def _run(self) -> None:
        delay = self.retry_min
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(self.path, limit=_READ_SIZE)
            except OSError as exc:
                self._connfail(exc)
            else:
                reached_live = await self._serve(reader, writer)
                if reached_live:
                    delay = self.retry_min
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max)

    def _connfail(self, exc: OSError) -> None:
        now = self._now()
        if now - self._last_connfail_log >= CONNFAIL_INTERVAL:
            self._last_connfail_log = now
            logger.error("Can't connect to UPS [%s] (%s): %s", self.upsname, self.path, exc)
        else:
            logger.debug("Can't connect to UPS [%s] (%s): %s", self.upsname, self.path, exc)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One connection, from DUMPALL to its end; True if it got past the dump."""
        reached_live = False
        try:
            self._writer = writer
            self._last_connfail_log = -float("inf")
            logger.info("Connected to UPS [%s]: %s", self.upsname, self.path)
            lines = self.link.connected(self._now())
            self._notify()
            if not await self._write(lines):
                return False
            next_tick = self._now() + self.tick_interval
            while True:
                timeout = max(0.0, next_tick - self._now())
                try:
                    data = await asyncio.wait_for(reader.read(_READ_SIZE), timeout)
                except TimeoutError:
                    data = None
                if data == b"":
                    logger.warning("Lost connection to the driver of UPS [%s]", self.upsname)
                    return reached_live
                if data:
                    self._dispatch(self.link.receive(data, self._now()))
                    reached_live = reached_live or self.link.state is LinkState.LIVE
                if self._now() >= next_tick:
                    next_tick = self._now() + self.tick_interval
                    events = self.link.tick(self._now())
                    self._dispatch(events)
                    sends = [e.line for e in events if isinstance(e, Send)]
                    if sends and not await self._write(sends):
                        return reached_live
                self._notify()
        except OSError as exc:
            logger.warning("Read from UPS [%s] failed: %s", self.upsname, exc)
            return reached_live
        except Exception:
            # A bug of ours must not take upsd down with it: log, reconnect.
            logger.exception("UPS [%s]: unexpected error on the driver link", self.upsname)
            return reached_live
        finally:
            self._writer = None
            writer.transport.abort()
            if self.link.is_connected:
                self.link.disconnected(self._now())
            self._notify()

    def _dispatch(self, events: list[LinkEvent]) -> None:
        for event in events:
            self._log_event(event)
            if self.on_event is not None:
                try:
                    self.on_event(event)
                except Exception:
                    logger.exception("UPS [%s]: error in the on_event callback", self.upsname)

    def _log_event(self, event: LinkEvent) -> None:
        if isinstance(event, Malformed):
            logger.info(
                "UPS [%s]: ignoring bad line from the driver (%s): %s",
                self.upsname,
                event.reason,
                " ".join(event.args),
            )
        elif isinstance(event, UpsDataStale):
            logger.warning(
                "Data for UPS [%s] is stale - check driver (%s)", self.upsname, event.reason
            )
        elif isinstance(event, UpsDataOk):
            logger.info("UPS [%s] data is no longer stale", self.upsname)
        elif isinstance(event, DumpCompleted):
            logger.debug("UPS [%s]: dump is done", self.upsname)
        elif isinstance(event, Received) and isinstance(event.message, sock.Tracking):
            tracking = self.link.tracking
            result = tracking.reply(event.message.id) if tracking is not None else "-"
            logger.info("tracking ID: %s\tresult: %s", event.message.id, result)
