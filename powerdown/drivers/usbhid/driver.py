"""usbhid-ups: NUT's driver for USB HID power devices, on the powerdown framework.

Strategy
--------
NUT's ``docs/man/usbhid-ups.txt`` and ``drivers/usbhid-ups.c``.  At start
every HID device is listed (``transport``), the user's regexes
(``matcher``) and the subdrivers' claims (``subdrivers``) pick one, its
report descriptor is read and parsed (``hidparser``) and the subdriver's
fix-ups applied.  The first walk over the subdriver's table keeps only the
rows the descriptor has, and of several rows for one variable the first
that gives a value; it publishes values, flags, enums and commands.

Then, every poll (``pollinterval``): one interrupt-in read (values the
device pushes), and a walk over the quick-poll rows (status bits), or
every ``pollfreq`` seconds, or after a SET, over all of them; reports are
read through NUT's report buffer (``reports``), so one GET_REPORT serves
all the values in it.  Status bits become ``ups.status``/``ups.alarm``
(``status``).

When the device goes away (``HidGone``) the data goes stale and every
following poll looks for the *same* device again (vendor, product and
serial: NUT's exact matcher) and carries on when it is back, without a
restart.

``explore`` publishes every value the descriptor declares as
``unmapped.<path>`` (NUT's explore subdriver only logs them).

Device I/O is synchronous, as in NUT; only the interrupt read, which waits
up to 750 ms, runs in a worker thread so the socket stays responsive.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.main import run_driver
from powerdown.drivers.options import DriverVar
from powerdown.drivers.usbhid import hidparser, subdrivers, usages
from powerdown.drivers.usbhid.hidparser import HidField, ReportDescriptor, ReportKind
from powerdown.drivers.usbhid.mapping import (
    HU,
    HidInfo,
    Lookup,
    Quirks,
    Subdriver,
    format_value,
    lookup_to_hid,
    lookup_to_nut,
    stringid_conversion,
)
from powerdown.drivers.usbhid.matcher import (
    ExactMatcher,
    MatchError,
    RegexMatcher,
)
from powerdown.drivers.usbhid.reports import ReportBuffer
from powerdown.drivers.usbhid.status import StatusBits, StatusOptions
from powerdown.drivers.usbhid.transport import (
    HidBusy,
    HidDevice,
    HidGone,
    HidIOError,
    HidOpener,
    PyUsbDevice,
    open_devices,
    parse_usb_options,
    usb_numbers,
)
from powerdown.state.tree import Flag

__all__ = ["UsbhidUps", "HidUps", "Settings", "main", "DEFAULT_POLLFREQ"]

DEFAULT_POLLFREQ = 30
DEFAULT_POLLFREQ_CPS = 12
DEFAULT_LOWBATT = "30"
DEFAULT_ONDELAY = "30"
DEFAULT_OFFDELAY = "20"
DEFAULT_ONDELAY_CPS = "120"
DEFAULT_OFFDELAY_CPS = "60"
#: NUT's interrupt read timeout and buffer size (``HIDGetEvents``).
INTERRUPT_TIMEOUT_MS = 750
INTERRUPT_BUFSIZE = 512

_FULL, _QUICK, _INIT, _REINIT = "full", "quick", "init", "reinit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The driver options usbhid-ups reads, parsed once."""

    regexes: dict[str, str | None] = field(default_factory=dict)
    subdriver: str | None = None
    explore: bool = False
    maxreport: bool = False
    pollonly: bool = False
    interruptonly: bool = False
    interruptsize: int = 0
    pollfreq: int | None = None
    lowbatt: str | None = None
    ondelay: str | None = None
    offdelay: str | None = None
    allow_duplicates: bool = False
    disable_fix_report_desc: bool = False
    interrupt_pipe_no_events_tolerance: int = -1
    #: seconds to leave an unplugged device alone before looking for it again
    waitbeforereconnect: int = 0
    #: the ``usb_*`` numbers the user gave (``transport.parse_usb_options``)
    usb: dict[str, int] = field(default_factory=dict)
    status: StatusOptions = field(default_factory=StatusOptions)

    @classmethod
    def from_context(cls, ctx: DriverContext) -> Settings:
        get, test = ctx.getval, ctx.testvar

        def number(name: str, default: int) -> int:
            text = get(name)
            if text is None:
                return default
            try:
                return int(text)
            except ValueError:
                return default

        size = get("interruptsize")
        isize = 0
        if size is not None:
            try:
                isize = int(size)
            except ValueError:
                isize = 0
            if isize <= 0:
                raise DeviceError(f"Error: invalid interruptsize: {isize}")
        pollfreq = get("pollfreq")
        try:
            usb = parse_usb_options(get)
        except ValueError as exc:
            raise DeviceError(str(exc)) from exc
        return cls(
            regexes={
                name: get(name)
                for name in (
                    "vendorid",
                    "productid",
                    "vendor",
                    "product",
                    "serial",
                    "bus",
                    "device",
                    "busport",
                )
            },
            subdriver=get("subdriver"),
            explore=test("explore"),
            maxreport=test("maxreport"),
            pollonly=test("pollonly"),
            interruptonly=test("interruptonly"),
            interruptsize=isize,
            pollfreq=_atoi(pollfreq) if pollfreq is not None else None,
            lowbatt=get("lowbatt"),
            ondelay=get("ondelay"),
            offdelay=get("offdelay"),
            allow_duplicates=test("allow_duplicates"),
            disable_fix_report_desc=test("disable_fix_report_desc"),
            interrupt_pipe_no_events_tolerance=number("interrupt_pipe_no_events_tolerance", -1),
            waitbeforereconnect=number("waitbeforereconnect", 0),
            usb=usb,
            status=StatusOptions(
                onlinedischarge_onbattery=test("onlinedischarge_onbattery")
                or test("onlinedischarge"),
                onlinedischarge_calibration=test("onlinedischarge_calibration"),
                onlinedischarge_log_throttle_sec=number("onlinedischarge_log_throttle_sec", -2),
                onlinedischarge_log_throttle_hovercharge=number(
                    "onlinedischarge_log_throttle_hovercharge", 100
                ),
                lbrb_log_delay_sec=number("lbrb_log_delay_sec", 0),
                lbrb_log_delay_without_calibrating=test("lbrb_log_delay_without_calibrating"),
            ),
        )


