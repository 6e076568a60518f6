"""What a driver is: a few hooks; the framework (``drivers.main``) does the rest.

Strategy
--------
NUT's ``drivers/main.h``: every driver supplies ``upsdrv_initups`` (find and
open the device), ``upsdrv_initinfo`` (publish what it is and can do),
``upsdrv_updateinfo`` (poll it), ``upsdrv_shutdown`` (``-k``: tell the UPS
to cut the power) and handlers for instant commands and settable
variables, returning the ``STAT_*`` codes of ``drivers/upshandler.h``.
The framework owns the loop, the socket, the command line, ``ups.conf``,
signals and the pid file, and calls the hooks one at a time, so a driver
never sees a request arrive in the middle of a poll.

Here the hooks are coroutines on a ``Driver`` class; they read and write
the tree through ``DriverContext.dstate``.  A hook that cannot reach the
device raises ``DeviceError``: the framework marks the data stale and
carries on polling, and marks it good again after the next poll that
succeeds.  A bug (any other exception) is logged and treated the same way;
it never takes the driver down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.options import DriverOptions, DriverVar
from powerdown.protocol.sock import TrackingStatus

__all__ = ["Status", "DeviceError", "DriverContext", "Driver"]

#: ``STAT_INSTCMD_*`` / ``STAT_SET_*``: HANDLED, UNKNOWN, INVALID, FAILED.
Status = TrackingStatus


class DeviceError(Exception):
    """The device did not answer (or answered nonsense): the data is stale."""


def _nothing() -> None:
    pass


@dataclass(slots=True, kw_only=True)
class DriverContext:
    """What a running driver's hooks can see and change."""

    upsname: str
    options: DriverOptions
    dstate: Dstate
    confpath: str
    statepath: str
    log: logging.Logger
    #: seconds between polls; a driver may change it (``-i`` / ``pollinterval``)
    pollinterval: float = 2.0
    #: set by the framework when the driver is asked to stop
    stopping: bool = False
    #: sends the tree's changes to upsd now; for changes made between hooks
    publish: Callable[[], None] = _nothing

    @property
    def device_path(self) -> str:
        """``port`` from ups.conf or ``-x port=``."""
        return self.options.port or ""

    def getval(self, name: str) -> str | None:
        return self.options.getval(name)

    def testvar(self, name: str) -> bool:
        return self.options.testvar(name)


class Driver:
    """Base of every driver: override the hooks the device needs.

    Class attributes name the driver as NUT does: ``name`` is the program
    (``driver =`` in ups.conf, the socket's prefix), ``description`` and
    ``version`` go into the banner and ``driver.version.internal``, and
    ``variables`` lists the driver's ``-x`` settings.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    version: ClassVar[str] = "0.0"
    variables: ClassVar[Sequence[DriverVar]] = ()
    #: driver variables that ``reload`` may change without a restart
    reloadable: ClassVar[frozenset[str]] = frozenset()

    async def initups(self, ctx: DriverContext) -> None:
        """Find and open the device; raise ``DeviceError`` (fatal at start) if it is not there."""

    async def initinfo(self, ctx: DriverContext) -> None:
        """Publish what the device is and can do (``ADDCMD``, flags, enums)."""

    async def updateinfo(self, ctx: DriverContext) -> None:
        """Poll the device and publish its readings; ``DeviceError`` if it is gone."""

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        """Run an instant command."""
        ctx.log.info("instcmd: unknown command [%s] [%s]", name, param)
        return Status.UNKNOWN

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        """Change a setting of the device."""
        ctx.log.info("setvar: unknown variable [%s]", name)
        return Status.UNKNOWN

    async def shutdown(self, ctx: DriverContext) -> None:
        """``-k``: tell the UPS to turn off its load (and come back with the power)."""
        raise DeviceError("shutdown not supported")

    async def cleanup(self, ctx: DriverContext) -> None:
        """Release the device; called once when the driver exits."""

    def help(self) -> str:
        """More ``-h`` text, after the list of variables."""
        return ""
