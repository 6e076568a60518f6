"""NUT's wire error tokens and powerdown's protocol exceptions.

The tokens are the exact strings of ``docs/net-protocol.txt`` "Error
responses" (upsd's ``neterr.h``): clients match on them, so spelling is the
contract.  ``NutError`` is what a server answers with and what a client
raises when it reads ``ERR <TOKEN> [extra]``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ErrToken",
    "NutError",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
]


class ErrToken(StrEnum):
    """Every ``ERR`` token upsd may send, spelled as NUT spells it."""

    ACCESS_DENIED = "ACCESS-DENIED"
    UNKNOWN_UPS = "UNKNOWN-UPS"
    VAR_NOT_SUPPORTED = "VAR-NOT-SUPPORTED"
    CMD_NOT_SUPPORTED = "CMD-NOT-SUPPORTED"
    INVALID_ARGUMENT = "INVALID-ARGUMENT"
    INSTCMD_FAILED = "INSTCMD-FAILED"
    SET_FAILED = "SET-FAILED"
    READONLY = "READONLY"
    TOO_LONG = "TOO-LONG"
    FEATURE_NOT_SUPPORTED = "FEATURE-NOT-SUPPORTED"
    FEATURE_NOT_CONFIGURED = "FEATURE-NOT-CONFIGURED"
    ALREADY_SSL_MODE = "ALREADY-SSL-MODE"
    DRIVER_NOT_CONNECTED = "DRIVER-NOT-CONNECTED"
    DATA_STALE = "DATA-STALE"
    ALREADY_LOGGED_IN = "ALREADY-LOGGED-IN"
    INVALID_PASSWORD = "INVALID-PASSWORD"
    ALREADY_SET_PASSWORD = "ALREADY-SET-PASSWORD"
    INVALID_USERNAME = "INVALID-USERNAME"
    ALREADY_SET_USERNAME = "ALREADY-SET-USERNAME"
    USERNAME_REQUIRED = "USERNAME-REQUIRED"
    PASSWORD_REQUIRED = "PASSWORD-REQUIRED"
    UNKNOWN_COMMAND = "UNKNOWN-COMMAND"
    INVALID_VALUE = "INVALID-VALUE"
    # Not in net-protocol.txt's list but sent by upsd (GET TRACKING results).
    UNKNOWN = "UNKNOWN"
    FAILED = "FAILED"


class NutError(Exception):
    """An ``ERR <TOKEN> [extra]`` reply, sent by a server or read by a client."""

    def __init__(self, token: ErrToken | str, extra: str = "") -> None:
        try:
            tok: ErrToken | str = ErrToken(token)
        except ValueError:
            tok = str(token)  # a token from a newer server: keep it verbatim
        self.token = tok
        self.extra = extra
        super().__init__(self.line)

    @property
    def line(self) -> str:
        """The reply line, without its newline."""
        return f"ERR {self.token}" + (f" {self.extra}" if self.extra else "")


class ProtocolError(Exception):
    """A peer broke the protocol.  Abstract: raise a Local or Remote subclass.

    Local means we were asked to send something invalid; Remote means the
    peer sent something we cannot make sense of.
    """

    def __new__(cls, *args: object, **kwargs: object) -> ProtocolError:
        if cls is ProtocolError:
            raise TypeError("raise LocalProtocolError or RemoteProtocolError")
        return super().__new__(cls, *args, **kwargs)


class LocalProtocolError(ProtocolError):
    """We were asked to send something the protocol cannot carry."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""
