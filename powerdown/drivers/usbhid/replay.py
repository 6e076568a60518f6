"""A recorded HID device replayed from a file: usbhid-ups without the hardware.

Strategy
--------
``ReplayDevice`` is a ``transport.HidDevice`` that answers from memory: the
report descriptor, GET_REPORT with the bytes a real device returned, SET_REPORT
recorded (and answered by later GET_REPORTs, as a device would), interrupt
reports from a queue.  It can vanish (every call raises ``HidGone``) and
come back.

With ``POWERDOWN_USBHID_REPLAY=<file>`` in its environment, usbhid-ups opens
the device recorded in that JSON file instead of looking on the USB bus
(``transport.open_devices``).  That is how the tests run the real driver
process under upsd with no UPS attached, and how a subdriver can be tried on
the bytes of someone else's UPS.  Files next to the recording steer it while
the driver runs: ``<file>.gone`` exists -> the device is unplugged; rewriting
``<file>`` changes the reports it answers with; every SET_REPORT is appended
to ``<file>.sets`` as ``<report id> <hex bytes>``; lines appended to
``<file>.int`` are served as interrupt reports, one per read.
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

__all__ = ["ReplayDevice", "ReplayFile", "write_replay", "open_replay", "REPLAY_ENV"]

#: The environment variable naming a recording to replay instead of the USB bus.
REPLAY_ENV = "POWERDOWN_USBHID_REPLAY"


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
