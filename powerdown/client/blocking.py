"""A blocking NUT client on a plain socket, for the command line tools.

Strategy
--------
All protocol work is in :mod:`powerdown.client.session` and
:mod:`powerdown.client.calls`; this shell connects, writes the bytes a call
produces and reads until the session has the reply.  It is also the one place
where ``OSError``, ``socket.timeout`` and ``ssl.SSLError`` become our
:class:`~powerdown.client.errors.ClientError` family, with libupsclient's
wording (a read timeout is "Server disconnected", as in libupsclient).

Connecting follows ``upscli_tryconnect``: every address ``getaddrinfo``
gives, in order, until one accepts.  ``tls`` may be ``"off"``, ``"try"``
(send ``STARTTLS``, go on in clear text if the server declines, as upsc
does) or ``"require"``.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Literal, TypeVar

from powerdown.client import calls
from powerdown.client.calls import Call
from powerdown.client.errors import (
    ClientError,
    ConnectFailure,
    NoSuchHost,
    ReadError,
    ServerDisconnected,
    SocketFailure,
    SslError,
    SslUnavailable,
    WriteError,
)
from powerdown.client.session import NEED_DATA, Answer, ClientSession, Event

__all__ = ["NutClient", "TlsMode", "DEFAULT_TIMEOUT", "resolve", "no_verify_context"]

T = TypeVar("T")
TlsMode = Literal["off", "try", "require"]

#: libupsclient's DEFAULT_NETWORK_TIMEOUT for each read, in seconds.
DEFAULT_TIMEOUT = 5.0


def no_verify_context() -> ssl.SSLContext:
    """A TLS client context that does not check the server's certificate.

    That is what NUT's clients do unless told to verify (``CERTVERIFY``).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def resolve(
    host: str, port: int, family: int = socket.AF_UNSPEC
) -> list[tuple[int, int, int, str, tuple[str, int] | tuple[str, int, int, int]]]:
    """``getaddrinfo`` for a TCP peer.

    Raises:
        NoSuchHost: the name does not resolve.
        ClientError: any other resolver failure ("Unknown error").
    """
    try:
        found = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise NoSuchHost() from exc
        raise ClientError(str(exc)) from exc
    except UnicodeError as exc:  # an IDNA-invalid name
        raise NoSuchHost() from exc
    return [(f, t, p, c, a) for f, t, p, c, a in found]  # type: ignore[misc]


@contextmanager
def _io(kind: type[ClientError]) -> Iterator[None]:
    """Translate socket errors met while reading or writing."""
    try:
        yield
    except TimeoutError as exc:
        raise ServerDisconnected() from exc
    except ssl.SSLError as exc:
        raise SslError(exc.reason or str(exc)) from exc
    except (BrokenPipeError, ConnectionResetError) as exc:
        if kind is ReadError:
            raise ServerDisconnected() from exc
        code = exc.errno or errno.EPIPE
        raise kind(os.strerror(code), errno=code) from exc
    except OSError as exc:
        raise kind(os.strerror(exc.errno) if exc.errno else str(exc), errno=exc.errno) from exc


