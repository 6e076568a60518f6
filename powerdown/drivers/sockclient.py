"""A short blocking conversation with a running driver over its socket.

Command-line tools ask a driver one or two things and exit: ``<driver> -c``
(``DUMPALL``, ``INSTCMD driver.reload``) and ``upsdrvctl status`` (``PING``,
``GETPID``).  Both use this; upsd and the clone driver, which stay
connected, use ``server.driverconn`` instead.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterable
from types import TracebackType

from powerdown.protocol import sock
from powerdown.protocol.errors import RemoteProtocolError
from powerdown.protocol.words import Tokenizer

__all__ = ["DriverSocketClient", "messages"]


class DriverSocketClient:
    """One connection to ``path``; every read is bounded by ``timeout`` seconds.

    Raises:
        OSError: the socket is not there or refuses us.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._buf = b""
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.settimeout(timeout)
            self._sock.connect(path)
        except BaseException:
            self._sock.close()
            raise

    def send(self, *lines: str) -> None:
        self._sock.sendall("".join(line + "\n" for line in lines).encode())

    def read_until(self, last: Callable[[str], bool]) -> tuple[list[str], bool]:
        """Lines until one ``last`` accepts (then ``True``), the driver hangs up, or time is up."""
        lines: list[str] = []
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            while b"\n" in self._buf:
                raw, self._buf = self._buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace")
                lines.append(line)
                if last(line):
                    return lines, True
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            self._buf += data
        return lines, False

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> DriverSocketClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def messages(lines: Iterable[str]) -> list[sock.DriverMessage]:
    """The driver messages in ``lines``; lines that are none are skipped."""
    out: list[sock.DriverMessage] = []
    tokenizer = Tokenizer()
    for words in tokenizer.feed("".join(line + "\n" for line in lines).encode()):
        if words.error or not words.args:
            continue
        with contextlib.suppress(RemoteProtocolError):
            out.append(sock.parse_driver_message(words.args))
    return out
