"""NUT's report buffer: one GET_REPORT per report per poll interval."""

from __future__ import annotations

from powerdown.drivers.usbhid.reports import MAXREPORT_LENGTH, ReportBuffer


def test_ReportBuffer_fresh_within_age() -> None:
    buf = ReportBuffer({1: 3})
    assert buf.needs_read(1, now=10.0, age=2.0)
    buf.store(1, b"\x01\x02\x03", now=10.0)
    assert not buf.needs_read(1, now=11.9, age=2.0)
    assert buf.needs_read(1, now=12.0, age=2.0)  # NUT: good while ts + age > now
    assert buf.get(1) == b"\x01\x02\x03"


def test_ReportBuffer_store_reports_wrong_length() -> None:
    buf = ReportBuffer({1: 3})
    assert not buf.store(1, b"\x01\x02", now=0.0)
    assert buf.get(1) == b"\x01\x02"


def test_ReportBuffer_interrupt_only_never_reads() -> None:
    buf = ReportBuffer({1: 3}, interrupt_only=True)
    assert not buf.needs_read(1, now=1000.0, age=2.0)


def test_ReportBuffer_interrupt_report_is_filed_by_its_id() -> None:
    buf = ReportBuffer({2: 2, 3: 4})
    assert buf.file_interrupt(b"\x02\x05", now=5.0, ids_used=True) == 2
    assert buf.get(2) == b"\x02\x05"
    assert not buf.needs_read(2, now=6.0, age=2.0)
    # a short report keeps what it does not overwrite
    buf.store(3, b"\x03\xaa\xbb\xcc", now=5.0)
    buf.file_interrupt(b"\x03\x11", now=6.0, ids_used=True)
    assert buf.get(3) == b"\x03\x11\xbb\xcc"


def test_ReportBuffer_expire_after_set() -> None:
    buf = ReportBuffer({1: 2, 2: 2})
    buf.store(1, b"\x01\x00", now=0.0)
    buf.store(2, b"\x02\x00", now=0.0)
    buf.expire()
    assert buf.needs_read(1, now=0.1, age=2.0) and buf.needs_read(2, now=0.1, age=2.0)


def test_ReportBuffer_maxreport_asks_for_more() -> None:
    assert ReportBuffer({1: 3}, maxreport=True).request_length(1) == MAXREPORT_LENGTH
    assert ReportBuffer({1: 3}).request_length(1) == 3


def test_ReportBuffer_unread_report_is_zeros() -> None:
    assert ReportBuffer({4: 3}).get(4) == b"\x00\x00\x00"
