"""The driver's Unix socket: NUT's driver/server protocol, the driver side.

Strategy
--------
``docs/sock-protocol.txt``: a driver listens on ``STATEPATH/<driver>-<ups>``
and any number of local clients connect (upsd, usually one; ``upsdrvctl``,
a clone driver, ``-c dump``).  Each line a client sends is tokenized by
parseconf and read by ``protocol.sock.parse_server_message``; a line we
cannot read is logged and skipped, as NUT's ``sock_arg`` does, and never
ends the connection.

* ``DUMPALL`` (and ``DUMPVALUE``/``DUMPSTATUS``) is answered from the tree
  in one write;
* changes are written to every connection that has not asked for
  ``NOBROADCAST``, one write per batch (``broadcast``);
* ``INSTCMD`` and ``SET`` go to the framework's handler, one at a time
  (the handler serializes them with the driver's poll); the changes they
  made are broadcast first, then ``TRACKING <id> <status>`` is written to
  the connection that asked, when it gave an id;
* a client that stops reading is dropped once its unsent data passes
  ``MAX_BACKLOG``, so a stuck upsd cannot make the driver grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

from powerdown.drivers.dstate import Dstate
from powerdown.protocol import sock
from powerdown.protocol.errors import ProtocolError
from powerdown.protocol.words import Tokenizer

__all__ = ["DriverSocketServer", "RequestHandler", "MAX_BACKLOG"]

logger = logging.getLogger(__name__)

#: Unsent bytes a client may leave behind before it is dropped.
MAX_BACKLOG = 4 * 1024 * 1024

#: Handles INSTCMD and SET; returns the STAT_* code that TRACKING reports.
RequestHandler = Callable[[sock.InstCmd | sock.Set], Awaitable[int]]


def _lines(messages: Iterable[sock.Message]) -> bytes:
    return "".join(sock.render(m) + "\n" for m in messages).encode("utf-8", "replace")


class _Client(asyncio.Protocol):
    """One connection: reads requests, answers them in order."""

    def __init__(self, server: DriverSocketServer) -> None:
        self.server = server
        self.transport: asyncio.WriteTransport | None = None
        self.tokenizer = Tokenizer()
        self.broadcast = True
        self.closing = False
        self.queue: asyncio.Queue[sock.ServerMessage | None] = asyncio.Queue()
        self.worker: asyncio.Task[None] | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.WriteTransport, transport)
        self.server.clients.add(self)
        self.worker = asyncio.ensure_future(self._work())
        logger.debug("socket client connected")

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server.clients.discard(self)
        self.queue.put_nowait(None)
        logger.debug("socket client disconnected")

    def data_received(self, data: bytes) -> None:
        for words in self.tokenizer.feed(data):
            if words.error is not None:
                logger.warning("socket: unreadable line: %s", words.error)
                continue
            if not words.args:
                continue
            try:
                msg = sock.parse_server_message(words.args)
            except ProtocolError as exc:
                logger.warning("Unknown command on socket: %s", exc)
                continue
            self._handle(msg)

    def write(self, data: bytes) -> None:
        if self.closing or self.transport is None or not data:
            return
        self.transport.write(data)
        if self.transport.get_write_buffer_size() > MAX_BACKLOG:
            logger.warning("socket client is not reading; dropping it")
            # abort, not close: close() would keep the backlog (and the
            # connection) until the client reads it, which it does not.
            self.closing = True
            self.transport.abort()

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def _handle(self, msg: sock.ServerMessage) -> None:
        # Cheap requests are answered at once; INSTCMD/SET (and anything
        # queued behind one) wait their turn so replies stay in order.
        if not self.busy and self.queue.empty() and not isinstance(msg, sock.InstCmd | sock.Set):
            self._answer(msg)
        else:
            self.queue.put_nowait(msg)

    def _answer(self, msg: sock.ServerMessage) -> None:
        dstate = self.server.dstate
        match msg:
            case sock.Ping():
                self.write(b"PONG\n")
            case sock.DumpAll():
                # Anything not yet broadcast is in the dump; flush it to the
                # others first so nobody sees it twice.
                self.server.broadcast()
                self.write(_lines(dstate.dump()))
            case sock.DumpValue(name=name):
                self.write(_lines(dstate.dump_value(name)))
            case sock.DumpStatus():
                self.write(_lines(dstate.dump_value("ups.status")))
            case sock.GetPid():
                self.write(_lines([sock.Pid(pid=str(os.getpid()))]))
            case sock.NoBroadcast():
                self.broadcast = False
            case sock.Broadcast(n=n):
                self.broadcast = n is None or n > 0
            case sock.Logout():
                self.write(b"OK Goodbye\n")
                self.close()

    async def _work(self) -> None:
        while True:
            msg = await self.queue.get()
            if msg is None or self.closing:
                return
            if not isinstance(msg, sock.InstCmd | sock.Set):
                self._answer(msg)
                continue
            self.busy = True
            try:
                status = await self.server.handler(msg)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("handling %s failed", sock.render(msg))
                status = int(sock.TrackingStatus.FAILED)
            finally:
                self.busy = False
            self.server.broadcast()
            if msg.tracking is not None:
                self.write(_lines([sock.Tracking(id=msg.tracking, status=status)]))


class DriverSocketServer:
    """Serves one driver's tree on its Unix socket.

    Args:
        path: the socket's file name (``paths.driver_socket``).
        dstate: the tree and its queue of changes.
        handler: runs INSTCMD and SET (see ``RequestHandler``).
        mode: permissions of the socket file (upsd must be able to connect).
    """

    def __init__(
        self, path: str, dstate: Dstate, handler: RequestHandler, *, mode: int = 0o660
    ) -> None:
        self.path = path
        self.dstate = dstate
        self.handler = handler
        self.mode = mode
        self.clients: set[_Client] = set()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        """Listen; a socket file left by a dead driver is replaced, as NUT does."""
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(os.lstat(self.path).st_mode):
                os.unlink(self.path)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Client(self), self.path)
        os.chmod(self.path, self.mode)

    def broadcast(self) -> None:
        """Send the tree's pending changes to every client that listens."""
        changes = self.dstate.take_changes()
        if not changes:
            return
        data = _lines(changes)
        for client in list(self.clients):
            if client.broadcast:
                client.write(data)

    async def aclose(self) -> None:
        """Stop listening, hang up on everyone and remove the socket file."""
        if self._server is not None:
            self._server.close()
        for client in list(self.clients):
            client.close()
            if client.worker is not None:
                client.worker.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
