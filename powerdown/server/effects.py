"""What a client session asks the upsd shell to do once its reply is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from powerdown.protocol.sock import InstCmd, Set
    from powerdown.server.state import Ups

__all__ = ["ToDriver", "StartTLS", "Close", "Effect"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToDriver:
    """Forward an INSTCMD or SET to the driver of ``ups``."""

    ups: Ups
    request: InstCmd | Set


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTLS:
    """Upgrade the connection to TLS right after ``OK STARTTLS`` is written."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Close:
    """Close the connection after the reply (LOGOUT)."""


Effect = ToDriver | StartTLS | Close