def _atoi(text: str) -> int:
    digits = ""
    s = text.strip()
    sign = -1 if s.startswith("-") else 1
    for ch in s.lstrip("+-"):
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else 0


@dataclass(slots=True)
class _Row:
    """A mapping row the device has: NUT's ``hid_info_t`` with its ``hiddata``."""

    info: HidInfo
    path: tuple[int, ...]
    field: HidField


@dataclass(slots=True)
class _Opened:
    dev: HidDevice
    sub: Subdriver
    desc: ReportDescriptor


class HidUps:
    """The driver's logic over one ``HidDevice`` at a time; synchronous, clock passed in."""

    def __init__(
        self,
        settings: Settings,
        dstate: Dstate,
        *,
        opener: HidOpener = open_devices,
        log: logging.Logger | None = None,
        upsname: str = "",
        pollinterval: float = 2.0,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.s = settings
        self.dstate = dstate
        self.opener = opener
        self.log = log or logging.getLogger("usbhid-ups")
        self.upsname = upsname
        self.pollinterval = pollinterval
        self.pause = pause
        self.regex = RegexMatcher(settings.regexes)
        self.exact: ExactMatcher | None = None
        self.dev: HidDevice | None = None
        self.sub: Subdriver | None = None
        self.desc: ReportDescriptor | None = None
        self.buf = ReportBuffer({})
        self.rows: list[_Row] = []
        self.bits = StatusBits(settings.status)
        self.pollfreq = DEFAULT_POLLFREQ
        self.use_interrupt = not settings.pollonly
        self.lastpoll = 0.0
        self.data_has_changed = False
        self.ids_used = False
        self.no_events = 0
        self.gone_at = 0.0

    # -- finding and opening -------------------------------------------------

    def _candidates(self) -> list[HidDevice]:
        try:
            return self.opener()
        except HidGone as exc:
            self.log.debug("listing USB devices failed: %s", exc)
            return []

    def open(self, *, reconnect: bool = False) -> bool:
        """NUT's ``comm_driver->open`` with our matchers; True when a device is ours."""
        devices = self._candidates()
        chosen: _Opened | None = None
        for dev in devices:
            if chosen is not None:
                dev.close()
                continue
            try:
                chosen = self._try(dev, reconnect=reconnect)
            except HidGone as exc:
                self.log.debug("device went away while opening: %s", exc)
                chosen = None
            if chosen is None:
                dev.close()
        if chosen is None:
            return False
        self.dev, self.sub, self.desc = chosen.dev, chosen.sub, chosen.desc
        self._apply_quirks(chosen.sub.quirks(chosen.dev.info))
        self.ids_used = any(f.report_id for f in chosen.desc.fields)
        ids = {f.report_id for f in chosen.desc.fields}
        self.buf = ReportBuffer(
            {rid: chosen.desc.report_size(rid) for rid in ids},
            interrupt_only=self.s.interruptonly,
            maxreport=self.s.maxreport,
        )
        self.exact = ExactMatcher(chosen.dev.info)
        return True

    def _apply_quirks(self, quirks: Quirks) -> None:
        """What NUT's id-table hooks switch for this product, unless the user already did."""
        if quirks.no_interrupt_pipe and self.use_interrupt:
            self.log.info(
                "interrupt pipe disabled (add 'pollonly' flag to 'ups.conf' "
                "to get rid of this message)"
            )
            self.use_interrupt = False
        if quirks.interrupt_only_size and not self.s.interruptonly:
            self.s = replace(
                self.s,
                interruptonly=True,
                interruptsize=self.s.interruptsize or quirks.interrupt_only_size,
            )
        if quirks.max_report and not self.s.maxreport:
            self.s = replace(self.s, maxreport=True)

    def _try(self, dev: HidDevice, *, reconnect: bool) -> _Opened | None:
        info = dev.info
        self.log.debug(
            "Checking device (%04X/%04X) (%s/%s)",
            info.vendorid,
            info.productid,
            info.bus,
            info.device,
        )
        sub = subdrivers.choose(info, self.s.subdriver, explore=self.s.explore)
        if sub is None:
            self.log.debug("Manufacturer or model not supported!")
            return None
        mismatch = self.regex.mismatch(info)
        if mismatch is not None:
            self.log.debug("failed match of %s", mismatch)
            return None
        if reconnect and self.exact is not None and not self.exact(info):
            self.log.debug("not the device we had before")
            return None
        if isinstance(dev, PyUsbDevice):
            dev.tune(usb_numbers(info, self.s.usb, sub))
        try:
            raw = dev.report_descriptor()
        except HidBusy as exc:
            if self.s.allow_duplicates:
                self.log.debug(
                    "Configured to allow_duplicates so looking for another similar device"
                )
                return None
            if reconnect:
                self.log.critical("Got disconnected by another driver: %s", exc)
                return None
            raise DeviceError(str(exc)) from exc
        except HidIOError as exc:
            self.log.debug("Unable to get Report descriptor: %s", exc)
            return None
        self.log.debug("Report Descriptor size = %d", len(raw))
        try:
            desc = hidparser.parse_report_descriptor(raw)
        except hidparser.HidParseError as exc:
            self.log.debug("Failed to parse report descriptor! %s", exc)
            return None
        if not reconnect:
            self.log.info("Using subdriver: %s", sub.label)
        if sub.fix_report_desc is not None and not self.s.disable_fix_report_desc:
            fixed = sub.fix_report_desc(info, desc)
            if fixed != desc:
                self.log.debug("Report Descriptor Fixed")
            desc = fixed
        return _Opened(dev=dev, sub=sub, desc=desc)

    # -- init ------------------------------------------------------------------

    def initups(self) -> None:
        """``upsdrv_initups``: find the device or fail (NUT exits 1)."""
        if self.s.explore and self.s.regexes.get("vendorid") is None:
            raise DeviceError('must specify "vendorid" when using "explore"')
        if not self.open():
            raise DeviceError("No matching HID UPS found")
        assert self.dev is not None and self.sub is not None
        info = self.dev.info
        self.log.debug("Detected a UPS: %s/%s", info.vendor or "unknown", info.product or "unknown")
        self._publish_identity()

    def _identity_read(self, name: str, *, string: bool) -> float | str | None:
        """One value a subdriver needs to name the model; None when the device lacks it."""
        assert self.dev is not None and self.desc is not None and self.sub is not None
        try:
            path = usages.name_to_path(name, *self._tables())
        except KeyError:
            return None
        f = self.desc.find(path, ReportKind.FEATURE)
        if f is None:
            return None
        try:
            value = self._read(f, 0.0)
        except HidIOError as exc:
            self.log.debug("identity: %s unreadable: %s", name, exc)
            return None
        if not string:
            return value
        return None if math.isnan(value) else (self.dev.get_string(int(value)) or None)

    def _publish_identity(self) -> None:
        assert self.dev is not None and self.sub is not None
        info, sub, d = self.dev.info, self.sub, self.dstate
        if sub.note_identity is not None:
            strings = {p: self._identity_read(p, string=True) for p in sub.identity_strings}
            values = {p: self._identity_read(p, string=False) for p in sub.identity_values}
            sub.note_identity(
                {p: v if isinstance(v, str) else None for p, v in strings.items()},
                {p: v if isinstance(v, float) else None for p, v in values.items()},
            )
        if sub.extra_identity is not None:
            for extra, text in sub.extra_identity(info).items():
                d.setinfo(extra, text)
        for name, value in (
            ("ups.mfr", sub.format_mfr(info, info.vendor)),
            ("ups.model", sub.format_model(info, info.product)),
            ("ups.serial", sub.format_serial(info, info.serial)),
        ):
            if value is not None:
                d.setinfo(name, value)
            else:
                d.delinfo(name)
        d.setinfo("ups.vendorid", f"{info.vendorid:04x}")
        d.setinfo("ups.productid", f"{info.productid:04x}")

    def initinfo(self, now: float) -> None:
        """``upsdrv_initinfo``: the first walk, user thresholds, composite commands."""
        assert self.sub is not None
        d = self.dstate
        d.setinfo("driver.version.data", self.sub.label)
        self._resolve()
        self._walk(_INIT, now)
        if not self.bits.bits:
            self.log.warning(
                "upsdrv_initinfo: No flag bits for 'ups.status' were explicitly reported; "
                "it is possible a wrong 'subdriver' option was requested or detected "
                "(in case of problems with device data, consider testing with other "
                "explicit driver option 'subdriver' values)"
            )
        cps = self.sub.name.startswith("CyberPower")
        for var, value in (
            ("battery.charge.low", self.s.lowbatt),
            ("ups.delay.start", self.s.ondelay),
            ("ups.delay.shutdown", self.s.offdelay),
        ):
            if value is not None and d.getinfo(var) is not None:
                d.setinfo(var, str(_atoi(value)))
        if cps and self.s.ondelay is not None:
            n = _atoi(self.s.ondelay)
            if n < 60 or n % 60:
                self.log.warning(
                    "CPS devices tend to round delays by 60 sec down (ondelay=120 is the "
                    "suggested minimum; see more in the man page)"
                )
        if self._find("load.off.delay"):
            d.addcmd("load.off")
        if self._find("load.on.delay"):
            d.addcmd("load.on")
        if self._find("load.off.delay") and self._find("load.on.delay"):
            d.addcmd("shutdown.return")
            d.addcmd("shutdown.stayoff")
        if self.s.pollfreq is not None:
            self.pollfreq = self.s.pollfreq
        elif cps:
            self.log.info("Defaulting 'pollfreq' to %d for CPS devices", DEFAULT_POLLFREQ_CPS)
            self.pollfreq = DEFAULT_POLLFREQ_CPS
        d.setinfo("driver.parameter.pollfreq", str(self.pollfreq))
        d.setinfo(
            "driver.parameter.interrupt_pipe_no_events_tolerance",
            str(self.s.interrupt_pipe_no_events_tolerance),
        )
        self.lastpoll = now

    def _tables(self) -> tuple[usages.UsageTable, ...]:
        assert self.sub is not None
        return self.sub.usage_tables

    def _resolve(self) -> None:
        """The rows whose path the descriptor has (``HIDGetItemData``)."""
        assert self.sub is not None and self.desc is not None
        kind = ReportKind.INPUT if self.s.interruptonly else ReportKind.FEATURE
        rows: list[_Row] = []
        mapping: Sequence[HidInfo] = self.sub.mapping
        if self.sub is subdrivers.EXPLORE:
            mapping = self._explore_rows()
        for info in mapping:
            if info.hidpath is None:
                continue
            try:
                path = usages.name_to_path(info.hidpath, *self._tables())
            except KeyError:
                continue
            f = self.desc.find(path, kind)
            if f is None:
                continue
            rows.append(_Row(info=info, path=path, field=f))
        self.rows = rows

    def _explore_rows(self) -> list[HidInfo]:
        assert self.desc is not None
        seen: set[str] = set()
        rows = []
        for f in self.desc.fields:
            if f.kind != ReportKind.FEATURE:
                continue
            name = usages.path_to_name(f.path, *self._tables())
            if name in seen:
                continue
            seen.add(name)
            rows.append(HidInfo(var="unmapped." + name.lower(), hidpath=name, fmt="%g"))
        return rows

    def _rebind(self) -> None:
        """After a reconnect: the same rows, their fields in the new descriptor."""
        assert self.desc is not None
        kind = ReportKind.INPUT if self.s.interruptonly else ReportKind.FEATURE
        rows = []
        for row in self.rows:
            f = self.desc.find(row.path, kind)
            if f is not None:
                rows.append(_Row(info=row.info, path=row.path, field=f))
        self.rows = rows

    def _find(self, var: str) -> _Row | None:
        """``find_nut_info``: the first row for ``var`` the device has."""
        low = var.lower()
        for row in self.rows:
            if row.info.var.lower() == low:
                return row
        return None

    # -- reading ----------------------------------------------------------------

    def _read(self, f: HidField, now: float) -> float:
        """One value through the report buffer (``HIDGetDataValue``)."""
        assert self.dev is not None
        rid = f.report_id
        if self.buf.needs_read(rid, now, self.pollinterval):
            data = self.dev.get_report(rid, ReportKind.FEATURE, self.buf.request_length(rid))
            if not data:
                raise HidIOError(f"Can't retrieve Report {rid:02x}")
            if not self.buf.store(rid, data, now):
                self.log.debug(
                    "refresh_report_buffer: expected %d bytes, but got %d instead",
                    self.buf.lengths.get(rid, 0),
                    len(data),
                )
            self.log.debug("Report[get]: (%d bytes) => %s", len(data), data.hex(" "))
            self._note(data)
        try:
            return hidparser.get_value(f, self.buf.get(rid))
        except (IndexError, ValueError) as exc:
            raise HidIOError(f"report {rid:02x} too short for {f.path}: {exc}") from exc

    def _note(self, report: bytes) -> None:
        if self.sub is not None and self.sub.note_report is not None:
            self.sub.note_report(bytes(report))

    def _walk(self, mode: str, now: float) -> None:
        """``hid_ups_walk``; raises ``HidGone`` when the device is gone."""
        assert self.dev is not None
        d = self.dstate
        keep: list[_Row] = []
        polled = succeeded = 0
        for row in self.rows:
            info = row.info
            if mode == _INIT:
                if info.hu & HU.ABSENT:
                    if d.getinfo(info.var) is None:
                        d.setinfo(info.var, info.fmt or "")
                        d.setflags(info.var, info.st_flags)
                        if info.st_flags & Flag.STRING:
                            d.setaux(info.var, info.length)
                    keep.append(row)
                    continue
                if not info.var.startswith("ups.alarm") and d.getinfo(info.var) is not None:
                    continue
                keep.append(row)
            elif mode == _REINIT:
                # NUT: "we are reconnecting, so NUT-to-HID translation is already good"
                if info.hu & HU.ABSENT:
                    continue
            elif mode == _QUICK:
                if not info.hu & HU.QUICK_POLL:
                    continue
            else:
                if info.hu & (HU.ABSENT | HU.CMD):
                    continue
                if info.hu & HU.STATIC and self.use_interrupt:
                    continue
                if info.hu & HU.SEMI_STATIC and not self.data_has_changed and self.use_interrupt:
                    continue
            polled += 1
            try:
                value = self._read(row.field, now)
            except HidIOError as exc:
                self.log.debug("HIDGetDataValue failed for %s: %s", info.var, exc)
                continue
            succeeded += 1
            self.log.debug(
                "Path: %s, Type: %s, ReportID: 0x%02x, Offset: %d, Size: %d, Value: %g",
                info.hidpath,
                row.field.kind.name.capitalize(),
                row.field.report_id,
                row.field.offset,
                row.field.size,
                value,
            )
            if info.hu & HU.CMD:
                d.addcmd(info.var)
                continue
            if self._infoval_set(info, value) != 1:
                continue
            if mode in (_INIT, _REINIT) or not self.use_interrupt:
                self._describe(info)
        if mode == _INIT:
            self.rows = keep
        elif mode != _REINIT and polled and not succeeded:
            raise HidGone("Got zero successful data polls - device may be disconnected")

    def _describe(self, info: HidInfo) -> None:
        d = self.dstate
        d.setflags(info.var, info.st_flags)
        if info.st_flags & Flag.STRING:
            d.setaux(info.var, info.length)
        if info.hu & HU.ENUM and info.st_flags & Flag.RW and info.lookup is not None:
            for nut in info.lookup.table.values():
                d.addenum(info.var, nut)

    def _to_nut(self, lookup: Lookup, value: float) -> str | None:
        if lookup is stringid_conversion:
            assert self.dev is not None
            if math.isnan(value):
                return None
            return self.dev.get_string(int(value)) or ""
        return lookup_to_nut(lookup, value)

    def _infoval_set(self, info: HidInfo, value: float) -> int:
        """``ups_infoval_set``: -1 lookup failed, 0 a status bit or alarm, 1 a value."""
        text: str | None = None
        if info.lookup is not None:
            text = self._to_nut(info.lookup, value)
            if text is None:
                return -1
        if text is not None:
            if info.var.startswith("BOOL"):
                if not self.bits.process(text):
                    self.log.debug("Warning: %s not in list of known values", text)
                return 0
            if info.var.startswith("ups.alarm"):
                self.dstate.alarm_set(text)
                return 0
            self.dstate.setinfo(info.var, text)
        else:
            self.dstate.setinfo(info.var, format_value(info.fmt or "%f", value))
        return 1

    # -- polling --------------------------------------------------------------------

    def interrupt_length(self) -> int:
        size = self.s.interruptsize
        return size if 0 < size < INTERRUPT_BUFSIZE else INTERRUPT_BUFSIZE

    def read_interrupt(self) -> bytes | None:
        """One interrupt-in transfer (blocking up to 750 ms); None when nothing came."""
        assert self.dev is not None
        return self.dev.interrupt_read(self.interrupt_length(), INTERRUPT_TIMEOUT_MS)

    def _events(self, data: bytes, now: float) -> None:
        """``HIDGetEvents`` + the event loop of ``upsdrv_updateinfo``."""
        assert self.desc is not None
        rid = self.buf.file_interrupt(data, now, ids_used=self.ids_used)
        if rid is None:
            return
        self.log.debug("Report[int]: (%d bytes) => %s", len(data), data.hex(" "))
        self._note(data)
        events = [f for f in self.desc.fields if f.report_id == rid and f.kind == ReportKind.INPUT]
        if not events:
            self.log.debug("HIDGetEvents: unexpected input report (ignored)")
        self.log.debug("Got %d HID objects...", len(events))
        for ev in events:
            try:
                value = hidparser.get_value(ev, self.buf.get(rid))
            except (IndexError, ValueError):
                continue
            want = ReportKind.INPUT if self.s.interruptonly else ReportKind.FEATURE
            found = self.desc.find(ev.path, want)
            if found is None and not self.s.interruptonly:
                found = self.desc.find(ev.path, ReportKind.INPUT)
            if found is None:
                continue
            for row in self.rows:
                if row.field == found and not row.info.hu & HU.ABSENT:
                    self._infoval_set(row.info, value)
                    break

    def update(self, now: float, interrupt: bytes | None) -> None:
        """``upsdrv_updateinfo`` after the interrupt read; raises ``HidGone``."""
        d = self.dstate
        if interrupt:
            self.no_events = 0
            self._events(interrupt, now)
        elif self.use_interrupt:
            self.no_events += 1
            tolerance = self.s.interrupt_pipe_no_events_tolerance
            if 0 <= tolerance < self.no_events:
                self.no_events = 0
                raise HidGone(f"Got {tolerance + 1} times in a row 0 HID objects: reconnecting")
        d.status_init()
        full = now > self.lastpoll + self.pollfreq or self.data_has_changed
        if full:
            d.alarm_init()
            self._walk(_FULL, now)
            self.lastpoll = now
            self.data_has_changed = False
        else:
            self._walk(_QUICK, now)
        composed = self.bits.compose(
            now, d.getinfo("battery.charge"), full=full, upsname=self.upsname
        )
        for warning in composed.warnings:
            self.log.warning("%s", warning)
        for line in composed.debug:
            self.log.debug("%s", line)
        if composed.alarms is not None:
            for text in composed.alarms:
                d.alarm_set(text)
            d.alarm_commit()
        if composed.transfer_reason is not None:
            d.setinfo("input.transfer.reason", composed.transfer_reason)
        else:
            d.delinfo("input.transfer.reason")
        for word in composed.status:
            d.status_set(word)
        d.status_commit()

    def drop(self) -> None:
        """The device is gone: close it; polls will look for it again."""
        if self.dev is not None:
            self.dev.close()
        self.dev = None

    def reconnect(self, now: float) -> bool:
        """``reconnect_ups`` and the first walk again; True when the device is back."""
        self.dstate.setinfo("driver.state", "reconnect.trying")
        self.drop()
        self.log.debug("device has been disconnected, try to reconnect")
        if not self.open(reconnect=True):
            self.lastpoll = now
            self.log.debug("Device has not been reconnected")
            return False
        self.log.info("Device has been reconnected")
        self.dstate.setinfo("driver.state", "quiet")
        self._rebind()
        self.buf.forget()
        try:
            self._walk(_REINIT, now)
        except HidGone:
            self.drop()
            return False
        return True

    # -- writing ----------------------------------------------------------------------

    def _set(self, row: _Row, value: float) -> bool:
        """``HIDSetDataValue``: the value into its report, SET_REPORT, buffer expired."""
        assert self.dev is not None
        f = row.field
        if f.flags & 0x01:  # a constant field cannot be set
            return False
        rid = f.report_id
        report = bytearray(self.buf.get(rid).ljust(self.buf.lengths.get(rid, 0), b"\0"))
        if self.ids_used and report:
            report[0] = rid
        hidparser.set_value(f, report, value)
        self.dev.set_report(rid, ReportKind.FEATURE, bytes(report))
        self.log.debug("Report[set]: (%d bytes) => %s", len(report), bytes(report).hex(" "))
        self.buf.data[rid] = bytes(report)
        self.buf.expire()
        return True

    def _value_for(self, info: HidInfo, text: str | None) -> float | None:
        if info.lookup is not None:
            if text is None:
                return None
            return lookup_to_hid(info.lookup, text)
        if text is None:
            return 0.0
        return float(_atoi(text))

    def instcmd(self, name: str, param: str | None) -> Status:
        """NUT's ``instcmd``: a command row, or one of the composite commands."""
        low = name.lower()
        if low == "beeper.off":
            self.log.warning("The 'beeper.off' command has been renamed to 'beeper.disable'")
            return self.instcmd("beeper.disable", None)
        if low == "beeper.on":
            self.log.warning("The 'beeper.on' command has been renamed to 'beeper.enable'")
            return self.instcmd("beeper.enable", None)
        row = self._find(name)
        if row is None:
            return self._composite(low)
        info = row.info
        if not info.hu & HU.CMD:
            return Status.INVALID
        val = param if param is not None else info.fmt
        if val is None and info.hu & HU.PARAM_REQUIRED:
            return Status.INVALID
        value = self._value_for(info, val)
        if value is None:
            self.log.debug("instcmd: %s does not support parameter %s", name, val)
            return Status.INVALID
        self.log.info("instcmd: %s (%s) -> %s = %g", name, param, info.hidpath, value)
        try:
            ok = self._set(row, value)
        except (HidIOError, HidGone) as exc:
            self.log.warning("instcmd: %s failed: %s", name, exc)
            if isinstance(exc, HidGone):
                self.drop()
            return Status.FAILED
        if not ok:
            return Status.FAILED
        self.data_has_changed = True
        return Status.HANDLED

    def _composite(self, low: str) -> Status:
        d = self.dstate
        if low == "load.on":
            return self.instcmd("load.on.delay", "0")
        if low == "load.off":
            return self.instcmd("load.off.delay", "0")
        if low in ("shutdown.return", "shutdown.stayoff"):
            if d.getinfo("ups.start.auto") is not None:
                self.setvar("ups.start.auto", "yes" if low == "shutdown.return" else "no")
            start = d.getinfo("ups.delay.start") if low == "shutdown.return" else "-1"
            status = self.instcmd("load.on.delay", start)
            if status != Status.HANDLED:
                return status
            # Some UPSes (Tripp Lite AVR750U) drop commands that come too fast.
            self.pause(0.125)
            return self.instcmd("load.off.delay", d.getinfo("ups.delay.shutdown"))
        self.log.info("instcmd: info element unavailable %s", low)
        return Status.INVALID

    def setvar(self, name: str, value: str) -> Status:
        """NUT's ``setvar``: an RW row, on the device or (absent rows) in the driver."""
        row = self._find(name)
        if row is None or not row.info.st_flags & Flag.RW:
            return Status.UNKNOWN
        info = row.info
        if info.hu & HU.ABSENT:
            self.dstate.setinfo(info.var, value)
            return Status.HANDLED
        number = self._value_for(info, value)
        if number is None:
            return Status.INVALID
        try:
            ok = self._set(row, number)
        except (HidIOError, HidGone) as exc:
            self.log.warning("setvar: %s failed: %s", name, exc)
            if isinstance(exc, HidGone):
                self.drop()
            return Status.UNKNOWN
        if not ok:
            return Status.UNKNOWN
        self.data_has_changed = True
        return Status.HANDLED

    def shutdown(self) -> str | None:
        """``upsdrv_shutdown``: the first of NUT's commands the device takes."""
        for cmd in ("shutdown.return", "shutdown.reboot", "load.off.delay", "shutdown.stayoff"):
            if self.instcmd(cmd, None) == Status.HANDLED:
                return cmd
        return None


class UsbhidUps(Driver):
    name = "usbhid-ups"
    description = "Generic HID driver"
    version = "0.47"
    variables = (
        DriverVar(name="lowbatt", desc=f"Set low battery level, in % (default={DEFAULT_LOWBATT})"),
        DriverVar(
            name="offdelay",
            desc=f"Set shutdown delay, in seconds (default={DEFAULT_OFFDELAY}, "
            f"or {DEFAULT_OFFDELAY_CPS} for CPS devices)",
        ),
        DriverVar(
            name="ondelay",
            desc=f"Set startup delay, in seconds (default={DEFAULT_ONDELAY}, "
            f"or {DEFAULT_ONDELAY_CPS} for CPS devices)",
        ),
        DriverVar(
            name="pollfreq",
            desc="Set polling frequency, in seconds, to reduce data flow "
            f"(default={DEFAULT_POLLFREQ}, or {DEFAULT_POLLFREQ_CPS} for CPS devices)",
        ),
        DriverVar(
            name="pollonly",
            desc="Don't use interrupt pipe, only use polling (recommended for CPS devices)",
            value=False,
        ),
        DriverVar(
            name="interrupt_pipe_no_events_tolerance",
            desc='How many times in a row do we tolerate "Got 0 HID objects" from USB interrupts?',
        ),
        DriverVar(
            name="onlinedischarge",
            desc="Set to treat discharging while online as being offline/on-battery "
            "(DEPRECATED, use onlinedischarge_onbattery)",
            value=False,
        ),
        DriverVar(
            name="onlinedischarge_onbattery",
            desc="Set to treat discharging while online as being offline/on-battery",
            value=False,
        ),
        DriverVar(
            name="onlinedischarge_calibration",
            desc="Set to treat discharging while online as doing calibration",
            value=False,
        ),
        DriverVar(
            name="onlinedischarge_log_throttle_sec",
            desc="Set to throttle log messages about discharging while online (only so often)",
        ),
        DriverVar(
            name="onlinedischarge_log_throttle_hovercharge",
            desc="Set to throttle log messages about discharging while online "
            "(only if battery.charge is under this value)",
        ),
        DriverVar(
            name="lbrb_log_delay_sec",
            desc="Set to delay status-setting (and log messages) about device in LB or LB+RB state",
        ),
        DriverVar(
            name="lbrb_log_delay_without_calibrating",
            desc="Set to apply lbrb_log_delay_sec even if device is not calibrating",
            value=False,
        ),
        DriverVar(
            name="disable_fix_report_desc",
            desc="Set to disable fix-ups for broken USB encoding, etc. which we apply by "
            "default on certain vendors/products",
            value=False,
        ),
        DriverVar(
            name="powercom_sdcmd_byte_order_fallback",
            desc="Set to use legacy byte order for Powercom HID shutdown commands",
            value=False,
        ),
        DriverVar(
            name="powercom_sdcmd_discrete_delay",
            desc="Set to use discrete timing table for Powercom HID shutdown commands "
            "(Raptor and Smart KING Pro series)",
            value=False,
        ),
        DriverVar(name="subdriver", desc="Explicit USB HID subdriver selection"),
        DriverVar(name="vendor", desc="Regular expression to match UPS Manufacturer string"),
        DriverVar(name="product", desc="Regular expression to match UPS Product string"),
        DriverVar(name="serial", desc="Regular expression to match UPS Serial number"),
        DriverVar(
            name="vendorid",
            desc="Regular expression to match UPS Manufacturer numerical ID (4 digits hexadecimal)",
        ),
        DriverVar(
            name="productid",
            desc="Regular expression to match UPS Product numerical ID (4 digits hexadecimal)",
        ),
        DriverVar(name="bus", desc="Regular expression to match USB bus name"),
        DriverVar(name="device", desc="Regular expression to match USB device name"),
        DriverVar(name="busport", desc="Regular expression to match USB bus port name"),
        DriverVar(
            name="allow_duplicates",
            desc="If you have several UPS devices which may not be uniquely identified by "
            "options above, allow each driver instance with this option to take the first "
            "match if available, or try another one if it is already busy",
            value=False,
        ),
        DriverVar(
            name="usb_set_altinterface",
            desc="Force redundant call to usb_set_altinterface() "
            "(value=bAlternateSetting; default=0)",
        ),
        DriverVar(
            name="usb_config_index", desc="Deeper tuning of USB communications for complex devices"
        ),
        DriverVar(
            name="usb_hid_rep_index", desc="Deeper tuning of USB communications for complex devices"
        ),
        DriverVar(
            name="usb_hid_desc_index",
            desc="Deeper tuning of USB communications for complex devices",
        ),
        DriverVar(
            name="usb_hid_ep_in", desc="Deeper tuning of USB communications for complex devices"
        ),
        DriverVar(
            name="usb_hid_ep_out", desc="Deeper tuning of USB communications for complex devices"
        ),
        DriverVar(name="LIBUSB_DEBUG", desc="Set libusb debug level (LIBUSB_DEBUG)"),
        DriverVar(name="explore", desc="Diagnostic matching of unsupported UPS", value=False),
        DriverVar(
            name="maxreport", desc="Activate tweak for buggy APC Back-UPS firmware", value=False
        ),
        DriverVar(
            name="interruptonly", desc="Don't use polling, only use interrupt pipe", value=False
        ),
        DriverVar(name="interruptsize", desc="Number of bytes to read from interrupt pipe"),
        DriverVar(name="waitbeforereconnect", desc="Seconds to wait before trying to reconnect"),
    )

    def __init__(
        self, opener: HidOpener | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.opener: HidOpener = opener or open_devices
        self.clock = clock
        self.core: HidUps | None = None

    def help(self) -> str:
        lines = [
            "",
            "Acceptable values for 'subdriver' via -x or ups.conf in this driver "
            "(exact names here, case-insensitive sub-strings may be used, as well as "
            "regular expressions):",
        ]
        lines += [f'\t"{name}"' for name in subdrivers.names()]
        return "\n".join(lines) + "\n"

    async def initups(self, ctx: DriverContext) -> None:
        try:
            settings = Settings.from_context(ctx)
            core = HidUps(
                settings,
                ctx.dstate,
                opener=self.opener,
                log=ctx.log,
                upsname=ctx.upsname,
                pollinterval=ctx.pollinterval,
            )
        except MatchError as exc:
            raise DeviceError(str(exc)) from exc
        self.core = core
        try:
            core.initups()
        except HidGone as exc:
            raise DeviceError("No matching HID UPS found") from exc

    async def initinfo(self, ctx: DriverContext) -> None:
        core = self._core()
        try:
            core.initinfo(self.clock())
        except HidGone as exc:
            raise DeviceError(f"Can't initialize data from HID UPS: {exc}") from exc

    def _core(self) -> HidUps:
        if self.core is None:
            raise DeviceError("no device")
        return self.core

    async def updateinfo(self, ctx: DriverContext) -> None:
        core = self._core()
        core.pollinterval = ctx.pollinterval
        now = self.clock()
        if core.dev is None:
            if now < core.lastpoll + ctx.pollinterval:
                raise DeviceError("waiting to reconnect")
            if now < core.gone_at + core.s.waitbeforereconnect:
                # NUT sleeps here (reconnect_ups); we keep serving the socket instead.
                raise DeviceError("waiting before reconnecting (waitbeforereconnect)")
            ctx.log.debug("Got to reconnect!")
            if not core.reconnect(now):
                raise DeviceError("Device has not been reconnected")
        interrupt: bytes | None = None
        try:
            if core.use_interrupt:
                interrupt = await asyncio.to_thread(core.read_interrupt)
            core.update(self.clock(), interrupt)
        except HidGone as exc:
            ctx.dstate.setinfo("driver.state", "reconnect.trying")
            core.drop()
            core.lastpoll = 0.0
            core.gone_at = now
            raise DeviceError(f"device gone: {exc}") from exc
        except HidIOError as exc:
            raise DeviceError(str(exc)) from exc

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        core = self.core
        if core is None or core.dev is None:
            return Status.FAILED
        return core.instcmd(name, param)

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        core = self.core
        if core is None or core.dev is None:
            return Status.FAILED
        return core.setvar(name, value)

    async def shutdown(self, ctx: DriverContext) -> None:
        core = self._core()
        core.initinfo(self.clock())
        used = core.shutdown()
        if used is None:
            raise DeviceError("Shutdown failed!")
        ctx.log.info("Shutdown successful with '%s'", used)

    async def cleanup(self, ctx: DriverContext) -> None:
        if self.core is not None:
            self.core.drop()


def main(argv: Sequence[str] | None = None) -> int:
    return run_driver(UsbhidUps, argv)


if __name__ == "__main__":
    raise SystemExit(main())
