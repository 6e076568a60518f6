"""The clone driver's outlet: when to switch it off, when back on.

Strategy
--------
NUT's ``drivers/clone.c`` (``docs/man/clone.txt``): a clone follows a real
UPS driver and presents one of its outlets as a UPS of its own, so the
machines on that outlet can be shut down earlier than the rest.  The clone
says ``FSD`` (and counts ``ups.timer.shutdown`` down from ``offdelay``)
when its own low-battery limits are passed on battery, or on
``shutdown.return`` / ``shutdown.stayoff``; at zero it switches the outlet
off with the real driver's ``load.off`` command.  After ``shutdown.return``
it counts ``ups.timer.start`` down from ``ondelay`` while the power is
back (starting again whenever it fails) and then switches the outlet on.

This is that logic alone, with time as an argument; the I/O shell sends the
``INSTCMD`` lines it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from powerdown.drivers.framework import Status

__all__ = ["Outlet", "OFFDELAY", "ONDELAY"]

OFFDELAY = 120
ONDELAY = 30


def _number(text: str) -> float:
    # strtod(): a reading we cannot parse counts as 0, as in NUT.
    try:
        return float(text.split()[0]) if text.split() else 0.0
    except ValueError:
        return 0.0


@dataclass(slots=True, kw_only=True)
class Outlet:
    """One clone's outlet state (``ups.timer.*`` are whole seconds, -1 = idle)."""

    offdelay: int = OFFDELAY
    ondelay: int = ONDELAY
    charge_low: float = 0.0
    runtime_low: float = 0.0
    timer_shutdown: float = -1
    timer_start: float = -1
    on: bool = True
    online: bool = True
    status: str = "WAIT"
    charge: float | None = None
    runtime: float | None = None
    last_poll: float | None = None

    # -- what the real driver says -------------------------------------------

    def status_seen(self, status: str) -> None:
        self.status = status
        self.online = "OL" in status.split()

    def charge_seen(self, text: str) -> None:
        self.charge = _number(text)

    def runtime_seen(self, text: str) -> None:
        self.runtime = _number(text)

    def outlet_seen(self, text: str | None) -> None:
        """The real driver's ``load.status`` variable, when configured."""
        if text is None:
            return
        if text.lower() in ("off", "no"):
            self.on = False
        elif text.lower() in ("on", "yes"):
            self.on = True

    # -- what we publish ---------------------------------------------------------

    @property
    def shown_status(self) -> str:
        return f"FSD {self.status}" if self.timer_shutdown > 0 else self.status

    # -- commands ------------------------------------------------------------------

    def instcmd(self, name: str) -> Status:
        if name.lower() not in ("shutdown.return", "shutdown.stayoff"):
            return Status.UNKNOWN
        if self.on and self.timer_shutdown < 0:
            self.timer_shutdown = self.offdelay
        self.timer_start = self.ondelay if name.lower() == "shutdown.return" else -1
        return Status.HANDLED

    # -- the clock -------------------------------------------------------------------

    def tick(self, now: float) -> list[str]:
        """Advance the timers to ``now``; returns ``"load.off"``/``"load.on"`` when due."""
        elapsed = 0.0 if self.last_poll is None else now - self.last_poll
        self.last_poll = now
        actions: list[str] = []
        if self.timer_shutdown >= 0:
            self.timer_shutdown -= elapsed
            if self.timer_shutdown < 0:
                self.timer_shutdown = -1
                self.on = False
                actions.append("load.off")
        elif self.timer_start >= 0:
            self.timer_start = self.timer_start - elapsed if self.online else self.ondelay
            if self.timer_start < 0:
                self.timer_start = -1
                self.on = True
                actions.append("load.on")
        elif not self.online and self.on and self._low():
            self.instcmd("shutdown.return")
        return actions

    def _low(self) -> bool:
        if self.charge is not None and self.charge < self.charge_low:
            return True
        return self.runtime is not None and self.runtime < self.runtime_low
