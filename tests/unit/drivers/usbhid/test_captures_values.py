"""Values decoded from real devices' bytes, device by device.

Each assertion takes report bytes a real UPS sent (as captured in
tests/data/usbhid, with their sources) and checks that our parser and
``get_value`` give the value the source decoded from the very same bytes:
NUT's ``Path:`` lines where NUT logged them, the capturing project's own
reading otherwise.  The generic parse test covers every Path line; these name
the values a user sees (charge, runtime, voltages, delays, status bits), so a
regression reads as "XS 1400U runtime" rather than as a parametrised index.
"""

from __future__ import annotations

import pytest

from powerdown.drivers.usbhid import usages
from powerdown.drivers.usbhid.hidparser import (
    HidField,
    ReportKind,
    get_value,
    parse_report_descriptor,
)
from powerdown.drivers.usbhid.subdrivers import SUBDRIVERS
from powerdown.drivers.usbhid.usages import UsageTable
from tests.support import hidcaptures

TABLE_SETS: list[tuple[UsageTable, ...]] = [()] + [s.usage_tables for s in SUBDRIVERS]


def _field(capture: str, name: str, kind: ReportKind = ReportKind.FEATURE) -> HidField:
    """The one field of a captured descriptor that NUT would print as ``name``."""
    desc = parse_report_descriptor(hidcaptures.load(capture).descriptor)
    found = {
        f
        for f in desc.fields
        if f.kind == kind
        and any(usages.path_to_name(f.path, *tables) == name for tables in TABLE_SETS)
    }
    assert len(found) == 1, f"{capture}: {len(found)} fields named {name}"
    return found.pop()


# (capture, NUT path, kind, report bytes as the device sent them, value the source decoded)
CASES = [
    # APC Back-UPS XS 1400U, NUT #1189 (NUT 2.7.4 Path lines)
    (
        "apc-back-ups-xs-1400u",
        "UPS.PowerSummary.RemainingCapacity",
        ReportKind.INPUT,
        "0c 64 b8 05",
        100,
    ),
    (
        "apc-back-ups-xs-1400u",
        "UPS.PowerSummary.RunTimeToEmpty",
        ReportKind.FEATURE,
        "0c 64 b8 05",
        1464,
    ),
    # 2400 with unit exponent 5 on volts: NUT printed 24
    ("apc-back-ups-xs-1400u", "UPS.PowerSummary.ConfigVoltage", ReportKind.FEATURE, "08 60 09", 24),
    (
        "apc-back-ups-xs-1400u",
        "UPS.PowerSummary.DelayBeforeShutdown",
        ReportKind.FEATURE,
        "15 ff ff",
        -1,
    ),
    (
        "apc-back-ups-xs-1400u",
        "UPS.PowerSummary.PresentStatus.ACPresent",
        ReportKind.FEATURE,
        "16 0c 00 00 00",
        1,
    ),
    (
        "apc-back-ups-xs-1400u",
        "UPS.PowerSummary.PresentStatus.Charging",
        ReportKind.FEATURE,
        "16 0c 00 00 00",
        0,
    ),
    (
        "apc-back-ups-xs-1400u",
        "UPS.Battery.APCBattReplaceDate",
        ReportKind.FEATURE,
        "1c 01 25 09",
        599297,
    ),
    ("apc-back-ups-xs-1400u", "UPS.Input.HighVoltageTransfer", ReportKind.FEATURE, "33 18 01", 280),
    ("apc-back-ups-xs-1400u", "UPS.PowerConverter.PercentLoad", ReportKind.FEATURE, "50 10", 16),
    # Eaton 3S 700, NUT #2887
    (
        "eaton-3s-700",
        "UPS.PowerSummary.RemainingCapacity",
        ReportKind.INPUT,
        "06 5c b1 0a 00 00",
        92,
    ),
    (
        "eaton-3s-700",
        "UPS.PowerSummary.RunTimeToEmpty",
        ReportKind.FEATURE,
        "06 5c b1 0a 00 00",
        2737,
    ),
    (
        "eaton-3s-700",
        "UPS.PowerSummary.DelayBeforeStartup",
        ReportKind.FEATURE,
        "0a ff ff ff ff",
        -1,
    ),
    ("eaton-3s-700", "UPS.Flow.[4].ConfigVoltage", ReportKind.FEATURE, "12 e6", 230),
    ("eaton-3s-700", "UPS.Flow.[4].ConfigApparentPower", ReportKind.FEATURE, "0d bc 02 32", 700),
    ("eaton-3s-700", "UPS.PowerConverter.Output.Voltage", ReportKind.FEATURE, "0e e6 00", 230),
    ("eaton-3s-700", "UPS.PowerSummary.PresentStatus.Charging", ReportKind.INPUT, "01 25 00 00", 1),
    (
        "eaton-3s-700",
        "UPS.PowerSummary.PresentStatus.Discharging",
        ReportKind.INPUT,
        "01 25 00 00",
        0,
    ),
    (
        "eaton-3s-700",
        "UPS.PowerSummary.PercentLoad",
        ReportKind.FEATURE,
        "07 02 02 01 00 09 08 02",
        8,
    ),
    # Tripp Lite 09ae:3016, NUT #414 (NUT 2.7.4)
    (
        "tripplite-09ae-3016",
        "UPS.PowerConverter.PresentStatus.Boost",
        ReportKind.FEATURE,
        "22 20 00",
        0,
    ),
    (
        "tripplite-09ae-3016",
        "UPS.PowerConverter.PresentStatus.Overload",
        ReportKind.FEATURE,
        "22 20 00",
        0,
    ),
]


@pytest.mark.parametrize(
    ("capture", "name", "kind", "report", "expected"),
    CASES,
    ids=[f"{c[0]}:{c[1]}:{c[2].name}" for c in CASES],
)
def test_value_the_source_decoded(
    capture: str, name: str, kind: ReportKind, report: str, expected: float
) -> None:
    data = bytes.fromhex(report)
    assert any(r.data == data for r in hidcaptures.load(capture).report_log)
    # As NUT prints it ("%g"): 2400 * 10**(5 - 7) is 24.000000000000004 in binary.
    assert f"{get_value(_field(capture, name, kind), data):g}" == f"{expected:g}"


def test_ec850lcd_lacks_what_its_source_says_it_lacks() -> None:
    # The source: no ManufacturerDate (0x85/0x85) and no Frequency (0x84/0x32)
    # anywhere in the descriptor, so no battery.date and no input.frequency.
    desc = parse_report_descriptor(hidcaptures.load("cyberpower-ec850lcd").descriptor)
    own = {f.path[-1] for f in desc.fields}
    assert 0x00850085 not in own
    assert 0x00840032 not in own
    # ...and what it does read: charge, runtime, load, nominal real power.
    for name in (
        "UPS.PowerSummary.RemainingCapacity",
        "UPS.PowerSummary.RunTimeToEmpty",
        "UPS.Output.PercentLoad",
        "UPS.Output.ConfigActivePower",
    ):
        _field("cyberpower-ec850lcd", name)


def test_rs_1000g_descriptor_reads_whole() -> None:
    cap = hidcaptures.load("apc-back-ups-rs-1000g")
    desc = parse_report_descriptor(cap.descriptor)
    _field("apc-back-ups-rs-1000g", "UPS.PowerSummary.RemainingCapacity", ReportKind.INPUT)
    _field("apc-back-ups-rs-1000g", "UPS.Battery.ManufacturerDate")
    assert desc.report_size(0x0C, ReportKind.FEATURE) == 4  # id, charge, runtime (16 bits)