class NutClient:
    """One connection to a NUT server (upsd), used call by call.

    Args:
        host, port: the server.  A bracketed IPv6 literal is accepted too.
        timeout: seconds to wait for each read (``None``: forever).
        connect_timeout: seconds to wait for the TCP connect (``None``: as
            long as the system does, like upsc).
        tls: ``"off"``, ``"try"`` or ``"require"`` STARTTLS.
        ssl_context: the context for STARTTLS (default: no certificate check).
        family: ``socket.AF_INET``/``AF_INET6`` to force one (upsd's -4/-6 style).

    Raises:
        ClientError: the connection (or a required STARTTLS) failed.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 3493,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        tls: TlsMode = "off",
        ssl_context: ssl.SSLContext | None = None,
        family: int = socket.AF_UNSPEC,
    ) -> None:
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        self.host = host
        self.port = port
        self.timeout = timeout
        self.session = ClientSession()
        self.tls_active = False
        self._sock: socket.socket | ssl.SSLSocket | None = None
        self._sock = self._connect(family, connect_timeout)
        if tls != "off":
            try:
                self.starttls(ssl_context=ssl_context, required=tls == "require")
            except BaseException:
                self.close(logout=False)
                raise

    # -- connection ------------------------------------------------------------

    def _connect(self, family: int, connect_timeout: float | None) -> socket.socket:
        last: ClientError | None = None
        for fam, kind, proto, _canon, addr in resolve(self.host, self.port, family):
            try:
                sock = socket.socket(fam, kind, proto)
            except OSError as exc:
                if exc.errno not in (errno.EAFNOSUPPORT, errno.EINVAL):
                    last = SocketFailure(os.strerror(exc.errno or 0), errno=exc.errno)
                continue
            try:
                sock.settimeout(connect_timeout)
                sock.connect(addr)
            except TimeoutError:
                sock.close()
                last = ConnectFailure(os.strerror(errno.ETIMEDOUT), errno=errno.ETIMEDOUT)
                continue
            except OSError as exc:
                sock.close()
                if exc.errno != errno.EAFNOSUPPORT:
                    detail = os.strerror(exc.errno) if exc.errno else str(exc)
                    last = ConnectFailure(detail, errno=exc.errno)
                continue
            sock.settimeout(self.timeout)
            return sock
        raise last or ClientError()

    def starttls(
        self, *, ssl_context: ssl.SSLContext | None = None, required: bool = False
    ) -> bool:
        """Ask for TLS; ``True`` once encrypted, ``False`` if the server declined.

        Raises:
            SslUnavailable: ``required`` and the server declined.
            SslError: the handshake failed.
        """
        reply = self.call(calls.starttls())
        if not reply.startswith("OK STARTTLS"):
            if required:
                raise SslUnavailable()
            return False
        ctx = ssl_context or no_verify_context()
        sock = self._require()
        try:
            self._sock = ctx.wrap_socket(sock, server_hostname=self.host)
        except ssl.SSLError as exc:
            raise SslError(exc.reason or str(exc)) from exc
        except OSError as exc:
            raise SslError(os.strerror(exc.errno) if exc.errno else str(exc)) from exc
        self.tls_active = True
        return True

    def _require(self) -> socket.socket | ssl.SSLSocket:
        if self._sock is None:
            raise ServerDisconnected()
        return self._sock

    def close(self, *, logout: bool = True) -> None:
        """Say ``LOGOUT`` (without waiting for the answer, as libupsclient) and close."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            if logout:
                sock.sendall(b"LOGOUT\n")
        except OSError:
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def __enter__(self) -> NutClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fileno(self) -> int:
        return self._require().fileno()

    # -- the engine ------------------------------------------------------------

    def send(self, data: bytes) -> None:
        sock = self._require()
        with _io(WriteError):
            sock.sendall(data)

    def receive(self, *, timeout: float | None = None) -> Event:
        """Read until the session completes the oldest pending reply."""
        sock = self._require()
        while True:
            event = self.session.next_event()
            if event is not NEED_DATA:
                return event
            with _io(ReadError):
                if timeout is not None:
                    sock.settimeout(timeout)
                try:
                    data = sock.recv(65536)
                finally:
                    if timeout is not None:
                        sock.settimeout(self.timeout)
            self.session.receive_data(data)

    def call(self, call: Call[T], *, timeout: float | None = None) -> T:
        """Send one request and return its converted reply."""
        self.send(call.send(self.session))
        return call.convert(self.receive(timeout=timeout))

    def request_raw(self, line: str, *, timeout: float | None = None) -> str:
        """Send ``line`` as written; the reply line as read, ``ERR`` included."""
        self.send(self.session.send_line(line, raw=True))
        return getattr(self.receive(timeout=timeout), "line", "")

    # -- the protocol, one method per request ----------------------------------

    def get(self, *query: str) -> Answer:
        return self.call(calls.get(*query))

    def list_(self, *query: str) -> tuple[tuple[str, ...], ...]:
        return self.call(calls.list_(*query))

    def command(self, verb: str, *args: str, raw: bool = False) -> str:
        return self.call(calls.command(verb, *args, raw=raw))

    def get_var(self, ups: str, var: str) -> str:
        return self.call(calls.get_var(ups, var))

    def get_type(self, ups: str, var: str) -> tuple[str, ...]:
        return self.call(calls.get_type(ups, var))

    def get_desc(self, ups: str, var: str) -> str:
        return self.call(calls.get_desc(ups, var))

    def get_cmddesc(self, ups: str, cmd: str) -> str:
        return self.call(calls.get_cmddesc(ups, cmd))

    def get_upsdesc(self, ups: str) -> str:
        return self.call(calls.get_upsdesc(ups))

    def get_numlogins(self, ups: str) -> int:
        return self.call(calls.get_numlogins(ups))

    def list_ups(self) -> dict[str, str]:
        return self.call(calls.list_ups())

    def list_var(self, ups: str) -> dict[str, str]:
        return self.call(calls.list_var(ups))

    def list_rw(self, ups: str) -> dict[str, str]:
        return self.call(calls.list_rw(ups))

    def list_cmd(self, ups: str) -> list[str]:
        return self.call(calls.list_cmd(ups))

    def list_enum(self, ups: str, var: str) -> list[str]:
        return self.call(calls.list_enum(ups, var))

    def list_range(self, ups: str, var: str) -> list[tuple[str, str]]:
        return self.call(calls.list_range(ups, var))

    def list_client(self, ups: str) -> list[str]:
        return self.call(calls.list_client(ups))

    def set_var(self, ups: str, var: str, value: str) -> str | None:
        return self.call(calls.set_var(ups, var, value))

    def instcmd(self, ups: str, cmd: str, value: str | None = None) -> str | None:
        return self.call(calls.instcmd(ups, cmd, value))

    def username(self, name: str) -> None:
        self.call(calls.username(name))

    def password(self, secret: str) -> None:
        self.call(calls.password(secret))

    def login(self, ups: str) -> None:
        self.call(calls.login(ups))

    def primary(self, ups: str) -> None:
        self.call(calls.primary(ups))

    def master(self, ups: str) -> None:
        self.call(calls.master(ups))

    def fsd(self, ups: str) -> None:
        self.call(calls.fsd(ups))

    def logout(self) -> None:
        """``LOGOUT``, waiting for upsd's goodbye, then close."""
        try:
            self.call(calls.logout())
        finally:
            self.close(logout=False)

    def set_tracking(self, on: bool = True) -> None:
        self.call(calls.set_tracking(on))

    def get_tracking(self, ident: str | None = None) -> str:
        return self.call(calls.get_tracking(ident))

    def ver(self) -> str:
        return self.call(calls.ver())

    def netver(self) -> str:
        return self.call(calls.netver())

    def help(self) -> str:
        return self.call(calls.help_())
