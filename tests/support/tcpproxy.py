"""A loopback TCP proxy that can cut the network under a running client.

Strategy
--------
A monitoring client must survive the link to upsd going bad, and the ways it
goes bad look different on the wire:

- a cable cut or a dead switch: nothing arrives any more, in either
  direction, and nothing says so (no FIN, no RST) -- :meth:`TcpProxy.blackhole`;
- a crashed or rebooting host: every connection is reset and new ones are
  refused -- :meth:`TcpProxy.reset`;
- the network comes back -- :meth:`TcpProxy.restore`.

The proxy listens on ``127.0.0.1`` port 0 and forwards each accepted
connection to the target.  One thread runs a ``selectors`` loop over
non-blocking sockets; the test thread never touches a socket, it hands the
loop a command through a socket pair and waits until the loop has carried it
out, so when ``blackhole()`` returns, no further byte gets through.

While blackholed, the proxy keeps reading from both sides and throws the
bytes away: neither peer's send buffer fills up and neither sees an error,
exactly like talking into a cut cable.  Connections accepted meanwhile get no
upstream connection and hear nothing (on loopback the kernel completes the
handshake for a listening socket anyway; a real cut would leave the SYN
unanswered).  A side that closes while blackholed is not told to the other
side.  On :meth:`restore` the pairs that are whole forward again; the rest
(a side gone, or never connected upstream) are reset, as the far host would
answer their next segment for a connection it does not know.

``reset`` aborts every connection with an RST (``SO_LINGER`` 0) and closes
the listening socket, so that connecting gets ``ECONNREFUSED``;
``restore`` listens again on the same port.
"""

from __future__ import annotations

import contextlib
import enum
import queue
import selectors
import socket
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["TcpProxy", "Mode"]

_CHUNK = 65536
_COMMAND_TIMEOUT = 5.0


class Mode(enum.Enum):
    FORWARD = "forward"
    BLACKHOLE = "blackhole"
    RESET = "reset"


@dataclass(eq=False)
class _Side:
    sock: socket.socket
    out: bytearray = field(default_factory=bytearray)
    open: bool = True


@dataclass(eq=False)
class _Pair:
    client: _Side
    server: _Side | None  # None: accepted while blackholed, never connected upstream

    @property
    def sides(self) -> tuple[_Side, ...]:
        return (self.client,) if self.server is None else (self.client, self.server)

    @property
    def whole(self) -> bool:
        return self.server is not None and self.client.open and self.server.open

    def other(self, side: _Side) -> _Side | None:
        return self.server if side is self.client else self.client


