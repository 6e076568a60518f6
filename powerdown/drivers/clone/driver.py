"""clone: one outlet of a UPS, served as a UPS of its own (NUT's ``clone`` driver).

Strategy
--------
``port`` names the real driver's socket in the state path
(``usbhid-ups-realups``).  The clone connects to it as upsd does (the same
``DriverConnection``, so the same DUMPALL, PING and stale rules) and copies
the real UPS's variables, except the ones that belong to the outlet: the
real driver's ``driver.*``, ``ups.delay.*``, ``ups.timer.*`` and low-battery
limits are replaced by the clone's own (``offdelay``, ``ondelay``,
``mincharge``, ``minruntime``).  The outlet's timers are in ``outlet``.

As in NUT, only values cross over: the real UPS's commands and writable
settings stay with the real driver (use it for those); the clone offers
``shutdown.return`` and ``shutdown.stayoff`` and its two low limits.  A lost
or stale real driver makes the clone's data stale.
"""

from __future__ import annotations

import asyncio
import os

from powerdown.drivers.clone.outlet import Outlet
from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.main import run_driver
from powerdown.drivers.options import DriverVar
from powerdown.protocol import sock
from powerdown.server.driverconn import DriverConnection
from powerdown.server.driverlink import LinkEvent, Received
from powerdown.state.tree import Flag

__all__ = ["Clone", "main"]

#: The real driver is stale for us when silent this long (NUT's clone: 15 s).
MAXAGE = 15.0

_NOT_COPIED_PREFIXES = ("driver.", "ups.delay.", "ups.timer.")
_NOT_COPIED = frozenset({"battery.charge.low", "battery.runtime.low"})


def _g(value: float) -> str:
    return f"{value:g}"


class Clone(Driver):
    name = "clone"
    description = "Clone UPS driver"
    version = "0.03"
    variables = (
        DriverVar(name="offdelay", desc="Delay before outlet shutdown (seconds)"),
        DriverVar(name="ondelay", desc="Delay before outlet startup (seconds)"),
        DriverVar(
            name="mincharge", desc="Remaining battery level when UPS switches to LB (percent)"
        ),
        DriverVar(
            name="minruntime", desc="Remaining battery runtime when UPS switches to LB (seconds)"
        ),
        DriverVar(name="load.off", desc="Command to switch off outlet"),
        DriverVar(name="load.on", desc="Command to switch on outlet"),
        DriverVar(name="load.status", desc="Variable that indicates outlet is on/off"),
    )

    def __init__(self) -> None:
        self.outlet = Outlet()
        self.conn: DriverConnection | None = None
        self.ctx: DriverContext | None = None

    async def initups(self, ctx: DriverContext) -> None:
        self.ctx = ctx
        o = self.outlet
        settings: tuple[tuple[str, str, type[int] | type[float]], ...] = (
            ("offdelay", "offdelay", int),
            ("ondelay", "ondelay", int),
            ("mincharge", "charge_low", float),
            ("minruntime", "runtime_low", float),
        )
        for var, attr, kind in settings:
            text = ctx.getval(var)
            if text is not None:
                try:
                    setattr(o, attr, kind(text))
                except ValueError as exc:
                    raise DeviceError(f"invalid {var}: {text}") from exc
        self.conn = DriverConnection(
            ctx.upsname,
            self.name,
            ctx.statepath,
            maxage=MAXAGE,
            on_event=self._on_event,
            path=os.path.join(ctx.statepath, ctx.device_path),
        )
        self.conn.start()
        ctx.dstate.setinfo("ups.status", "WAIT")

    async def initinfo(self, ctx: DriverContext) -> None:
        dstate, o = ctx.dstate, self.outlet
        dstate.addcmd("shutdown.return")
        dstate.addcmd("shutdown.stayoff")
        dstate.setinfo("ups.delay.shutdown", str(o.offdelay))
        dstate.setinfo("ups.delay.start", str(o.ondelay))
        self._publish_timers(ctx)
        # Give the real driver a moment to answer its first dump.
        assert self.conn is not None
        try:
            await self.conn.wait_for(lambda link: link.dumpdone, timeout=5.0)
        except TimeoutError:
            ctx.log.warning("no data yet from the driver socket %s", self.conn.path)

    async def updateinfo(self, ctx: DriverContext) -> None:
        assert self.conn is not None
        for command in self.outlet.tick(asyncio.get_running_loop().time()):
            real = ctx.getval(command)
            if real is not None:
                await self.conn.send_instcmd(real)
        self._publish_status(ctx)
        self._publish_timers(ctx)
        problem = self.conn.availability()
        if problem is not None:
            raise DeviceError(f"driver socket {self.conn.path}: {problem}")

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        status_var = ctx.getval("load.status")
        if status_var is not None:
            self.outlet.outlet_seen(ctx.dstate.getinfo(status_var))
        result = self.outlet.instcmd(name)
        if result == Status.UNKNOWN:
            ctx.log.info("instcmd: unknown command [%s] [%s]", name, param or "")
        self._publish_status(ctx)
        self._publish_timers(ctx)
        return result

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        try:
            number = float(value)
        except ValueError:
            return Status.INVALID
        if name.lower() == "battery.charge.low":
            self.outlet.charge_low = number
        elif name.lower() == "battery.runtime.low":
            self.outlet.runtime_low = number
        else:
            ctx.log.info("setvar: unknown variable [%s]", name)
            return Status.UNKNOWN
        ctx.dstate.setinfo(name.lower(), _g(number))
        return Status.HANDLED

    async def cleanup(self, ctx: DriverContext) -> None:
        if self.conn is not None:
            await self.conn.aclose()

    # -- the real driver's data -------------------------------------------------

    def _on_event(self, event: LinkEvent) -> None:
        ctx = self.ctx
        if ctx is None or not isinstance(event, Received):
            return
        dstate, o = ctx.dstate, self.outlet
        match event.message:
            case sock.SetInfo(name=name, value=value):
                low = name.lower()
                if low.startswith(_NOT_COPIED_PREFIXES) or low in _NOT_COPIED:
                    return
                if low == "ups.status":
                    o.status_seen(value)
                    self._publish_status(ctx)
                    ctx.publish()
                    return
                if low == "battery.charge":
                    o.charge_seen(value)
                    self._publish_low(ctx, "battery.charge.low", o.charge_low, 3)
                elif low == "battery.runtime":
                    o.runtime_seen(value)
                    self._publish_low(ctx, "battery.runtime.low", o.runtime_low, 4)
                dstate.setinfo(name, value)
            case sock.DelInfo(name=name):
                low = name.lower()
                if not low.startswith(_NOT_COPIED_PREFIXES) and low not in _NOT_COPIED:
                    dstate.delinfo(name)
            case _:
                return
        ctx.publish()

    def _publish_low(self, ctx: DriverContext, name: str, value: float, aux: int) -> None:
        ctx.dstate.setinfo(name, _g(value))
        ctx.dstate.setflags(name, Flag.RW | Flag.STRING)
        ctx.dstate.setaux(name, aux)

    def _publish_status(self, ctx: DriverContext) -> None:
        ctx.dstate.setinfo("ups.status", self.outlet.shown_status)

    def _publish_timers(self, ctx: DriverContext) -> None:
        ctx.dstate.setinfo("ups.timer.shutdown", str(int(self.outlet.timer_shutdown)))
        ctx.dstate.setinfo("ups.timer.start", str(int(self.outlet.timer_start)))


def main(argv: list[str] | None = None) -> int:
    return run_driver(Clone, argv)


if __name__ == "__main__":
    raise SystemExit(main())
