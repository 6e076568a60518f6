"""Replayed HID devices for the usbhid-ups tests: real captures and a small device of our own.

The device itself is ``powerdown.drivers.usbhid.replay`` (re-exported here):
in process, a test gives the driver an opener that returns a
``ReplayDevice``; for a real driver process under upsd, the test writes a
recording with ``write_replay`` and starts ``usbhid-ups`` with
``POWERDOWN_USBHID_REPLAY=<file>`` (see that module for the files that steer
it).  This module adds ``from_capture`` (a device answering with the bytes of
one of ``tests/data/usbhid``'s captures) and a hand-built descriptor with
commands and writable values (``make_device``).
"""

from __future__ import annotations

from typing import Any

from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.replay import ReplayDevice, ReplayFile, open_replay, write_replay

__all__ = [
    "ReplayDevice",
    "ReplayFile",
    "write_replay",
    "open_replay",
    "from_capture",
    "Descriptor",
    "TEST_DESCRIPTOR",
    "TEST_REPORTS",
    "make_device",
    "TEST_INFO",
]


def from_capture(name: str, **info: Any) -> ReplayDevice:
    """A device replaying one of ``tests/data/usbhid``'s captures (feature reports as logged)."""
    from tests.support import hidcaptures

    cap = hidcaptures.load(name)
    reports = {rid: data for (kind, rid), data in cap.reports.items() if kind == "feature"}
    ints = [data for (kind, _), data in cap.reports.items() if kind == "interrupt"]
    fields: dict[str, Any] = {
        "vendorid": cap.vendorid,
        "productid": cap.productid,
        "vendor": cap.strings.get("vendor"),
        "product": cap.strings.get("product"),
        "serial": cap.strings.get("serial"),
    }
    fields.update(info)
    return ReplayDevice(
        info=UsbInfo(**fields), descriptor=cap.descriptor, reports=reports, interrupts=ints
    )


# -- a small descriptor of our own, for tests that need commands and RW values ---------


class Descriptor:
    """Writes HID report descriptor items (short items only)."""

    def __init__(self) -> None:
        self.out = bytearray()

    def item(self, prefix: int, value: int | None = None, size: int | None = None) -> Descriptor:
        if value is None:
            self.out.append(prefix)
            return self
        if size is None:
            size = 1 if -128 <= value <= 255 else 2 if -32768 <= value <= 65535 else 4
        code = {1: 1, 2: 2, 4: 3}[size]
        self.out.append(prefix | code)
        self.out += (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        return self

    def page(self, page: int) -> Descriptor:
        return self.item(0x04, page)

    def usage(self, usage: int) -> Descriptor:
        return self.item(0x08, usage)

    def collection(self, kind: int) -> Descriptor:
        return self.item(0xA0, kind)

    def end(self) -> Descriptor:
        return self.item(0xC0)

    def report_id(self, rid: int) -> Descriptor:
        return self.item(0x84, rid)

    def field(
        self, kind: int, *, size: int, count: int = 1, lo: int = 0, hi: int = 255, flags: int = 2
    ) -> Descriptor:
        sz = 2 if hi > 127 or lo < -128 else 1
        self.item(0x14, lo, sz).item(0x24, hi, sz)
        self.item(0x74, size).item(0x94, count)
        return self.item(kind, flags)

    def bytes(self) -> bytes:
        return bytes(self.out)


_FEATURE, _INPUT = 0xB0, 0x80
_POWER, _BATTERY = 0x84, 0x85


def _test_descriptor() -> bytes:
    d = Descriptor()
    d.page(_POWER).usage(0x04).collection(0x01)  # UPS
    d.usage(0x24).collection(0x00)  # PowerSummary
    d.report_id(1)
    d.page(_BATTERY).usage(0x66).field(_FEATURE, size=8, lo=0, hi=100)  # RemainingCapacity
    d.usage(0x29).field(_FEATURE, size=8, lo=0, hi=100)  # RemainingCapacityLimit
    d.usage(0x68).field(_FEATURE, size=16, lo=0, hi=65534)  # RunTimeToEmpty
    d.report_id(2)
    d.page(_POWER).usage(0x02).collection(0x02)  # PresentStatus
    d.page(_BATTERY)
    for usage in (0xD0, 0x45, 0x44, 0x42):  # ACPresent Discharging Charging BelowRCL
        d.usage(usage).field(_FEATURE, size=1, lo=0, hi=1)
    d.field(_FEATURE, size=4, lo=0, hi=1, flags=3)  # padding
    for usage in (0xD0, 0x45, 0x44, 0x42):
        d.usage(usage).field(_INPUT, size=1, lo=0, hi=1)
    d.field(_INPUT, size=4, lo=0, hi=1, flags=3)
    d.end()
    d.page(_POWER)
    d.report_id(3).usage(0x57).field(_FEATURE, size=16, lo=-1, hi=32767)  # DelayBeforeShutdown
    d.report_id(4).usage(0x56).field(_FEATURE, size=16, lo=-1, hi=32767)  # DelayBeforeStartup
    d.report_id(5).usage(0x5A).field(_FEATURE, size=8, lo=1, hi=3)  # AudibleAlarmControl
    d.end().end()
    return d.bytes()


#: PowerSummary with charge, its low limit (RW), runtime, four status bits (feature and
#: input report 2), the shutdown/startup delays and the beeper: enough for APC's table.
TEST_DESCRIPTOR = _test_descriptor()

#: On line, charging, 95 %, low limit 10 %, 1800 s, delays -1 (no countdown), beeper enabled.
TEST_REPORTS: dict[int, bytes] = {
    1: bytes([1, 95, 10]) + (1800).to_bytes(2, "little"),
    2: bytes([2, 0b0101]),
    3: bytes([3, 0xFF, 0xFF]),
    4: bytes([4, 0xFF, 0xFF]),
    5: bytes([5, 2]),
}

TEST_INFO = UsbInfo(
    vendorid=0x051D,
    productid=0x0002,
    vendor="American Power Conversion",
    product="Back-UPS TEST 1500",
    serial="3B1234X56789",
    bus="001",
    device="004",
    busport="002",
)


def make_device(**info: Any) -> ReplayDevice:
    """A fresh device on ``TEST_DESCRIPTOR`` (APC's ids, so APC's table maps it)."""
    fields: dict[str, Any] = {
        "vendorid": TEST_INFO.vendorid,
        "productid": TEST_INFO.productid,
        "vendor": TEST_INFO.vendor,
        "product": TEST_INFO.product,
        "serial": TEST_INFO.serial,
        "bus": TEST_INFO.bus,
        "device": TEST_INFO.device,
        "busport": TEST_INFO.busport,
    }
    fields.update(info)
    return ReplayDevice(info=UsbInfo(**fields), descriptor=TEST_DESCRIPTOR, reports=TEST_REPORTS)
