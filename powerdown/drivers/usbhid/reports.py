"""NUT's report buffer: the last bytes of each report, and how old they are.

Strategy
--------
NUT's ``libhid.c`` (``reportbuf_t``, ``refresh_report_buffer``,
``file_report_buffer``, ``set_item_buffered``).  A HID device packs many
values into one report; asking the device once per value would read the
same report a dozen times in a poll.  So the driver keeps, per report id,
the bytes last read and when: a value whose report is younger than
``age`` seconds (the driver passes its poll interval) comes from the
buffer, an older one makes the driver ask the device again.

Reports that arrive on the interrupt pipe are filed in the same buffer
(the first byte is the report id), so a feature read after an interrupt
does not hit the device either.  With ``interruptonly`` the buffer is
never refreshed by GET_REPORT at all.  After a SET_REPORT every report is
considered stale: the device may have changed more than the one value.

Pure: times are passed in; the driver does the transfers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ReportBuffer", "MAXREPORT_LENGTH"]

#: What ``maxreport`` asks for (APC Back-UPS firmware that misstates report sizes).
MAXREPORT_LENGTH = 64


@dataclass(slots=True)
class ReportBuffer:
    """Per report id: the expected length (with the id byte), the bytes, the time read."""

    lengths: Mapping[int, int]
    interrupt_only: bool = False
    maxreport: bool = False
    data: dict[int, bytes] = field(default_factory=dict)
    stamps: dict[int, float] = field(default_factory=dict)

    def request_length(self, report_id: int) -> int:
        """How many bytes to ask the device for."""
        if self.maxreport:
            return MAXREPORT_LENGTH
        return self.lengths.get(report_id, 0)

    def needs_read(self, report_id: int, now: float, age: float) -> bool:
        """Whether the buffered report is too old (NUT: ``ts + age > now`` is still good)."""
        if self.interrupt_only:
            return False
        stamp = self.stamps.get(report_id)
        return stamp is None or not stamp + age > now

    def get(self, report_id: int) -> bytes:
        """The buffered bytes, zero-filled to the expected length when never read."""
        data = self.data.get(report_id)
        if data is None:
            return bytes(max(self.lengths.get(report_id, 0), 1 if report_id else 0))
        return data

    def store(self, report_id: int, data: bytes, now: float) -> bool:
        """File a GET_REPORT answer; False when its length is not the expected one."""
        self.data[report_id] = bytes(data)
        self.stamps[report_id] = now
        return len(data) == self.lengths.get(report_id, len(data))

    def file_interrupt(self, data: bytes, now: float, *, ids_used: bool) -> int | None:
        """File a report read from the interrupt pipe; its id, or None if empty.

        As NUT, broken descriptors are common, so whatever fits is stored:
        a short report keeps the tail of the previous bytes.
        """
        if not data:
            return None
        report_id = data[0] if ids_used else 0
        expected = self.lengths.get(report_id, len(data))
        old = bytearray(self.get(report_id).ljust(expected, b"\0"))
        n = min(len(data), expected)
        old[:n] = data[:n]
        self.data[report_id] = bytes(old[:expected])
        self.stamps[report_id] = now
        return report_id

    def expire(self) -> None:
        """After a SET_REPORT: every report is read again on next use."""
        self.stamps.clear()

    def forget(self) -> None:
        """After a reconnect: nothing buffered is trusted."""
        self.data.clear()
        self.stamps.clear()