class TcpProxy:
    """Forward ``127.0.0.1:<port>`` to ``target_host:target_port``, faults on request.

    Args:
        target_host, target_port: where connections go.
        host: the address to listen on.
    """

    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = 0
        self.accepted = 0  # connections accepted so far (any mode)
        self._mode = Mode.FORWARD
        self._listener: socket.socket | None = None
        self._pairs: list[_Pair] = []
        self._sel: selectors.DefaultSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._commands: queue.Queue[tuple[str, threading.Event]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._error: BaseException | None = None

    # -- the test thread's side ----------------------------------------------

    @property
    def mode(self) -> Mode:
        return self._mode

    def start(self) -> TcpProxy:
        """Listen (on a free port the first time) and start forwarding."""
        if self._thread is not None:
            raise RuntimeError("the proxy is already running")
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._listen()
        self._thread = threading.Thread(target=self._run, name=f"tcpproxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def blackhole(self) -> None:
        """Silently drop every byte both ways; keep all connections open."""
        self._command("blackhole")

    def reset(self) -> None:
        """RST every connection and refuse new ones."""
        self._command("reset")

    def restore(self) -> None:
        """Forward again: whole connections resume, new ones work."""
        self._command("restore")

    def stop(self) -> None:
        """Close every socket and end the thread (idempotent)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            with contextlib.suppress(TimeoutError):
                self._command("stop")
            thread.join(_COMMAND_TIMEOUT)
        self._thread = None
        self._close_all()
        if self._error is not None:
            error, self._error = self._error, None
            raise RuntimeError("the proxy thread failed") from error

    def __enter__(self) -> TcpProxy:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _command(self, name: str) -> None:
        if self._thread is None or not self._thread.is_alive():
            raise RuntimeError(f"the proxy is not running (cannot {name})") from self._error
        done = threading.Event()
        self._commands.put((name, done))
        assert self._wake_w is not None
        self._wake_w.send(b"x")
        if not done.wait(_COMMAND_TIMEOUT):
            raise TimeoutError(f"the proxy thread did not carry out {name!r}")
        if self._error is not None:
            raise RuntimeError(f"the proxy thread failed during {name!r}") from self._error

    # -- the proxy thread ----------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener
        assert self._sel is not None
        self._sel.register(listener, selectors.EVENT_READ, "listener")

    def _run(self) -> None:
        assert self._sel is not None
        try:
            while not self._stopping:
                for key, events in self._sel.select():
                    if key.data is None:
                        self._do_commands()
                    elif key.data == "listener":
                        self._accept()
                    else:
                        pair, side = key.data
                        if events & selectors.EVENT_READ:
                            self._readable(pair, side)
                        if events & selectors.EVENT_WRITE and side.open:
                            self._writable(pair, side)
                    if self._stopping:
                        break
        except BaseException as exc:  # reported to the test thread by _command/stop
            self._error = exc
            self._stopping = True
        finally:
            self._close_all()
            # Anyone still waiting for a command gets an answer (the error, if any).
            while not self._commands.empty():
                self._commands.get_nowait()[1].set()

    def _do_commands(self) -> None:
        assert self._wake_r is not None
        with contextlib.suppress(BlockingIOError):
            self._wake_r.recv(4096)
        while True:
            try:
                name, done = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                getattr(self, f"_cmd_{name}")()
            finally:
                done.set()

    def _cmd_blackhole(self) -> None:
        self._mode = Mode.BLACKHOLE
        for pair in self._pairs:
            for side in pair.sides:
                side.out.clear()
                self._interest(pair, side)

    def _cmd_reset(self) -> None:
        self._mode = Mode.RESET
        for pair in list(self._pairs):
            self._drop(pair, abort=True)
        if self._listener is not None:
            assert self._sel is not None
            self._sel.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _cmd_restore(self) -> None:
        self._mode = Mode.FORWARD
        if self._listener is None:
            self._listen()
        for pair in list(self._pairs):
            if not pair.whole:
                self._drop(pair, abort=True)

    def _cmd_stop(self) -> None:
        self._stopping = True

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        self.accepted += 1
        server: _Side | None = None
        if self._mode is Mode.FORWARD:
            try:
                upstream = socket.create_connection(self.target, timeout=_COMMAND_TIMEOUT)
            except OSError:
                _abort(conn)  # the target is down: the client sees a reset
                return
            upstream.setblocking(False)
            server = _Side(upstream)
        conn.setblocking(False)
        pair = _Pair(_Side(conn), server)
        self._pairs.append(pair)
        assert self._sel is not None
        for side in pair.sides:
            self._sel.register(side.sock, selectors.EVENT_READ, (pair, side))

    def _readable(self, pair: _Pair, side: _Side) -> None:
        try:
            data = side.sock.recv(_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        other = pair.other(side)
        if not data:
            if self._mode is Mode.BLACKHOLE:
                # Keep the far side in the dark: it learns nothing until restore().
                self._close_side(side)
                return
            self._drop(pair, abort=False)
            return
        if self._mode is not Mode.FORWARD or other is None or not other.open:
            return  # blackholed: read and forget
        other.out += data
        self._writable(pair, other)

    def _writable(self, pair: _Pair, side: _Side) -> None:
        if side.out:
            try:
                sent = side.sock.send(side.out)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._drop(pair, abort=False)
                return
            del side.out[:sent]
        self._interest(pair, side)

    def _interest(self, pair: _Pair, side: _Side) -> None:
        if not side.open:
            return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if side.out else 0)
        assert self._sel is not None
        self._sel.modify(side.sock, events, (pair, side))

    def _close_side(self, side: _Side) -> None:
        if side.open:
            side.open = False
            assert self._sel is not None
            self._sel.unregister(side.sock)
            side.sock.close()

    def _drop(self, pair: _Pair, *, abort: bool) -> None:
        for side in pair.sides:
            if side.open:
                if abort:
                    _set_linger_zero(side.sock)
                else:
                    # Flush what the far side already sent, as a FIN would follow it.
                    with contextlib.suppress(OSError):
                        side.sock.setblocking(True)
                        side.sock.settimeout(1.0)
                        side.sock.sendall(side.out)
                self._close_side(side)
        with contextlib.suppress(ValueError):
            self._pairs.remove(pair)

    def _close_all(self) -> None:
        sel = self._sel
        for pair in self._pairs:
            for side in pair.sides:
                if side.open:
                    side.open = False
                    side.sock.close()
        self._pairs.clear()
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._listener = self._wake_r = self._wake_w = None
        if sel is not None:
            sel.close()
        self._sel = None


def _set_linger_zero(sock: socket.socket) -> None:
    """Make close() send an RST instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _abort(sock: socket.socket) -> None:
    _set_linger_zero(sock)
    sock.close()
