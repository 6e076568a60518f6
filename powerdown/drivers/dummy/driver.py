"""dummy-ups: a simulated UPS from a definition file, or a repeater of another upsd.

Strategy
--------
NUT's ``docs/man/dummy-ups.txt``.  The mode comes from ``mode`` or else
from ``port``: ``ups@host[:port]`` repeats a UPS another upsd serves
(``repeater``), ``*.seq`` plays a sequence in a loop (``dummy-loop``),
``*.dev`` is read once (``dummy-once``) and re-read when it changes, and
any other file is ``dummy`` (a loop, NUT's oldest behaviour).  A relative
file name is in the configuration directory.

Dummy modes: the file is read with ``devfile`` and played with ``player``,
a piece per poll, ``TIMER`` by ``TIMER``; each variable is set with the
flags NUT's dummy-ups gives it (``table``).  Clients may ``SET`` any
variable but the driver's own (an empty value removes it; ``ups.status``
is split into words), and the instant commands it lists are accepted
and logged.  A file that cannot be read at start is fatal, as in NUT;
later, an unreadable file leaves the data as it was.

Repeater mode lives in ``repeater``.
"""

from __future__ import annotations

import os
import time

from powerdown.config.errors import ConfigWarning
from powerdown.drivers.dstate import Dstate
from powerdown.drivers.dummy import devfile, table
from powerdown.drivers.dummy.devfile import Alarm, Instruction, SetStatus, SetVar
from powerdown.drivers.dummy.player import Player
from powerdown.drivers.dummy.repeater import Repeater
from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.main import run_driver
from powerdown.drivers.options import DriverVar
from powerdown.state.tree import Flag

__all__ = ["DummyUps", "main", "apply_setvar"]

MODES = ("dummy", "dummy-loop", "dummy-once", "repeater")

#: Instant commands a simulated UPS accepts (NUT's dummy-ups lists ``load.off``).
SIMULATED_COMMANDS = ("load.off",)


def choose_mode(port: str, mode: str | None) -> str:
    """The running mode, as NUT's dummy-ups picks it."""
    if mode is not None:
        if mode not in MODES:
            raise DeviceError(f"Unsupported mode was specified: {mode}")
        return mode
    if "@" in port:
        return "repeater"
    if port.endswith(".seq"):
        return "dummy-loop"
    if port.endswith(".dev"):
        return "dummy-once"
    return "dummy"


def apply_setvar(dstate: Dstate, name: str, value: str) -> None:
    """Set (or with ``""`` remove) a variable with the flags dummy-ups gives it."""
    if name.lower().startswith("ups.status"):
        dstate.status_init()
        dstate.status_set(value)
        dstate.status_commit()
        return
    if value == "":
        dstate.delinfo(name)
        return
    dstate.setinfo(name, value)
    flags, aux = table.flags_of(name)
    dstate.setflags(name, flags)
    if flags & Flag.STRING:
        dstate.setaux(name, aux)


