"""A HID device that replays captured bytes: the usbhid-ups tests' transport double.

Strategy
--------
``ReplayDevice`` is a ``transport.HidDevice``: it answers GET_DESCRIPTOR
with a descriptor, GET_REPORT with the bytes a real device returned
(``tests/support/hidcaptures.py`` captures, or bytes a test writes), records
every SET_REPORT (and, as a device would, answers later GET_REPORTs with
the bytes set), and hands out queued interrupt reports.  It can vanish
(every call raises ``HidGone``, the opener lists nothing) and come back.

Two ways to use it:

- in process: build a ``ReplayDevice`` and give the driver an opener that
  returns it;
- in a real driver process (under upsd): write a replay file with
  ``write_replay(path, ...)`` and start ``usbhid-ups`` with the environment
  ``POWERDOWN_USBHID_REPLAY=<path>`` and the repository on ``PYTHONPATH``.
  ``transport.open_devices()`` (the test seam, read nowhere else) then calls
  ``open_replay(path)``.  The test steers the device through files next to
  the replay file: ``<path>.gone`` exists -> the device is unplugged;
  rewriting ``<path>`` changes the reports it answers with (read again when
  the file changes); every SET_REPORT is appended to ``<path>.sets`` as
  ``<report id> <hex bytes>``; lines appended to ``<path>.int`` are served
  as interrupt reports, one per read.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerdown.drivers.usbhid.hidparser import ReportKind
from powerdown.drivers.usbhid.matcher import HidGone, HidIOError, UsbInfo

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


class ReplayDevice:
    """A ``HidDevice`` answering from memory; ``gone`` makes every call raise ``HidGone``."""

    def __init__(
        self,
        *,
        info: UsbInfo,
        descriptor: bytes,
        reports: Mapping[int, bytes],
        interrupts: Iterable[bytes] = (),
        strings: Mapping[int, str] | None = None,
    ) -> None:
        self.info = info
        self.descriptor = descriptor
        self.reports = dict(reports)
        self.interrupts: deque[bytes] = deque(interrupts)
        self.strings = dict(strings or {})
        self.sets: list[tuple[int, bytes]] = []
        self.gets: list[int] = []
        self.gone = False
        self.closed = False

    def vanish(self) -> None:
        self.gone = True

    def come_back(self) -> None:
        self.gone = False

    def _check(self) -> None:
        if self.gone:
            raise HidGone("LIBUSB_ERROR_NO_DEVICE (replayed device unplugged)")

    def report_descriptor(self) -> bytes:
        self._check()
        return self.descriptor

    def get_report(self, report_id: int, kind: ReportKind, length: int) -> bytes:
        self._check()
        self.gets.append(report_id)
        data = self.reports.get(report_id)
        if data is None:
            raise HidIOError(f"LIBUSB_ERROR_PIPE (no report {report_id:02x} captured)")
        return data[:length]

    def set_report(self, report_id: int, kind: ReportKind, data: bytes) -> None:
        self._check()
        self.sets.append((report_id, bytes(data)))
        self.reports[report_id] = bytes(data)

    def interrupt_read(self, length: int, timeout_ms: int) -> bytes | None:
        self._check()
        if not self.interrupts:
            return None
        return self.interrupts.popleft()[:length]

    def get_string(self, index: int) -> str | None:
        self._check()
        return self.strings.get(index)

    def close(self) -> None:
        self.closed = True


# -- the replay file, for a driver in another process ---------------------------------


@dataclass(frozen=True, slots=True)
class ReplayFile:
    """Where a driver process finds its device, and the files that steer it."""

    path: Path

    @property
    def gone(self) -> Path:
        return Path(f"{self.path}.gone")

    @property
    def sets(self) -> Path:
        return Path(f"{self.path}.sets")

    @property
    def ints(self) -> Path:
        return Path(f"{self.path}.int")

    def vanish(self) -> None:
        self.gone.write_text("")

    def come_back(self) -> None:
        self.gone.unlink(missing_ok=True)

    def set_reports(self) -> list[tuple[int, bytes]]:
        if not self.sets.exists():
            return []
        out = []
        for line in self.sets.read_text().splitlines():
            rid, _, data = line.partition(" ")
            out.append((int(rid), bytes.fromhex(data)))
        return out

    def push_interrupt(self, data: bytes) -> None:
        with open(self.ints, "a") as f:
            f.write(data.hex() + "\n")

    def update_reports(self, reports: Mapping[int, bytes]) -> None:
        doc = json.loads(self.path.read_text())
        doc["reports"].update({str(k): v.hex() for k, v in reports.items()})
        tmp = Path(f"{self.path}.tmp")
        tmp.write_text(json.dumps(doc))
        os.replace(tmp, self.path)


def write_replay(
    path: str | os.PathLike[str],
    *,
    info: UsbInfo,
    descriptor: bytes,
    reports: Mapping[int, bytes],
    strings: Mapping[int, str] | None = None,
) -> ReplayFile:
    doc = {
        "info": {
            "vendorid": info.vendorid,
            "productid": info.productid,
            "vendor": info.vendor,
            "product": info.product,
            "serial": info.serial,
            "bus": info.bus,
            "device": info.device,
            "busport": info.busport,
            "bcd_device": info.bcd_device,
        },
        "descriptor": descriptor.hex(),
        "reports": {str(k): v.hex() for k, v in reports.items()},
        "strings": {str(k): v for k, v in (strings or {}).items()},
    }
    Path(path).write_text(json.dumps(doc))
    return ReplayFile(Path(path))


class _FileDevice(ReplayDevice):
    """A ``ReplayDevice`` steered by the replay file's neighbours."""

    def __init__(self, replay: ReplayFile, doc: dict[str, Any]) -> None:
        super().__init__(
            info=UsbInfo(**doc["info"]),
            descriptor=bytes.fromhex(doc["descriptor"]),
            reports={int(k): bytes.fromhex(v) for k, v in doc["reports"].items()},
            strings={int(k): v for k, v in doc.get("strings", {}).items()},
        )
        self.replay = replay
        self.mtime = _mtime(replay.path)
        self.int_offset = replay.ints.stat().st_size if replay.ints.exists() else 0

    def _check(self) -> None:
        if self.replay.gone.exists():
            self.gone = True
        super()._check()
        mtime = _mtime(self.replay.path)
        if mtime != self.mtime:
            self.mtime = mtime
            doc = json.loads(self.replay.path.read_text())
            self.reports.update({int(k): bytes.fromhex(v) for k, v in doc["reports"].items()})

    def set_report(self, report_id: int, kind: ReportKind, data: bytes) -> None:
        super().set_report(report_id, kind, data)
        with open(self.replay.sets, "a") as f:
            f.write(f"{report_id} {bytes(data).hex()}\n")
        # What the device now holds is what was set; keep the file in step
        # so a change of the file does not undo it.
        self.replay.update_reports({report_id: bytes(data)})
        self.mtime = _mtime(self.replay.path)

    def interrupt_read(self, length: int, timeout_ms: int) -> bytes | None:
        self._check()
        if self.replay.ints.exists():
            with open(self.replay.ints) as f:
                f.seek(self.int_offset)
                line = f.readline()
                if line.endswith("\n"):
                    self.int_offset = f.tell()
                    return bytes.fromhex(line.strip())[:length]
        return None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def open_replay(path: str) -> list[ReplayDevice]:
    """The test seam's opener: the replayed device, or nothing while it is unplugged."""
    replay = ReplayFile(Path(path))
    if replay.gone.exists():
        return []
    return [_FileDevice(replay, json.loads(replay.path.read_text()))]


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
