"""Our HID parser reads every captured real descriptor as NUT's did.

For every ``Path:`` line NUT logged, the parser must yield a field with the
same name, kind, report id, bit offset and size; where the report bytes NUT
decoded were logged too, our value must print as NUT printed it ("%g").
"""

from __future__ import annotations

import pytest

from powerdown.drivers.usbhid import usages
from powerdown.drivers.usbhid.hidparser import (
    HidField,
    ReportDescriptor,
    ReportKind,
    get_value,
    parse_report_descriptor,
)
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import SUBDRIVERS
from powerdown.drivers.usbhid.usages import UsageTable
from tests.support import hidcaptures
from tests.support.hidcaptures import Capture, PathLine

CAPTURES = hidcaptures.all_captures()
PATH_LINES = [(cap, i, line) for cap in CAPTURES for i, line in enumerate(cap.paths)]
PATH_CASES = [pytest.param(c, line, id=f"{c.name}:{i}:{line.path}") for c, i, line in PATH_LINES]
VALUE_CASES = [
    pytest.param(c, line, id=f"{c.name}:{i}:{line.path}")
    for c, i, line in PATH_LINES
    if line.report is not None
]
# NUT names a usage from the chosen subdriver's table, then its generic one;
# any subdriver's tables may be the one NUT used for a given log.
TABLE_SETS: list[tuple[UsageTable, ...]] = [()] + [s.usage_tables for s in SUBDRIVERS]


def _names(field: HidField) -> set[str]:
    return {usages.path_to_name(field.path, *tables) for tables in TABLE_SETS}


def _descriptor(cap: Capture) -> ReportDescriptor:
    """The descriptor as NUT decoded it: after the named subdriver's fix-ups.

    NUT (2.8.0 on) patches some firmware's descriptors before it reads any
    report (CyberPower's output voltage range, for one); a capture that names
    its subdriver gets that subdriver's ``fix_report_desc``, as NUT's did.
    """
    desc = parse_report_descriptor(cap.descriptor)
    name = cap.subdriver.rsplit(" ", 1)[0] if cap.subdriver else None
    for sub in SUBDRIVERS:
        if sub.name == name and sub.fix_report_desc is not None:
            desc = sub.fix_report_desc(
                UsbInfo(vendorid=cap.vendorid, productid=cap.productid), desc
            )
    return desc


def _matching(cap: Capture, line: PathLine) -> list[HidField]:
    desc = _descriptor(cap)
    kind = ReportKind[line.kind.upper()]
    return [
        f
        for f in desc.fields
        if f.kind == kind
        and f.report_id == line.report_id
        and f.offset == line.offset
        and f.size == line.size
        and line.path in _names(f)
    ]


@pytest.mark.parametrize("cap", CAPTURES, ids=[c.name for c in CAPTURES])
def test_every_captured_descriptor_parses(cap: Capture) -> None:
    desc = parse_report_descriptor(cap.descriptor)
    assert desc.fields
    for (kind, rid), data in cap.reports.items():
        if kind == "interrupt":
            assert len(data) == desc.report_size(rid, ReportKind.INPUT)


@pytest.mark.parametrize(("cap", "line"), PATH_CASES)
def test_nut_logged_path_is_a_parsed_field(cap: Capture, line: PathLine) -> None:
    assert _matching(cap, line), f"no field for {line}"


@pytest.mark.parametrize(("cap", "line"), VALUE_CASES)
def test_value_from_the_logged_bytes_is_nuts_value(cap: Capture, line: PathLine) -> None:
    assert line.report is not None
    values = {f"{get_value(f, line.report):g}" for f in _matching(cap, line)}
    assert line.text in values
