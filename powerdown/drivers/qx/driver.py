"""nutdrv_qx: the Q* (Megatec family) protocols on a serial port.

Strategy
--------
NUT's ``nutdrv_qx(8)``.  The port is opened at 2400 baud with the modem
lines ``cablepower`` asks for (``normal``: DTR on, RTS off; ``reverse``,
``both``, ``none``).  Each exchange is NUT's ``qx_command`` on a serial
line: drop what is waiting, send the command, read one line (CR or LF
ends it, as NUT's canonical-mode read) within one second.  Everything
else (the claim, the walks, commands, settings, the charge estimate) is
in the pure ``engine``; this shell only moves bytes and reads the clock.

USB (``port = auto`` and the USB matching variables) is not done here:
those settings are accepted so a NUT ``ups.conf`` parses, and refused at
start with a message.
"""

from __future__ import annotations

import asyncio
import time

from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.main import run_driver
from powerdown.drivers.options import DriverVar
from powerdown.drivers.qx.engine import MAXTRIES, Engine, Exchange, Mode, Poll, T
from powerdown.drivers.qx.estimate import EstimateError
from powerdown.drivers.qx.items import QxFlag, strtol
from powerdown.drivers.qx.protocols import PROTOCOLS, Flags, Protocol, by_name
from powerdown.drivers.serialline import SerialError, SerialLine, SerialTimeout

__all__ = ["NutdrvQx", "main", "BAUDRATE", "REPLY_TIMEOUT", "CABLEPOWER"]

#: NUT's speed for every Q* serial UPS.
BAUDRATE = 2400
#: NUT's ``SER_WAIT_SEC``: how long a reply may take.
REPLY_TIMEOUT = 1.0
#: ``cablepower``: (DTR, RTS).
CABLEPOWER = {
    "normal": (True, False),
    "reverse": (False, True),
    "both": (True, True),
    "none": (False, False),
}
DEFAULT_POLLFREQ = 30

_USB_VARS = (
    "subdriver",
    "vendor",
    "product",
    "serial",
    "vendorid",
    "productid",
    "bus",
    "device",
    "langid_fix",
)

# NUT 2.8.0's variables (``nutdrv_qx -L``), so that any NUT ups.conf parses.
_VARIABLES: tuple[tuple[str, str, bool], ...] = (
    ("offdelay", "Set shutdown delay, in seconds (default=30)", True),
    ("ondelay", "Set startup delay, in seconds (default=180)", True),
    ("stayoff", "If invoked the UPS won't return after a shutdown when FSD arises", False),
    ("pollfreq", "Set polling frequency, in seconds, to reduce data flow (default=30)", True),
    ("protocol", "Preselect communication protocol (skip autodetection)", True),
    ("runtimecal", "Parameters used for runtime calculation", True),
    ("chargetime", "Nominal charge time for UPS battery", True),
    ("idleload", "Minimum load to be used for runtime calculation", True),
    ("subdriver", "Serial-over-USB subdriver selection", True),
    ("vendor", "Regular expression to match UPS Manufacturer string", True),
    ("product", "Regular expression to match UPS Product string", True),
    ("serial", "Regular expression to match UPS Serial number", True),
    (
        "vendorid",
        "Regular expression to match UPS Manufacturer numerical ID (4 digits hexadecimal)",
        True,
    ),
    (
        "productid",
        "Regular expression to match UPS Product numerical ID (4 digits hexadecimal)",
        True,
    ),
    ("bus", "Regular expression to match USB bus name", True),
    ("device", "Regular expression to match USB device name", True),
    (
        "usb_set_altinterface",
        "Force redundant call to usb_set_altinterface() (value=bAlternateSetting; default=0)",
        True,
    ),
    (
        "langid_fix",
        "Apply the language ID workaround to the krauler subdriver (0x409 or 0x4095)",
        True,
    ),
    ("noscanlangid", "Don't autoscan valid range for langid", False),
    ("cablepower", "Set cable power for serial interface", True),
    ("reset_to_default", "Reset capability options and their limits to safe default values", False),
    ("bypass_alarm", "Alarm (BEEP!) at Bypass Mode [enabled/disabled]", True),
    ("battery_alarm", "Alarm (BEEP!) at Battery Mode [enabled/disabled]", True),
    ("bypass_when_off", "Bypass when the UPS is Off [enabled/disabled]", True),
    ("alarm_control", "Alarm (BEEP!) Control [enabled/disabled]", True),
    ("converter_mode", "Converter Mode [enabled/disabled]", True),
    ("eco_mode", "ECO Mode [enabled/disabled]", True),
    ("battery_open_status_check", "Battery Open Status Check [enabled/disabled]", True),
    ("bypass_forbidding", "Bypass not allowed (Bypass Forbidding) [enabled/disabled]", True),
    ("site_fault_detection", "Site fault detection [enabled/disabled]", True),
    ("advanced_eco_mode", "Advanced ECO Mode [enabled/disabled]", True),
    (
        "constant_phase_angle",
        "Constant Phase Angle Function (Output and input phase angles are not equal) "
        "[enabled/disabled]",
        True,
    ),
    ("limited_runtime_on_battery", "Limited runtime on battery mode [enabled/disabled]", True),
    ("max_bypass_volt", "Maximum voltage for Bypass Mode", True),
    ("min_bypass_volt", "Minimum voltage for Bypass Mode", True),
    ("max_bypass_freq", "Maximum frequency for Bypass Mode", True),
    ("min_bypass_freq", "Minimum frequency for Bypass Mode", True),
    ("work_range_type", "Device grid working range for P31 UPSes [Appliance/UPS]", True),
    (
        "output_phase_angle",
        "Change output phase angle to the provided value [000, 120, 180, 240]\u00b0",
        True,
    ),
    ("battery_number", "Set number of batteries that make a pack to n (integer, 1-9)", True),
    ("testing", "If invoked the driver will exec also commands that still need testing", False),
    ("ignoresab", "Ignore 'Shutdown Active' bit in UPS status", False),
    ("norating", "Skip reading rating information from UPS", False),
    ("novendor", "Skip reading vendor information from UPS", False),
    (
        "pins_shutdown_mode",
        "Set shutdown mode functionality of Pin 1 and Pin 7 on the UPS DB9 communication port "
        "(Per Best Power's EPS-0059) to n (integer, 0-6)",
        True,
    ),
    ("series", "Series (A/E)", True),
    ("slave_address", "Slave address (UPS id) to match", True),
    ("input_fault_voltage", "Input fault voltage (whatever that means)", True),
    ("number_of_battery_cells", "Number of battery cells in series", True),
    ("nominal_cell_voltage", "Nominal battery cell voltage", True),
    ("runtime_half", "Nominal battery run time at 50% load (seconds)", True),
    ("runtime_full", "Nominal battery run time at 100% load (seconds)", True),
    ("recharge_time", "Nominal battery recharge time to 95% capacity (seconds)", True),
    ("output_voltages", "Possible output voltages (volts)", True),
    ("fault_1", "Fault record 1 (newest)", True),
    ("fault_2", "Fault record 2", True),
    ("fault_3", "Fault record 3", True),
    ("fault_4", "Fault record 4", True),
    ("fault_5", "Fault record 5 (oldest)", True),
)


