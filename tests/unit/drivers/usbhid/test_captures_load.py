"""The captured real-device data loads, and agrees with itself.

These checks need no HID parser: they catch transcription slips (a dropped
descriptor line, a mistyped report id) before the parser tests rely on the data.
"""

from __future__ import annotations

import pytest

from tests.support import hidcaptures
from tests.support.hidcaptures import Capture, CaptureFormatError, parse

NAMES = hidcaptures.names()


def test_there_are_captures() -> None:
    assert NAMES


@pytest.fixture(params=NAMES)
def capture(request: pytest.FixtureRequest) -> Capture:
    return hidcaptures.load(request.param)


def test_every_capture_names_its_source(capture: Capture) -> None:
    assert capture.source
    assert all(s.startswith("https://") for s in capture.source)


def test_descriptor_length_is_the_length_nut_logged(capture: Capture) -> None:
    assert len(capture.descriptor) == capture.descriptor_length


def test_descriptor_is_a_power_device_application(capture: Capture) -> None:
    # Usage Page (Power Device), Usage (UPS), Collection (Application).
    assert capture.descriptor[:6] == bytes.fromhex("05 84 09 04 a1 01")


def test_path_report_ids_are_declared_in_the_descriptor(capture: Capture) -> None:
    ids = {p.report_id for p in capture.paths} | {r.report_id for r in capture.report_log}
    for rid in ids:
        # A Report ID global item: 0x85 followed by the id.
        assert bytes((0x85, rid)) in capture.descriptor, f"report id {rid:#04x}"


def test_report_bytes_start_with_their_id(capture: Capture) -> None:
    for (kind, rid), data in capture.reports.items():
        assert kind in ("feature", "interrupt")
        assert data[0] == rid


def test_path_lines_fit_their_reports(capture: Capture) -> None:
    for p in capture.paths:
        data = capture.reports.get(("feature", p.report_id))
        if data is None:
            continue
        assert p.offset + p.size <= 8 * (len(data) - 1), p


def test_a_descriptor_line_that_is_not_hex_is_refused() -> None:
    text = (
        "device: x\nmanufacturer: y\nsource: https://e\nvendorid: 1\nproductid: 2\n"
        "descriptor: 2\n  05 zz\n"
    )
    with pytest.raises(CaptureFormatError, match="t:7"):
        parse(text, name="t")


def test_a_truncated_path_line_is_refused() -> None:
    text = (
        "device: x\nmanufacturer: y\nsource: https://e\nvendorid: 1\nproductid: 2\n"
        "descriptor: 0\npath: UPS.PowerSummary.Voltage, Type: Feature, ReportID: 0x0a, Offset: 0\n"
    )
    with pytest.raises(CaptureFormatError, match="not a NUT Path line"):
        parse(text, name="t")


def test_the_format_round_trips_what_it_records() -> None:
    text = (
        "device: Example\nmanufacturer: Acme\nsource: https://example.invalid/1\n"
        "vendorid: 051d\nproductid: 0002\nvendor: Acme Inc\nnut_version: 2.8.0\n"
        "descriptor: 4\n  05 84\n  09 04\n"
        "report: buf 0c 63\nreport: get 0c 64\nreport: int 0c 62\n"
        "path: UPS.PowerSummary.RemainingCapacity, Type: Feature, ReportID: 0x0c, "
        "Offset: 0, Size: 8, Value: 100\n"
        "upsc:\n  battery.charge: 100\n  ups.status: OL\n"
    )
    cap = parse(text, name="example")
    assert cap.descriptor == bytes.fromhex("05840904")
    assert (cap.vendorid, cap.productid) == (0x051D, 0x0002)
    assert cap.strings == {"vendor": "Acme Inc"}
    assert cap.reports[("feature", 0x0C)] == b"\x0c\x64"  # get wins over buf
    assert cap.reports[("interrupt", 0x0C)] == b"\x0c\x62"
    (line,) = cap.paths
    assert (line.path, line.kind, line.report_id, line.offset, line.size, line.value) == (
        "UPS.PowerSummary.RemainingCapacity",
        "Feature",
        0x0C,
        0,
        8,
        100.0,
    )
    assert dict(cap.upsc) == {"battery.charge": "100", "ups.status": "OL"}
