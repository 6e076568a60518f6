"""The NUT client on asyncio streams, for upsmon, exporters and web front ends.

Strategy
--------
The same :class:`~powerdown.client.session.ClientSession` and the same
:mod:`~powerdown.client.calls` as the blocking client; only the moving of
bytes differs.  Method names and return values match
:class:`~powerdown.client.blocking.NutClient`, as coroutines.  Here too the
shell is where ``OSError``, timeouts and ``ssl.SSLError`` become
:class:`~powerdown.client.errors.ClientError`.

Calls on one client must not overlap (one request at a time, as in NUT's
clients): a lock serialises them, so concurrent tasks may share a client.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
from types import TracebackType
from typing import TypeVar

from powerdown.client import calls
from powerdown.client.blocking import DEFAULT_TIMEOUT, TlsMode, no_verify_context
from powerdown.client.calls import Call
from powerdown.client.errors import (
    ClientError,
    ConnectFailure,
    NoSuchHost,
    ReadError,
    ServerDisconnected,
    SslError,
    SslUnavailable,
    WriteError,
)
from powerdown.client.session import NEED_DATA, Answer, ClientSession, Event

__all__ = ["AsyncNutClient"]

T = TypeVar("T")


def _strerror(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else str(exc)


class AsyncNutClient:
    """One connection to upsd on asyncio streams.  Create with :meth:`connect`."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        host: str,
        port: int,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.session = ClientSession()
        self.tls_active = False
        self._reader = reader
        self._writer: asyncio.StreamWriter | None = writer
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(
        cls,
        host: str = "127.0.0.1",
        port: int = 3493,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        tls: TlsMode = "off",
        ssl_context: ssl.SSLContext | None = None,
        family: int = socket.AF_UNSPEC,
        server_hostname: str | None = None,
    ) -> AsyncNutClient:
        """Connect (trying every address in turn), optionally with STARTTLS.

        Raises:
            ClientError: resolving, connecting or a required STARTTLS failed.
        """
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                host, port, family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
                raise NoSuchHost() from exc
            raise ClientError(str(exc)) from exc
        except UnicodeError as exc:
            raise NoSuchHost() from exc
        last: ClientError = ClientError()
        for fam, kind, proto, _canon, addr in infos:
            sock = socket.socket(fam, kind, proto)
            sock.setblocking(False)
            try:
                async with asyncio.timeout(connect_timeout):
                    await loop.sock_connect(sock, addr)
                reader, writer = await asyncio.open_connection(sock=sock)
            except TimeoutError:
                sock.close()
                last = ConnectFailure(os.strerror(errno.ETIMEDOUT), errno=errno.ETIMEDOUT)
                continue
            except OSError as exc:
                sock.close()
                last = ConnectFailure(_strerror(exc), errno=exc.errno)
                continue
            client = cls(reader, writer, host=host, port=port, timeout=timeout)
            if tls != "off":
                try:
                    await client.starttls(
                        ssl_context=ssl_context,
                        required=tls == "require",
                        server_hostname=server_hostname,
                    )
                except BaseException:
                    await client.close(logout=False)
                    raise
            return client
        raise last

    async def starttls(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        required: bool = False,
        server_hostname: str | None = None,
    ) -> bool:
        """Ask for TLS; ``True`` once encrypted, ``False`` if the server declined.

        ``server_hostname`` is the name the certificate must carry when the
        context checks names (upsmon's CERTHOST); by default, the host.
        """
        reply = await self.call(calls.starttls())
        if not reply.startswith("OK STARTTLS"):
            if required:
                raise SslUnavailable()
            return False
        writer = self._require()
        try:
            await writer.start_tls(
                ssl_context or no_verify_context(),
                server_hostname=server_hostname or self.host,
            )
        except ssl.SSLError as exc:
            raise SslError(exc.reason or str(exc)) from exc
        except OSError as exc:
            raise SslError(_strerror(exc)) from exc
        self.tls_active = True
        return True

    def _require(self) -> asyncio.StreamWriter:
        if self._writer is None:
            raise ServerDisconnected()
        return self._writer

    async def close(self, *, logout: bool = True) -> None:
        """Say ``LOGOUT`` without waiting for the answer, and close."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            if logout:
                writer.write(b"LOGOUT\n")
                await writer.drain()
        except (OSError, ssl.SSLError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ssl.SSLError):
                pass

    async def __aenter__(self) -> AsyncNutClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- the engine ------------------------------------------------------------

    async def _send(self, data: bytes) -> None:
        writer = self._require()
        try:
            writer.write(data)
            await writer.drain()
        except ssl.SSLError as exc:
            raise SslError(exc.reason or str(exc)) from exc
        except OSError as exc:
            raise WriteError(_strerror(exc), errno=exc.errno) from exc

    async def _receive(self, timeout: float | None) -> Event:
        while True:
            event = self.session.next_event()
            if event is not NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout):
                    data = await self._reader.read(65536)
            except TimeoutError as exc:
                raise ServerDisconnected() from exc
            except ssl.SSLError as exc:
                raise SslError(exc.reason or str(exc)) from exc
            except ConnectionResetError as exc:
                raise ServerDisconnected() from exc
            except OSError as exc:
                raise ReadError(_strerror(exc), errno=exc.errno) from exc
            self.session.receive_data(data)

    async def call(self, call: Call[T], *, timeout: float | None = None) -> T:
        """Send one request and return its converted reply."""
        async with self._lock:
            await self._send(call.send(self.session))
            event = await self._receive(self.timeout if timeout is None else timeout)
        return call.convert(event)

    async def request_raw(self, line: str, *, timeout: float | None = None) -> str:
        """Send ``line`` as written; the reply line as read, ``ERR`` included."""
        async with self._lock:
            await self._send(self.session.send_line(line, raw=True))
            event = await self._receive(self.timeout if timeout is None else timeout)
        return getattr(event, "line", "")

    # -- the protocol, one method per request ----------------------------------

    async def get(self, *query: str) -> Answer:
        return await self.call(calls.get(*query))

    async def list_(self, *query: str) -> tuple[tuple[str, ...], ...]:
        return await self.call(calls.list_(*query))

    async def command(self, verb: str, *args: str, raw: bool = False) -> str:
        return await self.call(calls.command(verb, *args, raw=raw))

    async def get_var(self, ups: str, var: str) -> str:
        return await self.call(calls.get_var(ups, var))

    async def get_type(self, ups: str, var: str) -> tuple[str, ...]:
        return await self.call(calls.get_type(ups, var))

    async def get_desc(self, ups: str, var: str) -> str:
        return await self.call(calls.get_desc(ups, var))

    async def get_cmddesc(self, ups: str, cmd: str) -> str:
        return await self.call(calls.get_cmddesc(ups, cmd))

    async def get_upsdesc(self, ups: str) -> str:
        return await self.call(calls.get_upsdesc(ups))

    async def get_numlogins(self, ups: str) -> int:
        return await self.call(calls.get_numlogins(ups))

    async def list_ups(self) -> dict[str, str]:
        return await self.call(calls.list_ups())

    async def list_var(self, ups: str) -> dict[str, str]:
        return await self.call(calls.list_var(ups))

    async def list_rw(self, ups: str) -> dict[str, str]:
        return await self.call(calls.list_rw(ups))

    async def list_cmd(self, ups: str) -> list[str]:
        return await self.call(calls.list_cmd(ups))

    async def list_enum(self, ups: str, var: str) -> list[str]:
        return await self.call(calls.list_enum(ups, var))

    async def list_range(self, ups: str, var: str) -> list[tuple[str, str]]:
        return await self.call(calls.list_range(ups, var))

    async def list_client(self, ups: str) -> list[str]:
        return await self.call(calls.list_client(ups))

    async def set_var(self, ups: str, var: str, value: str) -> str | None:
        return await self.call(calls.set_var(ups, var, value))

    async def instcmd(self, ups: str, cmd: str, value: str | None = None) -> str | None:
        return await self.call(calls.instcmd(ups, cmd, value))

    async def username(self, name: str) -> None:
        await self.call(calls.username(name))

    async def password(self, secret: str) -> None:
        await self.call(calls.password(secret))

    async def login(self, ups: str) -> None:
        await self.call(calls.login(ups))

    async def primary(self, ups: str) -> None:
        await self.call(calls.primary(ups))

    async def master(self, ups: str) -> None:
        await self.call(calls.master(ups))

    async def fsd(self, ups: str) -> None:
        await self.call(calls.fsd(ups))

    async def logout(self) -> None:
        """``LOGOUT``, waiting for upsd's goodbye, then close."""
        try:
            await self.call(calls.logout())
        finally:
            await self.close(logout=False)

    async def set_tracking(self, on: bool = True) -> None:
        await self.call(calls.set_tracking(on))

    async def get_tracking(self, ident: str | None = None) -> str:
        return await self.call(calls.get_tracking(ident))

    async def ver(self) -> str:
        return await self.call(calls.ver())

    async def netver(self) -> str:
        return await self.call(calls.netver())

    async def help(self) -> str:
        return await self.call(calls.help_())