class NutdrvQx(Driver):
    name = "nutdrv_qx"
    description = "Generic Q* USB/Serial driver"
    version = "0.32"
    variables = tuple(DriverVar(name=n, desc=d, value=v) for n, d, v in _VARIABLES)

    def __init__(self) -> None:
        self.line: SerialLine | None = None
        self.engine: Engine | None = None

    # -- the wire ---------------------------------------------------------------

    async def exchange(self, command: bytes) -> bytes | None:
        """Send one command, read one line back: b"" on silence, None if the port failed."""
        line = self.line
        if line is None:
            return None
        try:
            line.flush_input()
            await line.write(command)
            return await self._read_line(line, REPLY_TIMEOUT)
        except SerialTimeout:
            return b""
        except SerialError:
            return None

    @staticmethod
    async def _read_line(line: SerialLine, timeout: float) -> bytes:
        # A tty in canonical mode: a line is only there once its CR or LF is;
        # a partial line at the deadline counts as no answer.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        buffer = b""
        while True:
            ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
            if ends:
                end = min(ends) + 1
                line.unread(buffer[end:])
                return buffer[:end]
            remaining = deadline - loop.time()
            if remaining <= 0:
                line.unread(buffer)
                return b""
            chunk = await line.read_available(remaining)
            if not chunk:
                line.unread(buffer)
                return b""
            buffer += chunk

    async def run(self, exchange: Exchange[T]) -> T:
        """Drive one of the engine's exchanges over the port."""
        try:
            command = next(exchange)
            while True:
                reply = await self.exchange(command)
                command = exchange.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    # -- hooks --------------------------------------------------------------------

    async def initups(self, ctx: DriverContext) -> None:
        port = ctx.device_path
        if port.lower() == "auto" or any(ctx.getval(v) is not None for v in _USB_VARS):
            raise DeviceError(
                "nutdrv_qx: USB devices are not supported by this driver yet; "
                "give the serial port as 'port'"
            )
        cable = ctx.getval("cablepower")
        lines = CABLEPOWER.get((cable or "normal").lower())
        if lines is None:
            raise DeviceError(f"Value '{cable}' not valid for 'cablepower'")
        dtr, rts = lines
        try:
            self.line = SerialLine.open(port, baudrate=BAUDRATE, dtr=dtr, rts=rts)
        except SerialError as exc:
            raise DeviceError(str(exc)) from exc
        await asyncio.sleep(0.1)  # NUT lets the cable power settle
        proto = await self._match(ctx)
        ctx.log.info("Using protocol: %s", proto.version)
        assert self.engine is not None
        flags = Flags(
            norating=ctx.testvar("norating"),
            novendor=ctx.testvar("novendor"),
            ignoresab=ctx.testvar("ignoresab"),
        )
        self.engine.skip |= proto.initups(proto.items, flags)

    async def _match(self, ctx: DriverContext) -> Protocol:
        wanted = ctx.getval("protocol")
        candidates: tuple[Protocol, ...] = PROTOCOLS
        if wanted is not None:
            chosen = by_name(wanted)
            if chosen is None:
                raise DeviceError("Device not supported!")
            if not chosen.implemented:
                raise DeviceError(f"nutdrv_qx: protocol '{chosen.name}' is not implemented yet")
            candidates = (chosen,)
        for proto in candidates:
            if not proto.implemented:
                continue
            engine = Engine(
                proto, ctx.dstate, log=ctx.log.info, getval=ctx.getval, testvar=ctx.testvar
            )
            for _ in range(MAXTRIES):
                if await self.run(engine.claim(novendor=ctx.testvar("novendor"))):
                    self.engine = engine
                    return proto
        ctx.log.error("Device not supported!")
        raise DeviceError("Device not supported!")

    def _engine(self) -> Engine:
        if self.engine is None:
            raise DeviceError("no protocol")
        return self.engine

    async def initinfo(self, ctx: DriverContext) -> None:
        engine = self._engine()
        dstate = ctx.dstate
        dstate.setinfo("driver.version.data", engine.protocol.version)
        now = time.monotonic()
        if not await self.run(engine.walk(Mode.INIT, now)):
            raise DeviceError("Can't initialise data from the UPS")
        try:
            engine.estimator.init(
                dstate,
                now,
                runtimecal=ctx.getval("runtimecal"),
                chargetime=ctx.getval("chargetime"),
                idleload=ctx.getval("idleload"),
            )
        except EstimateError as exc:
            raise DeviceError(str(exc)) from exc
        await self._user_delays(ctx, engine)
        pollfreq = ctx.getval("pollfreq")
        engine.pollfreq = float(strtol(pollfreq) if pollfreq is not None else DEFAULT_POLLFREQ)
        dstate.setinfo("driver.parameter.pollfreq", f"{engine.pollfreq:.0f}")
        engine.lastpoll = time.monotonic()

    async def _user_delays(self, ctx: DriverContext, engine: Engine) -> None:
        for var, option, what in (
            ("ups.delay.start", "ondelay", "Start delay"),
            ("ups.delay.shutdown", "offdelay", "Shutdown delay"),
        ):
            if ctx.dstate.getinfo(var) is None:
                continue
            value = ctx.getval(option)
            if value is not None and await self.run(engine.setvar(var, value)) != Status.HANDLED:
                raise DeviceError(f"{what} '{value}' out of range")

    async def updateinfo(self, ctx: DriverContext) -> None:
        result = await self.run(self._engine().update(time.monotonic()))
        if result is Poll.STALE:
            raise DeviceError("Communications with the UPS lost: status read failed!")
        if result is Poll.RETRY:
            ctx.log.debug("Communications with the UPS lost: status read failed!")

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        return await self.run(self._engine().instcmd(name, param))

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        return await self.run(self._engine().setvar(name, value))

    async def shutdown(self, ctx: DriverContext) -> None:
        """``-k``: stop any pending shutdown, then shutdown.return (or stayoff) with the delays."""
        engine = self._engine()
        dstate = ctx.dstate
        for var, option, what in (
            ("ups.delay.start", "ondelay", "Start delay"),
            ("ups.delay.shutdown", "offdelay", "Shutdown delay"),
        ):
            i = engine.find(var, QxFlag.NONE, QxFlag.SKIP)
            if i < 0:
                raise DeviceError(f"Unable to set {what.lower()}")
            item = engine.items[i]
            dstate.setinfo(item.name, item.fmt or "")
            engine.set_var_info(item)
            value = ctx.getval(option)
            if value is not None and await self.run(engine.setvar(var, value)) != Status.HANDLED:
                raise DeviceError(f"{what} '{value}' out of range")
        if engine.find("shutdown.stop", QxFlag.CMD, QxFlag.SKIP) >= 0:
            for _ in range(MAXTRIES):
                if await self.run(engine.instcmd("shutdown.stop", None)) == Status.HANDLED:
                    break
            else:
                ctx.log.info("No shutdown pending")
        command = "shutdown.stayoff" if ctx.testvar("stayoff") else "shutdown.return"
        for _ in range(MAXTRIES):
            if await self.run(engine.instcmd(command, None)) == Status.HANDLED:
                ctx.log.info(
                    "Shutting down in %s seconds", dstate.getinfo("ups.delay.shutdown") or ""
                )
                return
        raise DeviceError("Shutdown failed!")

    async def cleanup(self, ctx: DriverContext) -> None:
        if self.line is not None:
            try:
                self.line.set_dtr(False)
            except SerialError:
                pass
            self.line.close()
            self.line = None

    def help(self) -> str:
        return "Read The Fine Manual ('man 8 nutdrv_qx')\n"


def main(argv: list[str] | None = None) -> int:
    return run_driver(NutdrvQx, argv)


if __name__ == "__main__":
    raise SystemExit(main())
