"""Client-side errors, and the messages NUT's clients print for them.

Strategy
--------
A client call can fail three ways: the server answers ``ERR <TOKEN>``
(:class:`~powerdown.protocol.errors.NutError`), the server answers something
the protocol does not allow (:class:`ReplyMismatch`, :class:`ReplyParseError`,
both ``RemoteProtocolError``), or the transport fails (:class:`ClientError`
and its subclasses, raised by the I/O shells in place of ``OSError`` /
``ssl.SSLError`` / timeouts).

NUT's clients print ``Error: <text>`` where the text comes from
libupsclient's ``upscli_strerror``: :func:`strerror` gives that exact text for
any of our exceptions, so the CLIs print what NUT's do.  Note that
libupsclient knows only some of upsd's tokens (``upsd_errlist``) and matches
them as prefixes of what follows ``ERR `` (so ``FEATURE-NOT-CONFIGURED`` is
"Unknown error" to it); we keep that table as it is.

This module does no I/O.
"""

from __future__ import annotations

from powerdown.protocol.errors import NutError, RemoteProtocolError

__all__ = [
    "ClientError",
    "NoSuchHost",
    "ConnectFailure",
    "SocketFailure",
    "ServerDisconnected",
    "ReadError",
    "WriteError",
    "SslError",
    "SslUnavailable",
    "ReplyMismatch",
    "ReplyParseError",
    "UPSD_ERRLIST",
    "nut_error_text",
    "strerror",
]


class ClientError(Exception):
    """A transport-level failure, with libupsclient's wording as ``message``."""

    template = "Unknown error"

    def __init__(self, detail: str = "", *, errno: int | None = None) -> None:
        self.detail = detail
        self.errno = errno  # the system's error number, when there is one
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if "%s" in self.template:
            return self.template.replace("%s", self.detail)
        return self.template


class NoSuchHost(ClientError):
    """The host name does not resolve (``EAI_NONAME``)."""

    template = "No such host"


class SocketFailure(ClientError):
    """``socket()`` itself failed."""

    template = "socket failure: %s"


class ConnectFailure(ClientError):
    """``connect()`` failed; ``detail`` is the system's ``strerror``."""

    template = "Connection failure: %s"


class ServerDisconnected(ClientError):
    """EOF, or no answer within the read timeout (libupsclient says the same for both)."""

    template = "Server disconnected"


class ReadError(ClientError):
    template = "Read error: %s"


class WriteError(ClientError):
    template = "Write error: %s"


class SslError(ClientError):
    template = "SSL error: %s"


class SslUnavailable(ClientError):
    """TLS was required but the server does not offer STARTTLS."""

    template = "SSL is not available"


class ReplyMismatch(RemoteProtocolError):
    """The reply does not echo the query, or is not framed as a list (``Protocol error``)."""


class ReplyParseError(RemoteProtocolError):
    """The reply line does not tokenize; ``reason`` is parseconf's message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# upsclient.c upsd_errlist: upsd token -> libupsclient message, in table order
# (the order matters, matching is by prefix).
UPSD_ERRLIST: tuple[tuple[str, str], ...] = (
    ("VAR-NOT-SUPPORTED", "Variable not supported by UPS"),
    ("UNKNOWN-UPS", "Unknown UPS"),
    ("ACCESS-DENIED", "Access denied"),
    ("PASSWORD-REQUIRED", "Password required"),
    ("PASSWORD-INCORRECT", "Password incorrect"),
    ("MISSING-ARGUMENT", "Missing argument"),
    ("DATA-STALE", "Data stale"),
    ("VAR-UNKNOWN", "Variable unknown"),
    ("ALREADY-LOGGED-IN", "Already logged in"),
    ("ALREADY-SET-PASSWORD", "Already set password"),
    ("UNKNOWN-TYPE", "Unknown variable type"),
    ("UNKNOWN-VAR", "Unknown variable"),
    ("READONLY", "Read-only variable"),
    ("TOO-LONG", "New value is too long"),
    ("INVALID-VALUE", "Invalid value for variable"),
    ("SET-FAILED", "Set command failed"),
    ("UNKNOWN-INSTCMD", "Unknown instant command"),
    ("INSTCMD-FAILED", "Instant command failed"),
    ("CMD-NOT-SUPPORTED", "Instant command not supported"),
    ("INVALID-USERNAME", "Invalid username"),
    ("ALREADY-SET-USERNAME", "Already set username"),
    ("UNKNOWN-COMMAND", "Unknown command"),
    ("INVALID-PASSWORD", "Invalid password"),
    ("USERNAME-REQUIRED", "Username required"),
    ("DRIVER-NOT-CONNECTED", "Driver not connected"),
)


def nut_error_text(err: NutError) -> str:
    """libupsclient's message for an ``ERR`` reply."""
    rest = err.line[4:]
    for token, text in UPSD_ERRLIST:
        if rest.startswith(token):
            return text
    return "Unknown error"


def strerror(exc: BaseException) -> str:
    """What ``upscli_strerror`` would say about ``exc``."""
    if isinstance(exc, NutError):
        return nut_error_text(exc)
    if isinstance(exc, ClientError):
        return exc.message
    if isinstance(exc, ReplyParseError):
        return f"Parse error: {exc.reason}"
    if isinstance(exc, RemoteProtocolError):
        return "Protocol error"
    return "Unknown error"
