"""A serial port for asyncio drivers: NUT's ``serial.c`` on pyserial.

Strategy
--------
pyserial opens and configures the port (speed, framing, no flow control,
modem lines, an exclusive lock as NUT's ``ser_open`` takes) and we then use
only its file descriptor: the event loop tells us when bytes arrive, and a
small buffer serves ``read_until`` and ``read_exactly`` with a deadline.
Nothing here blocks the loop, so one slow or silent UPS never holds up the
driver's socket.  A pty's slave end behaves like a real port, which is how
the tests put a simulated UPS on the other side.

Errors: ``SerialTimeout`` when the device stays silent past the deadline,
``SerialError`` when the port fails or vanishes (a pty whose master closed
reads EIO; a USB-serial adapter unplugged does the same).  Drivers turn both
into ``DeviceError`` so the framework marks the data stale.
"""

from __future__ import annotations

import asyncio
import errno
import os
import termios
from collections.abc import Callable
from typing import Literal

import serial

__all__ = ["SerialLine", "SerialError", "SerialTimeout", "Parity"]

Parity = Literal["N", "E", "O"]


class SerialError(OSError):
    """The port could not be opened, or failed (the device is gone)."""


class SerialTimeout(SerialError):
    """The device did not answer in time."""


class SerialLine:
    """An open serial port with awaitable reads and writes."""

    def __init__(self, port: serial.Serial) -> None:
        self._port = port
        self._fd = port.fileno()
        self._buffer = bytearray()
        self._closed = False
        self.path = str(port.port)

    @classmethod
    def open(
        cls,
        path: str,
        *,
        baudrate: int,
        bytesize: int = 8,
        parity: Parity = "N",
        stopbits: int = 1,
        dtr: bool | None = None,
        rts: bool | None = None,
    ) -> SerialLine:
        """Open ``path`` raw at ``baudrate``; ``dtr``/``rts`` set the modem lines (None: leave)."""
        try:
            port = serial.Serial(
                None,
                baudrate=baudrate,
                bytesize=bytesize,
                parity=parity,
                stopbits=stopbits,
                timeout=0,
                write_timeout=0,
                xonxoff=False,
                rtscts=False,
                dsrdtr=False,
                exclusive=True,
            )
            port.port = path
            if dtr is not None:
                port.dtr = dtr
            if rts is not None:
                port.rts = rts
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise SerialError(f"Unable to open {path}: {_reason(exc)}") from exc
        return cls(port)

    # -- modem lines ----------------------------------------------------------

    def set_dtr(self, on: bool) -> None:
        self._ioctl(lambda: setattr(self._port, "dtr", on))

    def set_rts(self, on: bool) -> None:
        self._ioctl(lambda: setattr(self._port, "rts", on))

    def send_break(self, duration: float = 0.25) -> None:
        self._ioctl(lambda: self._port.send_break(duration))

    def _ioctl(self, call: Callable[[], object]) -> None:
        # A pty has no modem lines: NUT ignores that failure too (the cable
        # simply has nothing there), so only a vanished port is an error.
        try:
            call()
        except (OSError, serial.SerialException, termios.error) as exc:
            if _errno(exc) in (errno.EIO, errno.ENODEV, errno.ENXIO):
                raise SerialError(f"{self.path}: {_reason(exc)}") from exc

    # -- I/O --------------------------------------------------------------------

    def flush_input(self) -> None:
        """Drop whatever the device sent that nobody read (NUT's ``ser_flush_in``)."""
        self._buffer.clear()
        while True:
            try:
                chunk = os.read(self._fd, 4096)
            except BlockingIOError:
                return
            except OSError as exc:
                raise SerialError(f"{self.path}: {_reason(exc)}") from exc
            if not chunk:
                return

    async def write(self, data: bytes, *, pace: float = 0.0) -> None:
        """Send ``data``; with ``pace``, one byte at a time that many seconds apart."""
        if pace > 0:
            for i in range(len(data)):
                await self._write_all(data[i : i + 1])
                await asyncio.sleep(pace)
            return
        await self._write_all(data)

    async def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = os.write(self._fd, view)
            except BlockingIOError:
                await self._wait(writable=True, timeout=5.0)
                continue
            except OSError as exc:
                raise SerialError(f"{self.path}: {_reason(exc)}") from exc
            view = view[sent:]

    async def read_until(self, terminator: bytes, timeout: float, *, limit: int = 4096) -> bytes:
        """Bytes up to and including ``terminator``; ``SerialTimeout`` if it does not come."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            end = self._buffer.find(terminator)
            if end >= 0:
                end += len(terminator)
                line = bytes(self._buffer[:end])
                del self._buffer[:end]
                return line
            if len(self._buffer) > limit:
                junk = bytes(self._buffer)
                self._buffer.clear()
                raise SerialError(f"{self.path}: {len(junk)} bytes without {terminator!r}")
            await self._fill(deadline)

    async def read_exactly(self, count: int, timeout: float) -> bytes:
        """Exactly ``count`` bytes; ``SerialTimeout`` if fewer arrive in time."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self._buffer) < count:
            await self._fill(deadline)
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    async def read_available(self, timeout: float) -> bytes:
        """What arrives within ``timeout`` after the first byte (b"" if nothing did)."""
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            while not self._buffer:
                await self._fill(deadline)
        except SerialTimeout:
            return b""
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def unread(self, data: bytes) -> None:
        """Put bytes back in front of the buffer (a reply read too far)."""
        self._buffer[:0] = data

    async def _fill(self, deadline: float) -> None:
        # A tty in raw mode reads b"" when nothing is there (VMIN 0), and also
        # once it is hung up; only a b"" right after the loop said "readable"
        # is a hang-up.
        woken = False
        while True:
            try:
                chunk = os.read(self._fd, 4096)
            except BlockingIOError:
                chunk = b""
            except OSError as exc:
                raise SerialError(f"{self.path}: {_reason(exc)}") from exc
            if chunk:
                self._buffer += chunk
                return
            if woken:
                raise SerialError(f"{self.path}: the line was hung up")
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise SerialTimeout(f"{self.path}: no answer")
            woken = await self._wait(writable=False, timeout=remaining)

    async def _wait(self, *, writable: bool, timeout: float) -> bool:
        """True when the descriptor became ready, False on timeout (reads only)."""
        if self._closed:
            raise SerialError(f"{self.path}: closed")
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        add, remove = (
            (loop.add_writer, loop.remove_writer)
            if writable
            else (loop.add_reader, loop.remove_reader)
        )
        add(self._fd, wake)
        try:
            await asyncio.wait_for(ready, timeout)
        except TimeoutError:
            if writable:
                raise SerialTimeout(f"{self.path}: write timed out") from None
            return False
        finally:
            remove(self._fd)
        return True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._port.close()
        except (OSError, serial.SerialException):
            pass


def _errno(exc: BaseException) -> int | None:
    if isinstance(exc, OSError):
        return exc.errno
    cause = exc.__context__ or exc.__cause__
    return cause.errno if isinstance(cause, OSError) else None


def _reason(exc: BaseException) -> str:
    code = _errno(exc)
    if code is not None:
        return os.strerror(code)
    return str(exc)