class DummyUps(Driver):
    name = "dummy-ups"
    description = "Device simulation and repeater driver"
    version = "0.15"
    variables = (
        DriverVar(
            name="mode",
            desc="Specify mode instead of guessing it from port value "
            "(dummy = dummy-loop, dummy-once, repeater)",
        ),
        DriverVar(name="username", desc="Repeater mode: upsd user for SET and INSTCMD"),
        DriverVar(
            name="password",
            desc="Repeater mode: password of that user",
            sensitive=True,
        ),
        DriverVar(
            name="repeater_disable_strict_start",
            desc="Do not terminate the driver encountering errors when starting the repeater mode",
            value=False,
        ),
    )

    def __init__(self) -> None:
        self.mode = "dummy"
        self.path = ""
        self.player = Player(loop=True)
        self.mtime: float | None = None
        self.repeater: Repeater | None = None
        self.warned: set[tuple[str, int | None, str]] = set()
        # NUT 2.8.0 has no ALARM and keeps a file's ``ups.alarm:`` line; later
        # NUT's per-pass alarm reset would drop it, so only files that use
        # ALARM (once they have) get the reset.
        self.uses_alarm = False

    # -- hooks ----------------------------------------------------------------

    async def initups(self, ctx: DriverContext) -> None:
        port = ctx.device_path
        self.mode = choose_mode(port, ctx.getval("mode"))
        ctx.dstate.setinfo("driver.parameter.mode", self.mode)
        if self.mode == "repeater":
            self.repeater = Repeater(
                port,
                username=ctx.getval("username"),
                password=ctx.getval("password"),
                strict=not ctx.testvar("repeater_disable_strict_start"),
                log=ctx.log,
            )
            return
        self.path = port if os.path.isabs(port) else os.path.join(ctx.confpath, port)
        self.player = Player(loop=self.mode != "dummy-once")

    async def initinfo(self, ctx: DriverContext) -> None:
        dstate = ctx.dstate
        if self.repeater is not None:
            await self.repeater.start(dstate)
            return
        for name, value in table.INITIAL.items():
            dstate.setinfo(name, value)
            flags, aux = table.flags_of(name)
            dstate.setflags(name, flags)
            dstate.setaux(name, aux)
        dstate.status_init()
        dstate.status_set(table.INITIAL["ups.status"])
        if not self._load(ctx, fatal=True):
            raise DeviceError(f"Can't open dummy-ups definition file {self.path}")
        self._play(ctx, time.monotonic())
        for cmd in SIMULATED_COMMANDS:
            dstate.addcmd(cmd)

    async def updateinfo(self, ctx: DriverContext) -> None:
        if self.repeater is not None:
            await self.repeater.update(ctx.dstate)
            return
        now = time.monotonic()
        if self.mode == "dummy-once":
            self._reload_if_changed(ctx)
        elif not self.player.waiting(now) and self.player.pos == 0 and not self.player.done:
            # Each pass of a loop reads the file again, so edits show up.
            self._load(ctx, fatal=False)
        self._play(ctx, now)

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        if self.repeater is not None:
            return await self.repeater.instcmd(name, param)
        if ctx.dstate.tree.has_cmd(name):
            ctx.log.info("instcmd: simulated [%s] [%s]", name, param or "")
            return Status.HANDLED
        ctx.log.info("instcmd: unknown command [%s] [%s]", name, param or "")
        return Status.UNKNOWN

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        if self.repeater is not None:
            return await self.repeater.setvar(name, value)
        apply_setvar(ctx.dstate, name, value)
        return Status.HANDLED

    async def shutdown(self, ctx: DriverContext) -> None:
        raise DeviceError("shutdown not supported")

    async def cleanup(self, ctx: DriverContext) -> None:
        if self.repeater is not None:
            await self.repeater.close()

    # -- dummy modes -----------------------------------------------------------

    def _stat(self) -> float | None:
        try:
            return os.stat(self.path).st_mtime
        except OSError:
            return None

    def _load(self, ctx: DriverContext, *, fatal: bool) -> bool:
        mtime = self._stat()
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except OSError as exc:
            if fatal:
                ctx.log.error("Can't open dummy-ups definition file %s: %s", self.path, exc)
            else:
                ctx.log.warning("Can't read %s: %s; keeping the data", self.path, exc)
            return False
        self.mtime = mtime
        parsed = devfile.parse(data, self.path)
        for warning in parsed.warnings:
            self._warn(ctx, warning)
        self.player.load(parsed.instructions)
        self.uses_alarm |= any(isinstance(ins, Alarm) for ins in parsed.instructions)
        return True

    def _reload_if_changed(self, ctx: DriverContext) -> None:
        mtime = self._stat()
        if mtime is not None and mtime != self.mtime:
            ctx.log.info("%s changed: reading it again", self.path)
            self._load(ctx, fatal=False)

    def _warn(self, ctx: DriverContext, warning: ConfigWarning) -> None:
        key = (warning.path, warning.line, warning.message)
        if key not in self.warned:  # a looping file warns once, not every pass
            self.warned.add(key)
            ctx.log.warning("%s", warning)

    def _play(self, ctx: DriverContext, now: float) -> None:
        dstate = ctx.dstate
        step = self.player.step(now)
        if step.started and self.uses_alarm:
            dstate.alarm_init()
        for ins in step.instructions:
            self._apply(dstate, ins)
        if step.instructions or step.started:
            if self.uses_alarm:
                dstate.alarm_commit()
            dstate.status_commit()

    @staticmethod
    def _apply(dstate: Dstate, ins: Instruction) -> None:
        match ins:
            case SetStatus(tokens=tokens):
                dstate.status_init()
                for word in tokens:
                    dstate.status_set(word)
                dstate.status_commit()
            case SetVar(name=name, value=value):
                apply_setvar(dstate, name, value)
            case Alarm(text=None):
                dstate.alarm_init()
            case Alarm(text=text):
                assert text is not None
                dstate.alarm_set(text)


def main(argv: list[str] | None = None) -> int:
    return run_driver(DummyUps, argv)


if __name__ == "__main__":
    raise SystemExit(main())
