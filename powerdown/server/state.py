"""What upsd knows as a whole: its UPSes, users, descriptions and clients.

This is the pure data the per-client sessions read and update (log-ins,
the FSD latch, tracking ids).  The asyncio shell owns one instance, fills it
from the config files and the driver links, and never decides anything
itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from powerdown.protocol.errors import ErrToken
from powerdown.state.tree import DeviceState

if TYPE_CHECKING:
    from powerdown.server.session import ClientSession

__all__ = ["DriverView", "TrackingView", "UserCheck", "Ups", "ServerState"]


class DriverView(Protocol):
    """What a session may ask of the link to a UPS's driver (``driverlink.DriverLink``)."""

    @property
    def device(self) -> DeviceState: ...

    def availability(self, now: float) -> ErrToken | None:
        """None when the data may be served, else DRIVER-NOT-CONNECTED or DATA-STALE."""
        ...


class TrackingView(Protocol):
    """upsd's table of INSTCMD/SET tracking ids (``GET TRACKING <id>``)."""

    def add(self, tracking_id: str, now: float) -> None: ...

    def reply(self, tracking_id: str) -> str: ...


class UserCheck(Protocol):
    """upsd.users as upsd consults it: may this name and password do that?"""

    def check_action(self, username: str, password: str, action: str) -> bool: ...

    def check_instcmd(self, username: str, password: str, cmd: str) -> bool: ...


@dataclass(slots=True, eq=False)
class Ups:
    """One ``[section]`` of ups.conf as upsd serves it."""

    name: str
    driver: str
    port: str
    desc: str | None
    link: DriverView
    numlogins: int = 0
    #: NUT's FSD flag is a latch: set by ``FSD``, cleared only by restarting
    #: upsd or dropping the UPS from ups.conf.
    fsd: bool = False


def _default_descriptions(kind: str, name: str) -> str | None:
    return None


@dataclass(slots=True, eq=False)
class ServerState:
    users: UserCheck
    tracking: TrackingView
    new_tracking_id: Callable[[], str]
    #: ``describe("VAR"|"CMD", name)`` for GET DESC / GET CMDDESC.
    describe: Callable[[str, str], str | None] = _default_descriptions
    tls_configured: bool = False
    product: str = "powerdown"
    _upses: dict[str, Ups] = field(default_factory=dict)
    #: Every connected client, newest first (the order LIST CLIENT uses).
    sessions: list[ClientSession] = field(default_factory=list)

    def add_ups(self, ups: Ups) -> None:
        self._upses[ups.name.lower()] = ups

    def remove_ups(self, name: str) -> Ups | None:
        return self._upses.pop(name.lower(), None)

    def ups(self, name: str) -> Ups | None:
        """Look a UPS up as upsd does: names are case-insensitive."""
        return self._upses.get(name.lower())

    def upses(self) -> list[Ups]:
        """UPSes in LIST UPS order: NUT lists the last ups.conf section first."""
        return list(reversed(self._upses.values()))

    def __iter__(self) -> Iterator[Ups]:
        return iter(self._upses.values())
