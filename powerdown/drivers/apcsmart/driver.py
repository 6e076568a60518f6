"""apcsmart: APC Smart-UPS (and Matrix-UPS, Back-UPS Pro) over a serial line.

Strategy
--------
NUT's ``apcsmart(8)``.  The port runs at 2400 8N1; with ``cable=940-0095B``
DTR is raised and RTS dropped.  ``Y`` puts the UPS in smart mode (it says
``SM``; NUT tries five times, sending ESC after each failure).  The driver
then learns what the unit can do: the firmware table for old units
(``V``, else ``b``), otherwise the ``a`` command set, each byte checked by
asking it once (a variable that answers ``NA`` or nothing is left out; of
the MULTI candidates the first whose reply looks right wins), and with
``^Z`` the settable values, which make a variable writable with that enum.
Very old units get a minimal probe.

A poll reads ``Q`` (the status byte) and every POLL variable; once an hour
every variable.  Alerts that arrive between replies (``!``, ``$``, ``%``
...) change the status at once.  A poll that gets no answer marks the data
stale; NUT then waits nine polls and nudges the UPS with ``Y`` on the
tenth, and so do we.

The reading rules (what each kind of read ignores, how long it waits,
``*`` as a shutdown acknowledgement) are NUT's; the bytes are split by
``protocol.LineScanner``.  Writes of several bytes pause 50 ms between
bytes after checking that the first byte did not draw an answer (an
``NA`` means the rest would be taken as commands); "twice" commands wait
1.3 s between the two bytes.

Differences from NUT 2.8.0: ``-k`` reads the status reply of any length
(NUT 2.8.0 only accepts a one-character reply, so it always assumes
"on battery"; we follow the man page's ``sdtype`` description instead).
The tty is raw (NUT's ``ttymode=raw``); canonical line handling is done
by the scanner, so ``ttymode`` is accepted and changes nothing.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from powerdown.drivers.apcsmart import protocol as p
from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.main import run_driver
from powerdown.drivers.options import DriverVar
from powerdown.drivers.serialline import SerialError, SerialLine
from powerdown.state.tree import Flag

__all__ = ["ApcSmart", "main"]

ALT_CABLE = "940-0095B"

# read flags (NUT's SER_*)
D0, DX, D1, D3, AA, CC, CS, TO, HA = (1 << i for i in range(9))

MINCMDTIME = 3.0
MAXCMDTIME = 15.0

_AWD = re.compile(r"[0-9]{1,3}")
_SDTYPE = re.compile(r"[0-5]")
_ADVORDER = re.compile(r"[0-4]{1,5}|[Nn][Oo]")
_CSHDELAY = re.compile(r"[0-9]\.?|[0-9]?\.[0-9]")


@dataclass(slots=True)
class _Var:
    """A table entry and what we learnt about it on this UPS."""

    vt: p.VarDef
    present: bool = False
    rw: bool = False
    enum: bool = False
    cnt: int = 0


class ApcSmart(Driver):
    name = "apcsmart"
    description = "APC Smart protocol driver"
    version = "3.2"
    variables = (
        DriverVar(name="ttymode", desc="tty discipline selection"),
        DriverVar(name="cable", desc="alternate cable (940-0095B) selection"),
        DriverVar(name="awd", desc="hard hibernate's additional wakeup delay"),
        DriverVar(name="sdtype", desc="simple shutdown method"),
        DriverVar(name="advorder", desc="advanced shutdown control"),
        DriverVar(name="cshdelay", desc="CS hack delay"),
    )

    def __init__(self) -> None:
        self.line: SerialLine | None = None
        self.scanner = p.LineScanner()
        self.vars = [_Var(vt) for vt in p.VARTAB]
        self.cmds_present: set[int] = set()
        self.ups_status = 0
        self.ctx: DriverContext | None = None
        self.last_worked = 0
        self.last_full: float | None = None
        self.last_nasty = 0.0

    def help(self) -> str:
        return (
            "\nFor detailed information, please refer to:\n"
            " - apcsmart(8)\n"
            " - http://www.networkupstools.org/docs/man/apcsmart.html\n"
        )

    # -- the line ----------------------------------------------------------------

    def _log_warning(self, msg: str, *args: object) -> None:
        if self.ctx is not None:
            self.ctx.log.warning(msg, *args)

    def _alert(self, ch: str) -> None:
        self.ups_status = p.apply_alert(self.ups_status, ch)
        self._publish_status()

    def _publish_status(self) -> None:
        assert self.ctx is not None
        dstate = self.ctx.dstate
        dstate.status_init()
        for word in p.status_words(self.ups_status):
            dstate.status_set(word)
        dstate.status_commit()

    async def _read(self, flags: int) -> str | None:
        """One reply line; "" on a timeout (or an empty line), None on failure.

        The ignore set, the alert set and the wait follow NUT's flags.
        """
        if self.line is None:
            return ""
        ignore, alerts, wait = p.IGN_PLAIN, "", 3.0
        if flags & D0:
            wait = 0.0
        if flags & DX:
            wait = 0.2
        if flags & D1:
            wait = 1.5
        if flags & D3:
            wait = 3.0
        if flags & AA:
            ignore, alerts = p.IGN_AA, p.ALERT_CHARS
        if flags & CC:
            ignore, alerts, wait = p.IGN_CC, "", 6.0
        if flags & CS:
            ignore, alerts, wait = p.IGN_CS, "", 6.0
        started = False
        while True:
            scan = self.scanner.take(ignore, alerts, asterisk=bool(flags & HA))
            for ch in scan.alerts:
                self._alert(ch)
            if scan.overflow:
                self._log_warning("serial port read overflow")
                self.scanner.clear()
                return None
            if scan.line is not None:
                if scan.asterisk:
                    # Some firmware may send "OK" after the '*': drop it.
                    await self._drain(1.0)
                return scan.line
            started = started or self.scanner.pending
            try:
                data = await self.line.read_available(wait)
            except SerialError as exc:
                self._log_warning("serial port read error: %s", exc)
                return None
            if not data:
                if started:
                    if wait > 0:
                        self._log_warning("serial port partial timeout")
                    self.scanner.clear()
                    return None
                return ""
            self.scanner.feed(data)

    async def _drain(self, wait: float) -> None:
        assert self.line is not None
        try:
            await self.line.read_available(wait)
        except SerialError:
            pass
        self.scanner.clear()

    async def _write(self, ch: str) -> bool:
        if self.line is None:
            return False
        try:
            await self.line.write(ch.encode("latin-1"))
        except SerialError as exc:
            self._log_warning("serial port write error: %s", exc)
            return False
        return True

    async def _write_long(self, data: str) -> bool:
        """First byte, check that nothing answers it, then the rest 50 ms apart."""
        if not await self._write(data[0]):
            return False
        if await self._read(DX | TO) != "":
            return False
        assert self.line is not None
        try:
            await self.line.write(data[1:].encode("latin-1"), pace=0.05)
        except SerialError as exc:
            self._log_warning("serial port write error: %s", exc)
            return False
        return True

    async def _write_rep(self, ch: str) -> bool:
        """The byte twice, 1.3 s apart, unless the first draws an answer."""
        if not await self._write(ch):
            return False
        if await self._read(DX | TO) != "":
            return False
        await asyncio.sleep(1.3)
        return await self._write(ch)

    async def _flush(self, flags: int) -> None:
        """Drop what is waiting; alert-aware flushes act on the alerts in it."""
        if self.line is None:
            return
        if flags & AA:
            while await self._read(D0 | TO | AA):
                pass
            return
        try:
            self.line.flush_input()
        except SerialError:
            pass
        self.scanner.clear()

    # -- initups / initinfo ------------------------------------------------------

    async def initups(self, ctx: DriverContext) -> None:
        self.ctx = ctx
        for var, rx in (
            ("awd", _AWD),
            ("sdtype", _SDTYPE),
            ("advorder", _ADVORDER),
            ("cshdelay", _CSHDELAY),
        ):
            val = ctx.getval(var)
            if val is not None and not rx.fullmatch(val):
                raise DeviceError(f"invalid value ({val}) for option '{var}'")
        cable = ctx.getval("cable")
        alt = cable is not None and cable.lower() == ALT_CABLE.lower()
        try:
            self.line = SerialLine.open(
                ctx.device_path,
                baudrate=2400,
                dtr=True if alt else None,
                rts=False if alt else None,
            )
        except SerialError as exc:
            raise DeviceError(str(exc)) from exc

    async def smartmode(self, tries: int) -> bool:
        """``Y`` until the UPS says ``SM``; ESC after each failure."""
        for _ in range(tries):
            await self._flush(0)
            if not await self._write("Y"):
                return False
            reply = await self._read(TO | D1)
            if reply == "SM":
                return True
            if reply is None:
                await asyncio.sleep(1)
            if not await self._write("\x1b"):
                return False
            await self._read(TO | D1)
        return False

    async def initinfo(self, ctx: DriverContext) -> None:
        self.ctx = ctx
        if not await self.smartmode(5):
            raise DeviceError(
                f"unable to detect an APC Smart protocol UPS on port {ctx.device_path}\n"
                "check the cabling, port name or model name and try again"
            )
        if not await self._getbaseinfo():
            raise DeviceError(f"Problems with communicating APC UPS on port {ctx.device_path}\n")
        ctx.dstate.setinfo("ups.mfr", "APC")
        ctx.log.debug(
            "detected %s [%s] on %s",
            ctx.dstate.getinfo("ups.model") or '"unknown model"',
            ctx.dstate.getinfo("ups.serial") or "unknown serial",
            ctx.device_path,
        )
        ctx.dstate.dataok()

    def _lookup_char(self, cmd: str) -> _Var | None:
        return next((v for v in self.vars if v.present and v.vt.cmd == cmd), None)

    def _lookup_name(self, name: str) -> _Var | None:
        low = name.lower()
        return next((v for v in self.vars if v.present and v.vt.name.lower() == low), None)

    async def _preread(self, var: _Var) -> str | None:
        await self._flush(0)
        if not await self._write(var.vt.cmd):
            return None
        reply = await self._read(TO)
        if not reply or reply == "NA":
            if reply is not None:
                self._log_warning(
                    "preread_data: %s [%s] timed out or not supported",
                    var.vt.name,
                    _show(var.vt.cmd),
                )
            return None
        return reply

    def _set(self, var: _Var, raw: str) -> None:
        """Publish a reply; packed replies become name.1, name.2, ..."""
        assert self.ctx is not None
        dstate = self.ctx.dstate
        vt = var.vt
        if not vt.flags & p.VarFlag.PACK:
            dstate.setinfo(vt.name, p.convert(vt.fmt, raw))
            return
        parts = p.split_packed(raw)
        if var.cnt > len(parts):
            self._del(var, skip=len(parts))
        var.cnt = len(parts)
        for i in reversed(range(len(parts))):
            value = p.convert(vt.fmt, parts[i]) if parts[i] else "N/A"
            dstate.setinfo(p.packed_name(vt.name, i), value)

    def _del(self, var: _Var, skip: int = 0) -> None:
        assert self.ctx is not None
        if not var.vt.flags & p.VarFlag.PACK:
            self.ctx.dstate.delinfo(var.vt.name)
            return
        for i in range(skip, var.cnt):
            self.ctx.dstate.delinfo(p.packed_name(var.vt.name, i))
        var.cnt = 0

    def _string_setup(self, var: _Var) -> None:
        assert self.ctx is not None
        if var.vt.flags & p.VarFlag.STRING:
            self.ctx.dstate.setflags(var.vt.name, Flag.RW | Flag.STRING)
            self.ctx.dstate.setaux(var.vt.name, p.STRLEN)
            var.rw = True

    async def _verify(self, var: _Var) -> None:
        if var.vt.flags & p.VarFlag.MULTI:
            var.present = True  # decided by _deprecate
            return
        raw = await self._preread(var)
        if raw is None or not p.matches(var.vt.regex, raw):
            self._log_warning("%s [%s] - variable invalid", var.vt.name, _show(var.vt.cmd))
            return
        var.present = True
        self._set(var, raw)
        self._string_setup(var)

    async def _deprecate(self) -> None:
        """Of the present MULTI candidates keep the first that answers well."""
        for i, var in enumerate(self.vars):
            if not (var.vt.flags & p.VarFlag.MULTI and var.present):
                continue
            raw = await self._preread(var)
            if raw is None or not p.matches(var.vt.regex, raw):
                var.present = False
                self._log_warning(
                    "%s [%s] - variable combination invalid", var.vt.name, _show(var.vt.cmd)
                )
                continue
            for other in self.vars[i + 1 :]:
                if other.vt.name == var.vt.name or other.vt.cmd == var.vt.cmd:
                    other.present = False
            self._set(var, raw)
            self._string_setup(var)

    async def _protocol_verify(self, cmd: str) -> None:
        assert self.ctx is not None
        if cmd in p.UNUSED_CMDS:
            return
        found = False
        for var in self.vars:
            if var.vt.cmd == cmd:
                await self._verify(var)
                found = True
        if found:
            return
        for i, ct in enumerate(p.CMDTAB):
            if ct.cmd == cmd:
                self.cmds_present.add(i)
                self.ctx.dstate.addcmd(ct.name)
                found = True
        if not found:
            self._log_warning("[%s] unrecognized", _show(cmd))

    async def _legacy_verify(self, name: str) -> None:
        for var in self.vars:
            if var.vt.name == name:
                await self._verify(var)

    async def _old_setup(self) -> None:
        assert self.ctx is not None
        for name in (
            "ups.temperature",
            "ups.load",
            "input.voltage",
            "output.voltage",
            "battery.charge",
            "battery.voltage",
            "ups.model",
            "ups.serial",
            "ups.firmware",
            "output.current",
        ):
            await self._legacy_verify(name)
        await self._deprecate()
        if self._lookup_name("output.current"):
            self.ctx.dstate.setinfo("ups.model", "Matrix-UPS")
        elif not self._lookup_name("ups.model"):
            self.ctx.dstate.setinfo("ups.model", "Smart-UPS")

    async def _firmware_lookup(self) -> int:
        """0: not in the table, 1: found and set up, 2: the quirky 451.2.I."""
        assert self.ctx is not None
        await self._flush(0)
        if not await self._write("V"):
            return 0
        fw = await self._read(TO)
        if fw is None:
            return 0
        if not fw or fw == "NA":
            if not await self._write("b"):
                return 0
            fw = await self._read(TO)
            if not fw:
                return 0
        if fw == "451.2.I":
            return 2
        if re.fullmatch(r"[a-fA-F0-9]{2}", fw):
            fw = "set\x01"
        cmds = p.COMPAT.get(fw)
        if cmds is None:
            return 0
        model = "Matrix-UPS" if fw[:1] in "05" else "Smart-UPS"
        self.ctx.dstate.setinfo("ups.model", model)
        for ch in cmds:
            await self._protocol_verify(ch)
        await self._deprecate()
        return 1

    async def _getbaseinfo(self) -> bool:
        qco = await self._firmware_lookup()
        if qco == 1:
            return True
        await self._flush(0)
        if not await self._write("a"):
            return False
        reply = await self._read(CS | TO)
        if reply is None:
            return False
        cmds = p.command_set(reply) if reply and reply != "NA" else None
        if cmds is None:
            assert self.ctx is not None
            self.ctx.log.info("very old or unknown APC model, support will be limited")
            await self._old_setup()
            return True
        for ch in cmds:
            await self._protocol_verify(ch)
        await self._deprecate()
        if "\x1a" in cmds:
            await self._getcaps(qco == 2)
        return True

    async def _getcaps(self, quirky: bool) -> None:
        assert self.ctx is not None
        dstate = self.ctx.dstate
        firmware = dstate.getinfo("ups.firmware")
        locale = firmware[-1:] if firmware else ""
        await self._flush(0)
        if not await self._write("\x1a"):
            return
        reply = await self._read(CC | TO)
        if not reply or reply == "NA":
            if reply is not None:
                self._log_warning("APC cannot do capabilities but said it could !")
            return
        try:
            groups = p.parse_caps(reply)
        except p.CapsError as exc:
            if quirky:
                return
            raise DeviceError(f"{exc}, please report this error !") from exc
        for cap in groups:
            var = self._lookup_char(cap.cmd)
            if var is None:
                continue
            if var.vt.flags & p.VarFlag.PACK:
                self._log_warning(
                    "WARN: packed APC variable %s [%s] reported as enumerable,\n"
                    "please report it on the mailing list",
                    var.vt.name,
                    _show(cap.cmd),
                )
                continue
            if cap.locale not in (locale, "4"):
                continue
            dstate.setflags(var.vt.name, Flag.RW)
            var.rw = var.enum = True
            for value in cap.values:
                dstate.addenum(var.vt.name, p.convert(var.vt.fmt, value))

    # -- updateinfo ----------------------------------------------------------------

    async def _poll(self, var: _Var) -> bool:
        if not var.present:
            return True
        await self._flush(AA)
        if not await self._write(var.vt.cmd):
            return False
        reply = await self._read(AA)
        if not reply:
            return False
        if reply == "NA":
            self._log_warning(
                "poll_data: verified variable %s [%s] returned NA, removing",
                var.vt.name,
                _show(var.vt.cmd),
            )
            var.present = False
            self._del(var)
        else:
            self._set(var, reply)
        return True

    async def _update_status(self) -> bool:
        await self._flush(AA)
        if not await self._write("Q"):
            return False
        reply = await self._read(AA)
        if not reply or reply == "NA":
            if reply is not None:
                self._log_warning("update_status: failed")
            return False
        self.ups_status = p.strtol(reply, 16) & 0xFF
        self._publish_status()
        return True

    async def updateinfo(self, ctx: DriverContext) -> None:
        self.ctx = ctx
        if ctx.dstate.stale:
            self.last_full = None
            self.last_worked += 1
            if self.last_worked < 10:
                raise DeviceError("no answer from the UPS")
            if not await self.smartmode(1):
                raise DeviceError("no answer from the UPS to 'Y'")
            self.last_worked = 0
        if not await self._update_status():
            raise DeviceError("no status from the UPS")
        now = time.monotonic()
        full = self.last_full is None or now - self.last_full > 3600
        if full:
            self.last_full = now
        for var in self.vars:
            if not full and not var.vt.flags & p.VarFlag.POLL:
                continue
            if not await self._poll(var):
                raise DeviceError(f"no answer to [{_show(var.vt.cmd)}] ({var.vt.name})")

    # -- instant commands ----------------------------------------------------------

    async def _sdok(self, ign: bool) -> Status:
        reply = await self._read(HA | D1 | TO)
        if reply is None:
            return Status.FAILED
        if (not reply and ign) or reply == "OK":
            return Status.HANDLED
        return Status.FAILED

    async def sdcmd_S(self) -> Status:
        await self._flush(0)
        if not await self._write("S"):
            return Status.FAILED
        return await self._sdok(False)

    async def sdcmd_CS(self) -> Status:
        assert self.ctx is not None
        val = self.ctx.getval("cshdelay")
        delay = float(val) if val else 3.5
        if self.ups_status & p.STAT_OL:
            await self._flush(0)
            if not await self._write("U"):
                return Status.FAILED
            if await self._read(D1 | TO) is None:
                return Status.FAILED
            await asyncio.sleep(delay)
        return await self.sdcmd_S()

    async def sdcmd_AT(self, awd: str | None) -> Status:
        digits = awd or "000"
        width = 2 if len(digits) == 2 else 3
        await self._flush(0)
        if not await self._write_long("@" + digits.rjust(width, "0")):
            assert self.ctx is not None
            self.ctx.log.error("issuing [@] with %d digits failed", width)
            return Status.FAILED
        status = await self._sdok(False)
        if status == Status.HANDLED or width == 3:
            return status
        assert self.ctx is not None
        self.ctx.log.error("command [@] with 2 digits doesn't work - try 3 digits")
        await self._write("Y")
        await self._read(D1 | TO)
        return Status.FAILED

    async def sdcmd_K(self) -> Status:
        await self._flush(0)
        if not await self._write_rep("K"):
            return Status.FAILED
        return await self._sdok(False)

    async def sdcmd_Z(self) -> Status:
        await self._flush(0)
        if not await self._write_rep("Z"):
            return Status.FAILED
        return await self._sdok(True)

    async def _do_cal(self, start: bool) -> Status:
        assert self.ctx is not None
        log = self.ctx.log
        await self._flush(AA)
        if not await self._write("Q"):
            return Status.HANDLED
        reply = await self._read(AA)
        if not reply or reply == "NA":
            log.warning("runtime calibration state undeterminable")
            return Status.HANDLED
        running = bool(p.strtol(reply, 16) & p.STAT_CAL)
        if running == start:
            log.info(
                "runtime calibration already in progress"
                if start
                else "runtime calibration not occurring"
            )
            return Status.HANDLED
        log.info("starting runtime calibration" if start else "stopping runtime calibration")
        if not await self._write("D"):
            return Status.HANDLED
        reply = await self._read(AA)
        if not reply or reply in ("NA", "NO"):
            log.warning(
                "%s calibration failed, cmd returned: %s", "start" if start else "stop", reply
            )
        return Status.HANDLED

    async def _loadon(self) -> Status:
        await self._flush(0)
        if not await self._write_rep("\x0e"):
            return Status.FAILED
        return Status.HANDLED

    async def _do_cmd(self, ct: p.CmdDef) -> Status:
        assert self.ctx is not None
        await self._flush(AA)
        ok = await (self._write_rep(ct.cmd) if ct.repeat else self._write(ct.cmd))
        if not ok:
            return Status.FAILED
        reply = await self._read(AA)
        if not reply:
            return Status.FAILED
        if reply != "OK":
            self.ctx.log.warning("do_cmd: got [%s] after command [%s]", reply, ct.name)
            return Status.FAILED
        self.ctx.log.info("do_cmd: %s completed", ct.name)
        return Status.HANDLED

    def _in_window(self) -> bool:
        now = time.time()
        elapsed, self.last_nasty = now - self.last_nasty, now
        return MINCMDTIME <= elapsed <= MAXCMDTIME

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        self.ctx = ctx
        found = p.find_command(name, param)
        if found is None:
            ctx.log.warning("instcmd: unknown command [%s %s]", name, param or "")
            return Status.INVALID
        if p.CMDTAB.index(found) not in self.cmds_present:
            ctx.log.warning(
                "instcmd: command [%s %s] recognized, but not supported by your UPS model",
                name,
                param or "",
            )
            return Status.INVALID
        if found.nasty and not self._in_window():
            ctx.log.info("instcmd: [%s] must be sent again within 3 to 15 s", name)
            return Status.HANDLED
        low = name.lower()
        if low == "calibrate.start":
            return await self._do_cal(True)
        if low == "calibrate.stop":
            return await self._do_cal(False)
        if low == "load.on":
            return await self._loadon()
        if low == "load.off":
            return await self.sdcmd_Z()
        if low == "shutdown.stayoff":
            return await self.sdcmd_K()
        if low == "shutdown.return":
            if not param:
                return await self.sdcmd_S()
            if param[0].upper() == "A":
                return await self.sdcmd_AT(param[3:])
            if param[0].upper() == "C":
                return await self.sdcmd_CS()
        return await self._do_cmd(found)

    # -- setvar ------------------------------------------------------------------------

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        self.ctx = ctx
        var = self._lookup_name(name)
        if var is None:
            return Status.UNKNOWN
        if not var.rw:
            ctx.log.warning("setvar: [%s] is not writable", name)
            return Status.UNKNOWN
        if var.enum:
            return await self._setvar_enum(var, value)
        if var.vt.flags & p.VarFlag.STRING:
            return await self._setvar_string(var, value)
        return Status.UNKNOWN

    async def _setvar_enum(self, var: _Var, value: str) -> Status:
        assert self.ctx is not None
        vt = var.vt
        await self._flush(AA)
        if not await self._write(vt.cmd):
            return Status.FAILED
        orig = await self._read(AA)
        if not orig or orig == "NA":
            return Status.FAILED
        if p.convert(vt.fmt, orig) == value:
            self.ctx.log.info("setvar_enum: ignoring SET %s='%s' (unchanged value)", vt.name, value)
            return Status.HANDLED
        for _ in range(32):
            if not await self._write("-"):
                return Status.FAILED
            reply = await self._read(AA)
            if reply != "OK":
                return Status.FAILED
            if not await self._write(vt.cmd):
                return Status.FAILED
            now = await self._read(AA)
            if not now or now == "NA":
                return Status.FAILED
            if p.convert(vt.fmt, now) == value:
                self.ctx.log.info("setvar_enum: SET %s='%s'", vt.name, value)
                await self._poll(var)
                return Status.HANDLED
            if p.convert(vt.fmt, now) == p.convert(vt.fmt, orig):
                self.ctx.log.error("setvar_enum: variable %s wrapped", vt.name)
                return Status.FAILED
        self.ctx.log.error("setvar_enum: gave up after 32 tries for %s", vt.name)
        await self._poll(var)
        return Status.FAILED

    async def _setvar_string(self, var: _Var, value: str) -> Status:
        assert self.ctx is not None
        vt = var.vt
        if len(value) > p.STRLEN:
            self.ctx.log.error("setvar_string: value (%s) too long", value)
            return Status.FAILED
        await self._flush(AA)
        if not await self._write(vt.cmd):
            return Status.FAILED
        current = await self._read(AA)
        if not current or current == "NA":
            return Status.FAILED
        if current == value:
            self.ctx.log.info(
                "setvar_string: ignoring SET %s='%s' (unchanged value)", vt.name, value
            )
            return Status.HANDLED
        if not await self._write_long("-" + value.ljust(p.STRLEN, "\r")):
            return Status.FAILED
        reply = await self._read(AA)
        if not reply:
            self.ctx.log.error("setvar_string: short final read")
            return Status.FAILED
        if reply == "NO":
            self.ctx.log.error("setvar_string: got NO at final read")
            return Status.FAILED
        await self._poll(var)
        self.ctx.log.info("setvar_string: SET %s='%s'", vt.name, value)
        return Status.HANDLED

    # -- shutdown / cleanup -------------------------------------------------------------

    async def shutdown(self, ctx: DriverContext) -> None:
        self.ctx = ctx
        if not await self.smartmode(1):
            ctx.log.warning("upsdrv_shutdown: setting SmartMode failed !")
        reply = await self._read(D1) if await self._write("Q") else None
        if reply and reply != "NA":
            self.ups_status = p.strtol(reply, 16) & 0xFF
        else:
            ctx.log.warning("upsdrv_shutdown: status read failed, assuming LB+OB")
            self.ups_status = p.STAT_LB | p.STAT_OB
        advorder = ctx.getval("advorder")
        if ctx.testvar("advorder") and advorder and advorder[0].upper() != "N":
            await self._shutdown_advanced(advorder)
        else:
            await self._shutdown_simple()

    async def _shutdown_simple(self) -> None:
        assert self.ctx is not None
        awd = self.ctx.getval("awd")
        sdtype = p.strtol(self.ctx.getval("sdtype") or "0")
        if sdtype == 5:
            await self.sdcmd_AT(awd)
        elif sdtype == 4:
            await self.sdcmd_CS()
        elif sdtype == 3:
            await self.sdcmd_K()
        elif sdtype == 2:
            await self.sdcmd_Z()
        elif sdtype == 1:
            if not self.ups_status & p.STAT_OB or await self.sdcmd_S() != Status.HANDLED:
                await self.sdcmd_AT(awd)
        elif self.ups_status & p.STAT_OL:
            await self.sdcmd_AT(awd)
        else:
            await self.sdcmd_S()

    async def _shutdown_advanced(self, order: str) -> None:
        assert self.ctx is not None
        awd = self.ctx.getval("awd")
        for digit in order:
            method = int(digit)
            if method == 0:
                status = await self.sdcmd_S()
            elif method == 1:
                status = await self.sdcmd_AT(awd)
            elif method == 2:
                status = await self.sdcmd_K()
            elif method == 3:
                status = await self.sdcmd_Z()
            else:
                status = await self.sdcmd_CS()
            if status == Status.HANDLED:
                break

    async def cleanup(self, ctx: DriverContext) -> None:
        if self.line is None:
            return
        await self._flush(0)
        await self._write("R")
        await self._read(TO)
        self.line.close()
        self.line = None


def _show(ch: str) -> str:
    return ch if ch.isprintable() else f"0x{ord(ch):02x}"


def main(argv: list[str] | None = None) -> int:
    return run_driver(ApcSmart, argv)


if __name__ == "__main__":
    raise SystemExit(main())
